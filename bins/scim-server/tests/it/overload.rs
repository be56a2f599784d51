//! Overload: the per-tenant rate limit, the concurrency bound (global and per
//! tenant), slow clients, and the limits on headers, filters and page sizes
//! (`docs/reliability.md`, *Overload*). Each test is bounded to a few seconds:
//! the limits are set small, and a tenant's writes are held up on purpose by a
//! tenant change left open (its write gate, taken exclusively).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chrono::Utc;
use provisioning::Options;
use scim_http::{ConcurrencyLimit, HttpConfig, RateLimit};
use scim_proto::filter::{MAX_DEPTH, MAX_FILTER_LEN, MAX_TERMS};
use scim_store::{StoreError, TenantUpdate};
use serde_json::{Value, json};

use crate::both_backends;
use crate::cli::start_serving;
use crate::harness::{Backend, Client, Resp, Server, q, start, start_with, start_with_options};

fn config(rate_limit: RateLimit, concurrency: ConcurrencyLimit) -> HttpConfig {
    HttpConfig {
        rate_limit,
        concurrency,
        ..HttpConfig::default()
    }
}

fn user(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "active": true,
    })
}

fn assert_retry_after(response: &Resp, status: u16) {
    response.assert_error(status, None);
    let seconds: u32 = response
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", response.headers))
        .parse()
        .expect("Retry-After in whole seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
}

// ---- The rate limit ----

/// Past its burst a tenant gets 429 with `Retry-After`, and a refused write
/// changes nothing; another tenant's bucket is its own; after the wait it
/// sent, the tenant is served again.
fn rate_limit_answers_429_with_retry_after(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit {
                per_second: 1,
                burst: 3,
            },
            ConcurrencyLimit::default(),
        ),
    );
    let globex = server.client("/scim/v2/globex", &server.tenant("globex"));
    let acme = server.scim();
    for _ in 0..3 {
        assert_eq!(acme.get("/Users").status, 200);
    }
    let refused = acme.post("/Users", &user("refused@example.com"));
    assert_retry_after(&refused, 429);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("1 requests a second"), "{detail}");
    assert_eq!(
        globex.get("/Users").status,
        200,
        "globex has its own bucket"
    );
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    thread::sleep(Duration::from_secs(wait));
    let listed = acme.get(&format!(
        "/Users?filter={}",
        q("userName eq \"refused@example.com\"")
    ));
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        listed.body["totalResults"], 0,
        "the refused POST created nothing"
    );
}

/// Requests with a wrong token or to an unknown tenant are refused (401, 404)
/// before any bucket is charged: they cannot spend a tenant's allowance.
fn unauthenticated_requests_do_not_drain_a_tenant(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit {
                per_second: 1,
                burst: 2,
            },
            ConcurrencyLimit::default(),
        ),
    );
    let acme = server.scim();
    let forged = acme.clone_with_token("scim_not-a-token-of-anyone");
    let nowhere = server.client("/scim/v2/nowhere", "scim_not-a-token-of-anyone");
    // acme's token where no tenant is: a 404 (`docs/ARCHITECTURE.md`,
    // *Authentication*), and no tenant's request either.
    let lost = server.client("/scim/v2/nowhere", &server.token);
    for _ in 0..10 {
        forged.get("/Users").assert_error(401, None);
        nowhere.get("/Users").assert_error(401, None);
        lost.get("/Users").assert_error(404, None);
    }
    assert_eq!(acme.get("/Users").status, 200);
    assert_eq!(acme.get("/Users").status, 200, "the whole burst is left");
    assert_retry_after(&acme.get("/Users"), 429);
}

/// A rate of 0 turns the limit off (a bucket of one would refuse the second).
fn rate_limit_zero_is_off(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit {
                per_second: 0,
                burst: 1,
            },
            ConcurrencyLimit::default(),
        ),
    );
    let acme = server.scim();
    for _ in 0..20 {
        assert_eq!(acme.get("/Users").status, 200);
    }
}

// ---- The concurrency bound ----

