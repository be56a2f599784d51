//! The groups the IdP pushed, and group-deletion previews.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path, Query};
use provisioning::GroupPage;
use role_engine::Change;
use serde::{Deserialize, Serialize};

use super::auth::Admin;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// The groups list's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct GroupsQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Groups per page (default 100, at most 1000; more is a 400).
    limit: Option<u64>,
}

/// What deleting a group in the identity provider would do to roles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = GroupDeletionPreview)]
struct DeletionPreview {
    /// The users whose role would change (`user_id`, `user_name`, `before`,
    /// `after`) or that a lock would hold (`effect.kind = held_by_lock`).
    #[schema(value_type = Vec<Object>)]
    changes: Vec<Change>,
}

/// The groups the identity provider pushed, with member counts and the role
/// each maps to.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/groups",
    tag = "groups",
    params(("tenant" = String, Path, description = "The tenant's slug."), GroupsQuery),
    responses(
        (status = 200, description = "One page; `next_cursor` is null on the last.", body = GroupPage),
        (status = 400, description = "An unknown parameter, a bad cursor, or `limit` over the cap.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn list_groups(q: Query<GroupsQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let page = admin
        .run(move |p, _| p.group_list(&*p.tenant(&slug)?, q.cursor.as_deref(), q.limit))
        .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

/// What would happen to roles if the identity provider deleted this group.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/groups/{id}/deletion-preview",
    tag = "groups",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The group's id.")),
    responses(
        (status = 200, description = "The preview.", body = DeletionPreview),
        (status = 404, description = "No such tenant or group.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn group_deletion_preview(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let changes = admin
        .run(move |p, _| p.preview_group_deletion(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &DeletionPreview { changes }))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/groups"),
        vec![(Method::GET, web::to(list_groups))],
    );
    r.resource(
        format!("{t}/groups/{{id}}/deletion-preview"),
        vec![(Method::GET, web::to(group_deletion_preview))],
    );
}
