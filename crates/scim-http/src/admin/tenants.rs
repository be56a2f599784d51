//! Tenants: list, create, read, rename, delete. Creating, renaming and
//! deleting take the operator token; a tenant's admin token lists and reads
//! its own tenant only.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{CreatedTenant, TenantInfo, TenantRename, TenantSettings};
use serde::{Deserialize, Serialize};

use super::auth::{Admin, Reach};
use super::body::AdminJson;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewTenant)]
struct NewTenantBody {
    /// The tenant's URL segment (`/scim/v2/{slug}`).
    slug: String,
    /// A name for people.
    #[serde(default)]
    display_name: String,
}

/// One tenant as `GET /tenants/{tenant}` shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Tenant)]
struct TenantView {
    id: String,
    slug: String,
    display_name: String,
    settings: TenantSettings,
}

/// What `DELETE /tenants/{tenant}` removed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = DeletedTenant)]
struct Deleted {
    deleted: TenantInfo,
}

/// The tenants the credential reaches (the operator token: all).
#[utoipa::path(
    get,
    path = "/tenants",
    tag = "tenants",
    responses((status = 200, description = "The tenants.", body = Vec<TenantInfo>)),
)]
async fn list_tenants(admin: Admin) -> Reply {
    let reach = admin.reach().clone();
    let mut tenants = admin.run(|p, _| p.list_tenants()).await?;
    if let Reach::Tenant { id, .. } = reach {
        tenants.retain(|t| t.id == id);
    }
    Ok(json_ok(StatusCode::OK, &tenants))
}

/// Creates a tenant and its first SCIM token (operator token only).
#[utoipa::path(
    post,
    path = "/tenants",
    tag = "tenants",
    request_body = NewTenantBody,
    responses(
        (status = 201, description = "Created, with its first SCIM token (the secret is shown only here).", body = CreatedTenant),
        (status = 400, description = "Malformed body or slug.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "Not the operator token.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn create_tenant(admin: Admin, body: AdminJson<NewTenantBody>) -> Reply {
    admin.require_operator()?;
    let body = body.0;
    let created = admin
        .run(move |p, ctx| p.create_tenant(ctx, &body.slug, &body.display_name))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &created))
}

/// One tenant.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The tenant.", body = TenantView),
        (status = 404, description = "No such tenant (or out of the credential's reach).", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_tenant(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tenant = admin
        .run(move |p, _| {
            let t = p.tenant(&slug)?;
            Ok(TenantView {
                id: t.id.clone(),
                slug: t.slug.clone(),
                display_name: t.display_name.clone(),
                settings: t.settings.clone(),
            })
        })
        .await?;
    Ok(json_ok(StatusCode::OK, &tenant))
}

/// `PATCH /tenants/{tenant}` with `slug` and/or `display_name` (operator
/// token only). Its tokens keep working at the new URL; the old one answers 404.
#[utoipa::path(
    patch,
    path = "/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    request_body = TenantRename,
    responses(
        (status = 200, description = "Renamed.", body = TenantInfo),
        (status = 400, description = "Malformed body or slug.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 403, description = "Not the operator token.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The new slug is taken.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn rename_tenant(admin: Admin, slug: Path<String>, body: AdminJson<TenantRename>) -> Reply {
    admin.require_operator()?;
    let (slug, rename) = (slug.into_inner(), body.0);
    let renamed = admin
        .run(move |p, ctx| p.rename_tenant(ctx, &slug, &rename))
        .await?;
    Ok(json_ok(StatusCode::OK, &renamed))
}

/// Deletes a tenant and all its data (operator token only).
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}",
    tag = "tenants",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "Deleted.", body = Deleted),
        (status = 403, description = "Not the operator token.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn delete_tenant(admin: Admin, slug: Path<String>) -> Reply {
    admin.require_operator()?;
    let slug = slug.into_inner();
    let deleted = admin.run(move |p, ctx| p.delete_tenant(ctx, &slug)).await?;
    Ok(json_ok(StatusCode::OK, &Deleted { deleted }))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        "/tenants",
        vec![
            (Method::GET, web::to(list_tenants)),
            (Method::POST, web::to(create_tenant)),
        ],
    );
    r.resource(
        t,
        vec![
            (Method::GET, web::to(get_tenant)),
            (Method::PATCH, web::to(rename_tenant)),
            (Method::DELETE, web::to(delete_tenant)),
        ],
    );
}
