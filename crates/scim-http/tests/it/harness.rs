//! An in-process `App` over a fresh database with a tenant `acme`, requests
//! to it, and the redactions that make responses snapshot-stable.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use insta::internals::Content;
use scim_http::{Actor, HttpConfig, Provisioning, RequestContext, ScimState, StoreOptions};
pub(crate) use scim_store::testing::Backend;
use scim_store::testing::TestDatabase;
use serde_json::{Value, json};

pub(crate) const ADMIN_TOKEN: &str = "operator-token-for-tests";
pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The routes of `scim_http::configure` over a fresh database.
pub(crate) struct TestApp {
    state: ScimState,
    /// The bearer token of tenant `acme`.
    pub(crate) token: String,
    _db: TestDatabase,
}

/// A response: status, the headers a client acts on, and the body (JSON, or a
/// JSON string when it is not JSON, `Null` when empty).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: Value,
}

/// The headers worth pinning in a snapshot.
const SHOWN_HEADERS: [&str; 6] = [
    "content-type",
    "etag",
    "location",
    "www-authenticate",
    "allow",
    "content-disposition",
];

impl TestApp {
    pub(crate) fn new(backend: Backend) -> TestApp {
        let db = TestDatabase::create(backend);
        let store = db.open(StoreOptions {
            max_connections: 2,
            ..StoreOptions::default()
        });
        let provisioning = Provisioning::new(std::sync::Arc::new(store));
        let created = provisioning
            .create_tenant(
                &RequestContext::new("test", "", Actor::Operator),
                "acme",
                "Acme",
            )
            .expect("create tenant");
        let state = ScimState::new(provisioning).with_config(HttpConfig {
            admin_token: Some(ADMIN_TOKEN.to_owned()),
            ..HttpConfig::default()
        });
        TestApp {
            state,
            token: created.token.secret,
            _db: db,
        }
    }

    /// The service under the routes, to look at what they stored.
    pub(crate) fn provisioning(&self) -> &Provisioning {
        &self.state.provisioning
    }

    /// The same app with the admin API disabled (no operator token).
    pub(crate) fn without_admin_token(&self) -> TestApp {
        let mut state = self.state.clone();
        state.config.admin_token = None;
        TestApp {
            state,
            token: self.token.clone(),
            _db: TestDatabase::attach(&self._db.url, self._db.backend),
        }
    }

    /// Sends `req` (with a fixed request id) through a fresh service.
    pub(crate) async fn send(&self, req: TestRequest) -> Reply {
        let app = test::init_service(
            App::new()
                .configure(scim_http::configure(self.state.clone()))
                .default_service(web::to(scim_http::not_found)),
        )
        .await;
        let response = test::call_service(
            &app,
            req.insert_header(("x-request-id", "req-1")).to_request(),
        )
        .await;
        let status = response.status().as_u16();
        let headers = SHOWN_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let bytes = test::read_body(response).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A request to tenant `acme`'s SCIM routes with its token.
    pub(crate) async fn scim(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let req = request(method, &format!("/scim/v2/acme{path}"), body)
            .insert_header(("authorization", format!("Bearer {}", self.token)));
        self.send(req).await
    }

    /// A request to the admin API with any bearer token.
    pub(crate) async fn admin_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let req = request(method, &format!("/admin/v1{path}"), body)
            .insert_header(("authorization", format!("Bearer {token}")));
        self.send(req).await
    }

    /// A request to the admin API with the operator token.
    pub(crate) async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let req = request(method, &format!("/admin/v1{path}"), body)
            .insert_header(("authorization", format!("Bearer {ADMIN_TOKEN}")));
        self.send(req).await
    }

    /// Creates a user; returns its id.
    pub(crate) async fn create_user(&self, user_name: &str) -> String {
        let created = self
            .scim(
                Method::POST,
                "/Users",
                Some(json!({"schemas": [USER], "userName": user_name})),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        created.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a group with members; returns its id.
    pub(crate) async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let created = self
            .scim(
                Method::POST,
                "/Groups",
                Some(json!({"schemas": [GROUP], "displayName": name, "members": members})),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        created.body["id"].as_str().unwrap().to_owned()
    }
}

/// A request with a JSON body (`application/scim+json`) when given one.
pub(crate) fn request(method: Method, uri: &str, body: Option<Value>) -> TestRequest {
    let req = TestRequest::default().method(method).uri(uri);
    match body {
        Some(body) => req
            .insert_header(("content-type", "application/scim+json"))
            .set_payload(body.to_string()),
        None => req,
    }
}

impl Reply {
    /// What a snapshot shows: status, headers and body, with every UUID named
    /// by order of appearance (`<id-1>`, also inside URLs), so references
    /// between resources stay visible.
    pub(crate) fn shape(&self) -> Value {
        let mut shape = json!({"status": self.status, "headers": self.headers, "body": self.body});
        let mut names = Vec::new();
        name_ids(&mut shape, &mut names);
        shape
    }

    /// Asserts a SCIM error of this status and `scimType`.
    pub(crate) fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(
            self.headers.get("content-type").map(String::as_str),
            Some("application/scim+json")
        );
        assert_eq!(self.body["status"], status.to_string(), "{:?}", self.body);
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{:?}", self.body);
    }
}

