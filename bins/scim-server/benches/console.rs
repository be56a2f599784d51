//! The console's pages on a tenant of 100,000 users, against the real server
//! binary (issue 12: each page renders in under 100 ms). Not part of the test
//! suite; run it by hand, like `scale` (its seeding and variables):
//!
//! ```text
//! cargo build --release -p scim-server
//! SCALE_SERVER_BIN=target/release/scim-server cargo bench --profile dev -p scim-server --bench console
//! ```
//!
//! The tenant is `scale`'s (`support/seed.rs`: users with their `user.created`
//! events, a group of every tenth user) plus, through the use cases so that
//! their events are the ones the server writes: 20 more groups of 500, every
//! 100th user deactivated by a SCIM PATCH, every 500th locked, and one user
//! (`user0000001`) with a long history (150 changes and 50 lock/unlock pairs).
//! A kept database (`SCALE_KEEP_*`) gets these extras once.
//!
//! The bench signs in as a browser does (the sign-in page for its form token
//! and cookie, then the form), then times each page's whole response
//! `CONSOLE_RUNS` times (default 20, after 2 unmeasured): median, p95, max.
//! The role page's preview (a POST running the role engine's dry run over the
//! tenant) is timed the same way, reported on its own line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it reports on stdout and stops on the first failure"
)]

mod support;

use std::thread;
use std::time::{Duration, Instant};

use provisioning::{Actor, LockRequest, RequestContext};
use scim_store::testing::Backend;
use scim_store::{NewGroup, StoreError};
use serde_json::json;
use support::seed::{self, GROUP, Seeded, TENANT, user_id, user_name};
use support::server::{ADMIN_TOKEN, Server, agent, call, read_body, start_server};

/// The user with the long history.
const HISTORY_USER: usize = 1;
/// Extra groups, and members in each.
const TEAMS: usize = 20;
const TEAM_SIZE: usize = 500;

fn team_id(n: usize) -> String {
    format!("console-bench-team-{n:02}")
}

/// Adds the groups, deactivations, locks and history (see the file's doc),
/// unless the first extra group shows a kept database has them.
fn seed_console_extras(seeded: &Seeded, users: usize) -> f64 {
    let started = Instant::now();
    let provisioning = &seeded.provisioning;
    let tenant = provisioning.tenant(TENANT).expect("the seeded tenant");
    let done = seeded
        .store
        .read(|tx| tx.tenant(&tenant.id).groups().by_id(&team_id(0)))
        .expect("read the groups")
        .is_some();
    if done {
        return 0.0;
    }
    let now = chrono::Utc::now();
    seeded
        .store
        .write(|tx| {
            for n in 0..TEAMS {
                tx.tenant(&tenant.id).groups().insert(&NewGroup {
                    id: team_id(n),
                    resource: json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                        "displayName": format!("Team {n:02}")
                    }),
                    now,
                })?;
                let members: Vec<String> = (0..TEAM_SIZE)
                    .map(|k| user_id((k * TEAMS + n) % users))
                    .collect();
                tx.tenant(&tenant.id)
                    .groups()
                    .add_members(&team_id(n), &members, now)?;
            }
            Ok::<_, StoreError>(())
        })
        .expect("insert the teams");
    let mut ctx = RequestContext::new("seed", String::new(), Actor::Operator);
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    });
    for i in (50..users).step_by(100) {
        provisioning
            .patch_user(&tenant, &mut ctx, &user_id(i), &deactivate, None)
            .expect("deactivate");
    }
    let lock = |reason: &str| LockRequest {
        role: "User".into(),
        reason: Some(reason.into()),
        allow_disabled: false,
    };
    for i in (250..users).step_by(500) {
        provisioning
            .set_lock(&tenant, &ctx, &user_id(i), &lock("bench"), None)
            .expect("lock");
    }
    let history = user_id(HISTORY_USER);
    for k in 0..150 {
        let retitle = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": format!("Title {k}")}]
        });
        provisioning
            .patch_user(&tenant, &mut ctx, &history, &retitle, None)
            .expect("retitle");
    }
    for k in 0..50 {
        provisioning
            .set_lock(&tenant, &ctx, &history, &lock(&format!("audit {k}")), None)
            .expect("lock the history user");
        provisioning
            .clear_lock(&tenant, &ctx, &history, None)
            .expect("unlock the history user");
    }
    started.elapsed().as_secs_f64()
}

