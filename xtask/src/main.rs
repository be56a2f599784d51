//! Developer automation, written in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask test`: make sure PostgreSQL is reachable (starting the local
//!   cluster if it is down), then run the whole test suite. This is the README's
//!   test command and what `.ci/run` calls.
//! - `cargo xtask tidy`: the repository rules (also run as part of `cargo test`,
//!   see `tidy.rs`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod tidy;

use std::net::TcpStream;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const POSTGRES_ADDR: &str = "127.0.0.1:5432";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("tidy") => {
            tidy::run_all(&tidy::workspace_root()).map_err(|problems| problems.join("\n"))
        }
        _ => Err("usage: cargo xtask <test|tidy> [extra cargo test args]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn postgres_up() -> bool {
    POSTGRES_ADDR
        .parse()
        .ok()
        .and_then(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok())
        .is_some()
}

/// Starts the machine's PostgreSQL cluster when nothing listens on 5432.
fn ensure_postgres() -> Result<(), String> {
    if postgres_up() {
        return Ok(());
    }
    eprintln!("xtask: PostgreSQL is not answering on {POSTGRES_ADDR}; starting the local cluster");
    let versions = std::fs::read_dir("/etc/postgresql")
        .map_err(|e| format!("PostgreSQL is down and /etc/postgresql is unreadable ({e}); install it or set SCIM_TEST_POSTGRES_URL"))?;
    for entry in versions.flatten() {
        let version = entry.file_name().to_string_lossy().into_owned();
        let status = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status()
            .map_err(|e| format!("could not run pg_ctlcluster: {e}"))?;
        if !status.success() {
            eprintln!("xtask: pg_ctlcluster {version} main start exited with {status}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres_up() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("PostgreSQL did not come up on {POSTGRES_ADDR}"))
}

fn test(extra: &[String]) -> Result<(), String> {
    if std::env::var_os("SCIM_TEST_POSTGRES_URL").is_none() {
        ensure_postgres()?;
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace"])
        .args(extra)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo test failed ({status})"))
    }
}
