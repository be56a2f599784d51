//! The groups the IdP pushed, and group-deletion previews.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path, Query};
use provisioning::{GroupDeletionPreview, GroupPage, MAX_PREVIEW_PAGE, PreviewPage};
use serde::Deserialize;

use super::auth::Admin;
use super::body::bad_request;
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

/// The deletion preview's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeletionPreviewQuery {
    /// Entries of users after this id: the previous page's `next`.
    after: Option<String>,
    /// Entries per page (default 100, at most 1000; more is a 400).
    limit: Option<usize>,
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

/// What would happen to roles if the identity provider deleted this group:
/// the counts over all its members and a page of the users concerned.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/groups/{id}/deletion-preview",
    tag = "groups",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The group's id."), DeletionPreviewQuery),
    responses(
        (status = 200, description = "The counts and one page of entries; `next` is null on the last.", body = GroupDeletionPreview),
        (status = 400, description = "An unknown parameter or `limit` out of range.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant or group.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn group_deletion_preview(
    q: Query<DeletionPreviewQuery>,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let ((slug, id), q) = (path.into_inner(), q.into_inner());
    let limit = q.limit.unwrap_or(PreviewPage::default().limit);
    if limit == 0 || limit > MAX_PREVIEW_PAGE {
        return Err(bad_request(format!(
            "limit must be between 1 and {MAX_PREVIEW_PAGE}"
        )));
    }
    let page = PreviewPage {
        after: q.after,
        limit,
    };
    let preview = admin
        .run(move |p, _| p.preview_group_deletion(&*p.tenant(&slug)?, &id, &page))
        .await?;
    Ok(json_ok(StatusCode::OK, &preview))
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
