//! Tenant isolation over every SCIM and admin route: the routes come from the
//! server's own registration (`scim_http::scim_routes`, `admin_routes`), so a
//! new route the matrix does not know fails the test until it is added.
//!
//! Two tenants, `acme` (A) and `globex` (B), each with users, a group, a rule,
//! a rule-save job, spare tokens and admin tokens. For every route:
//!
//! - A's SCIM token at B's URL and at a URL where no tenant is: the same 404;
//!   a token of no tenant (and B's admin token, and the operator token) at
//!   either: the same 401. Same status and body (the slug aside), so the
//!   answer does not tell whether B exists.
//! - A's admin token on B's admin routes and on a missing tenant's: the same
//!   404; SCIM tokens on the admin API: the 401 of a wrong credential.
//! - B's resource ids through A's URLs: 404, or nothing found.
//! - No answer holds anything of B (ids, names, token prefixes), and B's state
//!   read by the operator is the same after the run as before it.
//! - Each request is one A's own credential gets through (checked last), so
//!   the refusals come from the credential and nothing else.
//!
//! `isolation_timing` compares the time of the answers that must not tell
//! tenants apart (medians of interleaved requests; figures printed).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, Client, Resp, Server, start};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// A slug no tenant has.
const MISSING: &str = "no-such-tenant";
/// A bearer token of no tenant, shaped like a SCIM token.
const NOBODY: &str = "scim_0000000000000000000000000000000000000000000";

/// The ids of one tenant that routes take as path parameters.
#[derive(Debug, Clone)]
struct Ids {
    user: String,
    user_name: String,
    group: String,
    rule: String,
    job: String,
    /// A SCIM token's identifier (revocable without locking the tenant out).
    token: String,
    /// An admin token's identifier (not the one making the calls).
    admin_token: String,
    /// A webhook endpoint's id.
    webhook: String,
}

/// A tenant of the test with its credentials.
#[derive(Debug)]
struct Tenant {
    slug: &'static str,
    scim_token: String,
    admin_token: String,
    ids: Ids,
}

/// The role catalogue of both tenants: the default roles and two more.
fn catalogue() -> Value {
    json!({"roles": [
        {"name": "Admin", "privileged": true}, {"name": "User"}, {"name": "Member"}, {"name": "Viewer"},
    ]})
}

/// A fresh name for a created resource.
fn unique(what: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{what}-{}", N.fetch_add(1, Ordering::Relaxed))
}

fn operator(server: &Server, slug: &str) -> Client {
    server.client(&format!("/admin/v1/tenants/{slug}"), ADMIN_TOKEN)
}

fn created(r: &Resp, what: &str) -> Value {
    assert!(
        (200..300).contains(&r.status),
        "creating {what}: {} {}",
        r.status,
        r.text
    );
    r.body.clone()
}

/// Fresh ids of every kind for `slug`: a user in a group, a rule naming the
/// group, a finished rule-save job, a spare SCIM token and admin token.
fn fresh_ids(server: &Server, slug: &str, scim_token: &str) -> Ids {
    let scim = server.client(&format!("/scim/v2/{slug}"), scim_token);
    let admin = operator(server, slug);
    let user_name = format!("{}@{slug}.example", unique("person"));
    let user = scim.create_user(&user_name);
    let group_name = unique(&format!("{slug} group"));
    let group = scim.create_group(&group_name);
    let added = scim.patch_ops(
        &format!("/Groups/{group}"),
        json!([{"op": "add", "path": "members", "value": [{"value": user}]}]),
    );
    created(&added, "membership");
    let rule = created(
        &admin.post(
            "/rules",
            &json!({"group": {"id": group, "label": group_name}, "role": "Member"}),
        ),
        "rule",
    );
    let rule = rule["rule"]["id"]
        .as_str()
        .or_else(|| rule["id"].as_str())
        .unwrap_or_else(|| panic!("rule id in {rule}"))
        .to_owned();
    let rules = admin.get("/rules").body;
    let job = admin.request(
        "PUT",
        "/rules?async=true",
        Some(&rules.to_string()),
        &[("Content-Type", "application/json")],
    );
    let job = created(&job, "job")["id"].as_str().unwrap().to_owned();
    let rotated = created(
        &admin.post("/tokens/rotate", &json!({"overlap_hours": 24})),
        "token",
    );
    let token = rotated["token"]["prefix"].as_str().unwrap().to_owned();
    let admin_token = created(
        &admin.post("/admin-tokens", &json!({"name": unique("spare")})),
        "admin token",
    )["token"]["prefix"]
        .as_str()
        .unwrap()
        .to_owned();
    let webhook = created(
        &admin.post(
            "/webhooks",
            &json!({"url": format!("https://hooks.example.com/{slug}"), "kinds": ["user.created"]}),
        ),
        "webhook",
    )["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Ids {
        user,
        user_name,
        group,
        rule,
        job,
        token,
        admin_token,
        webhook,
    }
}

