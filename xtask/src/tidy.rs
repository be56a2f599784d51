//! Repository rules that no compiler checks, run by `cargo xtask tidy` and by
//! `cargo test` (see the tests at the bottom).
//!
//! - Dependency direction (docs/ARCHITECTURE.md): every workspace member lists
//!   in [`ARROWS`] the internal crates it may depend on, and a member missing
//!   from it is a failure; only `scim-store` names diesel or r2d2; only
//!   `scim-http`, `scim-console`, the server binary, the actix example and
//!   the replay kit name actix; no I/O crate reaches `scim-proto` or `role-engine`.
//! - Minimum supported Rust version: every member inherits the workspace's
//!   `rust-version`, and no package in the resolved graph needs a newer Rust.
//! - Every library crate's `lib.rs` opens with a `//!` doc comment.
//! - SQLite and PostgreSQL migration folders have identical names.
//! - No tracked file points outside the repository (at the `shared` folder
//!   beside it): the repository stands alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub(crate) fn run_all(root: &Path) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    match metadata(root) {
        Ok(meta) => {
            problems.extend(dependency_rules(&meta));
            problems.extend(rust_version_rules(root, &meta));
        }
        Err(e) => problems.push(e),
    }
    problems.extend(crate_docs(root));
    problems.extend(migration_pairs(root));
    problems.extend(outside_references(root));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn metadata(root: &Path) -> Result<Value, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// Package name -> names of its normal (non-dev, non-build) dependencies, for
/// every package in the resolved graph.
fn normal_graph(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut names = BTreeMap::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        if let (Some(id), Some(name)) = (package["id"].as_str(), package["name"].as_str()) {
            names.insert(id.to_owned(), name.to_owned());
        }
    }
    let mut graph = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().into_iter().flatten() {
        let Some(name) = node["id"].as_str().and_then(|id| names.get(id)) else {
            continue;
        };
        let deps = node["deps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|dep| {
                dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].is_null())
            })
            .filter_map(|dep| dep["pkg"].as_str().and_then(|id| names.get(id)).cloned())
            .collect();
        graph.insert(name.clone(), deps);
    }
    graph
}

fn closure(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start.to_owned()];
    while let Some(name) = stack.pop() {
        for dep in graph.get(&name).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                stack.push(dep.clone());
            }
        }
    }
    seen
}

/// The internal crates each workspace member may depend on (normal
/// dependencies). Every member must be listed: a crate added later declares its
/// arrows here.
const ARROWS: &[(&str, &[&str])] = &[
    ("scim-proto", &[]),
    ("role-engine", &["scim-proto"]),
    // The store never depends on the role engine.
    ("scim-store", &["scim-proto"]),
    ("provisioning", &["scim-proto", "role-engine", "scim-store"]),
    // The store reaches HTTP only through provisioning (and its re-exports).
    ("scim-http", &["scim-proto", "role-engine", "provisioning"]),
    // The console is a client of the use cases, through scim-http's credential
    // check and error mapping; never of the store.
    ("scim-console", &["provisioning", "scim-http"]),
    (
        "scim-server",
        &[
            "scim-proto",
            "role-engine",
            "scim-store",
            "provisioning",
            "scim-http",
            "scim-console",
        ],
    ),
    // The replay kit speaks HTTP to any SCIM server: it knows none of ours.
    ("scim-replay", &[]),
    ("embed-role-engine", &["role-engine"]),
    ("embed-actix", &["scim-store", "provisioning", "scim-http"]),
    ("xtask", &[]),
];

/// Names of the workspace members.
fn members(meta: &Value) -> BTreeSet<String> {
    let ids: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| ids.contains(id)))
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// The members that may name actix: the HTTP crate, the console, the server, the example
/// of embedding the routes in an actix-web application, and the replay kit's in-process
/// runner (its `actix` feature).
const ACTIX_USERS: &[&str] = &[
    "scim-http",
    "scim-console",
    "scim-server",
    "embed-actix",
    "scim-replay",
];

const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "actix-web",
    "actix-rt",
    "hyper",
    "diesel",
    "r2d2",
    "libsqlite3-sys",
    "pq-sys",
    "socket2",
];

