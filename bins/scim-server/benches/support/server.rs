//! The server binary (`SCALE_SERVER_BIN`, else the one built with the bench)
//! started on a seeded database, and admin API calls to it as the operator.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::seed::TENANT;

const BIN: &str = env!("CARGO_BIN_EXE_scim-server");
/// The operator token the server is started with.
pub(crate) const ADMIN_TOKEN: &str = "scale-bench-admin-token";

/// A running server, stopped when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) origin: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on `url` and waits until it answers.
pub(crate) fn start_server(url: &str, data_dir: &std::path::Path) -> Server {
    start_server_with(url, data_dir, &[])
}

/// Starts the server on `url` with `serve`'s `flags` and waits until it answers.
pub(crate) fn start_server_with(url: &str, data_dir: &std::path::Path, flags: &[&str]) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = std::env::var("SCALE_SERVER_BIN").unwrap_or_else(|_| BIN.to_owned());
    let child = Command::new(bin)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(flags)
        .env("SCIM_DATABASE_URL", url)
        .env("SCIM_DATA_DIR", data_dir)
        .env("SCIM_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server");
    let server = Server {
        child,
        origin: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = format!("{}/healthz", server.origin);
    while !agent()
        .get(&ready)
        .call()
        .is_ok_and(|r| r.status().as_u16() == 200)
    {
        assert!(Instant::now() < deadline, "the server did not start");
        thread::sleep(Duration::from_millis(100));
    }
    server
}

/// An HTTP client that returns error statuses as responses, follows no
/// redirect and waits as long as a call takes.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(3600)))
        .build()
        .into()
}

/// The whole body of a response.
pub(crate) fn read_body(response: &mut ureq::http::Response<ureq::Body>) -> Vec<u8> {
    response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap()
}

/// Status and body of an admin call on the tenant [`TENANT`] (`GET`, or `PUT`
/// of `body`).
pub(crate) fn call(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Vec<u8>) {
    let url = format!("{}/admin/v1/tenants/{TENANT}{path}", server.origin);
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let response = match body {
        Some(body) => agent()
            .put(&url)
            .header("Authorization", &auth)
            .send_json(body),
        None => {
            assert_eq!(method, "GET");
            agent().get(&url).header("Authorization", &auth).call()
        }
    };
    match response {
        Ok(mut r) => (r.status().as_u16(), read_body(&mut r)),
        Err(_) => (0, Vec::new()),
    }
}
