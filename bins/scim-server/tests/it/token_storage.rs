//! What the database keeps of credentials: hashes, never secrets; and how long
//! a rotated token keeps working.
//!
//! The generator's entropy is checked beside it (`provisioning::token`,
//! `scim_console::session`); revocation taking effect on the next request in
//! `admin.rs` (SCIM tokens) and `scim-http`'s `access.rs` (admin tokens).

use std::sync::Arc;

use chrono::{Duration, Utc};
use provisioning::ManualClock;
use serde_json::json;

use crate::both_backends;
use crate::harness::{ADMIN_TOKEN, Backend, Server, start, start_with_clock};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Signs the console in with `token` (the form, its CSRF cookie, the post);
/// returns the session cookie's value.
fn console_session(server: &Server, token: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let form = agent
        .get(format!("{}/console/sign-in", server.origin))
        .call()
        .unwrap();
    let cookie_value = |response: &ureq::http::Response<ureq::Body>, name: &str| {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    };
    let csrf = cookie_value(&form, "scim_console_sign_in").expect("sign-in cookie");
    let signed_in = agent
        .post(format!("{}/console/sign-in", server.origin))
        .header("Cookie", format!("scim_console_sign_in={csrf}"))
        .content_type("application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}&token={token}"))
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    cookie_value(&signed_in, "scim_console_session").expect("session cookie")
}

/// Every secret the server handed out or was given, used as it would be; then
/// the database's files (SQLite) or rows (PostgreSQL) are searched for them:
/// each secret's hash is there, no secret (nor its part after the stored
/// identifier) is.
fn only_hashes_are_stored(backend: Backend) {
    let server = start(backend);
    let root = server.client("/admin/v1", ADMIN_TOKEN);
    let admin = server.admin();
    let first_scim = server.token.clone();
    let rotated = admin.post("/tokens/rotate", &json!({"overlap_hours": 1}));
    assert_eq!(rotated.status, 201, "{}", rotated.text);
    let second_scim = rotated.body["secret"].as_str().unwrap().to_owned();
    let issued = admin.post("/admin-tokens", &json!({"name": "ci"}));
    assert_eq!(issued.status, 201, "{}", issued.text);
    let admin_token = issued.body["secret"].as_str().unwrap().to_owned();
    let created = root.post(
        "/tenants",
        &json!({"slug": "globex", "display_name": "Globex"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let globex_scim = created.body["token"]["secret"].as_str().unwrap().to_owned();
    // Each used, so that last-use times and events are written too.
    for token in [&first_scim, &second_scim] {
        assert_eq!(
            server
                .client("/scim/v2/acme", token)
                .create_user(&format!("{}@x.example", &token[5..12]))
                .len(),
            36
        );
    }
    assert_eq!(
        server
            .client("/scim/v2/globex", &globex_scim)
            .get("/Users")
            .status,
        200
    );
    assert_eq!(
        server
            .client("/admin/v1/tenants/acme", &admin_token)
            .get("/tokens")
            .status,
        200
    );
    let sessions = [
        console_session(&server, &admin_token),
        console_session(&server, ADMIN_TOKEN),
    ];
    let dump = server.database().dump();
    assert!(dump.len() > 1000, "{} bytes", dump.len());
    let tokens = [&first_scim, &second_scim, &globex_scim, &admin_token];
    for secret in tokens {
        assert!(
            contains(&dump, &provisioning::token::hash(secret)),
            "the hash of {} is not in the database: the search reads nothing",
            &secret[..12]
        );
        // The identifier (prefix and 7 characters) is stored to tell tokens
        // apart; the rest is the secret.
        let identifier = provisioning::token::identifier(secret);
        let rest = &secret[identifier.len()..];
        assert!(rest.len() >= 36, "{}", secret.len());
        assert!(!contains(&dump, secret), "{identifier}…: secret stored");
        assert!(
            !contains(&dump, rest),
            "{identifier}…: secret's tail stored"
        );
    }
    assert!(
        !contains(&dump, ADMIN_TOKEN),
        "the operator token is stored"
    );
    for session in &sessions {
        assert_eq!(session.len(), 64, "{session}");
        assert!(!contains(&dump, session), "a console session id is stored");
    }
    eprintln!(
        "token storage ({backend:?}): {} bytes searched, {} token hashes found, no secret",
        dump.len(),
        tokens.len()
    );
}

/// A rotated token works until its overlap ends, then gets 401; the new one
/// keeps working. Time is the server's clock, moved by the test.
fn rotation_overlap_ends(backend: Backend) {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let server = start_with_clock(backend, clock.clone());
    let old = server.scim();
    let rotated = server
        .admin()
        .post("/tokens/rotate", &json!({"overlap_hours": 2}));
    assert_eq!(rotated.status, 201, "{}", rotated.text);
    let new = server.client("/scim/v2/acme", rotated.body["secret"].as_str().unwrap());
    assert_eq!(
        old.get("/Users").status,
        200,
        "the old token during the overlap"
    );
    clock.advance(Duration::hours(2) - Duration::seconds(1));
    assert_eq!(
        old.get("/Users").status,
        200,
        "one second before the overlap ends"
    );
    clock.advance(Duration::seconds(1));
    old.get("/Users").assert_error(401, None);
    assert_eq!(new.get("/Users").status, 200);
    // Listed as expired, at the rotation time plus the overlap.
    let tokens = server.admin().get("/tokens").body;
    let expired: Vec<_> = tokens
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| server.token.starts_with(t["prefix"].as_str().unwrap()))
        .collect();
    assert_eq!(expired.len(), 1, "{tokens}");
    assert!(expired[0]["expires_at"].is_string(), "{tokens}");
}

both_backends!(only_hashes_are_stored, rotation_overlap_ends);
