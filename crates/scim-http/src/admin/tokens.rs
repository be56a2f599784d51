//! A tenant's SCIM bearer tokens: list, rotate, revoke.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{IssuedTokenInfo, TokenInfo};

use super::auth::Admin;
use super::body::{Overlap, RotateBody};
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// The tenant's SCIM tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/tokens",
    tag = "tokens",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The tokens, revoked and expired ones included.", body = Vec<TokenInfo>),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn list_tokens(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tokens = admin
        .run(move |p, _| p.list_tokens(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

/// Issues a new SCIM token; the previous ones keep working for the overlap
/// (default 24 hours), then expire.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/tokens/rotate",
    tag = "tokens",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    request_body(content = Option<RotateBody>, description = "Optional."),
    responses(
        (status = 201, description = "The new token; its secret is shown only here.", body = IssuedTokenInfo),
        (status = 400, description = "Malformed body, or `overlap_hours` outside 0..=8760.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn rotate_token(overlap: Overlap, admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let issued = admin
        .run(move |p, ctx| p.rotate_token(&*p.tenant(&slug)?, ctx, overlap.0))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &issued))
}

/// Revokes one SCIM token at once.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/tokens/{id}",
    tag = "tokens",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The token's id.")),
    responses(
        (status = 200, description = "Revoked.", body = TokenInfo),
        (status = 404, description = "No such tenant or token.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn revoke_token(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let revoked = admin
        .run(move |p, ctx| p.revoke_token(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/tokens"),
        vec![(Method::GET, web::to(list_tokens))],
    );
    r.resource(
        format!("{t}/tokens/rotate"),
        vec![(Method::POST, web::to(rotate_token))],
    );
    r.resource(
        format!("{t}/tokens/{{id}}"),
        vec![(Method::DELETE, web::to(revoke_token))],
    );
}
