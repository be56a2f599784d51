//! A tenant's event log.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path, Query};
use serde::Deserialize;
use serde_json::json;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u64>,
}

async fn events(q: Query<EventsQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let limit = q.limit.unwrap_or(100);
    let events = admin
        .run(move |p, _| p.events(&*p.tenant(&slug)?, q.after, limit))
        .await?;
    let next = events.last().map_or(q.after, |e| e.seq);
    Ok(json_ok(
        StatusCode::OK,
        &json!({"events": events, "next_after": next}),
    ))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/events"))
            .route(web::get().to(events))
            .default_service(web::to(not_allowed("GET"))),
    );
}