fn dependency_rules(meta: &Value) -> Vec<String> {
    let graph = normal_graph(meta);
    let members = members(meta);
    let mut problems = Vec::new();
    for krate in &members {
        let Some((_, allowed)) = ARROWS.iter().find(|(name, _)| name == krate) else {
            problems.push(format!(
                "workspace member {krate} is missing from ARROWS in xtask/src/tidy.rs: \
                 declare which internal crates it may depend on"
            ));
            continue;
        };
        for dep in graph.get(krate).into_iter().flatten() {
            if dep != krate && members.contains(dep) && !allowed.contains(&dep.as_str()) {
                problems.push(format!("{krate} must not depend on {dep}"));
            }
        }
    }
    for pure in ["scim-proto", "role-engine"] {
        if graph.contains_key(pure) {
            for dep in closure(&graph, pure) {
                if IO_CRATES.contains(&dep.as_str()) {
                    problems.push(format!("{pure} reaches the I/O crate {dep}"));
                }
            }
        }
    }
    for (krate, deps) in &graph {
        if !members.contains(krate) {
            continue;
        }
        for dep in deps {
            if (dep == "diesel" || dep == "r2d2") && krate != "scim-store" {
                problems.push(format!("only scim-store may name {dep}, not {krate}"));
            }
            if dep.starts_with("actix") && !ACTIX_USERS.contains(&krate.as_str()) {
                problems.push(format!(
                    "only scim-http, the console and the server may name {dep}, not {krate}"
                ));
            }
        }
    }
    problems
}

fn crate_docs(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for dir in ["crates", "bins"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let lib = entry.path().join("src/lib.rs");
            if let Ok(text) = std::fs::read_to_string(&lib)
                && !text.trim_start().starts_with("//!")
            {
                problems.push(format!(
                    "{} must open with a //! doc comment",
                    lib.display()
                ));
            }
        }
    }
    problems
}

fn migration_pairs(root: &Path) -> Vec<String> {
    let base = root.join("crates/scim-store/migrations");
    let list = |backend: &str| -> BTreeSet<String> {
        std::fs::read_dir(base.join(backend))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (sqlite, postgres) = (list("sqlite"), list("postgres"));
    sqlite
        .symmetric_difference(&postgres)
        .map(|name| format!("migration {name} exists for only one backend"))
        .collect()
}

/// A `rust-version` as comparable numbers (`"1.89"` -> `[1, 89]`); missing
/// parts count as 0.
fn version_numbers(version: &str) -> Vec<u64> {
    let mut numbers: Vec<u64> = version
        .split('.')
        .map(|part| part.parse().unwrap_or(0))
        .collect();
    numbers.resize(3, 0);
    numbers
}

/// The `rust-version` the root manifest declares for the workspace.
fn declared_rust_version(root_manifest: &str) -> Option<String> {
    root_manifest.lines().find_map(|line| {
        let value = line.trim().strip_prefix("rust-version")?.trim_start();
        Some(value.strip_prefix('=')?.trim().trim_matches('"').to_owned())
    })
}

fn rust_version_rules(root: &Path, meta: &Value) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let Some(ours) = declared_rust_version(&manifest) else {
        return vec!["the root Cargo.toml declares no rust-version".to_owned()];
    };
    let mut problems = package_rust_versions(meta, &ours);
    let members = members(meta);
    for package in meta["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(path)) =
            (package["name"].as_str(), package["manifest_path"].as_str())
        else {
            continue;
        };
        let inherits = std::fs::read_to_string(path).is_ok_and(|text| {
            text.lines()
                .any(|line| line.trim() == "rust-version.workspace = true")
        });
        if members.contains(name) && !inherits {
            problems.push(format!("{path} must say `rust-version.workspace = true`"));
        }
    }
    problems
}

/// Packages of the resolved graph (every platform, dev and build dependencies
/// included) that need a newer Rust than `ours`.
fn package_rust_versions(meta: &Value, ours: &str) -> Vec<String> {
    let limit = version_numbers(ours);
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|package| {
            let needed = package["rust_version"].as_str()?;
            (version_numbers(needed) > limit).then(|| {
                format!(
                    "{} {} needs Rust {needed}, above the workspace's rust-version {ours}: \
                     raise rust-version or pin an older version",
                    package["name"].as_str().unwrap_or("?"),
                    package["version"].as_str().unwrap_or("?"),
                )
            })
        })
        .collect()
}