/// The `value` of the first `<input name="{name}">` in a page, if any.
fn find_input(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The `value` of the first `<input name="{name}">` in a page.
fn input_value(html: &str, name: &str) -> String {
    find_input(html, name).unwrap_or_else(|| panic!("no {name} field"))
}

/// The `name=value` of the cookie `name` a response sets.
fn set_cookie(response: &ureq::http::Response<ureq::Body>, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no cookie {name}"))
        .to_owned()
}

/// A signed-in browser: one connection pool and the session cookie.
struct Browser {
    agent: ureq::Agent,
    origin: String,
    cookie: String,
}

impl Browser {
    /// Gets the sign-in form, posts the operator token with its form token.
    fn sign_in(server: &Server) -> Browser {
        let agent = agent();
        let url = format!("{}/console/sign-in", server.origin);
        let mut form = agent.get(&url).call().unwrap();
        assert_eq!(form.status().as_u16(), 200);
        let pairing = set_cookie(&form, "scim_console_sign_in");
        let html = String::from_utf8(read_body(&mut form)).unwrap();
        let csrf = input_value(&html, "csrf");
        let signed = agent
            .post(&url)
            .header("Cookie", &pairing)
            .send_form([("csrf", csrf.as_str()), ("token", ADMIN_TOKEN)])
            .unwrap();
        assert_eq!(signed.status().as_u16(), 303, "sign-in refused");
        Browser {
            cookie: set_cookie(&signed, "scim_console_session"),
            agent,
            origin: server.origin.clone(),
        }
    }

    /// One page: its status and HTML.
    fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, String) {
        let mut request = self
            .agent
            .get(format!("{}/console{path}", self.origin))
            .header("Cookie", &self.cookie);
        for (k, v) in query {
            request = request.query(*k, *v);
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        (status, String::from_utf8(read_body(&mut response)).unwrap())
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut response = self
            .agent
            .post(format!("{}/console{path}", self.origin))
            .header("Cookie", &self.cookie)
            .send_form(form.iter().copied())
            .unwrap();
        let status = response.status().as_u16();
        (status, String::from_utf8(read_body(&mut response)).unwrap())
    }
}

/// A page to time: a label, a path under `/console`, its query.
struct Page {
    label: String,
    path: String,
    query: Vec<(&'static str, String)>,
}

fn page(label: &str, path: &str, query: &[(&'static str, &str)]) -> Page {
    Page {
        label: label.to_owned(),
        path: path.to_owned(),
        query: query.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
    }
}

/// Median, p95 (nearest rank) and max of `times` in ms, and the body size in KiB.
struct Timing {
    median: f64,
    p95: f64,
    max: f64,
    kib: f64,
}

fn runs() -> usize {
    std::env::var("CONSOLE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// Times `call` `runs()` times after two unmeasured calls; each must answer 200.
fn time(label: &str, call: impl Fn() -> (u16, String)) -> Timing {
    for _ in 0..2 {
        let (status, html) = call();
        assert_eq!(status, 200, "{label}: {html}");
    }
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs() {
        let started = Instant::now();
        let (status, html) = call();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{label}: {html}");
        bytes = html.len();
    }
    times.sort_by(f64::total_cmp);
    let rank = |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    Timing {
        median: rank(0.5),
        p95: rank(0.95),
        max: times[times.len() - 1],
        kib: bytes as f64 / 1024.0,
    }
}

fn row(name: &str, label: &str, t: &Timing) {
    println!(
        "| {name} | {label} | {:.1} | {:.1} | {:.1} | {:.1} |",
        t.median, t.p95, t.max, t.kib
    );
}

/// The cursor of the sub-accounts page `depth` pages in, or of the last one
/// when there are fewer, with the number of that page.
fn deep_cursor(browser: &Browser, users_path: &str, depth: usize) -> (String, usize) {
    let mut cursor = String::new();
    let mut reached = 1;
    while reached < depth {
        let query: Vec<(&str, &str)> = if cursor.is_empty() {
            Vec::new()
        } else {
            vec![("cursor", cursor.as_str())]
        };
        let (status, html) = browser.get(users_path, &query);
        assert_eq!(status, 200);
        match find_input(&html, "cursor") {
            Some(next) => cursor = next,
            None => break,
        }
        reached += 1;
    }
    (cursor, reached)
}

fn run(backend: Backend, name: &str, users: usize) {
    let (url, _fresh) = seed::database(backend);
    let data_dir = tempfile::tempdir().unwrap();
    let seeded = seed::seed(&url, users);
    let extras = seed_console_extras(&seeded, users);
    eprintln!(
        "{name}: {users} users seeded in {:.1} s, console extras in {extras:.1} s (0: kept database)",
        seeded.seconds
    );
    if std::env::var("SCALE_SEED_ONLY").is_ok() {
        return;
    }
    let server = start_server(&seeded.url, data_dir.path());
    let catalogue = json!({"roles": [
        {"name": "Admin", "privileged": true}, {"name": "User"},
        {"name": "Loanee"}, {"name": "Technician"}
    ]});
    let put = call(&server, "PUT", "/catalogue", Some(&catalogue));
    assert_eq!(put.0, 200, "{}", String::from_utf8_lossy(&put.1));
    let browser = Browser::sign_in(&server);

    let t = format!("/t/{TENANT}");
    let users_path = format!("{t}/users");
    let (cursor, depth) = deep_cursor(&browser, &users_path, 200);
    let deep = format!("sub-accounts, page {depth} (cursor)");
    let history = user_name(HISTORY_USER);
    let pages = [
        page("tenants", "/tenants", &[]),
        page("tenant home", &t, &[]),
        page("Configure SCIM", &format!("{t}/scim"), &[]),
        page("sub-accounts, first page", &users_path, &[]),
        page(&deep, &users_path, &[("cursor", &cursor)]),
        page(
            "sub-accounts, q=user00999 (10 users)",
            &users_path,
            &[("q", "user00999")],
        ),
        page(
            "sub-accounts, q=given4242",
            &users_path,
            &[("q", "given4242")],
        ),
        page(
            "sub-accounts, q=given5 (11,111 users)",
            &users_path,
            &[("q", "given5")],
        ),
        page(
            "sub-accounts, q=nobody (no match)",
            &users_path,
            &[("q", "nobody")],
        ),
        page("sub-accounts, role=User", &users_path, &[("role", "User")]),
        page(
            "sub-accounts, role=Technician (none)",
            &users_path,
            &[("role", "Technician")],
        ),
        page(
            "sub-accounts, status=active",
            &users_path,
            &[("status", "active")],
        ),
        page(
            "sub-accounts, status=inactive (1%)",
            &users_path,
            &[("status", "inactive")],
        ),
        page(
            "sub-accounts, status=deleted (none)",
            &users_path,
            &[("status", "deleted")],
        ),
        page(
            "sub-accounts, locked (0.2%)",
            &users_path,
            &[("locked", "locked")],
        ),
        page(
            "sub-accounts, unlocked",
            &users_path,
            &[("locked", "unlocked")],
        ),
        page(
            "sub-accounts, sort=display_name desc",
            &users_path,
            &[("sort", "display_name"), ("order", "desc")],
        ),
        page("sub-accounts, sort=role", &users_path, &[("sort", "role")]),
        page(
            "sub-accounts, sort=last_change desc",
            &users_path,
            &[("sort", "last_change"), ("order", "desc")],
        ),
        page(
            "sub-accounts, inactive + locked + q=user0",
            &users_path,
            &[("status", "inactive"), ("locked", "locked"), ("q", "user0")],
        ),
        page(
            "user page, long history",
            &format!("{users_path}/{}", user_id(HISTORY_USER)),
            &[],
        ),
        page(
            "user page, in 2 groups",
            &format!("{users_path}/{}", user_id(20)),
            &[],
        ),
        page("Activity", &format!("{t}/activity"), &[]),
        page(
            "Activity, kind=user.deactivated",
            &format!("{t}/activity"),
            &[("kind", "user.deactivated")],
        ),
        page(
            "Activity, kind=user.created (oldest)",
            &format!("{t}/activity"),
            &[("kind", "user.created")],
        ),
        page(
            "Activity, kind=user.deleted (none)",
            &format!("{t}/activity"),
            &[("kind", "user.deleted")],
        ),
        page(
            "Activity, user=history user",
            &format!("{t}/activity"),
            &[("user", &history)],
        ),
        page(
            "Activity, user=the last user",
            &format!("{t}/activity"),
            &[("user", &user_name(users - 1))],
        ),
        page(
            "Activity, group=Tenth",
            &format!("{t}/activity"),
            &[("group", "Tenth")],
        ),
        page(
            "disabled users report",
            &format!("{t}/reports/disabled-users"),
            &[],
        ),
        page("Role assignment", &format!("{t}/roles"), &[]),
    ];
    for p in &pages {
        let query: Vec<(&str, &str)> = p.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let timing = time(&p.label, || browser.get(&p.path, &query));
        row(name, &p.label, &timing);
    }

    // The preview of mapping the Tenth group to Technician: a dry run over
    // every user, reported apart from the page renders.
    let (status, roles) = browser.get(&format!("{t}/roles"), &[]);
    assert_eq!(status, 200);
    let csrf = input_value(&roles, "csrf");
    let version = input_value(&roles, "version");
    let preview_path = format!("{t}/roles/preview");
    let form = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("op", "map_group"),
        ("group", GROUP),
        ("role", "Technician"),
    ];
    let timing = time("preview", || browser.post(&preview_path, &form));
    row(name, "Role assignment preview (POST, dry run)", &timing);
    thread::sleep(Duration::from_millis(100));
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let users = seed::users();
    println!("| backend | page | median ms | p95 ms | max ms | KiB |");
    println!("| --- | --- | ---: | ---: | ---: | ---: |");
    for (backend, name) in seed::backends() {
        run(backend, name, users);
    }
}
