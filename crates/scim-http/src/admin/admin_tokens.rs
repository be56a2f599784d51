//! A tenant's admin tokens: list, issue (with a name), revoke.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use serde::Deserialize;

use super::auth::Admin;
use super::body::AdminJson;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAdminTokenBody {
    /// Who or what will hold it.
    name: String,
}

async fn list_admin_tokens(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tokens = admin
        .run(move |p, _| p.list_admin_tokens(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

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

async fn revoke_admin_token(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let revoked = admin
        .run(move |p, ctx| p.revoke_admin_token(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

/// This resource's routes, under the tenant path `t`.
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/admin-tokens"))
            .route(web::get().to(list_admin_tokens))
            .route(web::post().to(issue_admin_token))
            .default_service(web::to(not_allowed("GET, POST"))),
    );
    cfg.service(
        web::resource(format!("{t}/admin-tokens/{{id}}"))
            .route(web::delete().to(revoke_admin_token))
            .default_service(web::to(not_allowed("DELETE"))),
    );
}