/// A tenant with a role catalogue, its admin token, and ids of every kind.
fn tenant(server: &Server, slug: &'static str, scim_token: String) -> Tenant {
    let admin = operator(server, slug);
    created(&admin.put("/catalogue", &catalogue()), "catalogue");
    let admin_token = created(
        &admin.post("/admin-tokens", &json!({"name": format!("{slug} admin")})),
        "admin token",
    )["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = fresh_ids(server, slug, &scim_token);
    Tenant {
        slug,
        scim_token,
        admin_token,
        ids,
    }
}

/// `template` with its placeholders filled: the tenant, and each `{id}` by
/// the collection it follows. A placeholder the matrix does not know fails.
fn fill(template: &str, slug: &str, ids: &Ids) -> String {
    let segments: Vec<&str> = template.split('/').collect();
    let mut out = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let before = if i > 0 { segments[i - 1] } else { "" };
        let filled = match (*segment, before) {
            ("{tenant}", _) => slug.to_owned(),
            ("{id}", "Users" | "users") => ids.user.clone(),
            ("{id}", "Groups" | "groups") => ids.group.clone(),
            ("{id}", "jobs") => ids.job.clone(),
            ("{id}", "tokens") => ids.token.clone(),
            ("{id}", "admin-tokens") => ids.admin_token.clone(),
            ("{id}", "webhooks") => ids.webhook.clone(),
            ("{rule}", "rules") => ids.rule.clone(),
            ("{id}", "Schemas") => USER.to_owned(),
            ("{id}", "ResourceTypes") => "User".to_owned(),
            (s, _) if s.starts_with('{') => {
                panic!("{template}: the isolation matrix does not know {s}: add it to `fill`")
            }
            (s, _) => s.to_owned(),
        };
        out.push(filled);
    }
    out.join("/")
}

/// A body a tenant's own credential gets through, for each SCIM route that
/// takes one (`None`: no body). A route the matrix does not know fails.
fn scim_body(method: &Method, template: &str, ids: &Ids) -> Option<Value> {
    let user_filter = format!(
        "id eq \"{}\" or userName eq \"{}\"",
        ids.user, ids.user_name
    );
    match (method.as_str(), template) {
        ("GET" | "DELETE", _) => None,
        ("POST", "/Users") => Some(json!({"schemas": [USER], "userName": unique("new")})),
        ("POST", "/Groups") => Some(json!({
            "schemas": [GROUP], "displayName": unique("new"), "members": [{"value": ids.user}],
        })),
        ("POST", "/Users/.search" | "/.search") => {
            Some(json!({"schemas": [SEARCH], "filter": user_filter}))
        }
        ("POST", "/Groups/.search") => Some(json!({
            "schemas": [SEARCH], "filter": format!("id eq \"{}\"", ids.group),
        })),
        ("PUT", "/Users/{id}") => Some(json!({"schemas": [USER], "userName": ids.user_name})),
        ("PUT", "/Groups/{id}") => Some(json!({
            "schemas": [GROUP], "displayName": unique("renamed"), "members": [{"value": ids.user}],
        })),
        ("PATCH", "/Users/{id}") => Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "title", "value": "Changed"}],
        })),
        ("PATCH", "/Groups/{id}") => Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": ids.user}]}],
        })),
        ("POST", "/Bulk") => Some(json!({
            "schemas": [BULK],
            "Operations": [
                {"method": "PATCH", "path": format!("/Users/{}", ids.user), "data": {
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "replace", "path": "title", "value": "Bulk"}],
                }},
                {"method": "DELETE", "path": format!("/Groups/{}", ids.group)},
            ],
        })),
        (m, t) => panic!("{m} {t}: the isolation matrix has no SCIM body for it: add it"),
    }
}