/// The folder beside the repository that nothing tracked may point at; spelt
/// in two pieces so that this file does not mention it.
const OUTSIDE: &str = concat!("..", "/shared");

fn outside_references(root: &Path) -> Vec<String> {
    let output = match Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
    {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            return vec![format!(
                "git ls-files failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )];
        }
        Err(e) => return vec![format!("git ls-files: {e}")],
    };
    String::from_utf8_lossy(&output.stdout)
        .split('\0')
        .filter(|name| !name.is_empty())
        .filter(|name| {
            std::fs::read(root.join(name))
                .is_ok_and(|bytes| mentions_outside(&String::from_utf8_lossy(&bytes)))
        })
        .map(|name| {
            format!("{name} points outside the repository ({OUTSIDE}): move what it needs in")
        })
        .collect()
}

fn mentions_outside(text: &str) -> bool {
    text.contains(OUTSIDE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_follows_its_rules() {
        if let Err(problems) = run_all(&workspace_root()) {
            panic!("tidy problems:\n{}", problems.join("\n"));
        }
    }

    /// `cargo metadata` for a made-up workspace: `members` (name, normal
    /// internal dependencies) plus the outside package tokio.
    fn made_up(members: &[(&str, &[&str])], tokio_users: &[&str]) -> Value {
        let mut packages = vec![serde_json::json!({"id": "tokio", "name": "tokio"})];
        let mut nodes = vec![serde_json::json!({"id": "tokio", "deps": []})];
        for (name, deps) in members {
            packages.push(serde_json::json!({"id": name, "name": name}));
            let deps: Vec<Value> = deps
                .iter()
                .chain(tokio_users.contains(name).then_some(&"tokio"))
                .map(|dep| serde_json::json!({"pkg": dep, "dep_kinds": [{"kind": null}]}))
                .collect();
            nodes.push(serde_json::json!({"id": name, "deps": deps}));
        }
        let ids: Vec<&str> = members.iter().map(|(name, _)| *name).collect();
        serde_json::json!({
            "packages": packages,
            "workspace_members": ids,
            "resolve": {"nodes": nodes},
        })
    }

    #[test]
    fn scim_http_reaches_the_store_only_through_provisioning() {
        let meta = made_up(&[("scim-http", &["scim-store"]), ("scim-store", &[])], &[]);
        assert_eq!(
            dependency_rules(&meta),
            vec!["scim-http must not depend on scim-store".to_owned()]
        );
    }

    #[test]
    fn the_dependency_check_catches_a_violation() {
        // scim-proto depends on tokio and on role-engine; the store on the
        // role engine.
        let meta = made_up(
            &[
                ("scim-proto", &["role-engine"]),
                ("role-engine", &[]),
                ("scim-store", &["scim-proto", "role-engine"]),
            ],
            &["scim-proto"],
        );
        let problems = dependency_rules(&meta);
        for expected in [
            "scim-proto must not depend on role-engine",
            "scim-store must not depend on role-engine",
            "scim-proto reaches the I/O crate tokio",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected}: {problems:?}"
            );
        }
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn a_member_without_declared_arrows_is_a_violation() {
        let meta = made_up(&[("scim-proto", &[]), ("webhooks", &["scim-proto"])], &[]);
        let problems = dependency_rules(&meta);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("webhooks is missing from ARROWS"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_is_a_violation() {
        let meta = serde_json::json!({"packages": [
            {"name": "old", "version": "1.0.0", "rust_version": "1.60"},
            {"name": "same", "version": "1.0.0", "rust_version": "1.89.0"},
            {"name": "unstated", "version": "1.0.0", "rust_version": null},
            {"name": "new", "version": "2.0.0", "rust_version": "1.90"}
        ]});
        let problems = package_rust_versions(&meta, "1.89");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("new 2.0.0 needs Rust 1.90"),
            "{problems:?}"
        );
        assert_eq!(
            declared_rust_version("[workspace.package]\nrust-version = \"1.89\"\n").as_deref(),
            Some("1.89")
        );
    }

    #[test]
    fn a_reference_outside_the_repository_is_caught() {
        assert!(mentions_outside(&format!("see `{OUTSIDE}/DESIGN.md`")));
        assert!(!mentions_outside("see `docs/idp-requests.md` and ../docs"));
    }
}
