//! The binary itself: first start on an empty database, subcommands, exit codes,
//! graceful shutdown.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use scim_store::testing::{Backend, TestDatabase};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_scim-server");

pub(crate) fn scim_server(data_dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("SCIM_DATABASE_URL")
        .env_remove("SCIM_ADMIN_TOKEN")
        .env("SCIM_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn");
    command
}

pub(crate) fn run(command: &mut Command) -> (bool, String, String) {
    let out = command.output().expect("run scim-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn field<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .map_or_else(|| panic!("no '{label}' in:\n{text}"), str::trim)
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn first_start_creates_the_default_tenant_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = scim_server(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let stdout = server.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    while !printed.contains("Secret Token") {
        printed.push_str(&lines.next().expect("output").unwrap());
        printed.push('\n');
    }
    let url = field(&printed, "Tenant URL:").to_owned();
    let token = field(&printed, "Secret Token:").to_owned();
    assert_eq!(url, format!("http://127.0.0.1:{port}/scim/v2/default"));
    assert!(token.starts_with("scim_"));
    assert!(
        dir.path().join("scim.sqlite3").exists(),
        "the SQLite file is in the data directory"
    );

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        match agent
            .get(&format!("{url}/Users"))
            .header("Authorization", format!("Bearer {token}"))
            .call()
        {
            Ok(r) => break r.status().as_u16(),
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("server did not answer: {e}"),
        }
    };
    assert_eq!(status, 200);

    // SIGTERM: graceful shutdown, exit code 0.
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

    // A second start keeps the tenant and prints no new token.
    let (ok, stdout, stderr) = run(scim_server(dir.path()).args(["tenant", "list"]));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("default\t"), "{stdout}");
}

#[test]
fn tenant_and_token_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(scim_server(dir.path()).arg("migrate"));
    assert!(ok, "{stderr}");
    let (ok, _, _) = run(scim_server(dir.path()).arg("migrate"));
    assert!(ok, "migrate is idempotent");
    let (ok, created, stderr) = run(scim_server(dir.path()).args([
        "--public-url",
        "https://scim.example.com",
        "tenant",
        "create",
        "acme",
    ]));
    assert!(ok, "{stderr}");
    assert_eq!(
        field(&created, "Tenant URL:"),
        "https://scim.example.com/scim/v2/acme"
    );
    let first = field(&created, "Secret Token:").to_owned();
    let (ok, _, stderr) = run(scim_server(dir.path()).args(["tenant", "create", "Not_Valid"]));
    assert!(!ok);
    assert!(stderr.contains("not a valid tenant slug"), "{stderr}");
    let (ok, rotated, _) =
        run(scim_server(dir.path()).args(["token", "rotate", "acme", "--overlap-hours", "2"]));
    assert!(ok);
    let second = field(&rotated, "Secret Token:").to_owned();
    assert_ne!(first, second);
    assert!(rotated.contains("keep working for 2 hours"), "{rotated}");
    let (_, listed, _) = run(scim_server(dir.path()).args(["token", "list", "acme"]));
    assert_eq!(
        listed.lines().count(),
        3,
        "a header and two tokens: {listed}"
    );
    assert!(
        listed.starts_with("PREFIX\tID\tSTATE\tLAST USED\n"),
        "{listed}"
    );
    assert!(listed.contains("active, expires"), "{listed}");
    assert!(
        !listed.contains(&first) && !listed.contains(&second),
        "secrets are never listed"
    );
    let prefix = &first[..12];
    let (ok, revoked, _) = run(scim_server(dir.path()).args(["token", "revoke", "acme", prefix]));
    assert!(ok);
    assert!(revoked.contains(prefix));
    let (_, listed, _) = run(scim_server(dir.path()).args(["token", "list", "acme"]));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(prefix) && l.contains("revoked")),
        "{listed}"
    );
}

