//! A console over a fresh database with a tenant `acme`, a browser-like client
//! that keeps cookies, and helpers to read the pages.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::App;
use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use scim_console::Console;
use scim_http::{Actor, HttpConfig, Provisioning, RequestContext, ScimState, StoreOptions};
pub(crate) use scim_store::testing::Backend;
use scim_store::testing::TestDatabase;

pub(crate) const OPERATOR_TOKEN: &str = "operator-token-for-console-tests";

/// The console and the SCIM/admin routes over a fresh database.
pub(crate) struct TestConsole {
    pub(crate) state: ScimState,
    pub(crate) console: Console,
    _db: TestDatabase,
}

/// A response as a browser sees it.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: BTreeMap<String, String>,
    /// Every `Set-Cookie` header.
    pub(crate) set_cookies: Vec<String>,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// The value of the first hidden `csrf` field.
    pub(crate) fn csrf(&self) -> String {
        field_value(&self.body, "csrf").unwrap_or_else(|| panic!("no csrf field in {}", self.body))
    }

    /// The `Set-Cookie` header for `name`, if any.
    pub(crate) fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(String::as_str)
    }
}

/// The value of the input named `name` in `html`.
pub(crate) fn field_value(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}

/// The text of the element with this id (`<code id="x">text</code>`).
pub(crate) fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\">"))? + id.len() + 6;
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_owned())
}

impl TestConsole {
    pub(crate) fn new(backend: Backend) -> TestConsole {
        let db = TestDatabase::create(backend);
        let store = db.open(StoreOptions {
            max_connections: 2,
            ..StoreOptions::default()
        });
        let provisioning = Provisioning::new(Arc::new(store));
        provisioning
            .create_tenant(&operator_ctx(), "acme", "Acme")
            .expect("create tenant");
        let state = ScimState::new(provisioning).with_config(HttpConfig {
            admin_token: Some(OPERATOR_TOKEN.to_owned()),
            ..HttpConfig::default()
        });
        TestConsole {
            console: Console::new(state.clone()),
            state,
            _db: db,
        }
    }

    /// The same console waiting `wait` for a rule save before it sends the
    /// browser to the save's progress page.
    pub(crate) fn with_save_wait(mut self, wait: std::time::Duration) -> TestConsole {
        self.console = self.console.with_save_wait(wait);
        self
    }

    pub(crate) fn provisioning(&self) -> &Provisioning {
        &self.state.provisioning
    }

    /// A browser with no cookies.
    pub(crate) fn browser(&self) -> Browser<'_> {
        Browser {
            console: self,
            cookies: BTreeMap::new(),
        }
    }

    /// A browser signed in with `token`.
    pub(crate) async fn signed_in(&self, token: &str) -> Browser<'_> {
        let mut browser = self.browser();
        let form = browser.get("/console/sign-in").await;
        let signed = browser
            .post(
                "/console/sign-in",
                &[("csrf", &form.csrf()), ("token", token)],
            )
            .await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        assert_eq!(signed.header("location"), "/console");
        browser
    }

    /// Sends a request as it is (no cookies), e.g. to the admin API.
    pub(crate) async fn send_request(&self, req: TestRequest) -> Page {
        self.send(req).await
    }

    async fn send(&self, req: TestRequest) -> Page {
        let app = test::init_service(
            App::new()
                .configure(scim_http::configure(self.state.clone()))
                .configure(scim_console::configure(self.console.clone())),
        )
        .await;
        let response = test::call_service(&app, req.to_request()).await;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| name.as_str() != "set-cookie")
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let body = String::from_utf8_lossy(&test::read_body(response).await).into_owned();
        Page {
            status,
            headers,
            set_cookies,
            body,
        }
    }
}

/// The identity provider's side of the tests: SCIM writes through the use
/// cases, as the SCIM routes make them.
pub(crate) struct IdentityProvider<'a> {
    app: &'a TestConsole,
}

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

impl IdentityProvider<'_> {
    fn ctx() -> RequestContext {
        RequestContext::new(
            "idp-request",
            "http://localhost/scim/v2/acme",
            Actor::IdentityProvider {
                token: "scim_test".to_owned(),
            },
        )
    }

    fn tenant(&self) -> Arc<provisioning::TenantContext> {
        self.app.provisioning().tenant("acme").expect("tenant acme")
    }

    /// Creates a user; returns its id.
    pub(crate) fn user(&self, user_name: &str, external_id: &str) -> String {
        self.app
            .provisioning()
            .create_user(
                &self.tenant(),
                &mut Self::ctx(),
                &serde_json::json!({"schemas": [USER_SCHEMA], "userName": user_name,
                                    "externalId": external_id, "active": true}),
            )
            .expect("create user")
            .id
    }

    /// Creates a group with these members; returns its id.
    pub(crate) fn group(&self, display_name: &str, members: &[&str]) -> String {
        let members: Vec<_> = members
            .iter()
            .map(|id| serde_json::json!({"value": id}))
            .collect();
        self.app
            .provisioning()
            .create_group(
                &self.tenant(),
                &mut Self::ctx(),
                &serde_json::json!({"schemas": [GROUP_SCHEMA], "displayName": display_name, "members": members}),
            )
            .expect("create group")
            .id
    }

    /// Adds a member to a group.
    pub(crate) fn add_member(&self, group: &str, user: &str) {
        self.app
            .provisioning()
            .patch_group(
                &self.tenant(),
                &mut Self::ctx(),
                group,
                &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "add", "path": "members", "value": [{"value": user}]}]}),
                None,
            )
            .expect("add member");
    }

    /// Deactivates a user as Entra does (a capitalised op, a string boolean).
    pub(crate) fn deactivate(&self, user: &str) {
        self.app
            .provisioning()
            .patch_user(
                &self.tenant(),
                &mut Self::ctx(),
                user,
                &serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
                None,
            )
            .expect("deactivate");
    }
}