/// A body a tenant's own admin token gets through (or, for the operator's
/// routes, is refused with 403 for), for each admin route.
fn admin_body(method: &Method, template: &str, ids: &Ids) -> Option<(Value, &'static str)> {
    const JSON: &str = "application/json";
    let under_tenant = template.strip_prefix("/tenants/{tenant}");
    match (method.as_str(), under_tenant, template) {
        // Webhook actions that take no body.
        ("GET" | "DELETE", _, _)
        | ("POST", Some("/webhooks/{id}/rotate-secret" | "/webhooks/{id}/enable"), _) => None,
        ("POST", None, "/tenants") => Some((json!({"slug": unique("new")}), JSON)),
        ("PATCH", Some(""), _) => Some((json!({"display_name": "Renamed"}), JSON)),
        ("PUT" | "PATCH", Some("/settings"), _) => Some((json!({}), JSON)),
        ("POST", Some("/tokens/rotate"), _) => Some((json!({"overlap_hours": 24}), JSON)),
        ("POST", Some("/admin-tokens"), _) => Some((json!({"name": unique("issued")}), JSON)),
        ("PUT", Some("/catalogue"), _) => Some((catalogue(), JSON)),
        ("PUT", Some("/rules"), _) => Some((
            json!({
                "default_role": "Viewer",
                "rules": [{"group": {"id": ids.group, "label": "g"}, "role": "Member"}],
            }),
            JSON,
        )),
        ("POST", Some("/rules"), _) | ("PUT", Some("/rules/{rule}"), _) => Some((
            json!({"group": {"id": ids.group, "label": "g"}, "role": "Viewer"}),
            JSON,
        )),
        ("POST", Some("/rules/{rule}/move"), _) => Some((json!({"position": 1}), JSON)),
        ("PUT", Some("/users/{id}/lock"), _) => Some((json!({"role": "Viewer"}), JSON)),
        ("POST", Some("/webhooks"), _) | ("PUT", Some("/webhooks/{id}"), _) => Some((
            json!({"url": "https://hooks.example.com/in", "kinds": ["role.changed"]}),
            JSON,
        )),
        ("POST", Some("/webhooks/{id}/redeliver"), _) => Some((json!({"from_seq": 1}), JSON)),
        (m, _, t) => panic!("{m} {t}: the isolation matrix has no admin body for it: add it"),
    }
}

/// The admin routes only the operator token may use: an admin token gets 403.
fn operator_only(method: &Method, template: &str) -> bool {
    matches!(
        (method.as_str(), template),
        ("POST", "/tenants") | ("PATCH" | "DELETE", "/tenants/{tenant}")
    )
}

/// What a request carried (its path and body), for [`assert_no_data_of_b`].
fn carried(path: &str, body: &Option<(Value, &str)>) -> String {
    let body = body
        .as_ref()
        .map(|(b, _)| b.to_string())
        .unwrap_or_default();
    format!("{path} {body}")
}

