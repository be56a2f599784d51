//! Sub-accounts: the list, one user, its explanation.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path, Query};
use provisioning::{SortDirection, SubAccountQuery, SubAccountSort, SubAccountStatus};
use serde::Deserialize;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

/// The sub-accounts list's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    status: Option<SubAccountStatus>,
    locked: Option<bool>,
    #[serde(default)]
    sort: SubAccountSort,
    #[serde(default)]
    order: SortDirection,
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_users(q: Query<UsersQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let query = SubAccountQuery {
        q: q.q,
        role: q.role,
        status: q.status,
        locked: q.locked,
        sort: q.sort,
        direction: q.order,
        cursor: q.cursor,
        limit: q.limit,
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
