//! The server binary as a child process (`scim-server serve`) on a free port
//! over a given database: the tests that kill it, cut its database or run
//! several of it side by side. Killed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use provisioning::{Actor, Provisioning, RequestContext};
use scim_store::StoreOptions;
use scim_store::testing::{Backend, TestDatabase};

use crate::harness::Client;

const BIN: &str = env!("CARGO_BIN_EXE_scim-server");
/// The operator token of every server process started here.
pub(crate) const ADMIN_TOKEN: &str = "process-test-admin-token";

pub(crate) struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) origin: String,
    log: PathBuf,
    _data_dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the server on `database_url` (already migrated, or not), with
    /// `env` added to its environment, and waits until it answers `/healthz`.
    /// The overload limits are off unless `env` sets them: these tests load
    /// one tenant from many threads on purpose (a crash, an outage, several
    /// processes), and a 429 would hide what they look for.
    pub(crate) fn start(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let data_dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = data_dir.path().join("server.log");
        let child = Command::new(BIN)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("SCIM_DATABASE_URL", database_url)
            .env("SCIM_DATA_DIR", data_dir.path())
            .env("SCIM_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("RUST_LOG", "warn")
            .env("SCIM_RATE_LIMIT", "0")
            .env("SCIM_MAX_IN_FLIGHT_PER_TENANT", "0")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = ServerProcess {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            log,
            _data_dir: data_dir,
        };
        server.wait_until_up();
        server
    }

    fn wait_until_up(&mut self) {
        let address = self.origin.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&address).is_err() {
            assert!(self.running(), "the server exited:\n{}", self.log());
            assert!(Instant::now() < deadline, "no answer:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        let health = self.root().get("/healthz");
        assert_eq!(health.status, 200, "{}", health.text);
    }

    /// Whether the process is still running.
    pub(crate) fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL, and wait for it.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What the process wrote to stderr so far (its log).
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A SCIM client of tenant `slug`.
    pub(crate) fn scim(&self, slug: &str, token: &str) -> Client {
        Client::new(&format!("{}/scim/v2/{slug}", self.origin), token)
    }

    /// The admin API of tenant `slug`, with the operator token.
    pub(crate) fn admin(&self, slug: &str) -> Client {
        Client::new(
            &format!("{}/admin/v1/tenants/{slug}", self.origin),
            ADMIN_TOKEN,
        )
    }

    /// A client of the server's root (probes).
    pub(crate) fn root(&self) -> Client {
        Client::new(&self.origin, "").without_token_header()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fresh database of `backend` with the tenant `acme`, and its SCIM token:
/// what a server process of these tests starts on.
pub(crate) fn database_with_tenant(backend: Backend) -> (TestDatabase, String) {
    let database = TestDatabase::create(backend);
    let provisioning = Provisioning::new(Arc::new(database.open(StoreOptions::default())));
    let ctx = RequestContext::new("seed", "", Actor::Operator);
    let token = provisioning
        .create_tenant(&ctx, "acme", "Acme")
        .unwrap()
        .token
        .secret;
    (database, token)
}
