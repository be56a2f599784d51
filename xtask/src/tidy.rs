//! Repository rules that no compiler checks, run by `cargo xtask tidy` and by
//! `cargo test` (see the tests at the bottom).
//!
//! - Dependency direction (docs/ARCHITECTURE.md): `scim-proto` depends on no
//!   internal crate; `role-engine` only on `scim-proto`; `scim-store` only on
//!   `scim-proto` and `role-engine`; only `scim-store` names diesel or r2d2; only
//!   `scim-http` and the server binary name actix; no I/O crate reaches
//!   `scim-proto` or `role-engine`.
//! - Every library crate's `lib.rs` opens with a `//!` doc comment.
//! - SQLite and PostgreSQL migration folders have identical names.

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
        Ok(meta) => problems.extend(dependency_rules(&meta)),
        Err(e) => problems.push(e),
    }
    problems.extend(crate_docs(root));
    problems.extend(migration_pairs(root));
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

const INTERNAL: &[&str] = &[
    "scim-proto",
    "role-engine",
    "scim-store",
    "provisioning",
    "scim-http",
    "scim-server",
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
    let mut problems = Vec::new();
    // Allowed direct internal dependencies of each internal crate.
    let allowed: &[(&str, &[&str])] = &[
        ("scim-proto", &[]),
        ("role-engine", &["scim-proto"]),
        ("scim-store", &["scim-proto", "role-engine"]),
        ("provisioning", &["scim-proto", "role-engine", "scim-store"]),
        // The store reaches HTTP only through provisioning (and its re-exports).
        ("scim-http", &["scim-proto", "role-engine", "provisioning"]),
    ];
    for (krate, ok) in allowed {
        let Some(deps) = graph.get(*krate) else {
            continue;
        };
        for dep in deps.iter().filter(|d| INTERNAL.contains(&d.as_str())) {
            if !ok.contains(&dep.as_str()) {
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
        if !INTERNAL.contains(&krate.as_str()) {
            continue;
        }
        for dep in deps {
            if (dep == "diesel" || dep == "r2d2") && krate != "scim-store" {
                problems.push(format!("only scim-store may name {dep}, not {krate}"));
            }
            if dep.starts_with("actix") && krate != "scim-http" && krate != "scim-server" {
                problems.push(format!(
                    "only scim-http and the server may name {dep}, not {krate}"
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
            if let Ok(text) = std::fs::read_to_string(&lib) {
                if !text.trim_start().starts_with("//!") {
                    problems.push(format!(
                        "{} must open with a //! doc comment",
                        lib.display()
                    ));
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_follows_its_rules() {
        if let Err(problems) = run_all(&workspace_root()) {
            panic!("tidy problems:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn scim_http_reaches_the_store_only_through_provisioning() {
        let meta = serde_json::json!({
            "packages": [{"id": "h", "name": "scim-http"}, {"id": "s", "name": "scim-store"}],
            "resolve": {"nodes": [
                {"id": "h", "deps": [{"pkg": "s", "dep_kinds": [{"kind": null}]}]},
                {"id": "s", "deps": []}
            ]}
        });
        assert_eq!(
            dependency_rules(&meta),
            vec!["scim-http must not depend on scim-store".to_owned()]
        );
    }

    #[test]
    fn the_dependency_check_catches_a_violation() {
        // A made-up graph where scim-proto depends on tokio and on role-engine.
        let meta = serde_json::json!({
            "packages": [
                {"id": "a", "name": "scim-proto"}, {"id": "b", "name": "tokio"},
                {"id": "c", "name": "role-engine"}
            ],
            "resolve": {"nodes": [
                {"id": "a", "deps": [
                    {"pkg": "b", "dep_kinds": [{"kind": null}]},
                    {"pkg": "c", "dep_kinds": [{"kind": null}]}
                ]},
                {"id": "b", "deps": []},
                {"id": "c", "deps": []}
            ]}
        });
        let problems = dependency_rules(&meta);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("scim-proto must not depend on role-engine")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("reaches the I/O crate tokio")),
            "{problems:?}"
        );
    }
}
