//! An acknowledged write survives the writing process being killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use scim_store::{Store, Visibility};

use crate::contract;
use crate::harness::{Backend, fresh, options, tenant};

fn acknowledged_writes_survive_a_kill(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    let mut child = Command::new(env!("CARGO_BIN_EXE_scim-store-crash-writer"))
        .args([&db.database.url, &t])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the writer");
    let stdout = child.stdout.take().expect("stdout");
    let mut acked = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read");
        acked.push(line.strip_prefix("acked ").expect("ack line").to_owned());
        if acked.len() == 300 {
            // SIGKILL while it keeps writing: no chance to flush or close anything.
            child.kill().expect("kill");
            break;
        }
    }
    child.wait().expect("reap");
    assert_eq!(acked.len(), 300, "the writer stopped early");
    drop(db.store);
    let reopened = Store::open(&db.database.url, options()).expect("reopen");
    let missing: Vec<&String> = acked
        .iter()
        .filter(|id| {
            reopened
                .read(|tx| tx.tenant(&t).users().by_id(id, Visibility::Live))
                .expect("read")
                .is_none()
        })
        .collect();
    assert!(missing.is_empty(), "lost acknowledged writes: {missing:?}");
}

contract!(acknowledged_writes_survive_a_kill);
