//! Developer automation, written in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask test`: make sure PostgreSQL is reachable (starting the local
//!   cluster if it is down, installing it if it is missing and we may: see
//!   `postgres.rs`) and that Chromium and chromedriver are there for the
//!   console's browser tests (installing them likewise: `chromium.rs`), that
//!   axe-core is installed for their accessibility checks (`npm ci`:
//!   `axe.rs`), then run the whole test suite. This is the README's test
//!   command and what `.ci/run` calls.
//! - `cargo xtask tidy`: the repository rules (also run as part of `cargo test`,
//!   see `tidy.rs`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod axe;
mod chromium;
mod machine;
mod postgres;
mod tidy;

use std::process::{Command, ExitCode};

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

fn test(extra: &[String]) -> Result<(), String> {
    postgres::ensure()?;
    chromium::ensure()?;
    axe::ensure(&tidy::workspace_root())?;
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
