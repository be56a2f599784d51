//! Database faults: requests the database cannot serve are answered 503 with
//! `Retry-After` (a SCIM error on SCIM routes, a problem document on the admin
//! API), quickly; the server recovers by itself when the fault goes; nothing
//! acknowledged is lost.
//!
//! - PostgreSQL cut off under load: the server binary reaches the database
//!   through [`Proxy`], which the test cuts for a few seconds while client
//!   threads create, patch and read users (the shared database server is
//!   never stopped).
//! - SQLite full or read-only ([`SqliteFault`]), under a stream of writes.
//!
//! Each prints its figures (`--nocapture`); `docs/reliability.md` quotes them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scim_store::testing::{Backend, SqliteFault};
use serde_json::{Value, json};

use crate::harness::{Client, Resp, start};
use crate::process::{ServerProcess, database_with_tenant};
use crate::proxy::Proxy;

/// What is wrong with `r` as the answer of an unavailable database, if
/// anything: a 503 SCIM error with a `Retry-After` of whole seconds.
fn not_unavailable(r: &Resp) -> Option<String> {
    let well_formed = r.status == 503
        && r.header("content-type") == Some("application/scim+json")
        && r.body["schemas"][0] == "urn:ietf:params:scim:api:messages:2.0:Error"
        && r.body["status"] == "503"
        && r.body["detail"].as_str().is_some_and(|d| !d.is_empty())
        && r.header("retry-after")
            .is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n > 0));
    (!well_formed).then(|| format!("{} {:?} {}", r.status, r.header("retry-after"), r.text))
}

/// Asserts that `r` is the admin API's answer of an unavailable database.
fn assert_problem_unavailable(r: &Resp) {
    r.assert_problem(503);
    assert!(
        r.header("retry-after")
            .is_some_and(|s| s.parse::<u32>().is_ok_and(|n| n > 0)),
        "{:?}",
        r.headers
    );
}

fn new_user(user_name: &str, display_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "displayName": display_name,
    })
}

fn rename(client: &Client, id: &str, display_name: &str) -> Resp {
    client.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "displayName", "value": display_name}]),
    )
}

/// One request of the load: when it was sent and answered, and its status.
struct Outcome {
    sent: Instant,
    answered: Instant,
    status: u16,
    /// For a 503: what is wrong with it as a SCIM error with `Retry-After`.
    malformed: Option<String>,
}

/// The users a load thread created and the last displayName counter each
/// acknowledged.
type Acked = Vec<(String, u64)>;

/// Creates, renames (a counter that only grows) and reads users of its own until
/// `stop`; every answer is recorded.
fn load(thread: usize, client: &Client, stop: &AtomicBool) -> (Vec<Outcome>, Acked) {
    let (mut outcomes, mut acked) = (Vec::new(), Acked::new());
    let mut n: u64 = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let sent = Instant::now();
        let pick = (n as usize / 3) % acked.len().max(1);
        let (renamed, write) = if n.is_multiple_of(3) || acked.is_empty() {
            let user = new_user(&format!("t{thread}-{n}@outage.test"), "0");
            (None, client.post("/Users", &user))
        } else if n % 3 == 1 {
            (Some(pick), rename(client, &acked[pick].0, &n.to_string()))
        } else {
            (None, client.get(&format!("/Users/{}", acked[pick].0)))
        };
        let answered = Instant::now();
        match (write.status, renamed) {
            (201, _) => acked.push((write.body["id"].as_str().unwrap().to_owned(), 0)),
            (200, Some(i)) => acked[i].1 = n,
            _ => {}
        }
        outcomes.push(Outcome {
            sent,
            answered,
            status: write.status,
            malformed: (write.status == 503)
                .then(|| not_unavailable(&write))
                .flatten(),
        });
    }
    (outcomes, acked)
}

/// `n` reads at once: all must succeed (the pool serves them all, in turn).
fn burst(server: &ServerProcess, token: &str, n: usize) -> Duration {
    let started = Instant::now();
    let readers: Vec<_> = (0..n)
        .map(|_| {
            let client = server.scim("acme", token);
            std::thread::spawn(move || client.get("/Users?count=5").status)
        })
        .collect();
    let statuses: Vec<u16> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    started.elapsed()
}