fn send(client: &Client, method: &Method, path: &str, body: Option<(Value, &str)>) -> Resp {
    match body {
        Some((body, content_type)) => client.request(
            method.as_str(),
            path,
            Some(&body.to_string()),
            &[("Content-Type", content_type)],
        ),
        None => client.request(method.as_str(), path, None, &[]),
    }
}

/// What an answer must not hold: anything of tenant B but its slug (which the
/// caller wrote in the URL).
fn markers(b: &Tenant) -> Vec<String> {
    let ids = &b.ids;
    vec![
        ids.user.clone(),
        ids.user_name.clone(),
        ids.group.clone(),
        ids.rule.clone(),
        ids.job.clone(),
        ids.token.clone(),
        ids.admin_token.clone(),
        ids.webhook.clone(),
        b.scim_token[..12].to_owned(),
        b.admin_token[..15].to_owned(),
        "globex group".to_owned(),
    ]
}

/// No marker of B in the answer, but for what the request itself carried
/// (an id in the URL may be named back in a 404's detail).
fn assert_no_data_of_b(r: &Resp, markers: &[String], sent: &str, what: &str) {
    for marker in markers.iter().filter(|m| !sent.contains(m.as_str())) {
        assert!(
            !r.text.contains(marker.as_str()),
            "{what}: the answer holds B's {marker}: {}",
            r.text
        );
    }
}

/// The answer with the slug of the URL taken out (status and body).
fn answer(r: &Resp, slug: &str) -> (u16, String) {
    (r.status, r.text.replace(slug, "{tenant}"))
}

/// B's state as the operator reads it: unchanged by anything A sends.
fn state_of(server: &Server, slug: &str) -> BTreeMap<&'static str, Value> {
    let admin = operator(server, slug);
    let scim_view = |path: &str| {
        let mut body = admin.get(path).body;
        // Listing reads nothing that changes; `meta` of users stays in the users.
        if let Some(items) = body.get_mut("items") {
            return items.take();
        }
        body
    };
    let mut state = BTreeMap::new();
    state.insert("tenant", admin.get("").body);
    state.insert("settings", admin.get("/settings").body);
    state.insert("catalogue", admin.get("/catalogue").body);
    state.insert("rules", admin.get("/rules").body);
    state.insert("tokens", admin.get("/tokens").body);
    state.insert("admin-tokens", admin.get("/admin-tokens").body);
    state.insert("webhooks", admin.get("/webhooks").body);
    state.insert("users", scim_view("/users"));
    state.insert("groups", scim_view("/groups"));
    state.insert("events", admin.get("/events/head").body);
    for token in state["tokens"]
        .as_array()
        .into_iter()
        .chain(state["admin-tokens"].as_array())
        .flatten()
    {
        assert!(token["revoked_at"].is_null(), "{token}");
    }
    state
}

struct World {
    server: Server,
    a: Tenant,
    b: Tenant,
}

fn world(backend: Backend) -> World {
    let server = start(backend);
    let a_token = server.token.clone();
    let b_token = server.tenant("globex");
    let a = tenant(&server, "acme", a_token);
    let b = tenant(&server, "globex", b_token);
    World { server, a, b }
}

