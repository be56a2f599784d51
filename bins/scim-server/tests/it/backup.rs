//! `scim-server backup PATH`: a copy of the SQLite database taken while SCIM
//! writes go on, restored by starting a server on it; PostgreSQL is refused
//! with the advice to use pg_dump.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scim_store::testing::TestDatabase;
use serde_json::json;

use crate::cli::{BIN, run};
use crate::harness::{Backend, Server, start, start_on};

fn backup(server: &Server, target: &std::path::Path) -> (bool, String, String) {
    run(std::process::Command::new(BIN)
        .env("SCIM_DATABASE_URL", &server.database().url)
        .env("RUST_LOG", "warn")
        .arg("backup")
        .arg(target))
}

/// Every userName of the tenant, paging through SCIM.
fn user_names(server: &Server) -> BTreeSet<String> {
    let scim = server.scim();
    let mut names = BTreeSet::new();
    let mut start = 1;
    loop {
        let page = scim.get(&format!("/Users?startIndex={start}&count=500"));
        let items = page.body["Resources"].as_array().unwrap().clone();
        if items.is_empty() {
            return names;
        }
        start += items.len();
        names.extend(
            items
                .iter()
                .map(|u| u["userName"].as_str().unwrap().to_owned()),
        );
    }
}

#[test]
fn sqlite_backup_under_write_load_restores_every_acknowledged_write() {
    let server = start(Backend::Sqlite);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let scim = server.scim();
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let name = format!("w{writer}-{n}@load.example");
                    let r = scim.post(
                        "/Users",
                        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}),
                    );
                    assert_eq!(r.status, 201, "{}", r.text);
                    acknowledged.lock().unwrap().push(name);
                    n += 1;
                }
            })
        })
        .collect();
    // Writes are under way before and during the backup.
    while acknowledged.lock().unwrap().len() < 50 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.sqlite3");
    let (ok, stdout, stderr) = backup(&server, &target);
    let during = acknowledged.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("backed up"), "{stdout}");
    let after = acknowledged.lock().unwrap().len();
    assert!(after > during, "the writes went on after the backup");

    // Never overwrites: a second backup to the same path fails and leaves it.
    let size = std::fs::metadata(&target).unwrap().len();
    let (again, _, stderr) = backup(&server, &target);
    assert!(!again);
    assert!(stderr.contains("exists"), "{stderr}");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);

    // Restore: a server on the copy has every write acknowledged before the
    // backup started, and no more than were acknowledged once it ended (plus
    // the one each writer had in flight).
    let copy = TestDatabase::attach(&format!("sqlite://{}", target.display()), Backend::Sqlite);
    assert_eq!(copy.sqlite_integrity(), "ok");
    let restored = start_on(copy, &server.token);
    let names = user_names(&restored);
    let missing: Vec<&String> = before.iter().filter(|n| !names.contains(*n)).collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
    assert!(names.len() <= during + 2, "{} > {during} + 2", names.len());
    // The restored server takes writes.
    assert_eq!(
        restored
            .scim()
            .post("/Users", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "after@restore.example"}))
            .status,
        201
    );
}

#[test]
fn postgres_backup_is_refused_naming_pg_dump() {
    let server = start(Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.sqlite3");
    let (ok, _, stderr) = backup(&server, &target);
    assert!(!ok);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!target.exists());
}
