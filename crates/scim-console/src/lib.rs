//! The web console: server-rendered HTML pages for operators and tenant
//! admins, over the same `provisioning` use cases the admin API calls (no rule
//! logic, no SQL here).
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use scim_console::Console;
//! use scim_http::{HttpConfig, ScimState, configure};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let state = ScimState::open("sqlite://data/scim.db", HttpConfig::default())?;
//! // Built once, outside the worker factory: every worker shares its sessions.
//! let console = Console::new(state.clone());
//! HttpServer::new(move || {
//!     App::new()
//!         .configure(configure(state.clone()))
//!         .configure(scim_console::configure(console.clone()))
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Signing in takes the operator token (every tenant) or a tenant's admin
//! token (that tenant), checked by the admin API's own [`scim_http::AdminGate`].
//! A signed-in browser holds only a random session id in an `HttpOnly`,
//! `SameSite=Strict` cookie (`Secure` over TLS); sessions live in this
//! process's memory and end at sign-out, at expiry or at a restart. Every
//! state-changing form carries the session's CSRF token, and every response
//! carries a strict Content-Security-Policy (see [`headers`]). Assets are
//! compiled into the binary.

mod assets;
mod chart;
mod error;
pub mod headers;
mod layout;
mod pages;
mod session;
mod signed_in;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use scim_http::ScimState;

pub use error::ConsoleError;
pub use session::Sessions;

/// Where [`configure`] mounts the console.
pub const CONSOLE_PREFIX: &str = "/console";

/// How long a session lasts after sign-in, unless set with
/// [`Console::with_session_lifetime`].
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// How long a rule save is waited for before the browser is sent to its
/// progress page, unless set with [`Console::with_save_wait`].
pub const DEFAULT_SAVE_WAIT: Duration = Duration::from_secs(2);

/// The console's state: the SCIM state it serves and the session table. Build
/// it once and clone it into every worker, so that all workers see the same
/// sessions.
#[derive(Debug, Clone)]
pub struct Console {
    state: ScimState,
    sessions: Arc<Sessions>,
    scim_origin: Option<String>,
    save_wait: Duration,
}

impl Console {
    /// A console over `state`, with an empty session table.
    pub fn new(state: ScimState) -> Console {
        Console {
            state,
            sessions: Arc::new(Sessions::new(DEFAULT_SESSION_LIFETIME)),
            scim_origin: None,
            save_wait: DEFAULT_SAVE_WAIT,
        }
    }

    /// Sets how long the request that saves a rule edit waits for the save:
    /// one that ends sooner answers as a preview does (problems next to the
    /// field); a longer one (a large tenant) sends the browser to the save's
    /// progress page. Zero: every save is followed on its progress page.
    #[must_use]
    pub fn with_save_wait(mut self, wait: Duration) -> Console {
        self.save_wait = wait;
        self
    }

    /// Sets the origin (`https://scim.example.com`) of the Tenant URLs the
    /// console shows, when the console is served on another listener than
    /// SCIM. Without it: the configured public URL, else the origin the
    /// browser addressed.
    #[must_use]
    pub fn with_scim_origin(mut self, origin: impl Into<String>) -> Console {
        self.scim_origin = Some(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// How long the request that saves a rule edit waits for the save.
    pub(crate) fn save_wait(&self) -> Duration {
        self.save_wait
    }

    /// Sets how long a session lasts after sign-in.
    #[must_use]
    pub fn with_session_lifetime(mut self, lifetime: Duration) -> Console {
        self.sessions = Arc::new(Sessions::new(lifetime));
        self
    }
}

/// A form or query string the console cannot read, as its HTML error page.
fn bad_request(detail: String) -> actix_web::Error {
    ConsoleError::Api(scim_http::ApiError::new(
        actix_web::http::StatusCode::BAD_REQUEST,
        detail,
    ))
    .into()
}

/// Mounts the console under [`CONSOLE_PREFIX`] with its security headers and
/// the access log; `/console` itself leads to the sign-in page or the tenants.
pub fn configure(console: Console) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope(CONSOLE_PREFIX)
                .app_data(web::Data::new(console))
                .app_data(
                    web::FormConfig::default()
                        .limit(16 * 1024)
                        .error_handler(|e, _| bad_request(e.to_string())),
                )
                .app_data(
                    web::QueryConfig::default().error_handler(|e, _| bad_request(e.to_string())),
                )
                .wrap(headers::security_headers())
                .wrap(actix_web::middleware::from_fn(
                    scim_http::middleware::access_log,
                ))
                .configure(assets::routes)
                .configure(pages::routes)
                .default_service(web::to(pages::not_found)),
        );
    }
}