fn scim_isolation(backend: Backend) {
    let World { server, a, b } = world(backend);
    let markers = markers(&b);
    let before = state_of(&server, b.slug);
    let routes = scim_http::scim_routes();
    assert!(routes.len() >= 20, "{routes:?}");
    let at = |slug: &str, token: &str| server.client(&format!("/scim/v2/{slug}"), token);
    let mut checked = 0;
    for route in &routes {
        let (method, template) = (&route.method, route.path.as_str());
        let what = format!("{method} {template}");
        let body =
            |ids: &Ids| scim_body(method, template, ids).map(|b| (b, "application/scim+json"));
        // Credentials of A, of no tenant, B's admin token and the operator
        // token at B's URL and at a missing tenant's: one answer each.
        let cases: [(&str, &str, u16); 4] = [
            ("A's SCIM token", &a.scim_token, 404),
            ("a token of no tenant", NOBODY, 401),
            ("B's admin token", &b.admin_token, 401),
            ("the operator token", ADMIN_TOKEN, 401),
        ];
        for (who, token, status) in cases {
            let path = fill(template, b.slug, &b.ids);
            let sent = carried(&path, &body(&b.ids));
            let at_b = send(&at(b.slug, token), method, &path, body(&b.ids));
            let at_missing = send(
                &at(MISSING, token),
                method,
                &fill(template, MISSING, &b.ids),
                body(&b.ids),
            );
            at_b.assert_error(status, None);
            assert_eq!(
                answer(&at_b, b.slug),
                answer(&at_missing, MISSING),
                "{what} with {who}: B's URL and a missing tenant's must answer alike"
            );
            assert_no_data_of_b(&at_b, &markers, &sent, &format!("{what} with {who}"));
            checked += 2;
        }
        // B's ids through A's URL with A's token: nothing of B.
        let path = fill(template, a.slug, &b.ids);
        let sent = carried(&path, &body(&b.ids));
        let through_a = send(&at(a.slug, &a.scim_token), method, &path, body(&b.ids));
        assert_no_data_of_b(
            &through_a,
            &markers,
            &sent,
            &format!("{what}, B's ids at A"),
        );
        if template.ends_with("/{id}") && !template.starts_with("/Schemas") {
            if !template.starts_with("/ResourceTypes") {
                through_a.assert_error(404, None);
            }
        } else if template.ends_with(".search") {
            assert_eq!(
                through_a.body["totalResults"], 0,
                "{what}: B's resources found through A: {}",
                through_a.text
            );
        } else if template == "/Bulk" {
            let statuses: Vec<&Value> = through_a.body["Operations"]
                .as_array()
                .unwrap_or_else(|| panic!("{}", through_a.text))
                .iter()
                .map(|op| &op["status"])
                .collect();
            assert_eq!(statuses, ["404", "404"], "{}", through_a.text);
        } else if template == "/Groups" && *method == Method::POST {
            // A member id of no user of A's is dropped: B's user is not linked.
            assert_eq!(through_a.status, 201, "{}", through_a.text);
            assert!(!through_a.text.contains(&b.ids.user), "{}", through_a.text);
        }
        checked += 1;
    }
    // B's user gains no group through A's group (a membership by B's id).
    let a_scim = at(a.slug, &a.scim_token);
    let added = a_scim.patch_ops(
        &format!("/Groups/{}", a.ids.group),
        json!([{"op": "add", "path": "members", "value": [{"value": b.ids.user}]}]),
    );
    assert!(added.status < 500, "{}", added.text);
    let group = a_scim.get(&format!("/Groups/{}", a.ids.group));
    assert!(!group.text.contains(&b.ids.user), "{}", group.text);
    assert_eq!(state_of(&server, b.slug), before, "B changed");
    // The same requests with A's own credential and ids pass: the refusals
    // above came from the credential alone.
    for route in &routes {
        let (method, template) = (&route.method, route.path.as_str());
        let ids = fresh_ids(&server, a.slug, &a.scim_token);
        let body = scim_body(method, template, &ids).map(|b| (b, "application/scim+json"));
        let r = send(&a_scim, method, &fill(template, a.slug, &ids), body);
        let expected = if template == "/Me" { 501 } else { r.status };
        assert!(
            r.status == expected && (r.status < 300 || template == "/Me"),
            "{method} {template} with A's own token: {} {}",
            r.status,
            r.text
        );
    }
    eprintln!(
        "isolation ({backend:?}): {} SCIM routes, {checked} refused requests, no data of B",
        routes.len()
    );
}

