//! Webhook delivery over real HTTP, from the server binary's own worker, to a
//! local receiver that is slow, answers 500, drops connections and restarts:
//! every subscribed event arrives, in order, none lost; a batch sent again
//! carries the same `webhook-id` and body; signatures verify; a receiver that
//! keeps failing puts the endpoint in the dead letter until it is enabled;
//! secret rotation signs with both secrets; redelivery starts where asked;
//! two server processes on one PostgreSQL database never deliver one
//! endpoint's batches at the same time.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use provisioning::webhooks::sign;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client};
use crate::metrics::{scrape, value};
use crate::process::{ServerProcess, database_with_tenant};

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    Ok,
    Status(u16),
    /// Reads the request, then closes the connection without a word.
    Drop,
    /// Answers 200 after this long (longer than the worker's timeout: the
    /// worker gives up, though the receiver got the batch).
    Slow(Duration),
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: i64,
    signatures: Vec<String>,
    body: String,
    answer: Answer,
}

impl Received {
    fn events(&self) -> Vec<Value> {
        let body: Value = serde_json::from_str(&self.body).unwrap();
        body["events"].as_array().unwrap().clone()
    }

    fn seqs(&self) -> Vec<i64> {
        self.events()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    }

    /// Whether one of its signatures is `secret`'s.
    fn signed_with(&self, secret: &str) -> bool {
        let expected = sign(secret, &self.id, self.timestamp, &self.body);
        self.signatures.contains(&expected)
    }
}

#[derive(Debug, Default)]
struct Shared {
    script: Mutex<VecDeque<Answer>>,
    received: Mutex<Vec<Received>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    stopping: AtomicBool,
}

/// A webhook receiver on a fixed loopback port, answering as scripted (then
/// 200), which can be stopped and started again on the same port.
struct Receiver {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// How long each answer waits (a receiver doing some work).
    work: Duration,
}

impl Receiver {
    fn start(work: Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut receiver = Receiver {
            port,
            shared: Arc::default(),
            thread: None,
            work,
        };
        receiver.serve(listener);
        receiver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn script(&self, answers: &[Answer]) {
        self.shared.script.lock().unwrap().extend(answers);
    }

    fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    fn serve(&mut self, listener: TcpListener) {
        let shared = Arc::clone(&self.shared);
        let work = self.work;
        shared.stopping.store(false, Ordering::SeqCst);
        self.thread = Some(std::thread::spawn(move || {
            for stream in listener.incoming() {
                if shared.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || handle(&shared, stream, work));
            }
        }));
    }

    /// Closes the port (connections are refused) for `down`, then listens again.
    fn restart(&mut self, down: Duration) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        std::thread::sleep(down);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        self.serve(listener);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(shared: &Shared, stream: TcpStream, work: Duration) {
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let _ = answer(shared, stream, work);
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
}

fn answer(shared: &Shared, mut stream: TcpStream, work: Duration) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut headers = BTreeMap::new();
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if !line.starts_with("POST /hook ") {
        return Ok(()); // The receiver's own wake-up connection.
    }
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers["content-length"].parse().unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let answer = shared
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Answer::Ok);
    shared.received.lock().unwrap().push(Received {
        id: headers["webhook-id"].clone(),
        timestamp: headers["webhook-timestamp"].parse().unwrap(),
        signatures: headers["webhook-signature"]
            .split(' ')
            .map(str::to_owned)
            .collect(),
        body: String::from_utf8(body).unwrap(),
        answer,
    });
    std::thread::sleep(work);
    let status = match answer {
        Answer::Drop => return Ok(()),
        Answer::Slow(delay) => {
            std::thread::sleep(delay);
            200
        }
        Answer::Ok => 200,
        Answer::Status(status) => status,
    };
    write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )?;
    stream.flush()
}

