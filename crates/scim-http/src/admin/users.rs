//! Sub-accounts: the list, one user, its explanation.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path, Query};
use provisioning::{
    SortDirection, SubAccount, SubAccountPage, SubAccountQuery, SubAccountSort, SubAccountStatus,
};
use serde::Deserialize;

use super::auth::Admin;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// The sub-accounts list's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UsersQuery {
    /// Text the userName, displayName, an e-mail or the externalId starts with
    /// (any case).
    q: Option<String>,
    /// Only users with this role.
    role: Option<String>,
    /// Only users in this provisioning state.
    #[param(inline)]
    status: Option<SubAccountStatus>,
    /// Only locked (`true`) or unlocked (`false`) users.
    locked: Option<bool>,
    /// The order of the list.
    #[serde(default)]
    #[param(inline)]
    sort: SubAccountSort,
    /// Ascending or descending.
    #[serde(default)]
    #[param(inline)]
    order: SortDirection,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Users per page (default 100, at most 1000; more is a 400).
    limit: Option<u64>,
}

/// The sub-accounts: search, filters, sorts, cursor pages.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), UsersQuery),
    responses(
        (status = 200, description = "One page; `next_cursor` is null on the last.", body = SubAccountPage),
        (status = 400, description = "An unknown parameter, a bad value or cursor, or `limit` over the cap.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
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

/// One sub-account: role, the reason in words, lock, groups.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{id}",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user.", body = SubAccount),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

/// The full trace of the user's role: every step of the precedence and every
/// rule, with whether it matched and why.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{id}/explain",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The explanation: `decision`, `steps` and `rules` traces.", body = Object),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn explain_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let explanation = admin
        .run(move |p, _| p.explain_user(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &explanation))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/users"),
        vec![(Method::GET, web::to(list_users))],
    );
    r.resource(
        format!("{t}/users/{{id}}"),
        vec![(Method::GET, web::to(get_user))],
    );
    r.resource(
        format!("{t}/users/{{id}}/explain"),
        vec![(Method::GET, web::to(explain_user))],
    );
}