fn admin_isolation(backend: Backend) {
    let World { server, a, b } = world(backend);
    let markers = markers(&b);
    let before = state_of(&server, b.slug);
    let routes = scim_http::admin_routes();
    assert!(routes.len() >= 30, "{routes:?}");
    let root = |token: &str| server.client("/admin/v1", token);
    let mut checked = 0;
    for route in &routes {
        let (method, template) = (&route.method, route.path.as_str());
        let what = format!("{method} {template}");
        let body = |ids: &Ids| admin_body(method, template, ids);
        // SCIM tokens (A's, B's) and a token of no tenant: the same 401.
        let reference = send(
            &root(NOBODY),
            method,
            &fill(template, b.slug, &b.ids),
            body(&b.ids),
        );
        reference.assert_problem(401);
        for (who, token) in [
            ("A's SCIM token", &a.scim_token),
            ("B's SCIM token", &b.scim_token),
        ] {
            for slug in [b.slug, MISSING] {
                let r = send(
                    &root(token),
                    method,
                    &fill(template, slug, &b.ids),
                    body(&b.ids),
                );
                assert_eq!(
                    answer(&r, slug),
                    answer(&reference, b.slug),
                    "{what} with {who} at {slug}"
                );
                checked += 1;
            }
        }
        if template.contains("{tenant}") {
            // A's admin token on B's routes and on a missing tenant's: one 404.
            let path = fill(template, b.slug, &b.ids);
            let sent = carried(&path, &body(&b.ids));
            let at_b = send(&root(&a.admin_token), method, &path, body(&b.ids));
            let at_missing = send(
                &root(&a.admin_token),
                method,
                &fill(template, MISSING, &b.ids),
                body(&b.ids),
            );
            at_b.assert_problem(404);
            assert_eq!(
                answer(&at_b, b.slug),
                answer(&at_missing, MISSING),
                "{what}: B's admin routes and a missing tenant's must answer alike"
            );
            assert_no_data_of_b(&at_b, &markers, &sent, &what);
            checked += 2;
            // B's ids through A's admin routes.
            if template.contains("{id}") || template.contains("{rule}") {
                let path = fill(template, a.slug, &b.ids);
                let sent = carried(&path, &body(&b.ids));
                let through_a = send(&root(&a.admin_token), method, &path, body(&b.ids));
                assert_no_data_of_b(
                    &through_a,
                    &markers,
                    &sent,
                    &format!("{what}, B's ids at A"),
                );
                if !operator_only(method, template) {
                    through_a.assert_problem(404);
                }
                checked += 1;
            }
        } else {
            // The routes above the tenants: what A's admin token sees of them.
            let sent = carried(template, &body(&a.ids));
            let r = send(&root(&a.admin_token), method, template, body(&a.ids));
            assert_no_data_of_b(&r, &markers, &sent, &what);
            assert!(!r.text.contains("\"globex\""), "{what}: {}", r.text);
            checked += 1;
        }
    }
    assert_eq!(state_of(&server, b.slug), before, "B changed");
    // With A's admin token on A's own routes and ids, each request passes (or
    // is the operator's: 403).
    for route in &routes {
        let (method, template) = (&route.method, route.path.as_str());
        let ids = fresh_ids(&server, a.slug, &a.scim_token);
        let r = send(
            &root(&a.admin_token),
            method,
            &fill(template, a.slug, &ids),
            admin_body(method, template, &ids),
        );
        if operator_only(method, template) {
            r.assert_problem(403);
        } else {
            assert!(
                r.status < 300,
                "{method} {template} with A's admin token: {} {}",
                r.status,
                r.text
            );
        }
    }
    eprintln!(
        "isolation ({backend:?}): {} admin routes, {checked} refused requests, no data of B",
        routes.len()
    );
}

