//! `GET /metrics` on the server binary (the Prometheus recorder it installs):
//! after known traffic it counts the requests by tenant, route, method and
//! status, times them, counts the compatibility rules applied and the role
//! changes of a committed rule save (not of a refused one), and shows the
//! store's pools (sized as configured, holding the connections the traffic
//! opened) and, on SQLite, the WAL's size; it is for the operator token only,
//! and made-up tenant URLs add no series.

use scim_store::testing::Backend;
use serde_json::json;

use crate::harness::Client;
use crate::process::{ADMIN_TOKEN, ServerProcess, database_with_tenant};

/// The value of the series `name{labels}` (labels as the exporter writes
/// them, sorted by name), or 0 when there is none.
pub(crate) fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

/// The value of the label-less series `name`, if there is one.
fn unlabelled(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .map(|v| v.parse().unwrap())
}

pub(crate) fn scrape(server: &ServerProcess) -> String {
    let r = Client::new(&server.origin, ADMIN_TOKEN).get("/metrics");
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        r.headers
    );
    r.text
}

fn counts_known_traffic(backend: Backend) {
    let (database, token) = database_with_tenant(backend);
    let server = ServerProcess::start(&database.url, &[("SCIM_DB_POOL_SIZE", "3")]);
    let (scim, admin) = (server.scim("acme", &token), server.admin("acme"));
    let mut ids = Vec::new();
    for name in ["ada@acme.test", "bob@acme.test"] {
        ids.push(scim.create_user(name));
    }
    // Entra's boolean as a string: the `boolean-string` rule reads it.
    let r = scim.patch_ops(
        &format!("/Users/{}", ids[0]),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(scim.get("/Users/no-such-user").status, 404);
    // A made-up tenant URL and a wrong token: counted, but under no tenant.
    let stranger = server.scim("no-such-tenant", "scim_wrong");
    assert_eq!(stranger.get("/Users").status, 401);
    let catalogue = admin.put(
        "/catalogue",
        &json!({"roles": [{"name": "User"}, {"name": "Viewer"}, {"name": "Admin"}]}),
    );
    assert_eq!(catalogue.status, 200, "{}", catalogue.text);
    // A rule save refused once every user was decided (a guard nobody would
    // hold) rolls back the role change it made on the way, and counts none;
    // the same save without the guard moves Bob (Ada, deactivated, stays
    // Disabled).
    let refused = admin.put(
        "/rules",
        &json!({"default_role": "Viewer", "guard": {"role": "Admin"}, "rules": []}),
    );
    assert_eq!(refused.status, 422, "{}", refused.text);
    let saved = admin.put("/rules", &json!({"default_role": "Viewer", "rules": []}));
    assert_eq!(saved.body["saved"], true, "{}", saved.text);
    assert_eq!(saved.body["summary"]["changed"], 1, "{}", saved.text);

    let text = scrape(&server);
    let requests = "scim_http_requests_total";
    let users = "/scim/v2/{tenant}/Users";
    let user = "/scim/v2/{tenant}/Users/{id}";
    let scim_acme = [("api", "scim"), ("tenant", "acme")];
    let count = |route: &str, method: &str, status: &str| {
        let mut labels = scim_acme.to_vec();
        labels.extend([("route", route), ("method", method), ("status", status)]);
        value(&text, requests, &labels)
    };
    assert_eq!(count(users, "POST", "201"), 2.0, "{text}");
    assert_eq!(count(user, "PATCH", "200"), 1.0, "{text}");
    // Answers 404 and 401 name no tenant.
    assert_eq!(count(user, "GET", "404"), 0.0, "{text}");
    let untenanted = [
        ("api", "scim"),
        ("tenant", ""),
        ("route", user),
        ("status", "404"),
    ];
    assert_eq!(value(&text, requests, &untenanted), 1.0, "{text}");
    assert!(!text.contains("no-such-tenant"), "{text}");
    let admin_save = [
        ("api", "admin"),
        ("tenant", "acme"),
        ("route", "/admin/v1/tenants/{tenant}/rules"),
        ("method", "PUT"),
        ("status", "200"),
    ];
    assert_eq!(value(&text, requests, &admin_save), 1.0, "{text}");
    let posts = [
        ("api", "scim"),
        ("tenant", "acme"),
        ("route", users),
        ("method", "POST"),
    ];
    assert_eq!(
        value(&text, "scim_http_request_duration_seconds_count", &posts),
        2.0,
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "scim_compat_rules_applied_total",
            &[("tenant", "acme"), ("rule", "boolean-string")]
        ),
        1.0,
        "{text}"
    );
    // Two creates decide a first role each, the deactivation one more, the
    // save one: the refused save counted nothing.
    assert_eq!(
        value(&text, "scim_role_changes_total", &[("tenant", "acme")]),
        4.0,
        "{text}"
    );

    store_gauges(&text, backend, &database.url);

    // Only the operator token reads it.
    let anonymous = Client::new(&server.origin, "").without_token_header();
    anonymous.get("/metrics").assert_problem(401);
    Client::new(&server.origin, &token)
        .get("/metrics")
        .assert_problem(401);
}

/// The pools and the WAL after the traffic above.
fn store_gauges(text: &str, backend: Backend, url: &str) {
    let connections = "scim_db_pool_connections";
    let max = "scim_db_pool_max_connections";
    let shared = match backend {
        Backend::Sqlite => "sqlite_readers",
        Backend::Postgres => "postgres",
    };
    assert_eq!(value(text, max, &[("pool", shared)]), 3.0, "{text}");
    let in_use = value(text, connections, &[("pool", shared), ("state", "in_use")]);
    let idle = value(text, connections, &[("pool", shared), ("state", "idle")]);
    // The requests opened connections, which stay open, within the size.
    assert!(in_use + idle >= 1.0, "{text}");
    assert!(in_use + idle <= 3.0, "{text}");
    let wal = unlabelled(text, "scim_sqlite_wal_bytes");
    match backend {
        Backend::Sqlite => {
            assert_eq!(
                value(text, max, &[("pool", "sqlite_writer")]),
                1.0,
                "{text}"
            );
            let writer: f64 = ["in_use", "idle"]
                .iter()
                .map(|s| {
                    value(
                        text,
                        connections,
                        &[("pool", "sqlite_writer"), ("state", s)],
                    )
                })
                .sum();
            assert_eq!(writer, 1.0, "{text}");
            // The writes went through the log, whose file checkpoints never
            // shrink (below 64 MiB): at most what it is now, after the scrape.
            let wal = wal.expect("the WAL gauge on SQLite");
            let path = format!("{}-wal", url.trim_start_matches("sqlite://"));
            let now = std::fs::metadata(path).unwrap().len() as f64;
            assert!(wal > 0.0 && wal <= now, "{wal} of {now}");
        }
        Backend::Postgres => {
            assert!(!text.contains("sqlite_"), "{text}");
            assert_eq!(wal, None, "{text}");
        }
    }
}

#[test]
fn sqlite_counts_known_traffic() {
    counts_known_traffic(Backend::Sqlite);
}

#[test]
fn postgres_counts_known_traffic() {
    counts_known_traffic(Backend::Postgres);
}
