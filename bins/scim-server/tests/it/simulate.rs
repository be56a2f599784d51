//! `scim-server simulate`: the real binary plays Entra ID (both PATCH
//! dialects) and Okta against a running server; what the server holds
//! afterwards (users, groups, memberships, roles, the recognised client) must
//! be what the simulated directory holds and what the summary says.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use crate::both_backends;
use crate::cli::{BIN, run};
use crate::harness::{ADMIN_TOKEN, Backend, Server, start};

fn simulate(
    server: &Server,
    idp: &str,
    url: &str,
    token: &str,
    extra: &[&str],
) -> (bool, String, String) {
    run(Command::new(BIN)
        .env_remove("SCIM_ADMIN_TOKEN")
        .env_remove("SCIM_SIMULATE_TOKEN")
        .env("RUST_LOG", "warn")
        .args(["simulate", idp, "--url", url, "--token", token])
        .args([
            "--users", "40", "--groups", "4", "--cycles", "2", "--seed", "3",
        ])
        .args(["--admin-token", ADMIN_TOKEN, "--admin-url", &server.origin])
        .args(extra))
}

/// The text after `label` on the summary line that starts with it.
fn line<'a>(summary: &'a str, label: &str) -> &'a str {
    summary
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no '{label}' line in:\n{summary}"))
}

/// Every item of an admin API list, following its cursors.
fn admin_items(server: &Server, path: &str) -> Vec<Value> {
    let admin = server.admin();
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = admin.get(&format!("{path}?limit=1000{cursor}"));
        assert_eq!(page.status, 200, "{}", page.text);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

fn run_and_check(backend: Backend, idp: &str, flag: &str, client: &str, map_groups: bool) {
    let server = start(backend);
    let url = format!("{}/scim/v2/acme{flag}", server.origin);
    let extra: &[&str] = if map_groups { &["--map-groups"] } else { &[] };
    let (ok, stdout, stderr) = simulate(&server, idp, &url, &server.token, extra);
    assert!(ok, "{stdout}\n{stderr}");
    let head = stdout.lines().next().unwrap();
    assert!(head.starts_with("simulated "), "{stdout}");
    assert!(head.contains(" 0 errors"), "{stdout}");
    let requests: u64 = head
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no request count in {head}"));
    assert!(requests > 40, "{head}");

    // The server ends as the directory does, and the summary says so.
    let directory = line(&stdout, "directory: ");
    assert_eq!(line(&stdout, "server: "), directory, "{stdout}");

    // Checked here independently, through the admin API.
    let users = admin_items(&server, "/users");
    let live: Vec<&Value> = users.iter().filter(|u| u["status"] != "deleted").collect();
    let active = live.iter().filter(|u| u["status"] == "active").count();
    let inactive = live.len() - active;
    let groups = admin_items(&server, "/groups");
    let memberships: u64 = groups.iter().map(|g| g["members"].as_u64().unwrap()).sum();
    assert_eq!(
        directory,
        format!(
            "{} users ({active} active, {inactive} inactive), {} groups, {memberships} memberships",
            live.len(),
            groups.len()
        )
    );
    assert!(inactive > 0 && active > inactive, "{directory}");
    assert!(memberships >= 30, "{directory}");
    let deleted = users.len() - live.len();
    if idp == "okta" {
        assert_eq!((deleted, live.len()), (0, 40), "Okta never deletes users");
    } else {
        assert!(deleted > 0, "Entra's cycles delete users: {directory}");
    }

    // Roles, per role, as the admin API decided them, and as the summary says.
    let mut roles = BTreeMap::new();
    for user in &live {
        *roles
            .entry(user["role"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    let shown: Vec<String> = roles.iter().map(|(r, n)| format!("{r} {n}")).collect();
    assert_eq!(line(&stdout, "roles: "), shown.join(", "));
    if map_groups {
        // The mapped groups' members hold their roles; the deactivated are
        // `Disabled` whatever their groups.
        assert_eq!(roles.get("Disabled"), Some(&inactive), "{roles:?}");
        for role in ["Admin", "Contractor", "User"] {
            assert!(roles.get(role).is_some_and(|n| *n > 0), "{role}: {roles:?}");
        }
        assert!(line(&stdout, "operations: ").contains("rule saves 1"));
    } else {
        // The default rules: `User` for the active, `Disabled` for the others.
        assert_eq!(
            roles,
            BTreeMap::from([
                ("Disabled".to_owned(), inactive),
                ("User".to_owned(), active)
            ])
        );
    }

    // The connection status recognises the client the simulator played.
    let status = server.admin().get("/connection");
    assert_eq!(status.body["client"], client, "{}", status.text);
    assert_eq!(status.body["totals"]["errors"], 0, "{}", status.text);
}

fn entra_default_dialect(backend: Backend) {
    run_and_check(backend, "entra", "", "entra-id", false);
}

fn entra_compliant_dialect(backend: Backend) {
    run_and_check(backend, "entra", "?aadOptscim062020", "entra-id", false);
}

fn okta(backend: Backend) {
    run_and_check(backend, "okta", "", "okta", false);
}

/// `--map-groups`: an admin's rule save after the initial cycle, so roles
/// follow the groups through the incremental cycles.
fn entra_with_groups_mapped_to_roles(backend: Backend) {
    run_and_check(backend, "entra", "", "entra-id", true);
}

/// A wrong token fails the Test Connection: the run stops, says why, and
/// creates nothing.
fn a_failed_test_connection_stops_the_run(backend: Backend) {
    let server = start(backend);
    let url = format!("{}/scim/v2/acme", server.origin);
    let (ok, stdout, stderr) = simulate(&server, "entra", &url, "scim_wrong", &[]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("Test Connection failed"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(admin_items(&server, "/users").is_empty());
}

both_backends!(
    entra_default_dialect,
    entra_compliant_dialect,
    okta,
    entra_with_groups_mapped_to_roles,
    a_failed_test_connection_stops_the_run
);
