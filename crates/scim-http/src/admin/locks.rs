//! Role locks on one user.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path};
use serde::Deserialize;

use super::auth::Admin;
use super::body::OptionalJson;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct LockBody {
    role: Option<String>,
    reason: Option<String>,
}

async fn set_lock(
    body: OptionalJson<LockBody>,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (body, (slug, id)) = (body.0, path.into_inner());
    let user = admin
        .run(move |p, ctx| {
            p.set_lock(
                &*p.tenant(&slug)?,
                ctx,
                &id,
                body.role.as_deref(),
                body.reason.as_deref(),
            )
        })
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

async fn clear_lock(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, ctx| p.clear_lock(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/users/{{id}}/lock"))
            .route(web::put().to(set_lock))
            .route(web::delete().to(clear_lock))
            .default_service(web::to(not_allowed("PUT, DELETE"))),
    );
}