#[test]
fn rules_test_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/rules/asset-app.rules.toml");
    let (ok, stdout, stderr) = run(scim_server(dir.path())
        .args(["rules", "test"])
        .arg(&example));
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.ends_with("passed\n"),
        "the output ends with a newline: {stdout:?}"
    );
    // A file without cases tests nothing: it fails, saying so.
    let empty = dir.path().join("empty.rules.toml");
    std::fs::write(&empty, "default_role = \"Viewer\"\n").unwrap();
    let (ok, stdout, _) = run(scim_server(dir.path()).args(["rules", "test"]).arg(&empty));
    assert!(!ok, "zero cases fail the command");
    assert!(stdout.contains("no test cases"), "{stdout}");
    let failing = dir.path().join("failing.rules.toml");
    std::fs::write(
        &failing,
        r#"
default_role = "Viewer"

[[rule]]
group = { id = "g-emp", label = "Employees" }
role = "Loanee"

[[case]]
name = "an employee is a loanee"
groups = ["g-emp"]
expect = "Viewer"
"#,
    )
    .unwrap();
    let (ok, stdout, _) = run(scim_server(dir.path())
        .args(["rules", "test"])
        .arg(&failing));
    assert!(!ok, "a failing case fails the command");
    assert!(stdout.contains("an employee is a loanee"), "{stdout}");
    assert!(stdout.contains("Loanee"), "{stdout}");
    let (ok, _, stderr) =
        run(scim_server(dir.path()).args(["rules", "test", "/no/such/file.toml"]));
    assert!(!ok);
    assert!(stderr.contains("/no/such/file.toml"), "{stderr}");
}

#[test]
fn postgres_url_from_the_environment() {
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = run(scim_server(dir.path())
        .env("SCIM_DATABASE_URL", &db.url)
        .args(["tenant", "create", "pg"]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("/scim/v2/pg"));
    let (ok, listed, _) = run(scim_server(dir.path())
        .env("SCIM_DATABASE_URL", &db.url)
        .args(["tenant", "list"]));
    assert!(ok);
    assert!(listed.starts_with("pg\t"));
    assert!(
        !dir.path().join("scim.sqlite3").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
}

/// `--tls-cert`/`--tls-key`: the server speaks HTTPS (checked with a rustls
/// client that trusts only the generated certificate).
#[test]
fn serves_https_with_a_certificate() {
    use std::io::{Read, Write};
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, ServerName};

    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let child = scim_server(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--tls-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.path().join("key.pem"))
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
    assert!(
        field(&printed, "Tenant URL:").starts_with("https://"),
        "{printed}"
    );
    let token = field(&printed, "Secret Token:").to_owned();

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.cert.der().to_vec()))
        .unwrap();
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let tcp = loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(tcp) => break tcp,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("no listener: {e}"),
        }
    };
    let conn =
        rustls::ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    write!(
        tls,
        "GET /scim/v2/default/ServiceProviderConfig HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = tls.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"patch\":{\"supported\":true}"),
        "{response}"
    );
}

/// Starts `serve` on a free port with the default tenant; returns the server,
/// its Tenant URL and token, and its stderr lines as they come.
pub(crate) fn start_serving(
    dir: &Path,
    log: &str,
    extra: &[&str],
) -> (Running, String, String, std::sync::mpsc::Receiver<String>) {
    let port = free_port();
    let child = scim_server(dir)
        .env("RUST_LOG", log)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let stderr = server.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    while !printed.contains("Secret Token") {
        printed.push_str(&lines.next().expect("output").unwrap());
        printed.push('\n');
    }
    let url = field(&printed, "Tenant URL:").to_owned();
    let token = field(&printed, "Secret Token:").to_owned();
    // Wait until it answers HTTP (the listener is bound a moment earlier).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let deadline = Instant::now() + Duration::from_secs(20);
    while agent
        .get(&format!("http://127.0.0.1:{port}/healthz"))
        .call()
        .is_err()
    {
        assert!(Instant::now() < deadline, "the server does not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, url, token, rx)
}

/// The first stderr line containing `needle`, waiting for it.
fn wait_for_line(
    rx: &std::sync::mpsc::Receiver<String>,
    needle: &str,
    seen: &mut String,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(needle) {
                    return line;
                }
            }
            Err(_) => panic!("no line with '{needle}' in:\n{seen}"),
        }
    }
}

