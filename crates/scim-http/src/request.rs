//! What SCIM handlers read from a request, as extractors: the tenant call
//! (tenant from the path, bearer token, request id, base URL), the query
//! parameters, the `If-Match` / `If-None-Match` preconditions and the resource
//! id. A handler names what it needs in its signature; extractors run in the
//! order of its arguments, so that order is the order of the checks.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Query};
use actix_web::{FromRequest, HttpRequest};
use provisioning::{Actor, Provisioning, RequestContext, TenantContext};
use scim_proto::ScimType;
use serde::Deserialize;

use crate::convert::run_blocking;
use crate::error::ApiError;
use crate::etag::{Precondition, if_match, if_none_match};
use crate::forwarded;
use crate::middleware::request_id;
use crate::overload::{Admit, Refusal};
use crate::state::ScimState;
use tokio::sync::Semaphore;

/// The bearer token of the request; any problem is the same 401.
pub(crate) fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(ApiError::unauthorized)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthorized)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(ApiError::unauthorized());
    }
    Ok(token.to_owned())
}

/// The routes' shared state; a 500 if the app was not built with `configure`.
pub(crate) fn state(req: &HttpRequest) -> Result<&ScimState, ApiError> {
    shared_state(req).map(web::Data::get_ref)
}

/// The routes' shared state as actix holds it (cheap to clone).
fn shared_state(req: &HttpRequest) -> Result<&web::Data<ScimState>, ApiError> {
    req.app_data::<web::Data<ScimState>>()
        .ok_or_else(|| {
            let id = request_id(req);
            tracing::error!(request_id = %id, "ScimState is not registered; mount the routes with scim_http::configure");
            ApiError::internal(&id)
        })
}

/// A call to one tenant's SCIM routes: who calls (the bearer token, checked
/// against the tenant when the call runs) and where (the tenant from the path
/// and the base URL its resources' locations are built from).
///
/// Extracting it fails with 401 when there is no bearer token; a wrong token
/// or an unknown tenant fails the same way in [`TenantCall::run`], on the
/// blocking thread, so a request costs one hop.
#[derive(Debug, Clone)]
pub(crate) struct TenantCall {
    slug: String,
    token: String,
    request_id: String,
    base_url: String,
    state: web::Data<ScimState>,
}

/// What the first blocking hop of [`TenantCall::run`] came to.
enum Step<T, F> {
    /// The use case ran.
    Done(T),
    /// The overload limits refused the request.
    Refused(Refusal),
    /// The tenant has its share at work: wait for a place, then make the call.
    Wait(TenantCall, F, Arc<Semaphore>),
}

impl TenantCall {
    fn read(req: &HttpRequest) -> Result<TenantCall, ApiError> {
        let state = shared_state(req)?;
        let slug = req
            .match_info()
            .get("tenant")
            .unwrap_or_default()
            .to_owned();
        let token = bearer(req)?;
        let origin = match &state.config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => forwarded::origin(req, &state.config.trusted_proxies),
        };
        Ok(TenantCall {
            base_url: format!("{origin}{}/{slug}", state.config.scim_prefix),
            slug,
            token,
            request_id: request_id(req),
            state: state.clone(),
        })
    }

    /// The tenant's base URL (`https://host/scim/v2/acme`).
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Authenticates, passes the overload limits (`crate::overload`) and runs
    /// `f` on a blocking thread (the store is synchronous): one hop, or two
    /// when the tenant must wait for a place of its share.
    pub(crate) async fn run<T, F>(self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Provisioning, &TenantContext, &mut RequestContext) -> provisioning::Result<T>
            + Send
            + 'static,
    {
        let deadline = self.state.admission().deadline();
        let place = self.state.admission().enter(deadline).await?;
        let first = run_blocking(self.request_id.clone(), move || {
            // The places live as long as the work, even if the client hangs up.
            let _place = place;
            let (tenant, actor) = self.authenticate()?;
            match self.state.admission().admit(&tenant.id, Instant::now()) {
                Err(refusal) => Ok(Step::Refused(refusal)),
                Ok(Admit::Wait(share)) => Ok(Step::Wait(self, f, share)),
                Ok(Admit::Now(_share)) => self.invoke(f, &tenant, actor).map(Step::Done),
            }
        })
        .await?;
        match first {
            Step::Done(value) => Ok(value),
            Step::Refused(refusal) => Err(refusal.into()),
            Step::Wait(call, f, share) => {
                // Waiting for the tenant's share holds no global place.
                let admission = call.state.admission();
                let share = admission.wait_for_share(&share, deadline).await?;
                let place = admission.enter(deadline).await?;
                run_blocking(call.request_id.clone(), move || {
                    let _places = (place, share);
                    // Again: the token may have been revoked meanwhile.
                    let (tenant, actor) = call.authenticate()?;
                    call.invoke(f, &tenant, actor)
                })
                .await
            }
        }
    }

    fn authenticate(&self) -> provisioning::Result<(Arc<TenantContext>, Actor)> {
        self.state
            .provisioning
            .authenticate(&self.slug, &self.token)
    }

    fn invoke<T>(
        self,
        f: impl FnOnce(&Provisioning, &TenantContext, &mut RequestContext) -> provisioning::Result<T>,
        tenant: &TenantContext,
        actor: Actor,
    ) -> provisioning::Result<T> {
        let mut ctx = RequestContext::new(self.request_id, self.base_url, actor);
        let result = f(&self.state.provisioning, tenant, &mut ctx);
        for rule in ctx.compat.names() {
            metrics::counter!(crate::metrics::COMPAT, "tenant" => tenant.slug.clone(), "rule" => rule)
                .increment(1);
        }
        result
    }
}