/// Median time of each of two requests, interleaved so that drift on a
/// shared machine falls on both alike.
fn medians(
    rounds: usize,
    mut first: impl FnMut() -> u16,
    mut second: impl FnMut() -> u16,
) -> (Duration, Duration) {
    let (mut one, mut two) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        first();
        one.push(t.elapsed());
        let t = Instant::now();
        second();
        two.push(t.elapsed());
    }
    one.sort();
    two.sort();
    (one[rounds / 2], two[rounds / 2])
}

/// The requests whose answers must not tell whether a tenant exists take the
/// same time. Bound: medians within a factor of 1.5 (a difference worth an
/// extra query would show as a few tens of percent on a loopback request;
/// the bound is loose so that a shared machine does not fail it).
fn isolation_timing(backend: Backend) {
    const ROUNDS: usize = 300;
    const BOUND: f64 = 1.5;
    let World { server, a, b } = world(backend);
    let mut figures = Vec::new();
    let mut compare = |what: &str, exists: &Client, missing: &Client, path: &str, status: u16| {
        let (e, m) = medians(
            ROUNDS,
            || {
                let r = exists.get(path);
                assert_eq!(r.status, status, "{what}: {}", r.text);
                r.status
            },
            || {
                let r = missing.get(path);
                assert_eq!(r.status, status, "{what}: {}", r.text);
                r.status
            },
        );
        let ratio = e.as_secs_f64() / m.as_secs_f64();
        figures.push(format!(
            "{what}: tenant exists {:.0} µs, no tenant {:.0} µs, ratio {ratio:.2}",
            e.as_secs_f64() * 1e6,
            m.as_secs_f64() * 1e6
        ));
        (what.to_owned(), ratio)
    };
    let scim = |slug: &str, token: &str| server.client(&format!("/scim/v2/{slug}"), token);
    let admin =
        |slug: &str, token: &str| server.client(&format!("/admin/v1/tenants/{slug}"), token);
    let ratios = [
        compare(
            "SCIM, a token of no tenant",
            &scim(b.slug, NOBODY),
            &scim(MISSING, NOBODY),
            "/Users",
            401,
        ),
        compare(
            "SCIM, A's token",
            &scim(b.slug, &a.scim_token),
            &scim(MISSING, &a.scim_token),
            "/Users",
            404,
        ),
        compare(
            "admin, A's admin token",
            &admin(b.slug, &a.admin_token),
            &admin(MISSING, &a.admin_token),
            "/users",
            404,
        ),
    ];
    // The first request to a slug, before anything of it is cached: tenants
    // made for this, against slugs no tenant has.
    let fresh: Vec<String> = (0..40).map(|i| format!("fresh-{i}")).collect();
    for slug in &fresh {
        server.tenant(slug);
    }
    let mut pairs = fresh.iter();
    let mut missing_n = 0;
    let (e, m) = medians(
        fresh.len(),
        || {
            let slug = pairs.next().unwrap();
            let r = scim(slug, NOBODY).get("/Users");
            assert_eq!(r.status, 401);
            r.status
        },
        || {
            missing_n += 1;
            let r = scim(&format!("absent-{missing_n}"), NOBODY).get("/Users");
            assert_eq!(r.status, 401);
            r.status
        },
    );
    let uncached = e.as_secs_f64() / m.as_secs_f64();
    figures.push(format!(
        "SCIM, first request to a slug: tenant exists {:.0} µs, no tenant {:.0} µs, ratio {uncached:.2}",
        e.as_secs_f64() * 1e6,
        m.as_secs_f64() * 1e6
    ));
    eprintln!(
        "isolation timing ({backend:?}, medians of {ROUNDS} interleaved requests each):\n  {}",
        figures.join("\n  ")
    );
    for (what, ratio) in ratios
        .into_iter()
        .chain([("SCIM, first request to a slug".to_owned(), uncached)])
    {
        assert!(
            (1.0 / BOUND..BOUND).contains(&ratio),
            "{what}: existing and missing tenants answer in times a factor {ratio:.2} apart"
        );
    }
}

both_backends!(scim_isolation, admin_isolation, isolation_timing);