/// Error lines of the access log explain the failure (scimType, detail, client
/// address, User-Agent); no colour codes when stderr is not a terminal.
#[test]
fn error_log_lines_explain_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url, token, rx) = start_serving(dir.path(), "info", &[]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let entra = "Microsoft.Identity.Provisioning/Test-Connection";
    let r = agent
        .get(&format!("{url}/Users"))
        .header("Authorization", "Bearer wrong-token")
        .header("User-Agent", entra)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let mut seen = String::new();
    let line = wait_for_line(&rx, "status=401", &mut seen);
    assert!(line.contains("Authentication failed"), "{line}");
    assert!(line.contains("client=127.0.0.1"), "{line}");
    assert!(line.contains(entra), "{line}");
    assert!(line.contains("request_id="), "{line}");

    let r = agent
        .get(&format!("{url}/Users?filter=userName%20eq"))
        .header("Authorization", format!("Bearer {token}"))
        .header("User-Agent", entra)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let line = wait_for_line(&rx, "status=400", &mut seen);
    assert!(line.contains("scim_type=invalidFilter"), "{line}");
    assert!(line.contains("detail="), "{line}");
    assert!(line.contains(entra), "{line}");
    assert!(
        !seen.contains('\u{1b}'),
        "no ANSI escape codes in a log that is not a terminal:\n{seen}"
    );
}

/// The client address in error lines is the forwarded one only behind a
/// trusted proxy; from anyone else `X-Forwarded-For` is ignored.
#[test]
fn logged_client_addresses_trust_only_trusted_proxies() {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for (extra, expected) in [
        (&[][..], "client=127.0.0.1"),
        (&["--trusted-proxy", "127.0.0.1"][..], "client=203.0.113.9"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (_server, url, _, rx) = start_serving(dir.path(), "info", extra);
        let r = agent
            .get(&format!("{url}/Users"))
            .header("Authorization", "Bearer wrong-token")
            .header("X-Forwarded-For", "203.0.113.9")
            .call()
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let mut seen = String::new();
        let line = wait_for_line(&rx, "status=401", &mut seen);
        assert!(line.contains(expected), "{extra:?}: {line}");
    }
}

/// `tenant create` and `token rotate` say where the Tenant URL's origin comes
/// from, and take it from the configured listen address without --public-url.
#[test]
fn printed_tenant_urls_say_where_they_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, created, stderr) = run(scim_server(dir.path())
        .env("SCIM_BIND", "10.1.2.3:9000")
        .args(["tenant", "create", "acme"]));
    assert!(ok, "{stderr}");
    assert_eq!(
        field(&created, "Tenant URL:"),
        "http://10.1.2.3:9000/scim/v2/acme"
    );
    assert!(created.contains("from the listen address"), "{created}");
    assert!(created.contains("--public-url"), "{created}");
    let (ok, rotated, stderr) = run(scim_server(dir.path()).args([
        "--public-url",
        "https://scim.example.com",
        "token",
        "rotate",
        "acme",
    ]));
    assert!(ok, "{stderr}");
    assert_eq!(
        field(&rotated, "Tenant URL:"),
        "https://scim.example.com/scim/v2/acme"
    );
    assert!(
        rotated.contains("(Tenant URL from --public-url.)"),
        "{rotated}"
    );
    let (ok, created, _) = run(scim_server(dir.path())
        .env("SCIM_BIND", "0.0.0.0:8080")
        .args(["tenant", "create", "beta"]));
    assert!(ok);
    assert!(created.contains("every interface"), "{created}");
}

/// A certificate that does not read stops `serve` before the database is
/// created or a token printed.
#[test]
fn a_bad_certificate_is_reported_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    std::fs::write(dir.path().join("key.pem"), "not a key").unwrap();
    let (ok, stdout, stderr) = run(scim_server(dir.path())
        .args(["serve", "--bind", &format!("127.0.0.1:{}", free_port())])
        .arg("--tls-cert")
        .arg(dir.path().join("cert.pem"))
        .arg("--tls-key")
        .arg(dir.path().join("key.pem")));
    assert!(!ok);
    assert!(
        stderr.contains("key.pem") || stderr.contains("cert.pem"),
        "{stderr}"
    );
    assert!(!stdout.contains("Secret Token"), "{stdout}");
    assert!(
        !dir.path().join("scim.sqlite3").exists(),
        "no database was created"
    );
}