impl Reply {
    /// Asserts an RFC 9457 problem document (the admin API's errors) of this status.
    pub(crate) fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "{:?}", self.body);
        assert_eq!(
            self.headers.get("content-type").map(String::as_str),
            Some("application/problem+json")
        );
        assert_eq!(self.body["status"], status, "{:?}", self.body);
        assert_eq!(self.body["type"], "about:blank", "{:?}", self.body);
        assert!(self.body["title"].is_string(), "{:?}", self.body);
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{:?}",
            self.body
        );
        assert!(self.body.get("schemas").is_none(), "no SCIM error");
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The length of the RFC 3339 UTC time (`2026-01-02T03:04:05[.123]Z`) that
/// `s` starts with, if it starts with one.
fn time_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        range
            .clone()
            .all(|i| b.get(i).is_some_and(u8::is_ascii_digit))
    };
    let shape = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':');
    if !shape {
        return None;
    }
    let end = b.iter().skip(19).position(|c| *c == b'Z')? + 19;
    b[19..end]
        .iter()
        .all(|c| c.is_ascii_digit() || *c == b'.')
        .then_some(end + 1)
}

/// Names UUIDs inside strings by order of appearance, and hides times (also
/// those written into text, such as a lock's reason) and tokens.
fn name_ids(value: &mut Value, names: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(c) = rest.chars().next() {
                if let Some(id) = rest.get(..36).filter(|c| is_uuid(c)) {
                    let n = names
                        .iter()
                        .position(|known| known == id)
                        .unwrap_or_else(|| {
                            names.push(id.to_owned());
                            names.len() - 1
                        });
                    out.push_str(&format!("<id-{}>", n + 1));
                    rest = &rest[36..];
                } else if let Some(len) = time_len(rest) {
                    out.push_str("[time]");
                    rest = &rest[len..];
                } else if let Some(token) = rest.strip_prefix("scim_") {
                    // A token or its identifier (`scim_` and base62).
                    out.push_str("scim_[token]");
                    let len = token
                        .find(|c: char| !c.is_ascii_alphanumeric())
                        .unwrap_or(token.len());
                    rest = &token[len..];
                } else {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
            *s = out;
        }
        Value::Array(items) => items.iter_mut().for_each(|v| name_ids(v, names)),
        Value::Object(map) => map.values_mut().for_each(|v| name_ids(v, names)),
        _ => {}
    }
}

/// Times and versions change from run to run: shown as `label` where present
/// (an absent one stays `null`).
pub(crate) fn redact(value: Content, label: &str) -> Content {
    match value {
        Content::None | Content::Unit => value,
        _ => label.into(),
    }
}

/// Snapshots `$reply.shape()` under `$name`, redacting what varies between runs.
#[macro_export]
macro_rules! assert_shape {
    ($name:expr, $reply:expr) => {
        insta::assert_json_snapshot!($name, $reply.shape(), {
            ".**.created" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.lastModified" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.last_modified" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.last_used" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.expires_at" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.revoked_at" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.deleted_at" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.disabled_at" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.time" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.at" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[time]")),
            ".**.version" => insta::dynamic_redaction(|v, _| $crate::harness::redact(v, "[version]")),
            ".headers.etag" => "[version]",
            ".**.secret" => "[secret]",
            ".**.prefix" => "[token prefix]",
        });
    };
}

/// Runs each named `async fn(Backend)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[actix_web::test] async fn $name() { super::$name($crate::harness::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[actix_web::test] async fn $name() { super::$name($crate::harness::Backend::Postgres).await } )*
        }
    };
}