/// Tenant `slug`'s writes held up: a tenant change left open holds its write
/// gate exclusively (SQLite: the writer) until the returned sender is used or
/// dropped.
fn hold_writes(server: &Server, slug: &str) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let provisioning = server.provisioning.clone();
    let tenant = provisioning.tenant(slug).expect("tenant").id.clone();
    let (held, on_held) = mpsc::channel::<()>();
    let (release, on_release) = mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let result: Result<(), StoreError> = provisioning.store().write(|tx| {
            tx.tenant(&tenant)
                .update(&TenantUpdate::default(), Utc::now())?;
            let _ = held.send(());
            let _ = on_release.recv_timeout(Duration::from_secs(20));
            Ok(())
        });
        result.expect("the held change commits");
    });
    on_held
        .recv_timeout(Duration::from_secs(10))
        .expect("the tenant's writes are held");
    (release, holder)
}

/// Sends `POST /Users` on a thread of its own (it will wait for the held writes).
fn post_in_background(client: Client, name: &str) -> JoinHandle<u16> {
    let body = user(name);
    thread::spawn(move || client.post("/Users", &body).status)
}

/// Repeats `request` until it answers `status` (the background request has
/// taken its place by then), for 10 s at most.
fn until_status(status: u16, request: impl Fn() -> Resp) -> Resp {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = request();
        if response.status == status {
            return response;
        }
        assert!(
            Instant::now() < deadline,
            "never {status}; last: {} {}",
            response.status,
            response.text
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// A tenant with its share at work waits, then gets 429 with `Retry-After`;
/// another tenant is served meanwhile; once the work is done the tenant is
/// served again.
fn a_tenant_over_its_share_gets_429_while_others_are_served(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit::OFF,
            ConcurrencyLimit {
                global: 8,
                per_tenant: 1,
                wait: Duration::from_millis(200),
            },
        ),
    );
    let globex = server.client("/scim/v2/globex", &server.tenant("globex"));
    let acme = server.scim();
    // Each token's first use is recorded with a write: do it before holding them.
    assert_eq!(acme.get("/Users").status, 200);
    assert_eq!(globex.get("/Users").status, 200);
    let (release, holder) = hold_writes(&server, "acme");
    let stuck = post_in_background(server.scim(), "stuck@example.com");
    let started = Instant::now();
    let refused = until_status(429, || acme.get("/Users"));
    assert_retry_after(&refused, 429);
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("1 requests at work"), "{detail}");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "it waited first"
    );
    assert_eq!(
        globex.get("/Users").status,
        200,
        "globex is served meanwhile"
    );
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(stuck.join().unwrap(), 201);
    assert_eq!(acme.get("/Users").status, 200);
}

/// With every global place at work, a request waits, then gets 503 with
/// `Retry-After`.
fn a_full_server_answers_503_with_retry_after(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit::OFF,
            ConcurrencyLimit {
                global: 1,
                per_tenant: 0,
                wait: Duration::from_millis(200),
            },
        ),
    );
    let globex = server.client("/scim/v2/globex", &server.tenant("globex"));
    let acme = server.scim();
    assert_eq!(acme.get("/Users").status, 200);
    assert_eq!(globex.get("/Users").status, 200);
    let (release, holder) = hold_writes(&server, "acme");
    let stuck = post_in_background(server.scim(), "stuck@example.com");
    let refused = until_status(503, || globex.get("/Users"));
    assert_retry_after(&refused, 503);
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(stuck.join().unwrap(), 201);
    assert_eq!(globex.get("/Users").status, 200);
}

