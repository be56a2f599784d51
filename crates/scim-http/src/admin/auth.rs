//! The operator's authentication for the admin API, as an extractor.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use provisioning::{Actor, Provisioning, RequestContext, token};

use crate::convert::run_blocking;
use crate::error::ApiError;
use crate::middleware::request_id;
use crate::request::{bearer, state};

/// The operator token's hash, computed once when the routes are mounted
/// (`None`: the admin API is disabled and every request gets 401).
#[derive(Debug, Clone)]
pub(crate) struct AdminKey(Option<String>);

impl AdminKey {
    pub(crate) fn new(secret: Option<&str>) -> AdminKey {
        AdminKey(secret.map(token::hash))
    }

    fn admits(&self, presented: &str) -> bool {
        self.0
            .as_deref()
            .is_some_and(|hash| token::verify(presented, hash))
    }
}

/// An authenticated operator call: extracting it checks the bearer token
/// against the operator token (constant time) and fails with the SCIM 401
/// otherwise. The host application may name the admin on whose behalf it calls
/// (`X-Admin-Name`).
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    ctx: RequestContext,
    provisioning: Provisioning,
}

impl Admin {
    fn read(req: &HttpRequest) -> Result<Admin, ApiError> {
        let state = state(req)?;
        let presented = bearer(req)?;
        let authorised = req
            .app_data::<AdminKey>()
            .is_some_and(|key| key.admits(&presented));
        if !authorised {
            return Err(ApiError::unauthorized());
        }
        let name = req
            .headers()
            .get("x-admin-name")
            .and_then(|v| v.to_str().ok())
            .filter(|n| !n.is_empty() && n.len() <= 200)
            .unwrap_or("admin")
            .to_owned();
        Ok(Admin {
            ctx: RequestContext::new(request_id(req), String::new(), Actor::Admin { name }),
            provisioning: state.provisioning.clone(),
        })
    }

    /// Runs `f` on a blocking thread (the store is synchronous).
    pub(crate) async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce(&Provisioning, &RequestContext) -> provisioning::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Admin { ctx, provisioning } = self;
        run_blocking(ctx.request_id.clone(), move || f(&provisioning, &ctx)).await
    }

    /// The use cases and the call's context, for work that outlives one
    /// blocking hop (streamed downloads, jobs).
    pub(crate) fn into_parts(self) -> (Provisioning, RequestContext) {
        (self.provisioning, self.ctx)
    }

    /// The provisioning options (page sizes).
    pub(crate) fn options(&self) -> &provisioning::Options {
        self.provisioning.options()
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Admin::read(req))
    }
}