/// Negative overlaps are refused; expired tokens are listed as expired; the
/// last working token is revoked only with --force.
#[test]
fn token_overlaps_expiry_and_the_last_token() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, created, _) = run(scim_server(dir.path()).args(["tenant", "create", "acme"]));
    assert!(ok);
    let first = field(&created, "Secret Token:")[..12].to_owned();
    let (ok, _, stderr) =
        run(scim_server(dir.path()).args(["token", "rotate", "acme", "--overlap-hours=-3"]));
    assert!(!ok, "a negative overlap is refused");
    assert!(stderr.contains("-3"), "{stderr}");
    let (_, listed, _) = run(scim_server(dir.path()).args(["token", "list", "acme"]));
    assert_eq!(listed.lines().count(), 2, "nothing was issued: {listed}");

    // Overlap 0: the first token expires at once and is listed as expired.
    let (ok, rotated, _) =
        run(scim_server(dir.path()).args(["token", "rotate", "acme", "--overlap-hours=0"]));
    assert!(ok);
    let second = field(&rotated, "Secret Token:")[..12].to_owned();
    let (_, listed, _) = run(scim_server(dir.path()).args(["token", "list", "acme"]));
    let line = |prefix: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} not in {listed}"))
            .to_owned()
    };
    assert!(line(&first).contains("\texpired "), "{listed}");
    assert!(line(&second).contains("\tactive\t"), "{listed}");

    // The second token is now the only working one.
    let (ok, _, stderr) = run(scim_server(dir.path()).args(["token", "revoke", "acme", &second]));
    assert!(!ok, "the last working token is not revoked without --force");
    assert!(stderr.contains("last working token"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    let (_, listed, _) = run(scim_server(dir.path()).args(["token", "list", "acme"]));
    assert!(!listed.contains("revoked"), "{listed}");
    // An expired token can go without ceremony; the last one with --force.
    let (ok, _, stderr) = run(scim_server(dir.path()).args(["token", "revoke", "acme", &first]));
    assert!(ok, "{stderr}");
    let (ok, _, stderr) =
        run(scim_server(dir.path()).args(["token", "revoke", "acme", &second, "--force"]));
    assert!(ok, "{stderr}");
}

/// SIGINT stops the server as gracefully as SIGTERM: exit code 0, no forced
/// shutdown.
#[test]
fn sigint_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, _, _, rx) = start_serving(dir.path(), "info", &[]);
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
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
        assert!(Instant::now() < deadline, "no shutdown after SIGINT");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log: Vec<String> = rx.try_iter().collect();
    let log = log.join("\n");
    assert!(log.contains("SIGINT received"), "{log}");
    assert!(!log.contains("forced"), "{log}");
    assert!(log.contains("graceful"), "{log}");
}

/// `rules apply` previews or saves a rule file, drawing its progress on
/// standard error; a rule set with errors is not saved and exits non-zero.
#[test]
fn rules_apply_previews_and_saves_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(scim_server(dir.path()).args(["tenant", "create", "acme"]));
    assert!(ok, "{stderr}");
    let file = dir.path().join("admins.toml");
    std::fs::write(&file, "default_role = \"Admin\"\n").unwrap();
    let file = file.to_str().unwrap();

    let (ok, previewed, stderr) =
        run(scim_server(dir.path()).args(["rules", "apply", "acme", file, "--dry-run"]));
    assert!(ok, "{stderr}");
    assert!(previewed.contains("dry run: nothing saved"), "{previewed}");
    let (ok, saved, stderr) = run(scim_server(dir.path()).args(["rules", "apply", "acme", file]));
    assert!(ok, "{stderr}");
    assert!(saved.ends_with("saved\n"), "{saved}");
    assert!(
        stderr.contains("deciding users [##############################] 100% 0/0 users"),
        "{stderr}"
    );

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "default_role = \"Nobody\"\n").unwrap();
    let (ok, refused, _) =
        run(scim_server(dir.path()).args(["rules", "apply", "acme", broken.to_str().unwrap()]));
    assert!(!ok);
    assert!(
        refused.contains("role Nobody is not in the catalogue"),
        "{refused}"
    );
    assert!(refused.contains("not saved"), "{refused}");
}
