//! The engine stays embeddable: nothing that does I/O in its normal
//! dependency closure, and no internal crate but the protocol crate.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// Crates that would mean a web framework, an async runtime, a database or a
/// network stack had crept in.
const FORBIDDEN: [&str; 8] = [
    "actix",
    "diesel",
    "tokio",
    "r2d2",
    "hyper",
    "mio",
    "libsqlite3-sys",
    "pq-sys",
];

/// Names of the packages role-engine needs to build and run (normal
/// dependencies, followed transitively; build and dev dependencies excluded).
fn normal_closure() -> (BTreeSet<String>, Vec<String>) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--manifest-path",
            manifest,
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root = names
        .iter()
        .find(|(_, name)| **name == "role-engine")
        .map(|(id, _)| *id)
        .unwrap();
    let normal_deps = |id: &str| -> Vec<String> {
        nodes[id]["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| d["pkg"].as_str().unwrap().to_owned())
            .collect()
    };

    let direct_internal = normal_deps(root)
        .iter()
        .filter(|id| id.starts_with("path+"))
        .map(|id| names[id.as_str()].to_owned())
        .collect();
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(id) = todo.pop() {
        for dep in normal_deps(&id) {
            if seen.insert(dep.clone()) {
                todo.push(dep);
            }
        }
    }
    let closure = seen
        .iter()
        .map(|id| names[id.as_str()].to_owned())
        .collect();
    (closure, direct_internal)
}

#[test]
fn no_io_crate_in_the_normal_dependency_closure() {
    let (closure, _) = normal_closure();
    // The closure is real: the crates we do depend on are in it.
    for expected in [
        "scim-proto",
        "serde",
        "serde_json",
        "thiserror",
        "toml",
        "chrono",
    ] {
        assert!(
            closure.contains(expected),
            "{expected} missing from {closure:?}"
        );
    }
    let offenders: Vec<&String> = closure
        .iter()
        .filter(|name| FORBIDDEN.iter().any(|f| name.starts_with(f)))
        .collect();
    assert!(
        offenders.is_empty(),
        "I/O crates in role-engine's dependencies: {offenders:?}"
    );
}

#[test]
fn the_only_internal_dependency_is_the_protocol_crate() {
    let (_, internal) = normal_closure();
    assert_eq!(internal, ["scim-proto"]);
}
