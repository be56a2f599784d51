//! A tenant's admin tokens: list, issue (with a name), revoke.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{AdminTokenInfo, IssuedAdminToken};
use serde::Deserialize;

use super::auth::Admin;
use super::body::AdminJson;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewAdminToken)]
#[serde(deny_unknown_fields)]
struct NewAdminTokenBody {
    /// Who or what will hold it.
    name: String,
}

/// The tenant's admin tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/admin-tokens",
    tag = "admin tokens",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The admin tokens, revoked ones included.", body = Vec<AdminTokenInfo>),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn list_admin_tokens(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tokens = admin
        .run(move |p, _| p.list_admin_tokens(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

/// Issues an admin token for the tenant; its name is recorded in the events
/// of every change made with it.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/admin-tokens",
    tag = "admin tokens",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    request_body = NewAdminTokenBody,
    responses(
        (status = 201, description = "The new token; its secret is shown only here.", body = IssuedAdminToken),
        (status = 400, description = "Malformed body or empty name.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn issue_admin_token(
    admin: Admin,
    slug: Path<String>,
    body: AdminJson<NewAdminTokenBody>,
) -> Reply {
    let (slug, name) = (slug.into_inner(), body.0.name);
    let issued = admin
        .run(move |p, ctx| p.issue_admin_token(&*p.tenant(&slug)?, ctx, &name))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &issued))
}

/// Revokes one admin token at once.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/admin-tokens/{id}",
    tag = "admin tokens",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The admin token's id.")),
    responses(
        (status = 200, description = "Revoked.", body = AdminTokenInfo),
        (status = 404, description = "No such tenant or admin token.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn revoke_admin_token(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let revoked = admin
        .run(move |p, ctx| p.revoke_admin_token(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/admin-tokens"),
        vec![
            (Method::GET, web::to(list_admin_tokens)),
            (Method::POST, web::to(issue_admin_token)),
        ],
    );
    r.resource(
        format!("{t}/admin-tokens/{{id}}"),
        vec![(Method::DELETE, web::to(revoke_admin_token))],
    );
}