const POOL_SIZE: usize = 4;
const LOAD_THREADS: usize = 6;
const OUTAGE: Duration = Duration::from_secs(4);
/// Requests sent this long after the database returns must all succeed.
const RECOVERY_BOUND: Duration = Duration::from_secs(5);
/// A 503 must come at least this fast: well under the pool's 5 s wait.
const FAST_ANSWER: Duration = Duration::from_secs(2);

#[test]
fn postgres_outage_under_load() {
    let (database, token) = database_with_tenant(Backend::Postgres);
    let proxy = Proxy::to_url(&database.url);
    let pool_size = POOL_SIZE.to_string();
    let mut server = ServerProcess::start(
        &proxy.url(&database.url),
        &[("SCIM_DB_POOL_SIZE", pool_size.as_str())],
    );
    let burst_before = burst(&server, &token, 3 * POOL_SIZE);

    let stop = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = (0..LOAD_THREADS)
        .map(|t| {
            let (client, stop) = (server.scim("acme", &token), Arc::clone(&stop));
            std::thread::spawn(move || load(t, &client, &stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));

    // Requests answered before the cut began must have succeeded; requests sent
    // after it was complete must fail.
    let cut_started = Instant::now();
    let killed = proxy.cut();
    let cut_at = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let ready = server.root().get("/readyz");
    assert_eq!(ready.status, 503, "{}", ready.text);
    assert_eq!(ready.body["reason"], "the database is unreachable");
    assert_problem_unavailable(&server.admin("acme").get("/users"));
    std::thread::sleep(OUTAGE.saturating_sub(cut_at.elapsed()));
    let restored_at = Instant::now();
    proxy.restore();
    std::thread::sleep(RECOVERY_BOUND + Duration::from_secs(1));
    stop.store(true, Ordering::SeqCst);
    let (mut outcomes, mut acked) = (Vec::new(), Acked::new());
    for loader in loaders {
        let (o, a) = loader.join().unwrap();
        outcomes.extend(o);
        acked.extend(a);
    }

    assert!(server.running(), "the server died:\n{}", server.log());
    let ready = server.root().get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text);
    let burst_after = burst(&server, &token, 3 * POOL_SIZE);
    assert!(
        proxy.open_connections() <= POOL_SIZE,
        "{} database connections for a pool of {POOL_SIZE}",
        proxy.open_connections()
    );

    let mut failures = Vec::new();
    for o in &outcomes {
        let latency = o.answered - o.sent;
        if o.status == 503 {
            if let Some(what) = &o.malformed {
                failures.push(format!("malformed 503: {what}"));
            }
            if latency > FAST_ANSWER {
                failures.push(format!("a 503 after {latency:?}"));
            }
        } else if !(200..300).contains(&o.status) {
            failures.push(format!("status {}", o.status));
        }
        let before = o.answered < cut_started;
        let during = o.sent > cut_at && o.answered < restored_at;
        let recovered = o.sent > restored_at + RECOVERY_BOUND;
        if (before || recovered) && o.status != 200 && o.status != 201 {
            failures.push(format!("status {} while the database was up", o.status));
        }
        if during && o.status != 503 {
            failures.push(format!(
                "status {} while the database was cut off",
                o.status
            ));
        }
    }
    let first_success = outcomes
        .iter()
        .filter(|o| o.sent > restored_at && o.status < 300)
        .map(|o| o.answered - restored_at)
        .min();
    let last_failure = outcomes
        .iter()
        .filter(|o| o.sent > restored_at && o.status == 503)
        .map(|o| o.answered - restored_at)
        .max();

    // Every acknowledged write is there: each user, with its last acknowledged
    // displayName or a later one (a rename answered 503 may still have committed).
    let reader = server.scim("acme", &token);
    let mut lost = 0;
    for (id, counter) in &acked {
        let r = reader.get(&format!("/Users/{id}"));
        let stored = r.body["displayName"]
            .as_str()
            .and_then(|d| d.parse::<u64>().ok());
        if r.status != 200 || stored.is_none_or(|s| s < *counter) {
            lost += 1;
            failures.push(format!("user {id}, acknowledged #{counter}: {}", r.text));
        }
    }

    let count = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let (refused_total, writes_acked) = (proxy.faults(), acked.len());
    let slowest_503 = outcomes
        .iter()
        .filter(|o| o.status == 503)
        .map(|o| o.answered - o.sent)
        .max();
    eprintln!(
        "postgres outage: {} requests ({} during the {OUTAGE:?} cut), {} answered 503, {} other 5xx; \
         faults: {killed} connections killed at the cut, {} killed or refused in all ({:?}); \
         {writes_acked} users created and acknowledged (plus their renames), {lost} lost; \
         slowest 503 {slowest_503:?}; first success {first_success:?} and last 503 {last_failure:?} after the database returned; \
         {} concurrent reads in {burst_before:?} before, {burst_after:?} after",
        outcomes.len(),
        count(&|o| o.sent > cut_at && o.sent < restored_at),
        count(&|o| o.status == 503),
        count(&|o| o.status >= 500 && o.status != 503),
        refused_total.0 + refused_total.1,
        refused_total,
        3 * POOL_SIZE,
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        count(&|o| o.status == 503) > 0,
        "the cut must have been felt"
    );
    assert!(first_success.is_some(), "nothing succeeded after the cut");
}

/// Writes until the fault has refused `REFUSALS` of them, then lifts it.
const REFUSALS: usize = 10;

fn sqlite_fault_answers_503_and_loses_nothing(fault: SqliteFault) {
    let server = start(Backend::Sqlite);
    let (scim, admin) = (server.scim(), server.admin());
    // A long displayName, so that each new user needs pages of its own.
    let filler = "x".repeat(3000);
    let mut acked: Vec<(String, String)> = (0..20)
        .map(|i| {
            let name = format!("before-{i}");
            let r = scim.post("/Users", &new_user(&format!("{name}@fault.test"), &name));
            assert_eq!(r.status, 201, "{}", r.text);
            (r.body["id"].as_str().unwrap().to_owned(), name)
        })
        .collect();

    let store = server.provisioning.store();
    store.set_sqlite_fault(Some(fault)).unwrap();
    let (mut sent, mut refused) = (0, 0);
    while refused < REFUSALS {
        sent += 1;
        assert!(
            sent <= 500,
            "{fault:?}: only {refused} of {sent} writes refused"
        );
        let name = format!("during-{sent}-{filler}");
        let r = if sent % 2 == 0 {
            let pick = sent % acked.len();
            let r = rename(&scim, &acked[pick].0, &name);
            if r.status == 200 {
                acked[pick].1 = name;
            }
            r
        } else {
            let r = scim.post(
                "/Users",
                &new_user(&format!("during-{sent}@fault.test"), &name),
            );
            if r.status == 201 {
                acked.push((r.body["id"].as_str().unwrap().to_owned(), name));
            }
            r
        };
        match r.status {
            200 | 201 => assert_eq!(fault, SqliteFault::Full, "a write to a read-only file"),
            _ => {
                assert_eq!(not_unavailable(&r), None);
                refused += 1;
            }
        }
    }
    // The admin API answers the same with a problem document (a full database
    // may still take a change that fits in its pages); reads still work.
    let catalogue = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "User"}, {"name": "Agent"}]}),
    );
    if fault == SqliteFault::ReadOnly || catalogue.status != 200 {
        assert_problem_unavailable(&catalogue);
    }
    let read = scim.get("/Users?count=1");
    assert_eq!(read.status, 200, "{}", read.text);

    store.set_sqlite_fault(None).unwrap();
    let r = scim.post("/Users", &new_user("after@fault.test", "after"));
    assert_eq!(r.status, 201, "{}", r.text);
    acked.push((
        r.body["id"].as_str().unwrap().to_owned(),
        "after".to_owned(),
    ));
    let mut lost = 0;
    for (id, name) in &acked {
        let r = scim.get(&format!("/Users/{id}"));
        if r.status != 200 || r.body["displayName"] != name.as_str() {
            lost += 1;
        }
    }
    eprintln!(
        "sqlite {fault:?}: {sent} writes during the fault, {refused} answered 503; \
         {} writes acknowledged in all, {lost} lost; the first write after it succeeded",
        acked.len()
    );
    assert_eq!(lost, 0);
}

#[test]
fn sqlite_full_disk_answers_503_and_loses_nothing() {
    sqlite_fault_answers_503_and_loses_nothing(SqliteFault::Full);
}

#[test]
fn sqlite_read_only_file_answers_503_and_loses_nothing() {
    sqlite_fault_answers_503_and_loses_nothing(SqliteFault::ReadOnly);
}
