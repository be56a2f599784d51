//! Middleware on the SCIM and admin routes: counts each request and times it
//! through the `metrics` facade, labelled by tenant, route pattern, method and
//! status. Whatever recorder the process installed receives them (the bundled
//! server's is the Prometheus exporter behind `/metrics`); without one they
//! cost next to nothing.
//!
//! Labels stay bounded: the route is its pattern (`/scim/v2/{tenant}/Users/{id}`),
//! `unmatched` when no route matched, and the tenant is named only for answers
//! other than 401 and 404, so requests to made-up tenant URLs cannot add series
//! (nor tell a scraper which slugs were tried).
//!
//! [`configure_metrics`] serves what the recorder renders at `GET /metrics`,
//! to the operator token only: the labels name tenants.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};

use crate::admin::AdminGate;
use crate::error::ApiError;
use crate::request::bearer;
use crate::state::ScimState;

/// The current metrics in Prometheus' text format (the recorder renders them).
pub type Render = Arc<dyn Fn() -> String + Send + Sync>;

#[derive(Clone)]
struct Endpoint {
    gate: AdminGate,
    render: Render,
}

/// Mounts `GET /metrics`: `render`'s text, for the operator token of
/// `state`'s configuration (a scraper's bearer token); anything else is the
/// admin API's 401. Without an operator token nobody can read it.
pub fn configure_metrics(
    state: &ScimState,
    render: Render,
) -> impl FnOnce(&mut web::ServiceConfig) {
    let endpoint = Endpoint {
        gate: AdminGate::new(state),
        render,
    };
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(endpoint))
            .route("/metrics", web::get().to(serve));
    }
}

async fn serve(req: HttpRequest, endpoint: web::Data<Endpoint>) -> HttpResponse {
    match bearer(&req) {
        Ok(token) if endpoint.gate.admits_operator(&token) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body((endpoint.render)()),
        _ => ApiError::admin_unauthorized().problem_response(),
    }
}

/// Requests answered, by `api`, `tenant`, `route`, `method`, `status`.
pub const REQUESTS: &str = "scim_http_requests_total";
/// Their durations in seconds, by the same labels.
pub const DURATION: &str = "scim_http_request_duration_seconds";
/// Client compatibility rules applied to read SCIM requests, by `tenant` and
/// `rule` (the names of `scim_proto::compat`), counted once per request.
pub const COMPAT: &str = "scim_compat_rules_applied_total";

/// Which of the two APIs a scope serves, as the `api` label says it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Api {
    Scim,
    Admin,
}

impl Api {
    fn label(self) -> &'static str {
        match self {
            Api::Scim => "scim",
            Api::Admin => "admin",
        }
    }
}

/// Middleware for the SCIM scope.
pub(crate) async fn record_scim(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    record(Api::Scim, req, next).await
}

/// Middleware for the admin scope.
pub(crate) async fn record_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    record(Api::Admin, req, next).await
}

async fn record<B: MessageBody + 'static>(
    api: Api,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let result = next.call(req).await;
    let (status, labels) = match &result {
        Ok(response) => {
            let request = response.request();
            let status = response.status();
            let route = request
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned());
            let tenant = match status {
                StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND => String::new(),
                _ => request
                    .match_info()
                    .get("tenant")
                    .unwrap_or_default()
                    .to_owned(),
            };
            (status, (tenant, route))
        }
        // Rendered later by actix from the error: its status is the error's.
        Err(error) => (
            error.as_response_error().status_code(),
            (String::new(), "unmatched".to_owned()),
        ),
    };
    let (tenant, route) = labels;
    let labels = [
        ("api", api.label().to_owned()),
        ("tenant", tenant),
        ("route", route),
        ("method", method),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    result
}
