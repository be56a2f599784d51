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
//! as for the tests, in a temporary schema). Users are written straight
//! through the store (5,000 per transaction, with the role and reason the
//! default rules give), not one by one over HTTP; then the server binary starts
//! on that database and the calls go over HTTP. A markdown table goes to stdout.
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

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chrono::Utc;
use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{NewGroup, NewUser, StoreError, StoreOptions};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_scim-server");
const ADMIN_TOKEN: &str = "scale-bench-admin-token";
const GROUP: &str = "scale-group-tenth";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user_id(i: usize) -> String {
    format!("{i:08x}-0000-7000-8000-000000000000")
}

/// A user as Entra ID provisions one (about 700 bytes of JSON).
fn body(i: usize) -> Value {
    let name = format!("user{i:07}@contoso.example");
    let department = ["IT", "Sales", "HR", "Operations"][i % 4];
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": name,
        "externalId": format!("0f8c{i:08x}-5b1e-4a8e-9d3c-2a7b6c5d4e3f"),
        "active": true,
        "displayName": format!("Given{i} Example"),
        "title": "Senior Software Engineer",
        "name": {"givenName": format!("Given{i}"), "familyName": "Example"},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
        ENTERPRISE: {
            "employeeNumber": format!("{i}"),
            "department": department,
            "costCenter": "CC-100"
        }
    })
}

/// Creates the tenant `bench` and its users, unless a kept database has them
/// already; returns the seconds it took.
fn seed(url: &str, users: usize) -> f64 {
    let started = Instant::now();
    let store =
        Arc::new(scim_store::Store::open(url, StoreOptions::default()).expect("open the store"));
    store.migrate().expect("migrate");
    let provisioning = Provisioning::new(store.clone());
    if provisioning.tenant("bench").is_ok() {
        return 0.0;
    }
    let ctx = RequestContext::new("seed", String::new(), Actor::Operator);
    let created = provisioning
        .create_tenant(&ctx, "bench", "Bench")
        .expect("create the tenant");
    let tenant = created.tenant.id;
    let now = Utc::now();
    let reason = json!({"step": "default"});
    for start in (0..users).step_by(5_000) {
        store
            .write(|tx| {
                for i in start..(start + 5_000).min(users) {
                    tx.tenant(&tenant).users().insert(&NewUser {
                        id: user_id(i),
                        resource: body(i),
                        role: Some("User".into()),
                        role_reason: Some(reason.clone()),
                        now,
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .expect("insert users");
    }
    let members: Vec<String> = (0..users).step_by(10).map(user_id).collect();
    store
        .write(|tx| {
            tx.tenant(&tenant).groups().insert(&NewGroup {
                id: GROUP.into(),
                resource: json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tenth"}),
                now,
            })?;
            for chunk in members.chunks(5_000) {
                tx.tenant(&tenant).groups().add_members(GROUP, chunk, now)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("insert the group");
    started.elapsed().as_secs_f64()
}

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

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(url: &str, data_dir: &std::path::Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = std::env::var("SCALE_SERVER_BIN").unwrap_or_else(|_| BIN.to_owned());
    let child = Command::new(bin)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("SCIM_DATABASE_URL", url)
        .env("SCIM_DATA_DIR", data_dir)
        .env("SCIM_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}/admin/v1/tenants/bench"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while call(&server, "GET", "/rules", None).0 != 200 {
        assert!(Instant::now() < deadline, "the server did not start");
        thread::sleep(Duration::from_millis(100));
    }
    server
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3600)))
        .build()
        .into()
}

/// Status and body of an admin call.
fn call(server: &Server, method: &str, path: &str, body: Option<&Value>) -> (u16, Vec<u8>) {
    let url = format!("{}{path}", server.base);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let response = match body {
        Some(body) => agent()
            .put(&url)
            .header("Authorization", &auth)
            .send_json(body),
        None => {
            assert_eq!(method, "GET");
            agent().get(&url).header("Authorization", &auth).call()
        }
    };
    match response {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let bytes = r
                .body_mut()
                .with_config()
                .limit(u64::MAX)
                .read_to_vec()
                .unwrap();
            (status, bytes)
        }
        Err(_) => (0, Vec::new()),
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

/// The database to run on: a kept one when `SCALE_KEEP_SQLITE` (a file) or
/// `SCALE_KEEP_POSTGRES` (a database URL) names it, else a fresh one.
fn database(backend: Backend) -> (String, Option<TestDatabase>) {
    let kept = match backend {
        Backend::Sqlite => std::env::var("SCALE_KEEP_SQLITE")
            .ok()
            .map(|file| format!("sqlite://{file}")),
        Backend::Postgres => std::env::var("SCALE_KEEP_POSTGRES").ok(),
    };
    match kept {
        Some(url) => (url, None),
        None => {
            let fresh = TestDatabase::create(backend);
            (fresh.url.clone(), Some(fresh))
        }
    }
}

fn run(backend: Backend, users: usize) {
    let (url, _fresh) = database(backend);
    let data_dir = tempfile::tempdir().unwrap();
    let name = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let seeded = seed(&url, users);
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
    let users: usize = std::env::var("SCALE_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends = std::env::var("SCALE_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "| backend | users | change | call | time | response | peak RSS (MiB) | anon MiB before / during / after (+growth) |"
    );
    println!("| --- | ---: | --- | --- | ---: | ---: | ---: | --- |");
    for backend in backends.split(',') {
        match backend.trim() {
            "sqlite" => run(Backend::Sqlite, users),
            "postgres" => run(Backend::Postgres, users),
            other => panic!("unknown backend {other}: use sqlite and/or postgres"),
        }
    }
}
