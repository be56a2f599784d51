//! A tenant's connection status: its identity provider's latest request and
//! error, and requests per hour over the last seven days.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::ConnectionStatus;

use super::auth::Admin;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// The tenant's connection status. Includes this server process's requests up
/// to now; other processes' arrive within seconds.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/connection",
    tag = "connection",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The connection status.", body = ConnectionStatus),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_connection(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let status = admin
        .run(move |p, _| p.connection_status(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &status))
}

/// This resource's routes, under the tenant path `t`.
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/connection"),
        vec![(Method::GET, web::to(get_connection))],
    );
}
