//! Sub-accounts: the list, one user, its explanation.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path, Query};
use provisioning::SubAccountQuery;
use serde::Deserialize;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct UsersQuery {
    role: Option<String>,
    status: Option<String>,
    locked: Option<bool>,
    #[serde(default)]
    offset: u64,
    count: Option<u64>,
}

async fn list_users(q: Query<UsersQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let query = SubAccountQuery {
        role: q.role,
        status: q.status,
        locked: q.locked,
        offset: q.offset,
        count: q.count.unwrap_or(admin.options().default_page_size),
    };
    let page = admin
        .run(move |p, _| p.sub_accounts(&*p.tenant(&slug)?, &query))
        .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

async fn get_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

async fn explain_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let explanation = admin
        .run(move |p, _| p.explain_user(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &explanation))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/users"))
            .route(web::get().to(list_users))
            .default_service(web::to(not_allowed("GET"))),
    );
    cfg.service(
        web::resource(format!("{t}/users/{{id}}"))
            .route(web::get().to(get_user))
            .default_service(web::to(not_allowed("GET"))),
    );
    cfg.service(
        web::resource(format!("{t}/users/{{id}}/explain"))
            .route(web::get().to(explain_user))
            .default_service(web::to(not_allowed("GET"))),
    );
}
