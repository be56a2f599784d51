//! Load program for the overload limits (issue 13), against the real server
//! binary. Not part of the test suite; run it by hand:
//!
//! ```text
//! cargo build --release -p scim-server
//! SCALE_SERVER_BIN=target/release/scim-server \
//!     cargo bench --profile dev -p scim-server --bench overload
//! ```
//!
//! Two tenants, `flood` and `quiet`, with `OVERLOAD_USERS` users each
//! (default 200). For each server setting of `OVERLOAD_SETTINGS` (default
//! `unbounded,bounded,tight,defaults`: every limit off; the concurrency bound
//! alone; the same with a per-tenant share of 2; everything at its default)
//! it measures the `quiet` tenant's latency, one request after another at
//! `OVERLOAD_QUIET_RATE` a second at most (default 20, an identity provider's
//! pace), for `OVERLOAD_SECONDS` (default 10): alone, then while
//! `OVERLOAD_FLOODERS` threads (default 32) send `flood`'s requests as fast
//! as they are answered. `OVERLOAD_FLOOD` is what `flood` sends: `list` (a
//! page of 100 users, the default) or `write` (a user's PATCH);
//! `OVERLOAD_QUIET` what `quiet` sends: `get` (one user, the default) or
//! `write`. `SCALE_BACKENDS` picks the databases (`sqlite,postgres`).
//!
//! `OVERLOAD_MODE=throughput` measures instead how many `GET /Users/{id}`
//! the `quiet` tenant gets answered a second with `OVERLOAD_FLOODERS` threads
//! and every limit off (the cost of authentication, for example).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it reports on stdout and stops on the first failure"
)]

#[allow(
    dead_code,
    reason = "this program starts the server; it seeds its own tenants"
)]
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::testing::Backend;
use scim_store::{Store, StoreOptions};
use serde_json::{Value, json};
use support::seed;
use support::server::{Server, agent, read_body, start_server_with};

/// The server settings compared.
fn flags(setting: &str) -> &'static [&'static str] {
    const OFF: &[&str] = &[
        "--rate-limit",
        "0",
        "--max-in-flight",
        "0",
        "--max-in-flight-per-tenant",
        "0",
    ];
    match setting {
        "unbounded" => OFF,
        "bounded" => &["--rate-limit", "0"],
        "tight" => &["--rate-limit", "0", "--max-in-flight-per-tenant", "2"],
        "defaults" => &[],
        other => panic!("unknown setting {other}: use unbounded, bounded, tight, defaults"),
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A tenant's base URL, token and user ids.
#[derive(Clone)]
struct Tenant {
    base: String,
    auth: String,
    users: Arc<Vec<String>>,
}

/// What one request is.
#[derive(Clone, Copy)]
enum Call {
    /// `GET /Users/{id}`.
    Get,
    /// `GET /Users?count=100`.
    List,
    /// `PATCH /Users/{id}` replacing `displayName`.
    Write,
}

impl Call {
    fn parse(text: &str) -> Call {
        match text {
            "get" => Call::Get,
            "list" => Call::List,
            "write" => Call::Write,
            other => panic!("unknown request {other}: use get, list, write"),
        }
    }

    /// Sends the `n`th request of this kind; its status (0: no answer).
    fn send(self, agent: &ureq::Agent, tenant: &Tenant, n: usize) -> u16 {
        let user = &tenant.users[n % tenant.users.len()];
        let response = match self {
            Call::Get => agent
                .get(&format!("{}/Users/{user}", tenant.base))
                .header("Authorization", &tenant.auth)
                .call(),
            Call::List => agent
                .get(&format!("{}/Users?count=100", tenant.base))
                .header("Authorization", &tenant.auth)
                .call(),
            Call::Write => agent
                .patch(&format!("{}/Users/{user}", tenant.base))
                .header("Authorization", &tenant.auth)
                .header("Content-Type", "application/scim+json")
                .send_json(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "displayName", "value": format!("Name {n}")}]
                })),
        };
        match response {
            Ok(mut r) => {
                read_body(&mut r);
                r.status().as_u16()
            }
            Err(_) => 0,
        }
    }
}

