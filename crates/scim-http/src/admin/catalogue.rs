//! A tenant's role catalogue, with its `ETag` (writes honour `If-Match`).

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use provisioning::part_version;
use role_engine::Catalogue;

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_tagged};
use crate::request::IfMatch;
use crate::scim::not_allowed;

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
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/catalogue"))
            .route(web::get().to(get_catalogue))
            .route(web::put().to(put_catalogue))
            .default_service(web::to(not_allowed("GET, PUT"))),
    );
}
