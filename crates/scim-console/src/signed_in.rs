//! The signed-in caller of a console page, as an extractor: the session from
//! the cookie, or [`ConsoleError::SignInRequired`] (a redirect to sign-in that
//! names nothing of the page asked for). It runs use cases as the credential
//! that signed in, so every change is recorded under that credential's name.

use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use provisioning::{Provisioning, RequestContext, TenantContext};
use scim_http::{AdminReach, ScimState, run_blocking};

use crate::error::ConsoleError;
use crate::session::Session;
use crate::{CONSOLE_PREFIX, Console};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "scim_console_session";

/// The console's state, registered by [`crate::configure`].
pub(crate) fn console(req: &HttpRequest) -> Result<&Console, ConsoleError> {
    req.app_data::<web::Data<Console>>()
        .map(web::Data::get_ref)
        .ok_or_else(|| {
            let id = scim_http::middleware::request_id(req);
            tracing::error!(request_id = %id, "Console is not registered; mount it with scim_console::configure");
            ConsoleError::Api(scim_http::ApiError::internal(&id))
        })
}

/// The origin the browser addressed (trusted proxies' forwarded headers
/// included).
pub(crate) fn request_origin(req: &HttpRequest, state: &ScimState) -> String {
    scim_http::forwarded::origin(req, &state.config.trusted_proxies)
}

/// A cookie scoped to the console: `HttpOnly`, `SameSite=Strict`, and `Secure`
/// when the browser reached us over TLS.
pub(crate) fn console_cookie<'c>(req: &HttpRequest, name: &'c str, value: String) -> Cookie<'c> {
    let secure = console(req)
        .map(|c| request_origin(req, &c.state).starts_with("https://"))
        .unwrap_or(true);
    Cookie::build(name, value)
        .path(CONSOLE_PREFIX)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// A request from a signed-in browser.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    session_id: String,
    session: Session,
    request_id: String,
    provisioning: Provisioning,
    tenant_url_origin: String,
    scim_prefix: String,
}

impl SignedIn {
    fn read(req: &HttpRequest) -> Result<SignedIn, ConsoleError> {
        let console = console(req)?;
        let session_id = req
            .cookie(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
            .ok_or(ConsoleError::SignInRequired)?;
        let session = console
            .sessions
            .get(&session_id, Instant::now())
            .ok_or(ConsoleError::SignInRequired)?;
        let state = &console.state;
        let tenant_url_origin = console
            .scim_origin
            .clone()
            .or_else(|| {
                state
                    .config
                    .public_url
                    .as_deref()
                    .map(|u| u.trim_end_matches('/').to_owned())
            })
            .unwrap_or_else(|| request_origin(req, state));
        Ok(SignedIn {
            session_id,
            session,
            request_id: scim_http::middleware::request_id(req),
            provisioning: state.provisioning.clone(),
            tenant_url_origin,
            scim_prefix: state.config.scim_prefix.clone(),
        })
    }

    /// The session's id (to end it).
    pub(crate) fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The token this session's forms carry.
    pub(crate) fn csrf(&self) -> &str {
        &self.session.csrf
    }

    /// Refuses a form that does not carry this session's CSRF token.
    pub(crate) fn check_csrf(&self, presented: &str) -> Result<(), ConsoleError> {
        if self.session.csrf_matches(presented) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }

    /// The tenants the signed-in credential reaches.
    pub(crate) fn reach(&self) -> &AdminReach {
        &self.session.identity.reach
    }

    /// The name changes are recorded under.
    pub(crate) fn display_name(&self) -> String {
        self.session.identity.actor.name()
    }

    /// The Tenant URL an identity provider is given for `slug`.
    pub(crate) fn tenant_url(&self, slug: &str) -> String {
        format!("{}{}/{slug}", self.tenant_url_origin, self.scim_prefix)
    }

    fn context(&self, slug: &str) -> RequestContext {
        RequestContext::new(
            self.request_id.clone(),
            self.tenant_url(slug),
            self.session.identity.actor.clone(),
        )
    }

    /// The use cases, for a response streamed chunk by chunk after the
    /// handler returns (each chunk runs on the blocking pool).
    pub(crate) fn provisioning(&self) -> &Provisioning {
        &self.provisioning
    }

    /// This request's id, for logs and events.
    pub(crate) fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Runs `f` on the blocking pool, as the signed-in credential.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Provisioning) -> provisioning::Result<T> + Send + 'static,
    ) -> Result<T, ConsoleError> {
        let provisioning = self.provisioning.clone();
        Ok(run_blocking(self.request_id.clone(), move || f(&provisioning)).await?)
    }

    /// Runs `f` in the tenant with this slug, as the signed-in credential. A
    /// tenant out of the credential's reach is answered exactly like one that
    /// does not exist.
    pub(crate) async fn run_in_tenant<T: Send + 'static>(
        &self,
        slug: &str,
        f: impl FnOnce(&Provisioning, &TenantContext, &RequestContext) -> provisioning::Result<T>
        + Send
        + 'static,
    ) -> Result<T, ConsoleError> {
        self.check_reach(slug)?;
        let provisioning = self.provisioning.clone();
        let ctx = self.context(slug);
        let slug = slug.to_owned();
        Ok(run_blocking(self.request_id.clone(), move || {
            let tenant = provisioning.tenant(&slug)?;
            f(&provisioning, &tenant, &ctx)
        })
        .await?)
    }

    /// The tenant with this slug, as the use cases share it, for work that
    /// outlives the handler (a streamed download): one lookup, and the same
    /// answer as [`SignedIn::run_in_tenant`] for a tenant out of reach.
    pub(crate) async fn tenant(&self, slug: &str) -> Result<Arc<TenantContext>, ConsoleError> {
        self.check_reach(slug)?;
        let provisioning = self.provisioning.clone();
        let slug = slug.to_owned();
        Ok(run_blocking(self.request_id.clone(), move || provisioning.tenant(&slug)).await?)
    }

    /// A tenant out of the credential's reach is answered exactly like one
    /// that does not exist.
    fn check_reach(&self, slug: &str) -> Result<(), ConsoleError> {
        if self.reach().covers(slug) {
            return Ok(());
        }
        Err(ConsoleError::Api(scim_http::ApiError::not_found(format!(
            "Tenant '{slug}' not found"
        ))))
    }
}

impl FromRequest for SignedIn {
    type Error = ConsoleError;
    type Future = Ready<Result<SignedIn, ConsoleError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(SignedIn::read(req))
    }
}
