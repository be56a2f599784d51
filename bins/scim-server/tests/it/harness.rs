//! A real server on a random port over a fresh database, and a small HTTP client.
//!
//! The server is the same `scim_http::configure` the binary serves, run by
//! actix on its own thread; requests go over TCP. Every test gets its own
//! database (a temporary SQLite file or a fresh PostgreSQL schema), a tenant
//! `acme` with a token, and the admin API behind [`ADMIN_TOKEN`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};
use provisioning::{Actor, Options, Provisioning, RequestContext};
use scim_http::{ConcurrencyLimit, HttpConfig, RateLimit, ScimState, configure};
use scim_store::StoreOptions;
pub(crate) use scim_store::testing::Backend;
use scim_store::testing::TestDatabase;
use serde_json::Value;

pub(crate) const ADMIN_TOKEN: &str = "operator-secret-for-tests";

pub(crate) struct Server {
    pub(crate) origin: String,
    pub(crate) token: String,
    pub(crate) provisioning: Provisioning,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    _db: TestDatabase,
}

pub(crate) fn start(backend: Backend) -> Server {
    start_with(backend, test_config())
}

/// What these tests' servers run with unless a test says otherwise: the
/// defaults with the overload limits off. Many tests load one tenant from
/// several threads on purpose (concurrency, crashes, the corpus), and a 429
/// would hide what they look for; the overload tests set the limits they test.
pub(crate) fn test_config() -> HttpConfig {
    HttpConfig {
        rate_limit: RateLimit::OFF,
        concurrency: ConcurrencyLimit::OFF,
        ..HttpConfig::default()
    }
}

pub(crate) fn start_with(backend: Backend, config: HttpConfig) -> Server {
    start_with_provisioning(backend, config, |p| p)
}

/// A server whose time is `clock`'s (token expiry, events).
pub(crate) fn start_with_clock(backend: Backend, clock: Arc<dyn provisioning::Clock>) -> Server {
    start_with_provisioning(backend, test_config(), |p| p.with_clock(clock))
}

/// A server whose use cases have other limits (page sizes, bulk size).
pub(crate) fn start_with_options(backend: Backend, config: HttpConfig, options: Options) -> Server {
    start_with_provisioning(backend, config, |p| p.with_options(options))
}

fn start_with_provisioning(
    backend: Backend,
    config: HttpConfig,
    setup: impl FnOnce(Provisioning) -> Provisioning,
) -> Server {
    let db = TestDatabase::create(backend);
    let store = db.open(StoreOptions {
        max_connections: 4,
        ..StoreOptions::default()
    });
    let provisioning = setup(Provisioning::new(Arc::new(store)));
    let created = provisioning
        .create_tenant(
            &RequestContext::new("test", "", Actor::Operator),
            "acme",
            "Acme",
        )
        .expect("create tenant");
    serve(db, provisioning, created.token.secret, config)
}

/// A server on a database made elsewhere (a backup, an upgraded fixture),
/// migrated on opening; its tenant `acme` answers to `token`.
pub(crate) fn start_on(db: TestDatabase, token: &str) -> Server {
    let store = db.open(StoreOptions {
        max_connections: 4,
        ..StoreOptions::default()
    });
    serve(
        db,
        Provisioning::new(Arc::new(store)),
        token.to_owned(),
        test_config(),
    )
}

/// A second server process on the same database as `first` (the PostgreSQL
/// scale-out setup): its own pool and caches, the same data.
pub(crate) fn second_server(first: &Server) -> Server {
    let db = TestDatabase::attach(&first._db.url, first._db.backend);
    let store = db.open(StoreOptions {
        max_connections: 4,
        ..StoreOptions::default()
    });
    serve(
        db,
        Provisioning::new(Arc::new(store)),
        first.token.clone(),
        test_config(),
    )
}

