//! A tenant's settings: read, replaced (`PUT`) or merged (`PATCH`), with an
//! `ETag` (writes honour `If-Match`).

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use provisioning::{TenantSettings, part_version};
use serde_json::{Map, Value};

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_tagged};
use crate::request::IfMatch;
use crate::scim::not_allowed;

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
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/settings"))
            .route(web::get().to(get_settings))
            .route(web::put().to(put_settings))
            .route(web::patch().to(patch_settings))
            .default_service(web::to(not_allowed("GET, PUT, PATCH"))),
    );
}