/// A request of a tenant whose share is at work gets a place as soon as one
/// frees up within the wait, and then runs: it is not refused.
fn a_waiting_request_runs_when_a_place_frees_up(backend: Backend) {
    let server = start_with(
        backend,
        config(
            RateLimit::OFF,
            ConcurrencyLimit {
                global: 8,
                per_tenant: 1,
                wait: Duration::from_secs(5),
            },
        ),
    );
    let acme = server.scim();
    assert_eq!(acme.get("/Users").status, 200);
    let (release, holder) = hold_writes(&server, "acme");
    let first = post_in_background(server.scim(), "first@example.com");
    // Give the POST time to take acme's place (a few milliseconds); then a
    // GET waits for it, and with a 5 s wait is still waiting 300 ms later.
    thread::sleep(Duration::from_millis(500));
    let waiting = {
        let acme = server.scim();
        thread::spawn(move || {
            let started = Instant::now();
            (acme.get("/Users").status, started.elapsed())
        })
    };
    thread::sleep(Duration::from_millis(300));
    assert!(!waiting.is_finished(), "the GET waits for acme's place");
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(first.join().unwrap(), 201);
    let (status, waited) = waiting.join().unwrap();
    assert_eq!(status, 200);
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

// ---- Slow clients (the binary, with its timeouts set to a second or two) ----

fn address(url: &str) -> SocketAddr {
    let rest = url.strip_prefix("http://").expect("http URL");
    rest[..rest.find('/').unwrap_or(rest.len())]
        .parse()
        .expect("address")
}

/// What the server sent on `stream` until it closed it (or `limit` passed),
/// and when it closed it.
fn read_until_closed(mut stream: TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut received = Vec::new();
    let mut buf = [0_u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    Some(started.elapsed()),
                );
            }
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                return (
                    String::from_utf8_lossy(&received).into_owned(),
                    Some(started.elapsed()),
                );
            }
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), None)
}

/// Opens a connection, sends `head`, then one byte of `trickle` every 100 ms
/// (until the server stops reading or 8 s pass); returns what came back.
fn trickle(
    addr: SocketAddr,
    head: String,
    trickle: &'static [u8],
) -> JoinHandle<(String, Option<Duration>)> {
    thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut writer = stream.try_clone().unwrap();
        thread::spawn(move || {
            for byte in trickle.iter().cycle().take(80) {
                thread::sleep(Duration::from_millis(100));
                if writer.write_all(&[*byte]).is_err() {
                    break;
                }
            }
        });
        read_until_closed(stream, Duration::from_secs(8))
    })
}

