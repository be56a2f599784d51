//! The admin JSON API under `/admin/v1`, protected by the operator token:
//! tenants and tokens, settings, role catalogue, rule set (with dry runs), the
//! sub-accounts list, role locks, explanations, the event log and the
//! disabled-users report (JSON or CSV).

mod auth;
mod body;
mod catalogue;
mod events;
mod groups;
mod jobs;
mod locks;
mod reports;
mod rules;
mod settings;
mod tenants;
mod tokens;
mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

pub(crate) use self::auth::AdminKey;
pub(crate) use self::body::query_config;
use crate::error::ApiError;
use crate::scim::json_with_type;

type Reply = Result<HttpResponse, ApiError>;

fn json_ok(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_with_type(status, "application/json", body)
}

// The handlers, one module per resource. Where there is a body or a query
// string, it is read before the operator token is checked: the order of the
// arguments is the order of the checks. `Path<String>` is the tenant;
// `Path<(String, String)>` the tenant and the user or group id.

/// The admin routes, to mount under the admin prefix: each resource's module
/// registers its own.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    let t = "/tenants/{tenant}";
    tenants::routes(cfg, t);
    settings::routes(cfg, t);
    tokens::routes(cfg, t);
    catalogue::routes(cfg, t);
    rules::routes(cfg, t);
    users::routes(cfg, t);
    locks::routes(cfg, t);
    events::routes(cfg, t);
    reports::routes(cfg, t);
    groups::routes(cfg, t);
    jobs::routes(cfg, t);
}
