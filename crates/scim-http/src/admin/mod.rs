//! The admin JSON API under `/admin/v1`, opened by the operator token (every
//! tenant) or a tenant's admin token (that tenant): tenants, SCIM tokens and
//! admin tokens, settings, the connection status, role catalogue, rule set (with dry runs), the
//! sub-accounts list, role locks, explanations, the event log, the
//! disabled-users report (JSON or CSV) and webhook endpoints. Errors are problem documents
//! (`problem.rs`); the OpenAPI document is generated from the handlers
//! (`openapi.rs`) and checked against the routes they register (`crate::routing`).

mod admin_tokens;
mod auth;
mod body;
mod catalogue;
mod connection;
mod events;
mod groups;
pub(crate) mod jobs;
mod locks;
mod openapi;
mod problem;
pub(crate) mod reports;
mod rules;
mod settings;
mod tenants;
mod tokens;
pub(crate) mod users;
mod webhooks;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub(crate) use self::auth::authenticate;
pub use self::auth::{AdminGate, AdminIdentity, Reach};
pub(crate) use self::body::query_config;
pub(crate) use self::problem::problem_documents;
use crate::error::ApiError;
use crate::routing::Routes;
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

/// The admin routes, to mount under the admin prefix.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut Routes::on(cfg));
}

/// Every method and path the admin API serves, relative to its prefix.
pub(crate) fn served_routes() -> Vec<crate::routing::ServedRoute> {
    let mut routes = Routes::noted();
    register(&mut routes);
    routes.served()
}

/// Each resource's module registers its own routes.
fn register(r: &mut Routes<'_>) {
    let t = "/tenants/{tenant}";
    openapi::routes(r);
    tenants::routes(r, t);
    settings::routes(r, t);
    tokens::routes(r, t);
    connection::routes(r, t);
    admin_tokens::routes(r, t);
    catalogue::routes(r, t);
    rules::routes(r, t);
    users::routes(r, t);
    locks::routes(r, t);
    events::routes(r, t);
    reports::routes(r, t);
    groups::routes(r, t);
    jobs::routes(r, t);
    webhooks::routes(r, t);
}