fn serve(
    db: TestDatabase,
    provisioning: Provisioning,
    token: String,
    config: HttpConfig,
) -> Server {
    let state = ScimState::new(provisioning.clone()).with_config(HttpConfig {
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        ..config
    });
    // The console as the binary mounts it with the admin API: one per server.
    let console = scim_console::Console::new(state.clone());
    let (tx, rx) = mpsc::channel::<(SocketAddr, ServerHandle)>();
    let thread = std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        let result = system.block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .configure(configure(state.clone()))
                    .configure(scim_console::configure(console.clone()))
                    .default_service(web::to(scim_http::not_found))
            })
            .workers(2)
            .bind(("127.0.0.1", 0))?;
            let addr = server.addrs()[0];
            let server = server.run();
            let _ = tx.send((addr, server.handle()));
            server.await
        });
        if let Err(e) = result {
            eprintln!("test server failed: {e}");
        }
    });
    let (addr, handle) = rx.recv().expect("server started");
    Server {
        origin: format!("http://{addr}"),
        token,
        provisioning,
        handle,
        thread: Some(thread),
        _db: db,
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(true));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Server {
    /// The database this server runs on.
    pub(crate) fn database(&self) -> &TestDatabase {
        &self._db
    }

    /// A SCIM client of tenant `acme` with its token.
    pub(crate) fn scim(&self) -> Client {
        self.client("/scim/v2/acme", &self.token)
    }

    /// A client of any base path with any bearer token.
    pub(crate) fn client(&self, base: &str, token: &str) -> Client {
        Client::new(&format!("{}{base}", self.origin), token)
    }

    /// The admin API client.
    pub(crate) fn admin(&self) -> Client {
        self.client("/admin/v1/tenants/acme", ADMIN_TOKEN)
    }

    /// Creates another tenant; returns its token.
    pub(crate) fn tenant(&self, slug: &str) -> String {
        self.provisioning
            .create_tenant(
                &RequestContext::new("test", "", Actor::Operator),
                slug,
                slug,
            )
            .expect("create tenant")
            .token
            .secret
    }
}

pub(crate) struct Client {
    agent: ureq::Agent,
    pub(crate) base: String,
    token: Option<String>,
}

/// A response: status, lower-case headers, and the body as JSON (`Null` when empty,
/// a JSON string when not JSON).
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Asserts a SCIM error with this status and (optional) scimType.
    pub(crate) fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/scim+json"),
            "{}",
            self.text
        );
        assert_eq!(
            self.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status.to_string(), "{}", self.text);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            self.text
        );
        match scim_type {
            Some(t) => assert_eq!(self.body["scimType"], t, "{}", self.text),
            None => assert!(self.body.get("scimType").is_none(), "{}", self.text),
        }
    }
}

impl Resp {
    /// Asserts an RFC 9457 problem document (the admin API's errors) with this status.
    pub(crate) fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.text
        );
        assert_eq!(self.body["status"], status, "{}", self.text);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            self.text
        );
    }
}

impl Client {
    /// A client of the URL `base` (origin and path) with a bearer token.
    pub(crate) fn new(base: &str, token: &str) -> Client {
        Client {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(ureq::config::AutoHeaderValue::None)
                .build()
                .into(),
            base: base.to_owned(),
            token: Some(token.to_owned()),
        }
    }

    /// The same client sending no `Authorization` header.
    pub(crate) fn without_token_header(mut self) -> Client {
        self.token = None;
        self
    }

    /// The same base URL with another bearer token.
    pub(crate) fn clone_with_token(&self, token: &str) -> Client {
        Client {
            agent: self.agent.clone(),
            base: self.base.clone(),
            token: Some(token.to_owned()),
        }
    }

    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.request_bytes(method, path, body.map(str::as_bytes), headers)
    }

    /// A request whose body may be any bytes (not UTF-8, not JSON).
    pub(crate) fn request_bytes(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = &self.token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let typed = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !typed {
            builder = builder.header("Content-Type", "application/scim+json");
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(body.unwrap_or_default().to_vec())
            .expect("request");
        let mut response = self
            .agent
            .run(request)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub(crate) fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None, &[])
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> Resp {
        self.request("POST", path, Some(&body.to_string()), &[])
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> Resp {
        self.request("PUT", path, Some(&body.to_string()), &[])
    }

    pub(crate) fn patch(&self, path: &str, body: &Value) -> Resp {
        self.request("PATCH", path, Some(&body.to_string()), &[])
    }

    pub(crate) fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, None, &[])
    }

    /// PATCH with a PatchOp body made of `ops`.
    pub(crate) fn patch_ops(&self, path: &str, ops: Value) -> Resp {
        self.patch(path, &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
    }

    /// Creates a user (minimal Entra shape) and returns its id.
    pub(crate) fn create_user(&self, user_name: &str) -> String {
        let r = self.post(
            "/Users",
            &serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "active": true,
                "displayName": user_name,
            }),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    /// Creates an empty group and returns its id.
    pub(crate) fn create_group(&self, name: &str) -> String {
        let r = self.post(
            "/Groups",
            &serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }
}

/// URL-encodes a filter the way Entra ID does (`+` for spaces).
pub(crate) fn q(filter: &str) -> String {
    let mut out = String::new();
    for b in filter.bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Instantiates tests written once as `fn name(backend: Backend)` for SQLite and PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::harness::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::harness::Backend::Postgres) } )*
        }
    };
}
