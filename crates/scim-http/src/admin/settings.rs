//! A tenant's settings.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use provisioning::TenantSettings;

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

async fn put_settings(
    settings: AdminJson<TenantSettings>,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (settings, slug) = (settings.0, slug.into_inner());
    let saved = admin
        .run(move |p, ctx| p.set_settings(&*p.tenant(&slug)?, ctx, settings))
        .await?;
    Ok(json_ok(StatusCode::OK, &saved))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/settings"))
            .route(web::put().to(put_settings))
            .default_service(web::to(not_allowed("PUT"))),
    );
}
