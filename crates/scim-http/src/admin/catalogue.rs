//! A tenant's role catalogue, with its `ETag` (writes honour `If-Match`).

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::part_version;
use role_engine::Catalogue;

use super::auth::Admin;
use super::body::AdminJson;
use super::openapi::ProblemDocument;
use super::{Reply, json_tagged};
use crate::request::IfMatch;
use crate::routing::Routes;

/// The tenant's role catalogue (the built-in `Disabled` is implicit).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/catalogue",
    tag = "catalogue",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The catalogue.", body = Catalogue, headers(("ETag" = String, description = "The resource's version, for `If-Match`."))),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_catalogue(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let (catalogue, version) = admin
        .run(move |p, _| {
            let catalogue = p.tenant(&slug)?.catalogue.clone();
            let version = part_version(&catalogue)?;
            Ok((catalogue, version))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &catalogue, version))
}

/// Replaces the catalogue. Refused while the rules or a lock use a role it
/// leaves out; to change both at once, send the roles with the rules
/// (`PUT .../rules`).
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/catalogue",
    tag = "catalogue",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("If-Match" = Option<String>, Header, description = "The `ETag` the change was based on; 412 when the resource changed since.")),
    request_body = Catalogue,
    responses(
        (status = 200, description = "Saved.", body = Catalogue, headers(("ETag" = String, description = "The resource's version, for `If-Match`."))),
        (status = 400, description = "Malformed body, or a role in use left out.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the catalogue changed since.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn put_catalogue(
    catalogue: AdminJson<Catalogue>,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (catalogue, slug) = (catalogue.0, slug.into_inner());
    let (saved, version) = admin
        .run(move |p, ctx| {
            let saved =
                p.set_catalogue(&*p.tenant(&slug)?, ctx, catalogue, expected.0.as_deref())?;
            let version = part_version(&saved)?;
            Ok((saved, version))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &saved, version))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/catalogue"),
        vec![
            (Method::GET, web::to(get_catalogue)),
            (Method::PUT, web::to(put_catalogue)),
        ],
    );
}
