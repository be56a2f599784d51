//! The probes: `/healthz` answers while the process runs, `/readyz` follows the
//! database; neither needs credentials. `scim-server healthcheck` (the
//! container image's health check) asks `/healthz`.

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

/// The subcommand exits 0 when `/healthz` answers 200, and 1 with the reason
/// when nothing answers.
fn healthcheck_subcommand(backend: Backend) {
    let server = start(backend);
    let check = |url: &str| {
        crate::cli::run(
            std::process::Command::new(crate::cli::BIN)
                .env_remove("SCIM_HEALTHCHECK_URL")
                .args(["healthcheck", "--url", url]),
        )
    };
    let (ok, _, stderr) = check(&server.origin);
    assert!(ok, "{stderr}");
    let closed = format!("http://127.0.0.1:{}", crate::cli::free_port());
    let (ok, _, stderr) = check(&closed);
    assert!(!ok);
    assert!(stderr.contains("unhealthy"), "{stderr}");
    // A server that answers, but not 200 there: a SCIM route needs a token.
    let (ok, _, stderr) = check(&format!("{}/scim/v2/acme/Users", server.origin));
    assert!(!ok);
    assert!(stderr.contains("404") || stderr.contains("401"), "{stderr}");
}

both_backends!(probes, healthcheck_subcommand);
