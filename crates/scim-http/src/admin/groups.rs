//! The groups the IdP pushed, and group-deletion previews.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path, Query};
use serde::Deserialize;
use serde_json::json;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

/// The groups list's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupsQuery {
    cursor: Option<String>,
    limit: Option<u64>,
}

async fn list_groups(q: Query<GroupsQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let page = admin
        .run(move |p, _| p.group_list(&*p.tenant(&slug)?, q.cursor.as_deref(), q.limit))
        .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

async fn group_deletion_preview(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let changes = admin
        .run(move |p, _| p.preview_group_deletion(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &json!({"changes": changes})))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/groups"))
            .route(web::get().to(list_groups))
            .default_service(web::to(not_allowed("GET"))),
    );
    cfg.service(
        web::resource(format!("{t}/groups/{{id}}/deletion-preview"))
            .route(web::get().to(group_deletion_preview))
            .default_service(web::to(not_allowed("GET"))),
    );
}
