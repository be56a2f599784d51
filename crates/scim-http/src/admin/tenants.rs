//! Tenants: list, create, read, rename, delete. Creating, renaming and
//! deleting take the operator token; a tenant's admin token lists and reads
//! its own tenant only.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use provisioning::TenantRename;
use serde::Deserialize;
use serde_json::json;

use super::auth::{Admin, Reach};
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
    let reach = admin.reach().clone();
    let mut tenants = admin.run(|p, _| p.list_tenants()).await?;
    if let Reach::Tenant { id, .. } = reach {
        tenants.retain(|t| t.id == id);
    }
    Ok(json_ok(StatusCode::OK, &tenants))
}

async fn create_tenant(admin: Admin, body: AdminJson<NewTenantBody>) -> Reply {
    admin.require_operator()?;
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

/// `PATCH /tenants/{tenant}` with `slug` and/or `display_name`.
async fn rename_tenant(admin: Admin, slug: Path<String>, body: AdminJson<TenantRename>) -> Reply {
    admin.require_operator()?;
    let (slug, rename) = (slug.into_inner(), body.0);
    let renamed = admin
        .run(move |p, ctx| p.rename_tenant(ctx, &slug, &rename))
        .await?;
    Ok(json_ok(StatusCode::OK, &renamed))
}

async fn delete_tenant(admin: Admin, slug: Path<String>) -> Reply {
    admin.require_operator()?;
    let slug = slug.into_inner();
    let deleted = admin.run(move |p, ctx| p.delete_tenant(ctx, &slug)).await?;
    Ok(json_ok(StatusCode::OK, &json!({"deleted": deleted})))
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
            .route(web::patch().to(rename_tenant))
            .route(web::delete().to(delete_tenant))
            .default_service(web::to(not_allowed("GET, PATCH, DELETE"))),
    );
}
