//! Access over real HTTP: the admin API on its own listener (`--admin-bind`),
//! admin tokens and SCIM tokens each refused where the other belongs,
//! forwarded headers believed only from trusted proxies, and the tenant and
//! admin-token commands.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scim_http::HttpConfig;
use scim_store::testing::TestDatabase;
use serde_json::json;

use crate::both_backends;
use crate::cli::{Running, field, free_port, run, scim_server};
use crate::harness::{Backend, start_with};

const OPERATOR: &str = "operator-token-for-access-tests";

/// A fresh PostgreSQL database for the binary, or none for SQLite (a file in
/// the data directory).
fn database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestDatabase::create(Backend::Postgres)),
    }
}

/// The binary over the data directory `dir` or the database `db`.
fn binary(dir: &Path, db: Option<&TestDatabase>) -> Command {
    let mut command = scim_server(dir);
    if let Some(db) = db {
        command.env("SCIM_DATABASE_URL", &db.url);
    }
    command
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET `url` with a bearer token once the listener answers: status and content type.
fn get(url: &str, token: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match agent()
            .get(url)
            .header("Authorization", format!("Bearer {token}"))
            .call()
        {
            Ok(r) => {
                let kind = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                return (r.status().as_u16(), kind);
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("{url}: {e}"),
        }
    }
}

fn admin_listener_of_its_own(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (scim_port, admin_port) = (free_port(), free_port());
    let db = database(backend);
    let child = binary(dir.path(), db.as_ref())
        .env("SCIM_ADMIN_TOKEN", OPERATOR)
        .args(["serve", "--bind", &format!("127.0.0.1:{scim_port}")])
        .args(["--admin-bind", &format!("127.0.0.1:{admin_port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    while !printed.contains("Secret Token") {
        printed.push_str(&lines.next().expect("output").unwrap());
        printed.push('\n');
    }
    let scim_token = field(&printed, "Secret Token:").to_owned();
    let scim = format!("http://127.0.0.1:{scim_port}");
    let admin = format!("http://127.0.0.1:{admin_port}");

    // SCIM on --bind, the admin API on --admin-bind, neither on the other.
    assert_eq!(
        get(&format!("{scim}/scim/v2/default/Users"), &scim_token).0,
        200
    );
    assert_eq!(get(&format!("{admin}/admin/v1/tenants"), OPERATOR).0, 200);
    let (status, kind) = get(&format!("{scim}/admin/v1/tenants"), OPERATOR);
    assert_eq!((status, kind.as_str()), (404, "application/scim+json"));
    assert_eq!(
        get(&format!("{admin}/scim/v2/default/Users"), &scim_token).0,
        404
    );

    // A tenant admin token (from the command line) opens its tenant's admin
    // API and not SCIM; the SCIM token does not open the admin API.
    let (ok, issued, stderr) = run(binary(dir.path(), db.as_ref()).args([
        "admin-token",
        "create",
        "default",
        "--name",
        "ops desk",
    ]));
    assert!(ok, "{stderr}");
    let admin_token = issued
        .lines()
        .find(|l| l.starts_with("scimadm_"))
        .unwrap_or_else(|| panic!("no token in {issued}"))
        .to_owned();
    assert_eq!(
        get(
            &format!("{admin}/admin/v1/tenants/default/tokens"),
            &admin_token
        )
        .0,
        200
    );
    assert_eq!(
        get(
            &format!("{admin}/admin/v1/tenants/default/tokens"),
            &scim_token
        ),
        (401, "application/problem+json".to_owned())
    );
    assert_eq!(
        get(&format!("{scim}/scim/v2/default/Users"), &admin_token),
        (401, "application/scim+json".to_owned())
    );

    // SIGTERM stops both listeners.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(35);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "no shutdown after SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn forwarded_headers_only_from_trusted_proxies(backend: Backend) {
    let spoof = [
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-For", "203.0.113.9"),
    ];
    let user =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada"});

    let direct = start_with(backend, HttpConfig::default());
    let created = direct
        .scim()
        .request("POST", "/Users", Some(&user.to_string()), &spoof);
    assert_eq!(created.status, 201, "{}", created.text);
    let location = created.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{}/scim/v2/acme/Users/", direct.origin)),
        "{location}"
    );
    assert_eq!(created.body["meta"]["location"], location);

    let behind_proxy = start_with(
        backend,
        HttpConfig {
            trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
            ..HttpConfig::default()
        },
    );
    let created = behind_proxy
        .scim()
        .request("POST", "/Users", Some(&user.to_string()), &spoof);
    assert_eq!(created.status, 201, "{}", created.text);
    let location = created.header("location").unwrap();
    assert!(
        location.starts_with("https://evil.example/scim/v2/acme/Users/"),
        "{location}"
    );
}

fn tenant_and_admin_token_commands(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend);
    let cli = || binary(dir.path(), db.as_ref());
    let (ok, created, stderr) = run(cli().args(["tenant", "create", "acme"]));
    assert!(ok, "{stderr}");
    assert!(created.contains("Secret Token:"), "{created}");

    let (ok, issued, stderr) =
        run(cli().args(["admin-token", "create", "acme", "--name", "alice"]));
    assert!(ok, "{stderr}");
    assert!(issued.contains("scimadm_"), "{issued}");
    let (ok, listed, _) = run(cli().args(["admin-token", "list", "acme"]));
    assert!(ok);
    assert!(listed.starts_with("PREFIX\t"), "{listed}");
    let row = listed.lines().nth(1).unwrap_or_else(|| panic!("{listed}"));
    assert!(row.contains("\talice\tactive\t"), "{listed}");
    let prefix = row.split('\t').next().unwrap().to_owned();
    let (ok, revoked, _) = run(cli().args(["admin-token", "revoke", "acme", &prefix]));
    assert!(ok);
    assert!(revoked.contains(&prefix), "{revoked}");

    let (ok, renamed, stderr) = run(cli().args([
        "--public-url",
        "https://scim.example.com",
        "tenant",
        "rename",
        "acme",
        "--to",
        "acme-eu",
    ]));
    assert!(ok, "{stderr}");
    assert!(
        renamed.contains("New Tenant URL: https://scim.example.com/scim/v2/acme-eu"),
        "{renamed}"
    );
    let (ok, _, stderr) = run(cli().args(["tenant", "rename", "acme-eu", "--to", "Bad"]));
    assert!(!ok);
    assert!(stderr.contains("not a valid tenant slug"), "{stderr}");

    // Deleting asks for the slug again; a wrong answer deletes nothing.
    let mut child = cli()
        .args(["tenant", "delete", "acme-eu"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"acme\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Type the slug again"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not deleted"));
    let (_, listed, _) = run(cli().args(["tenant", "list"]));
    assert!(listed.starts_with("acme-eu\t"), "{listed}");
    let (ok, deleted, stderr) =
        run(cli().args(["tenant", "delete", "acme-eu", "--confirm", "acme-eu"]));
    assert!(ok, "{stderr}");
    assert!(deleted.contains("deleted tenant 'acme-eu'"), "{deleted}");
    let (_, listed, _) = run(cli().args(["tenant", "list"]));
    assert!(listed.is_empty(), "{listed}");
}

both_backends!(
    admin_listener_of_its_own,
    forwarded_headers_only_from_trusted_proxies,
    tenant_and_admin_token_commands
);
