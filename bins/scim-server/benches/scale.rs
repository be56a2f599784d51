//! Rule previews and saves on a large tenant, against the real server binary:
//! time, response size, peak RSS and anonymous memory before, during and after
//! each call (issue 15). Not part of the test suite; run it by hand:
//!
//! ```text
//! cargo bench -p scim-server --bench scale
//! SCALE_USERS=1000000 SCALE_BACKENDS=sqlite cargo bench -p scim-server --bench scale
//! ```
//!
//! To seed with a debug build but measure the release server (what the
//! figures in `docs/benchmarks.md` did, saving a release build of the test
//! dependencies):
//!
//! ```text
//! cargo build --release -p scim-server
//! SCALE_SERVER_BIN=target/release/scim-server cargo bench --profile dev -p scim-server --bench scale
//! ```
//!
//! `SCALE_KEEP_SQLITE=/path/file.db` and `SCALE_KEEP_POSTGRES=<database URL>`
//! keep the seeded database and reuse it on the next run (a run ends with the
//! starting rules saved back); `SCALE_SEED_ONLY=1` stops after seeding.
//! `SCALE_SERVER_BIN` names the server binary (default: the one built with
//! the bench). `SCALE_USERS` (default 100000) sets the tenant's size, `SCALE_BACKENDS`
//! (default `sqlite,postgres`) the backends (PostgreSQL: `SCIM_TEST_POSTGRES_URL`,
//! as for the tests, in a temporary schema). The tenant is seeded straight
//! through the store (`support/seed.rs`, shared with the `console` bench), not
//! one by one over HTTP; then the server binary starts on that database and
//! the calls go over HTTP. A markdown table goes to stdout.
//!
//! The calls, each from the same starting rules (`default_role: User`, no rule):
//! (a) the default role becomes `Loanee` (every user changes), (b) a rule gives
//! the members of a group holding 10% of the users `Technician`, (c) a rule
//! gives `department eq "Sales"` (25%) `Technician`. Each is previewed
//! (`dry_run=true`, first page), saved, then the starting rules are saved back
//! (not reported).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it reports on stdout and stops on the first failure"
)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use scim_store::testing::Backend;
use serde_json::{Value, json};
use support::seed::{self, ENTERPRISE, GROUP};
use support::server::{Server, call, start_server};

/// The server's memory, from `/proc/PID/status`, in MiB.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    rss: f64,
    anon: f64,
    peak_rss: f64,
}

fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    Memory {
        rss: kib("VmRSS:"),
        anon: kib("RssAnon:"),
        peak_rss: kib("VmHWM:"),
    }
}

/// One measured call.
struct Measured {
    seconds: f64,
    bytes: usize,
    before: Memory,
    during_anon: f64,
    after: Memory,
}

fn measure(server: &Server, path: &str, body: &Value) -> Measured {
    let pid = server.child.id();
    let before = memory(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut high = 0f64;
            while !stop.load(Ordering::Relaxed) {
                high = high.max(memory(pid).anon);
                thread::sleep(Duration::from_millis(5));
            }
            high
        })
    };
    let started = Instant::now();
    let (status, bytes) = call(server, "PUT", path, Some(body));
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let during_anon = sampler.join().unwrap().max(memory(pid).anon);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&bytes));
    // What stays once the allocator's delayed purge (1 s in mimalloc v3) had its chance.
    thread::sleep(Duration::from_millis(2_500));
    let after = memory(pid);
    Measured {
        seconds,
        bytes: bytes.len(),
        before,
        during_anon,
        after,
    }
}

fn run(backend: Backend, name: &str, users: usize) {
    let (url, _fresh) = seed::database(backend);
    let data_dir = tempfile::tempdir().unwrap();
    let seeded = seed::seed(&url, users).seconds;
    eprintln!("{name}: {users} users seeded in {seeded:.1} s (0: kept database)");
    if std::env::var("SCALE_SEED_ONLY").is_ok() {
        return;
    }
    let server = start_server(&url, data_dir.path());
    let catalogue = json!({"roles": [
        {"name": "Admin", "privileged": true}, {"name": "User"},
        {"name": "Loanee"}, {"name": "Technician"}
    ]});
    let put = call(&server, "PUT", "/catalogue", Some(&catalogue));
    assert_eq!(put.0, 200, "{}", String::from_utf8_lossy(&put.1));
    let start_rules = json!({"default_role": "User", "rules": []});
    let cases: BTreeMap<&str, Value> = BTreeMap::from([
        (
            "(a) default role",
            json!({"default_role": "Loanee", "rules": []}),
        ),
        (
            "(b) group rule, 10%",
            json!({"default_role": "User", "rules": [
                {"group": {"id": GROUP, "label": "Tenth"}, "role": "Technician"}
            ]}),
        ),
        (
            "(c) attribute rule, 25%",
            json!({"default_role": "User", "rules": [
                {"filter": format!("{ENTERPRISE}:department eq \"Sales\""), "role": "Technician"}
            ]}),
        ),
    ]);
    // One unmeasured dry run first, so the first measured call does not pay
    // for warming up (connections, statement caches).
    let _ = call(&server, "PUT", "/rules?dry_run=true", Some(&start_rules));
    thread::sleep(Duration::from_millis(1_500));
    for (case, rules) in &cases {
        for (what, path) in [("preview", "/rules?dry_run=true"), ("save", "/rules")] {
            let m = measure(&server, path, rules);
            println!(
                "| {name} | {users} | {case} | {what} | {:.2} s | {:.1} KiB | {:.0} | {:.0} / {:.0} / {:.0} (+{:.0}) |",
                m.seconds,
                m.bytes as f64 / 1024.0,
                m.after.peak_rss,
                m.before.anon,
                m.during_anon,
                m.after.anon,
                m.during_anon - m.before.anon,
            );
            let _ = m.before.rss;
        }
        let back = call(&server, "PUT", "/rules", Some(&start_rules));
        assert_eq!(back.0, 200, "{}", String::from_utf8_lossy(&back.1));
        thread::sleep(Duration::from_millis(1_500));
    }
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let users = seed::users();
    println!(
        "| backend | users | change | call | time | response | peak RSS (MiB) | anon MiB before / during / after (+growth) |"
    );
    println!("| --- | ---: | --- | --- | ---: | ---: | ---: | --- |");
    for (backend, name) in seed::backends() {
        run(backend, name, users);
    }
}
