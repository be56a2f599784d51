//! A tenant's role catalogue.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use role_engine::Catalogue;

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

async fn get_catalogue(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let catalogue = admin
        .run(move |p, _| Ok(p.tenant(&slug)?.catalogue.clone()))
        .await?;
    Ok(json_ok(StatusCode::OK, &catalogue))
}

async fn put_catalogue(catalogue: AdminJson<Catalogue>, admin: Admin, slug: Path<String>) -> Reply {
    let (catalogue, slug) = (catalogue.0, slug.into_inner());
    let saved = admin
        .run(move |p, ctx| p.set_catalogue(&*p.tenant(&slug)?, ctx, catalogue))
        .await?;
    Ok(json_ok(StatusCode::OK, &saved))
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