impl TestConsole {
    /// The identity provider of tenant `acme`.
    pub(crate) fn idp(&self) -> IdentityProvider<'_> {
        IdentityProvider { app: self }
    }

    /// The roles Admin, Loanee and Viewer (default), a rule per group
    /// (`(group id, role)`) and the last-holder guard on `guard`, through the
    /// admin API.
    pub(crate) async fn rules(&self, rules: &[(&str, &str)], guard: Option<&str>) {
        let rules: Vec<_> = rules
            .iter()
            .map(|(group, role)| serde_json::json!({"group": {"id": group}, "role": role}))
            .collect();
        let mut body = serde_json::json!({
            "default_role": "Viewer",
            "roles": [{"name": "Admin"}, {"name": "Loanee"}, {"name": "Viewer"}],
            "rules": rules,
        });
        if let Some(role) = guard {
            body["guard"] = serde_json::json!({"role": role});
        }
        let req = TestRequest::put()
            .uri("/admin/v1/tenants/acme/rules")
            .insert_header(("authorization", format!("Bearer {OPERATOR_TOKEN}")))
            .set_json(body);
        let page = self.send(req).await;
        assert_eq!(page.status, 200, "{}", page.body);
    }
}

/// `html` with every occurrence of each `(value, name)` replaced by
/// `[name]`, for snapshots of pages that show generated ids.
pub(crate) fn redact(html: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(html.to_owned(), |text, (value, name)| {
        text.replace(value, &format!("[{name}]"))
    })
}

/// `html` with the console's times (`2026-12-07 18:30 UTC`) replaced by `[time]`.
pub(crate) fn redact_times(html: &str) -> String {
    const SHAPE: &str = "dddd-dd-dd dd:dd UTC";
    let fits = |window: &[u8]| {
        window.iter().zip(SHAPE.bytes()).all(|(c, s)| {
            if s == b'd' {
                c.is_ascii_digit()
            } else {
                *c == s
            }
        })
    };
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    while i < bytes.len() {
        if i + SHAPE.len() <= bytes.len() && fits(&bytes[i..i + SHAPE.len()]) {
            out.push_str("[time]");
            i += SHAPE.len();
        } else {
            let c = html[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `html` with a line break before the tags that start rows, list items and
/// paragraphs, so that snapshots read (and diff) line by line.
pub(crate) fn lines(html: &str) -> String {
    [
        "<tr", "<dt", "<li", "<p", "<h2", "<h3", "<ol", "<thead", "<tbody",
    ]
    .iter()
    .fold(html.to_owned(), |text, tag| {
        text.replace(tag, &format!("\n{tag}"))
    })
}

/// The `tag` element with this id, from its start tag to the end of its first
/// closing tag of the same name (enough for the console's sections).
pub(crate) fn element(html: &str, tag: &str, id: &str) -> String {
    let start = html
        .find(&format!(" id=\"{id}\""))
        .and_then(|at| html[..at].rfind(&format!("<{tag}")))
        .unwrap_or_else(|| panic!("no <{tag} id={id}> in {html}"));
    let close = format!("</{tag}>");
    let end = html[start..]
        .find(&close)
        .map_or(html.len(), |i| start + i + close.len());
    html[start..end].to_owned()
}

pub(crate) fn operator_ctx() -> RequestContext {
    RequestContext::new("test", "", Actor::Operator)
}

/// The identity provider's context, for pushing users and groups as it would.
pub(crate) fn idp_ctx() -> RequestContext {
    RequestContext::new(
        "push",
        "http://localhost/scim/v2/acme",
        Actor::IdentityProvider {
            token: "test".to_owned(),
        },
    )
}

/// A client that keeps the cookies the console sets, as a browser would.
pub(crate) struct Browser<'a> {
    console: &'a TestConsole,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl Browser<'_> {
    pub(crate) async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(form)).await
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let mut req = TestRequest::default().method(method).uri(path);
        if !self.cookies.is_empty() {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            req = req.insert_header(("cookie", header.join("; ")));
        }
        if let Some(form) = form {
            req = req.set_form(form);
        }
        let page = self.console.send(req).await;
        for cookie in &page.set_cookies {
            let pair = cookie.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let removed = cookie.contains("Max-Age=0") || value.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }
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
