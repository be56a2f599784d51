//! The admin JSON API under `/admin/v1`, opened by the operator token (every
//! tenant) or a tenant's admin token (that tenant): tenants, SCIM tokens and
//! admin tokens, settings, role catalogue, rule set (with dry runs), the
//! sub-accounts list, role locks, explanations, the event log and the
//! disabled-users report (JSON or CSV). Errors are problem documents
//! (`problem.rs`).

mod admin_tokens;
mod auth;
mod body;
mod catalogue;
mod events;
mod groups;
mod locks;
mod problem;
mod reports;
mod rules;
mod settings;
mod tenants;
mod tokens;
mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub(crate) use self::auth::authenticate;
pub use self::auth::{AdminGate, AdminIdentity, Reach};
pub(crate) use self::body::query_config;
pub(crate) use self::problem::problem_documents;
use crate::error::ApiError;
use crate::scim::json_with_type;

type Reply = Result<HttpResponse, ApiError>;

fn json_ok(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_with_type(status, "application/json", body)
}

/// `json_ok` with the `ETag` of the resource's `version`.
fn json_tagged(status: StatusCode, body: &impl serde::Serialize, version: i64) -> HttpResponse {
    let mut response = json_ok(status, body);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&crate::etag::etag(version)) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ETAG, value);
    }
    response
}

// The handlers, one module per resource. The credential is checked by
// middleware before any of them runs; then the arguments are extracted in
// their order, which is the order of the remaining checks. `Path<String>` is
// the tenant; `Path<(String, String)>` the tenant and the user or group id.

/// The admin API's 404 for routes it does not have (a problem document).
pub(crate) async fn not_found(req: actix_web::HttpRequest) -> Reply {
    Err(ApiError::not_found(format!(
        "No admin API endpoint at {}",
        req.path()
    )))
}

/// The admin routes, to mount under the admin prefix: each resource's module
/// registers its own.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    let t = "/tenants/{tenant}";
    tenants::routes(cfg, t);
    settings::routes(cfg, t);
    tokens::routes(cfg, t);
    admin_tokens::routes(cfg, t);
    catalogue::routes(cfg, t);
    rules::routes(cfg, t);
    users::routes(cfg, t);
    locks::routes(cfg, t);
    events::routes(cfg, t);
    reports::routes(cfg, t);
    groups::routes(cfg, t);
}
