//! The connection status over real HTTP: Entra-shaped and Okta-shaped requests
//! (with errors) to two server processes on one database, each counting in
//! memory; the status adds both up once they have flushed.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Backend, Client, q, second_server, start};

const OKTA: (&str, &str) = ("User-Agent", "Okta SCIM Client 1.0.0");

fn okta_get(scim: &Client, path: &str) -> u16 {
    scim.request("GET", path, None, &[OKTA]).status
}

fn connection_status_counts_both_processes_requests(backend: Backend) {
    let server = start(backend);
    let other = second_server(&server);
    let (entra, okta) = (server.scim(), other.scim());

    // Entra ID (no User-Agent) on the first process: Test Connection, a
    // create, a legacy-dialect PATCH, and a malformed filter (400).
    let probe = format!(
        "/Users?filter={}&aadOptscim062020",
        q(r#"userName eq "7f3a9c1e-1b2c-4d5e-8f90-123456789abc""#)
    );
    assert_eq!(entra.get(&probe).status, 200);
    let id = entra.create_user("alice@contoso.com");
    let patched = entra.patch_ops(
        &format!("/Users/{id}"),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
    );
    assert_eq!(patched.status, 200, "{}", patched.text);
    // Okta on the second process: an import page, a user that is not there
    // (404), and a user read.
    assert_eq!(okta_get(&okta, "/Users?startIndex=1&count=100"), 200);
    assert_eq!(
        okta_get(&okta, "/Users/010101001010101011001010101011"),
        404
    );
    assert_eq!(okta_get(&okta, &format!("/Users/{id}")), 200);
    // Entra's malformed filter is the last request and the last error.
    let bad = entra.get("/Users?filter=userName%20eq");
    assert_eq!(bad.status, 400);
    let bad_id = bad.header("x-request-id").unwrap().to_owned();

    // The first process flushes when asked for the status; the second has
    // not flushed yet (its flusher thread is not running in tests).
    let first = server.admin().get("/connection");
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["totals"], json!({"requests": 4, "errors": 1}));
    // Forced flush of the second process; its counts add to the same hour.
    other.provisioning.flush_connection_log().unwrap();
    let status = server.admin().get("/connection").body;
    assert_eq!(status["totals"], json!({"requests": 7, "errors": 2}));
    let hours = status["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 168);
    let sum = |field: &str| {
        hours
            .iter()
            .map(|h| h[field].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!((sum("requests"), sum("errors")), (7, 2));

    // The latest recognised client is Entra ID (its last request came last).
    assert_eq!(status["client"], "entra-id");
    let last_error = &status["last_error"];
    assert_eq!(last_error["status"], 400);
    assert_eq!(last_error["scim_type"], "invalidFilter");
    assert_eq!(last_error["route"], "/Users");
    assert_eq!(last_error["request_id"], Value::String(bad_id.clone()));
    assert!(
        last_error["detail"].as_str().unwrap().len() > 5,
        "{last_error}"
    );
    assert_eq!(status["last_request"]["request_id"], Value::String(bad_id));

    // Okta's later requests alone: Okta is the latest recognised client.
    assert_eq!(okta_get(&okta, &format!("/Users/{id}")), 200);
    other.provisioning.flush_connection_log().unwrap();
    let status = server.admin().get("/connection").body;
    assert_eq!(status["client"], "okta");
    assert_eq!(status["last_request"]["route"], "/Users/{id}");
    assert_eq!(status["last_request"]["client"], "okta");
    assert_eq!(status["last_error"]["status"], 400, "still Entra's 400");
    assert_eq!(status["totals"]["requests"], 8);
}

both_backends!(connection_status_counts_both_processes_requests);
