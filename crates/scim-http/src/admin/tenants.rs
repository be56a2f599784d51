//! Tenants: list, create, read.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use serde::Deserialize;
use serde_json::json;

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

#[derive(Debug, Deserialize)]
struct NewTenantBody {
    slug: String,
    #[serde(default)]
    display_name: String,
}

async fn list_tenants(admin: Admin) -> Reply {
    let tenants = admin.run(|p, _| p.list_tenants()).await?;
    Ok(json_ok(StatusCode::OK, &tenants))
}

async fn create_tenant(body: AdminJson<NewTenantBody>, admin: Admin) -> Reply {
    let body = body.0;
    let created = admin
        .run(move |p, ctx| p.create_tenant(ctx, &body.slug, &body.display_name))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &created))
}

async fn get_tenant(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tenant = admin
        .run(move |p, _| {
            let t = p.tenant(&slug)?;
            Ok(json!({"id": t.id, "slug": t.slug, "display_name": t.display_name, "settings": t.settings}))
        })
        .await?;
    Ok(json_ok(StatusCode::OK, &tenant))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource("/tenants")
            .route(web::get().to(list_tenants))
            .route(web::post().to(create_tenant))
            .default_service(web::to(not_allowed("GET, POST"))),
    );
    cfg.service(
        web::resource(t)
            .route(web::get().to(get_tenant))
            .default_service(web::to(not_allowed("GET"))),
    );
}