impl FromRequest for TenantCall {
    type Error = ApiError;
    type Future = Ready<Result<TenantCall, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(TenantCall::read(req))
    }
}

/// The `{id}` of a resource route (`/Users/{id}`, `/Schemas/{id}`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ResourceId {
    pub(crate) id: String,
}

/// The versions `If-Match` requires of a tenant-wide entity (settings, rules,
/// catalogue, locks: `W/"<version>"`) (`None`: no condition, or `*`); tags
/// that are not ours require a version that never exists, hence a 412.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IfMatch(pub(crate) Option<Vec<i64>>);

impl FromRequest for IfMatch {
    type Error = Infallible;
    type Future = Ready<Result<IfMatch, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(IfMatch(
            if_match(req).and_then(Precondition::expected_versions),
        )))
    }
}

/// `If-Match` on a SCIM resource, whose tags name the resource as well as its
/// version (`scim_proto::render::resource_etag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceIfMatch(Option<Precondition>);

impl ResourceIfMatch {
    /// The versions of the resource `id` required (`None`: no condition, or
    /// `*`); another resource's tags require a version that never exists, hence a 412.
    pub(crate) fn versions_of(self, id: &str) -> Option<Vec<i64>> {
        self.0.and_then(|p| p.expected_resource_versions(id))
    }
}

impl FromRequest for ResourceIfMatch {
    type Error = Infallible;
    type Future = Ready<Result<ResourceIfMatch, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ResourceIfMatch(if_match(req))))
    }
}

/// The request's `If-None-Match`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IfNoneMatch(pub(crate) Option<Precondition>);

impl FromRequest for IfNoneMatch {
    type Error = Infallible;
    type Future = Ready<Result<IfNoneMatch, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(IfNoneMatch(if_none_match(req))))
    }
}

/// The SCIM query parameters (RFC 7644 section 3.4.2), matched case-insensitively;
/// unknown ones (such as Entra's `aadOptscim062020`) are ignored. A malformed
/// query string or a non-integer `startIndex` / `count` is a 400.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryParams {
    pub(crate) attributes: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
    pub(crate) filter: Option<String>,
    pub(crate) sort_by: Option<String>,
    pub(crate) sort_order: Option<String>,
    pub(crate) start_index: Option<i64>,
    pub(crate) count: Option<i64>,
    pub(crate) cursor: Option<String>,
}

fn integer(name: &str, value: &str) -> Result<i64, ApiError> {
    value.trim().parse::<i64>().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be an integer, not '{value}'"),
        )
        .with_type(ScimType::InvalidValue)
    })
}

fn append(slot: &mut Option<String>, value: String) {
    match slot {
        Some(existing) => {
            existing.push(',');
            existing.push_str(&value);
        }
        None => *slot = Some(value),
    }
}

impl QueryParams {
    fn read(req: &HttpRequest) -> Result<QueryParams, ApiError> {
        let pairs =
            Query::<Vec<(String, String)>>::from_query(req.query_string()).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("The query string is malformed: {e}"),
                )
                .with_type(ScimType::InvalidSyntax)
            })?;
        let mut params = QueryParams::default();
        for (name, value) in pairs.into_inner() {
            match name.to_ascii_lowercase().as_str() {
                "attributes" => append(&mut params.attributes, value),
                "excludedattributes" => append(&mut params.excluded_attributes, value),
                "filter" => params.filter = Some(value),
                "sortby" => params.sort_by = Some(value),
                "sortorder" => params.sort_order = Some(value),
                "startindex" => params.start_index = Some(integer("startIndex", &value)?),
                "count" => params.count = Some(integer("count", &value)?),
                "cursor" => params.cursor = Some(value),
                _ => {}
            }
        }
        Ok(params)
    }

    pub(crate) fn asks_projection(&self) -> bool {
        self.attributes.is_some() || self.excluded_attributes.is_some()
    }
}

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = Ready<Result<QueryParams, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(QueryParams::read(req))
    }
}
