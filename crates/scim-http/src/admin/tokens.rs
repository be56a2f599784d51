//! A tenant's SCIM bearer tokens: list, rotate, revoke.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};

use super::auth::Admin;
use super::body::Overlap;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

async fn list_tokens(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tokens = admin
        .run(move |p, _| p.list_tokens(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

async fn rotate_token(overlap: Overlap, admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let issued = admin
        .run(move |p, ctx| p.rotate_token(&*p.tenant(&slug)?, ctx, overlap.0))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &issued))
}

async fn revoke_token(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let revoked = admin
        .run(move |p, ctx| p.revoke_token(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/tokens"))
            .route(web::get().to(list_tokens))
            .default_service(web::to(not_allowed("GET"))),
    );
    cfg.service(
        web::resource(format!("{t}/tokens/rotate"))
            .route(web::post().to(rotate_token))
            .default_service(web::to(not_allowed("POST"))),
    );
    cfg.service(
        web::resource(format!("{t}/tokens/{{id}}"))
            .route(web::delete().to(revoke_token))
            .default_service(web::to(not_allowed("DELETE"))),
    );
}