/// Creates the two tenants in the database, returning their tokens.
fn tenants(url: &str) -> (String, String) {
    let store = Store::open(url, StoreOptions::default()).expect("open the store");
    store.migrate().expect("migrate");
    let provisioning = Provisioning::new(Arc::new(store));
    let ctx = RequestContext::new("overload-bench", "", Actor::Operator);
    let token = |slug: &str| {
        provisioning
            .create_tenant(&ctx, slug, slug)
            .expect("create the tenant")
            .token
            .secret
    };
    (token("flood"), token("quiet"))
}

/// Creates `count` users in the tenant over SCIM; returns their ids.
fn seed_users(server: &Server, slug: &str, token: &str, count: usize) -> Tenant {
    let base = format!("{}/scim/v2/{slug}", server.origin);
    let auth = format!("Bearer {token}");
    let agent = agent();
    let users = (0..count)
        .map(|i| {
            let mut response = agent
                .post(&format!("{base}/Users"))
                .header("Authorization", &auth)
                .header("Content-Type", "application/scim+json")
                .send_json(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("{slug}{i:05}@example.com"),
                    "displayName": format!("User {i}"),
                    "active": true,
                    "emails": [{"value": format!("{slug}{i:05}@example.com"), "type": "work", "primary": true}]
                }))
                .expect("create a user");
            assert_eq!(response.status().as_u16(), 201, "seeding");
            let body: Value = serde_json::from_slice(&read_body(&mut response)).unwrap();
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    Tenant {
        base,
        auth,
        users: Arc::new(users),
    }
}

/// Latencies and statuses of one thread's requests.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
    }

    fn percentile(&mut self, p: f64) -> f64 {
        self.latencies.sort_unstable();
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * (self.latencies.len() - 1) as f64).round() as usize;
        self.latencies[rank].as_secs_f64() * 1000.0
    }

    fn statuses(&self) -> String {
        self.statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `call` on `tenant` from one thread until `stop`: one after another, at
/// most `rate` a second when given.
fn drive(
    call: Call,
    tenant: Tenant,
    stop: Arc<AtomicBool>,
    offset: usize,
    rate: Option<f64>,
) -> Tally {
    let agent = agent();
    let mut tally = Tally::default();
    let mut n = offset;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if let Some(rate) = rate {
            thread::sleep(next.saturating_duration_since(Instant::now()));
            next += Duration::from_secs_f64(1.0 / rate);
        }
        let started = Instant::now();
        let status = call.send(&agent, &tenant, n);
        tally.latencies.push(started.elapsed());
        *tally.statuses.entry(status).or_default() += 1;
        n += 1;
    }
    tally
}

/// Starts `threads` drivers of `call`, which run until `stop`.
fn run(
    call: Call,
    tenant: &Tenant,
    threads: usize,
    stop: &Arc<AtomicBool>,
    rate: Option<f64>,
) -> Vec<thread::JoinHandle<Tally>> {
    (0..threads)
        .map(|t| {
            let (tenant, stop) = (tenant.clone(), Arc::clone(stop));
            thread::spawn(move || drive(call, tenant, stop, t * 7919, rate))
        })
        .collect()
}

fn join(handles: Vec<thread::JoinHandle<Tally>>) -> Tally {
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.join().unwrap());
    }
    tally
}

