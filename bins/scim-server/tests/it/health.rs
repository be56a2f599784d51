//! The probes: `/healthz` answers while the process runs, `/readyz` follows the
//! database; neither needs credentials.

use crate::both_backends;
use crate::harness::{Backend, start};

fn probes(backend: Backend) {
    let server = start(backend);
    let anonymous = server.client("", "").without_token_header();

    let alive = anonymous.get("/healthz");
    assert_eq!(alive.status, 200, "{}", alive.text);
    assert_eq!(alive.body["status"], "alive");
    assert_eq!(alive.header("cache-control"), Some("no-store"));
    let ready = anonymous.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.body["status"], "ready");

    // A database the server cannot use: not ready, with a reason that does not
    // repeat the database's own message.
    server
        .database()
        .execute("ALTER TABLE tenants RENAME TO tenants_away");
    let broken = anonymous.get("/readyz");
    assert_eq!(broken.status, 503, "{}", broken.text);
    assert_eq!(broken.body["status"], "unavailable");
    let reason = broken.body["reason"].as_str().unwrap();
    assert!(reason.contains("database"), "{reason}");
    assert!(!reason.contains("tenants"), "{reason}");
    assert_eq!(anonymous.get("/healthz").status, 200, "alive all the same");

    server
        .database()
        .execute("ALTER TABLE tenants_away RENAME TO tenants");
    assert_eq!(anonymous.get("/readyz").status, 200);
}

both_backends!(probes);
