//! Finding or providing the PostgreSQL the test suite needs (issue 16): a
//! newcomer runs `cargo xtask test` and either the suite runs on both backends
//! or xtask stops with one message saying what to do; the PostgreSQL half is
//! never skipped.
//!
//! [`observe`] reads the machine, [`decide`] (pure, unit-tested) picks the
//! [`Action`], [`carry_out`] does it and says what it does.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::machine::{is_root, on_path, run, say};

/// Where the tests expect PostgreSQL unless `SCIM_TEST_POSTGRES_URL` says
/// otherwise (`scim_store::testing::postgres_url`).
pub(crate) const POSTGRES_ADDR: &str = "127.0.0.1:5432";
const URL_VARIABLE: &str = "SCIM_TEST_POSTGRES_URL";
/// Debian's cluster configuration, one folder per major version.
const CLUSTERS_DIR: &str = "/etc/postgresql";
/// Debian's server binaries, one folder per installed major version.
const SERVERS_DIR: &str = "/usr/lib/postgresql";
/// The lines xtask puts first in the `pg_hba.conf` of a cluster it set up: the
/// tests connect as `postgres` over TCP on the loopback without a password,
/// while a fresh Debian cluster asks for one (scram-sha-256).
const TEST_ACCESS: &str = "\
# Added by `cargo xtask test`, which set up this cluster: the test suite
# connects as postgres over TCP on the loopback without a password.
host all postgres 127.0.0.1/32 trust
host all postgres ::1/128 trust
";

/// What the machine offers, as far as the decision goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Observed {
    /// `SCIM_TEST_POSTGRES_URL` is set: the tests use that server.
    pub(crate) url_given: bool,
    /// Something accepts connections on [`POSTGRES_ADDR`].
    pub(crate) answering: bool,
    /// Debian's cluster tools (`pg_ctlcluster`, postgresql-common) are installed.
    pub(crate) cluster_tools: bool,
    /// Major versions that have a `main` cluster configured.
    pub(crate) clusters: Vec<String>,
    /// We run as root.
    pub(crate) root: bool,
    /// `apt-get` and `/etc/debian_version` exist.
    pub(crate) debian_like: bool,
}

/// What `cargo xtask test` does about PostgreSQL before running the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Nothing: the tests use the server `SCIM_TEST_POSTGRES_URL` names.
    UseGivenUrl,
    /// Nothing: a server already answers.
    UseRunning,
    /// Start these versions' `main` clusters.
    StartClusters(Vec<String>),
    /// Install PostgreSQL with apt-get (if `install`), create a cluster if
    /// there is none, let the tests in, start it.
    Provide {
        /// The packages are missing.
        install: bool,
    },
    /// xtask cannot provide a server: stop with this message.
    Stop(String),
}

/// The action for a machine in state `observed`.
pub(crate) fn decide(observed: &Observed) -> Action {
    if observed.url_given {
        return Action::UseGivenUrl;
    }
    if observed.answering {
        return Action::UseRunning;
    }
    if observed.cluster_tools && !observed.clusters.is_empty() {
        return Action::StartClusters(observed.clusters.clone());
    }
    if observed.root && observed.debian_like {
        return Action::Provide {
            install: !observed.cluster_tools,
        };
    }
    let how = if observed.debian_like {
        "run `cargo xtask test` once as root (it installs PostgreSQL with apt-get and sets it up)"
    } else {
        "install PostgreSQL and start it on 127.0.0.1:5432 with user postgres allowed in without a password"
    };
    Action::Stop(format!(
        "PostgreSQL is not answering on {POSTGRES_ADDR} and xtask cannot start it here. \
         Either {how}, or set {URL_VARIABLE} to a server the tests may create schemas on \
         (e.g. {URL_VARIABLE}=postgres://USER:PASSWORD@HOST:5432/DB cargo xtask test)."
    ))
}

/// Reads the machine.
pub(crate) fn observe() -> Observed {
    Observed {
        url_given: std::env::var_os(URL_VARIABLE).is_some(),
        answering: answering(),
        cluster_tools: on_path("pg_ctlcluster"),
        clusters: cluster_versions(),
        root: is_root(),
        debian_like: Path::new("/etc/debian_version").exists() && on_path("apt-get"),
    }
}