/// The quiet tenant alone, then under the flood, on one server setting.
fn flood(backend: Backend, backend_name: &str, setting: &str) {
    let (users, seconds, flooders) = (
        env_or("OVERLOAD_USERS", 200_usize),
        env_or("OVERLOAD_SECONDS", 10.0_f64),
        env_or("OVERLOAD_FLOODERS", 32_usize),
    );
    let quiet_rate = env_or("OVERLOAD_QUIET_RATE", 20.0_f64);
    let flood_call =
        Call::parse(&std::env::var("OVERLOAD_FLOOD").unwrap_or_else(|_| "list".into()));
    let quiet_call = Call::parse(&std::env::var("OVERLOAD_QUIET").unwrap_or_else(|_| "get".into()));
    let (url, _db) = seed::database(backend);
    let (flood_token, quiet_token) = tenants(&url);
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(&url, dir.path(), flags(setting));
    let flood_tenant = seed_users(&server, "flood", &flood_token, users);
    let quiet = seed_users(&server, "quiet", &quiet_token, users);
    let period = Duration::from_secs_f64(seconds);

    let stop = Arc::new(AtomicBool::new(false));
    let alone = run(quiet_call, &quiet, 1, &stop, Some(quiet_rate));
    thread::sleep(period);
    stop.store(true, Ordering::Relaxed);
    let mut alone = join(alone);

    let stop = Arc::new(AtomicBool::new(false));
    let flooding = run(flood_call, &flood_tenant, flooders, &stop, None);
    // Let the flood build up before measuring.
    thread::sleep(Duration::from_secs(1));
    let quiet_stop = Arc::new(AtomicBool::new(false));
    let measured = run(quiet_call, &quiet, 1, &quiet_stop, Some(quiet_rate));
    thread::sleep(period);
    quiet_stop.store(true, Ordering::Relaxed);
    let mut measured = join(measured);
    stop.store(true, Ordering::Relaxed);
    let flooded = join(flooding);
    let flood_seconds = seconds + 1.0;
    println!(
        "| {backend_name} | {setting} | {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {} | {:.0} | {} |",
        alone.percentile(50.0),
        alone.percentile(99.0),
        measured.percentile(50.0),
        measured.percentile(99.0),
        measured.percentile(100.0),
        measured.statuses(),
        flooded.latencies.len() as f64 / flood_seconds,
        flooded.statuses(),
    );
    drop(server);
}

/// `GET /Users/{id}` a second for the quiet tenant, every limit off.
fn throughput(backend: Backend, backend_name: &str) {
    let (users, seconds, threads) = (
        env_or("OVERLOAD_USERS", 200_usize),
        env_or("OVERLOAD_SECONDS", 10.0_f64),
        env_or("OVERLOAD_FLOODERS", 32_usize),
    );
    let (url, _db) = seed::database(backend);
    let (_, quiet_token) = tenants(&url);
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(&url, dir.path(), flags("unbounded"));
    let quiet = seed_users(&server, "quiet", &quiet_token, users);
    // Warm up: connections, caches.
    let stop = Arc::new(AtomicBool::new(false));
    let warm = run(Call::Get, &quiet, threads, &stop, None);
    thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    join(warm);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles = run(Call::Get, &quiet, threads, &stop, None);
    thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut tally = join(handles);
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "| {backend_name} | {threads} | {:.0} | {:.1} / {:.1} | {} |",
        tally.latencies.len() as f64 / elapsed,
        tally.percentile(50.0),
        tally.percentile(99.0),
        tally.statuses(),
    );
    drop(server);
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let mode = std::env::var("OVERLOAD_MODE").unwrap_or_else(|_| "flood".into());
    if mode == "throughput" {
        println!("| backend | threads | GET /Users/{{id}} a second | p50 / p99 (ms) | statuses |");
        println!("| --- | ---: | ---: | ---: | --- |");
        for (backend, name) in seed::backends() {
            throughput(backend, name);
        }
        return;
    }
    println!(
        "| backend | setting | quiet alone p50 / p99 (ms) | quiet under flood p50 / p99 / max (ms) | quiet statuses | flood requests/s | flood statuses |"
    );
    println!("| --- | --- | ---: | ---: | --- | ---: | --- |");
    let settings = std::env::var("OVERLOAD_SETTINGS")
        .unwrap_or_else(|_| "unbounded,bounded,tight,defaults".into());
    for (backend, name) in seed::backends() {
        for setting in settings.split(',') {
            flood(backend, name, setting.trim());
        }
    }
}
