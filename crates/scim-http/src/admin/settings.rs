//! A tenant's settings: read, replaced (`PUT`) or merged (`PATCH`), with an
//! `ETag` (writes honour `If-Match`).

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{TenantSettings, part_version};
use serde_json::{Map, Value};

use super::auth::Admin;
use super::body::AdminJson;
use super::openapi::ProblemDocument;
use super::{Reply, json_tagged};
use crate::request::IfMatch;
use crate::routing::Routes;

/// The tenant's settings.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/settings",
    tag = "settings",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The settings.", body = TenantSettings, headers(("ETag" = String, description = "The resource's version, for `If-Match`."))),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_settings(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let (settings, version) = admin
        .run(move |p, _| {
            let settings = p.tenant(&slug)?.settings.clone();
            let version = part_version(&settings)?;
            Ok((settings, version))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &settings, version))
}

/// Replaces the settings (fields left out take their defaults).
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/settings",
    tag = "settings",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("If-Match" = Option<String>, Header, description = "The `ETag` the change was based on; 412 when the resource changed since.")),
    request_body = TenantSettings,
    responses(
        (status = 200, description = "Saved.", body = TenantSettings, headers(("ETag" = String, description = "The resource's version, for `If-Match`."))),
        (status = 400, description = "Malformed body, a field unknown or of the wrong type, or settings the rules cannot keep (e.g. a guard on a role no one may hold).", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the settings changed since.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn put_settings(
    settings: AdminJson<TenantSettings>,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (settings, slug) = (settings.0, slug.into_inner());
    let (saved, version) = admin
        .run(move |p, ctx| {
            let saved = p.set_settings(&*p.tenant(&slug)?, ctx, settings, expected.0.as_deref())?;
            Ok((saved.clone(), part_version(&saved)?))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &saved, version))
}

/// `PATCH .../settings`: a JSON object of the fields to change; the others keep
/// their values.
#[utoipa::path(
    patch,
    path = "/tenants/{tenant}/settings",
    tag = "settings",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("If-Match" = Option<String>, Header, description = "The `ETag` the change was based on; 412 when the resource changed since.")),
    request_body(content = Object, description = "The fields to change (a merge patch of `TenantSettings`)."),
    responses(
        (status = 200, description = "Saved; all the settings.", body = TenantSettings, headers(("ETag" = String, description = "The resource's version, for `If-Match`."))),
        (status = 400, description = "Malformed body, a field unknown or of the wrong type, or settings the rules cannot keep (e.g. a guard on a role no one may hold).", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the settings changed since.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn patch_settings(
    patch: AdminJson<Map<String, Value>>,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (patch, slug) = (patch.0, slug.into_inner());
    let (saved, version) = admin
        .run(move |p, ctx| {
            let saved = p.patch_settings(&*p.tenant(&slug)?, ctx, &patch, expected.0.as_deref())?;
            Ok((saved.clone(), part_version(&saved)?))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &saved, version))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/settings"),
        vec![
            (Method::GET, web::to(get_settings)),
            (Method::PUT, web::to(put_settings)),
            (Method::PATCH, web::to(patch_settings)),
        ],
    );
}