/// The worker's timings for these tests: fast polls and retries, a short
/// request timeout, a lease a killed process's successor waits out quickly.
const FAST: [(&str, &str); 7] = [
    ("SCIM_WEBHOOK_POLL_MS", "50"),
    ("SCIM_WEBHOOK_TIMEOUT_MS", "700"),
    ("SCIM_WEBHOOK_LEASE_MS", "1500"),
    ("SCIM_WEBHOOK_BACKOFF_BASE_MS", "50"),
    ("SCIM_WEBHOOK_BACKOFF_CAP_MS", "200"),
    ("SCIM_WEBHOOK_BATCH_SIZE", "3"),
    ("SCIM_WEBHOOK_MAX_ATTEMPTS", "100"),
];

fn start_server(url: &str, extra: &[(&str, &str)]) -> ServerProcess {
    let mut env: Vec<(&str, &str)> = FAST.to_vec();
    env.extend_from_slice(extra);
    ServerProcess::start(url, &env)
}

const KINDS: [&str; 3] = ["user.created", "group.created", "member.added"];

/// Creates an endpoint for `KINDS`; its id and secret.
fn create_webhook(admin: &Client, url: &str) -> (String, String) {
    let r = admin.post("/webhooks", &json!({"url": url, "kinds": KINDS}));
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (r.body["webhook"]["id"].as_str().unwrap().to_owned(), secret)
}