/// Makes sure the tests have a PostgreSQL, or says why not.
pub(crate) fn ensure() -> Result<(), String> {
    carry_out(decide(&observe()))
}

fn carry_out(action: Action) -> Result<(), String> {
    match action {
        Action::UseGivenUrl | Action::UseRunning => return Ok(()),
        Action::Stop(message) => return Err(message),
        Action::StartClusters(versions) => {
            say(&format!(
                "PostgreSQL is not answering on {POSTGRES_ADDR}; starting the local cluster"
            ));
            for version in versions {
                run_cluster_command(&version, "start", false)?;
            }
        }
        Action::Provide { install } => provide(install)?,
    }
    wait_until_answering()
}

/// Installs (if asked), creates, opens to the tests and starts a cluster.
fn provide(install: bool) -> Result<(), String> {
    if install {
        say(
            "PostgreSQL is not installed; installing it: apt-get update && apt-get install -y postgresql",
        );
        run("apt-get", &["update", "-q"])?;
        run("apt-get", &["install", "-y", "-q", "postgresql"])?;
    }
    let version = match cluster_versions().pop() {
        Some(version) => version,
        None => {
            let version = installed_server_versions().pop().ok_or_else(|| {
                format!("no PostgreSQL server found under {SERVERS_DIR} after installing it")
            })?;
            say(&format!(
                "creating the cluster: pg_createcluster {version} main"
            ));
            run("pg_createcluster", &[&version, "main"])?;
            version
        }
    };
    let hba = PathBuf::from(CLUSTERS_DIR)
        .join(&version)
        .join("main/pg_hba.conf");
    let text = std::fs::read_to_string(&hba)
        .map_err(|e| format!("could not read {}: {e}", hba.display()))?;
    let opened = with_test_access(&text);
    if opened != text {
        say(&format!(
            "letting the tests in: added `host all postgres 127.0.0.1/32 trust` (and ::1) at the top of {}",
            hba.display()
        ));
        std::fs::write(&hba, opened)
            .map_err(|e| format!("could not write {}: {e}", hba.display()))?;
    }
    // Restart rather than start: the package may have started the cluster
    // already, and it must read the new pg_hba.conf.
    run_cluster_command(&version, "restart", true)
}

/// `hba` with [`TEST_ACCESS`] first (pg_hba.conf: the first matching line
/// wins); unchanged if it is there already.
pub(crate) fn with_test_access(hba: &str) -> String {
    if hba.contains(TEST_ACCESS) {
        hba.to_owned()
    } else {
        format!("{TEST_ACCESS}\n{hba}")
    }
}

fn run_cluster_command(version: &str, verb: &str, must_succeed: bool) -> Result<(), String> {
    say(&format!("pg_ctlcluster {version} main {verb}"));
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", version, "main", verb])
        .status()
        .map_err(|e| format!("could not run pg_ctlcluster: {e}"))?;
    if !status.success() {
        let message = format!("pg_ctlcluster {version} main {verb} exited with {status}");
        if must_succeed {
            return Err(message);
        }
        // Another version's cluster may be the one that serves 5432; the
        // wait below tells whether one came up.
        say(&message);
    }
    Ok(())
}

fn wait_until_answering() -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if answering() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!(
        "PostgreSQL did not come up on {POSTGRES_ADDR}; set {URL_VARIABLE} to use another server"
    ))
}

fn answering() -> bool {
    POSTGRES_ADDR
        .parse()
        .ok()
        .and_then(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok())
        .is_some()
}

/// Sorted names of the subfolders of `dir` that contain `inner`.
fn versions_in(dir: &str, inner: &str) -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join(inner).exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort_by_key(|v| (v.parse::<u32>().unwrap_or(0), v.clone()));
    versions
}

fn cluster_versions() -> Vec<String> {
    versions_in(CLUSTERS_DIR, "main/postgresql.conf")
}

fn installed_server_versions() -> Vec<String> {
    versions_in(SERVERS_DIR, "bin/postgres")
}

#[cfg(test)]
mod tests;