/// Clients trickling their headers or their body are cut off in bounded time
/// (408, then the connection is closed), while a single worker keeps
/// answering everyone else.
#[test]
fn slow_clients_are_cut_off_while_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url, token, _log) = start_serving(
        dir.path(),
        "warn",
        &[
            "--workers",
            "1",
            "--header-timeout-secs",
            "1",
            "--body-timeout-secs",
            "2",
        ],
    );
    let addr = address(&url);
    let path = url.split_once(&addr.to_string()).unwrap().1.to_owned();
    let started = Instant::now();
    let heads: Vec<_> = (0..10)
        .map(|_| {
            trickle(
                addr,
                format!("GET {path}/Users HTTP/1.1\r\nHost: {addr}\r\n"),
                b"X-Slow: aaaa\r\n",
            )
        })
        .collect();
    let body = format!(
        "POST {path}/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: 500\r\n\r\n"
    );
    let bodies: Vec<_> = (0..10).map(|_| trickle(addr, body.clone(), b" ")).collect();
    // The one worker answers others while the twenty trickle.
    let client = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build();
    let client: ureq::Agent = client.into();
    for _ in 0..5 {
        let asked = Instant::now();
        let response = client
            .get(&format!("{url}/Users"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("answered while others trickle");
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{:?}",
            asked.elapsed()
        );
        thread::sleep(Duration::from_millis(100));
    }
    for head in heads {
        let (received, closed) = head.join().unwrap();
        assert!(received.starts_with("HTTP/1.1 408"), "{received:?}");
        let closed = closed.expect("the connection is closed");
        assert!(closed < Duration::from_secs(4), "{closed:?}");
    }
    for body in bodies {
        let (received, closed) = body.join().unwrap();
        assert!(received.starts_with("HTTP/1.1 408"), "{received:?}");
        assert!(
            received.contains("\"status\":\"408\""),
            "a SCIM error: {received:?}"
        );
        let closed = closed.expect("the connection is closed");
        assert!(closed < Duration::from_secs(5), "{closed:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

// ---- Header, filter and page limits ----

/// Sends `request` as it is and returns the status line's code.
fn raw_status(server: &Server, request: &[u8]) -> u16 {
    let addr: SocketAddr = server
        .origin
        .strip_prefix("http://")
        .unwrap()
        .parse()
        .unwrap();
    let mut stream = TcpStream::connect(addr).unwrap();
    // The server may answer and close before reading everything.
    let _ = stream.write_all(request);
    let (received, _) = read_until_closed(stream, Duration::from_secs(5));
    received
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {received:?}"))
}

/// A request head beyond actix-web's 128 KiB, or with more than its 96
/// headers, is refused with 431: never a 5xx, and the server goes on.
#[test]
fn oversized_headers_are_refused_without_a_5xx() {
    let server = start(Backend::Sqlite);
    let huge = format!(
        "GET /scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    assert_eq!(raw_status(&server, huge.as_bytes()), 431);
    let many: String = (0..100).map(|n| format!("X-Header-{n}: {n}\r\n")).collect();
    let many = format!("GET /scim/v2/acme/Users HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_eq!(raw_status(&server, many.as_bytes()), 431);
    assert_eq!(server.scim().get("/Users").status, 200);
}

/// A filter of `terms` `userName eq "..."` terms joined by `or`.
fn or_chain(terms: usize) -> String {
    (0..terms)
        .map(|n| format!("userName eq \"u{n}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `depth` parentheses around one term.
fn nested(depth: usize) -> String {
    format!("{}userName pr{}", "(".repeat(depth), ")".repeat(depth))
}

/// One comparison `len` bytes long.
fn long_term(len: usize) -> String {
    let frame = "userName eq \"\"".len();
    format!("userName eq \"{}\"", "a".repeat(len - frame))
}

/// Filters at the parser's bounds (length, nesting, terms) are served; one
/// step beyond, they are 400 `invalidFilter`, in the query and in `.search`.
fn filter_bounds_are_enforced(backend: Backend) {
    let server = start(backend);
    let acme = server.scim();
    acme.create_user("bounds@example.com");
    let cases = [
        (long_term(MAX_FILTER_LEN), long_term(MAX_FILTER_LEN + 1)),
        (nested(MAX_DEPTH), nested(MAX_DEPTH + 1)),
        (or_chain(MAX_TERMS), or_chain(MAX_TERMS + 1)),
    ];
    for (at_bound, beyond) in cases {
        let served = acme.get(&format!("/Users?filter={}", q(&at_bound)));
        assert_eq!(served.status, 200, "{}", served.text);
        acme.get(&format!("/Users?filter={}", q(&beyond)))
            .assert_error(400, Some("invalidFilter"));
        let search = |filter: &str| {
            acme.post(
                "/Users/.search",
                &json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": filter,
                }),
            )
        };
        assert_eq!(search(&at_bound).status, 200);
        search(&beyond).assert_error(400, Some("invalidFilter"));
    }
}

/// `count` above the maximum is cut to it, which `/ServiceProviderConfig`
/// advertises as `filter.maxResults`: in lists, `.search` and the root `.search`.
fn count_is_clamped_to_the_advertised_maximum(backend: Backend) {
    let server = start_with_options(
        backend,
        HttpConfig::default(),
        Options {
            max_page_size: 3,
            ..Options::default()
        },
    );
    let acme = server.scim();
    for n in 0..5 {
        acme.create_user(&format!("page{n}@example.com"));
    }
    let config = acme.get("/ServiceProviderConfig");
    assert_eq!(config.body["filter"]["maxResults"], 3, "{}", config.text);
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "count": 1_000_000,
    });
    for page in [
        acme.get("/Users?count=1000000"),
        acme.post("/Users/.search", &search),
        acme.post("/.search", &search),
    ] {
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.body["totalResults"], 5, "{}", page.text);
        assert_eq!(page.body["itemsPerPage"], 3, "{}", page.text);
        assert_eq!(page.body["Resources"].as_array().unwrap().len(), 3);
    }
}

both_backends!(
    rate_limit_answers_429_with_retry_after,
    unauthenticated_requests_do_not_drain_a_tenant,
    rate_limit_zero_is_off,
    a_tenant_over_its_share_gets_429_while_others_are_served,
    a_full_server_answers_503_with_retry_after,
    a_waiting_request_runs_when_a_place_frees_up,
    filter_bounds_are_enforced,
    count_is_clamped_to_the_advertised_maximum,
);