/// The numbers of the tenant's events of `KINDS` after `after`.
fn subscribed_seqs(admin: &Client, after: i64) -> Vec<i64> {
    let r = admin.get(&format!("/events?after_seq={after}&limit=1000"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| KINDS.contains(&e["kind"].as_str().unwrap()))
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

/// Waits until the acknowledged batches hold every number of `expected`.
fn wait_for(receiver: &Receiver, expected: &[i64], within: Duration) -> Vec<Received> {
    let deadline = Instant::now() + within;
    loop {
        let received = receiver.received();
        let acknowledged: Vec<i64> = received
            .iter()
            .filter(|r| r.answer == Answer::Ok)
            .flat_map(Received::seqs)
            .collect();
        if expected.iter().all(|s| acknowledged.contains(s)) {
            return received;
        }
        assert!(
            Instant::now() < deadline,
            "not delivered in time: expected {expected:?}, acknowledged {acknowledged:?}, got {:?}",
            received
                .iter()
                .map(|r| (&r.id, r.answer))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The delivery guarantees over everything `received`: each `webhook-id`
/// always carries the same body; taking each id once, in the order first
/// seen, the events are exactly `expected`, in order; an id is sent again
/// only after an attempt the worker could not see succeed; every message is
/// signed with `secret`.
fn assert_delivered_in_order(received: &[Received], expected: &[i64], secret: &str) {
    let mut bodies: BTreeMap<&str, &str> = BTreeMap::new();
    let mut seqs = Vec::new();
    let mut acknowledged: Vec<&str> = Vec::new();
    for r in received {
        assert!(r.signed_with(secret), "bad signature on {}", r.id);
        match bodies.get(r.id.as_str()) {
            Some(body) => {
                assert_eq!(*body, r.body, "{} sent again with another body", r.id);
                assert!(
                    !acknowledged.contains(&r.id.as_str()),
                    "{} sent again after a 200 the worker received",
                    r.id
                );
            }
            None => {
                bodies.insert(&r.id, &r.body);
                seqs.extend(r.seqs());
            }
        }
        if r.answer == Answer::Ok {
            acknowledged.push(&r.id);
        }
    }
    assert_eq!(seqs, expected, "events in first-delivery order");
}

fn events_survive_a_faulty_receiver_and_a_killed_server(backend: Backend) {
    let (db, token) = database_with_tenant(backend);
    let mut receiver = Receiver::start(Duration::ZERO);
    let mut server = start_server(&db.url, &[]);
    let admin = server.admin("acme");
    let (_, secret) = create_webhook(&admin, &receiver.url());
    let start = admin.get("/events/head").body["seq"].as_i64().unwrap();
    receiver.script(&[
        Answer::Status(500),
        Answer::Drop,
        Answer::Ok,
        Answer::Slow(Duration::from_millis(1500)),
        Answer::Status(503),
        Answer::Ok,
        Answer::Drop,
    ]);
    let scim = server.scim("acme", &token);
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(scim.create_user(&format!("before{i}@acme.example")));
    }
    // The receiver goes away for a while, and comes back on the same port.
    receiver.restart(Duration::from_millis(400));
    let group = scim.create_group("Engineers");
    let added = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": users.iter().map(|u| json!({"value": u})).collect::<Vec<_>>()}]),
    );
    assert!(added.status < 300, "{}", added.text);
    // The server dies; another takes over once the lease has run out.
    server.kill();
    let server = start_server(&db.url, &[]);
    let scim = server.scim("acme", &token);
    for i in 0..5 {
        scim.create_user(&format!("after{i}@acme.example"));
    }
    let admin = server.admin("acme");
    let expected = subscribed_seqs(&admin, start);
    assert!(expected.len() >= 6 + 1 + 6 + 5, "{expected:?}");
    let received = wait_for(&receiver, &expected, Duration::from_secs(60));
    assert_delivered_in_order(&received, &expected, &secret);
    // The scripted faults happened, and each failed batch was sent again under
    // its id.
    let failed: Vec<&Received> = received.iter().filter(|r| r.answer != Answer::Ok).collect();
    assert!(failed.len() >= 5, "{failed:?}");
    for f in failed
        .iter()
        .filter(|f| !matches!(f.answer, Answer::Slow(_)))
    {
        assert!(
            received
                .iter()
                .any(|r| r.id == f.id && r.answer == Answer::Ok),
            "{} failed and was not delivered again",
            f.id
        );
    }
    // Batches hold at most the configured 3 events.
    assert!(received.iter().all(|r| r.seqs().len() <= 3));
    // The cursor reaches the log's head (past later events of other kinds).
    let head = admin.get("/events/head").body["seq"].clone();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = admin.get("/webhooks").body;
        assert_eq!(state[0]["state"], "active", "{state}");
        if state[0]["cursor_seq"] == head {
            break;
        }
        assert!(Instant::now() < deadline, "cursor short of {head}: {state}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn a_failing_endpoint_is_disabled_then_enabled_rotated_and_redelivered(backend: Backend) {
    let (db, token) = database_with_tenant(backend);
    let receiver = Receiver::start(Duration::ZERO);
    let server = start_server(&db.url, &[("SCIM_WEBHOOK_MAX_ATTEMPTS", "3")]);
    let admin = server.admin("acme");
    let (id, secret) = create_webhook(&admin, &receiver.url());
    receiver.script(&[Answer::Status(500); 3]);
    let scim = server.scim("acme", &token);
    scim.create_user("one@acme.example");
    // Three failures: the dead letter.
    let deadline = Instant::now() + Duration::from_secs(30);
    let disabled = loop {
        let w = admin.get(&format!("/webhooks/{id}")).body;
        if w["state"] == "disabled" {
            break w;
        }
        assert!(Instant::now() < deadline, "never disabled: {w}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(disabled["attempts"], 3, "{disabled}");
    assert_eq!(disabled["last_error"], "HTTP 500", "{disabled}");
    let tries = receiver.received();
    assert_eq!(tries.len(), 3, "{tries:?}");
    assert!(
        tries
            .iter()
            .all(|t| t.id == tries[0].id && t.body == tries[0].body)
    );
    // Disabled: nothing more is sent, new events wait.
    scim.create_user("two@acme.example");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(receiver.received().len(), 3);

    // Enabled: the same batch again, then the next.
    let enabled = admin.post(&format!("/webhooks/{id}/enable"), &json!({}));
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    let expected = subscribed_seqs(&admin, 0);
    assert_eq!(expected.len(), 2, "{expected:?}");
    let received = wait_for(&receiver, &expected, Duration::from_secs(30));
    assert_eq!(received[3].id, tries[0].id);
    assert_delivered_in_order(&received, &expected, &secret);

    // Rotation: both secrets sign until the overlap ends.
    let rotated = admin.post(&format!("/webhooks/{id}/rotate-secret"), &json!({}));
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["webhook"]["previous_secret_until"].is_string());
    scim.create_user("three@acme.example");
    let expected = subscribed_seqs(&admin, 0);
    let received = wait_for(&receiver, &expected, Duration::from_secs(30));
    let last = received.last().unwrap();
    assert_eq!(last.signatures.len(), 2, "{last:?}");
    assert!(last.signed_with(&new_secret) && last.signed_with(&secret));

    // Redelivery from the first event: everything again, in order.
    let before = receiver.received().len();
    let r = admin.post(
        &format!("/webhooks/{id}/redeliver"),
        &json!({"from_seq": expected[0]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let again: Vec<i64> = receiver.received()[before..]
            .iter()
            .flat_map(Received::seqs)
            .collect();
        if again == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "redelivered {again:?}, expected {expected:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Bad input is refused with problem documents.
    for body in [
        json!({"url": "ftp://example.com/", "kinds": ["user.created"]}),
        json!({"url": "https://example.com/", "kinds": ["token.issued"]}),
        json!({"url": "https://example.com/", "kinds": []}),
        json!({"url": "https://example.com/"}),
    ] {
        admin.post("/webhooks", &body).assert_problem(400);
    }
    admin
        .post(
            &format!("/webhooks/{id}/redeliver"),
            &json!({"from_seq": 0}),
        )
        .assert_problem(400);
    admin.get("/webhooks/no-such-webhook").assert_problem(404);
    let deleted = admin.delete(&format!("/webhooks/{id}"));
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    admin.get(&format!("/webhooks/{id}")).assert_problem(404);
}

both_backends!(
    events_survive_a_faulty_receiver_and_a_killed_server,
    a_failing_endpoint_is_disabled_then_enabled_rotated_and_redelivered,
);

/// Two server processes on one PostgreSQL database, both running the worker:
/// the endpoint's lease lets one at a time deliver, so the receiver never
/// has two of its requests at once and gets the events in order.
#[test]
fn two_processes_deliver_one_endpoint_one_at_a_time() {
    let (db, token) = database_with_tenant(Backend::Postgres);
    // Each answer takes a while, so overlapping deliveries would show.
    let receiver = Receiver::start(Duration::from_millis(30));
    let first = start_server(&db.url, &[]);
    let second = start_server(&db.url, &[]);
    let (_, secret) = create_webhook(&first.admin("acme"), &receiver.url());
    // After each failure the endpoint is free for whichever process polls
    // first once its backoff has passed: both get to deliver.
    receiver.script(&[
        Answer::Status(500),
        Answer::Ok,
        Answer::Status(500),
        Answer::Ok,
        Answer::Status(500),
        Answer::Ok,
        Answer::Status(500),
    ]);
    let start = 0;
    std::thread::scope(|s| {
        for (n, server) in [&first, &second].into_iter().enumerate() {
            let scim = server.scim("acme", &token);
            s.spawn(move || {
                for i in 0..15 {
                    scim.create_user(&format!("p{n}-{i}@acme.example"));
                }
            });
        }
    });
    let expected = subscribed_seqs(&first.admin("acme"), start);
    assert_eq!(expected.len(), 30, "{expected:?}");
    let received = wait_for(&receiver, &expected, Duration::from_secs(60));
    assert_delivered_in_order(&received, &expected, &secret);
    assert_eq!(receiver.shared.most_in_flight.load(Ordering::SeqCst), 1);
    // Each batch acknowledged was counted once, by the process that sent it.
    let acknowledged = received.iter().filter(|r| r.answer == Answer::Ok).count();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let per_process: Vec<f64> = [&first, &second]
            .iter()
            .map(|p| {
                value(
                    &scrape(p),
                    "scim_webhook_deliveries_total",
                    &[("tenant", "acme")],
                )
            })
            .collect();
        #[allow(clippy::cast_precision_loss)] // A handful of batches.
        if per_process.iter().sum::<f64>() == acknowledged as f64 {
            eprintln!("two processes: batches delivered per process {per_process:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{per_process:?} for {acknowledged} batches"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
