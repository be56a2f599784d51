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
        let state = ScimState {
            provisioning,
            config: HttpConfig {
                admin_token: Some(OPERATOR_TOKEN.to_owned()),
                ..HttpConfig::default()
            },
        };
        TestConsole {
            console: Console::new(state.clone()),
            state,
            _db: db,
        }
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
