//! A tenant's event log: filtered pages, and the newest event number.

use actix_web::http::StatusCode;
use actix_web::web::{self, Path, Query};
use chrono::{DateTime, Utc};
use provisioning::EventQuery;
use serde::Deserialize;
use serde_json::json;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

/// The event log's query string; unknown parameters are refused. Its names
/// differ from an event's own fields (`seq`, `after`, ...).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    #[serde(default)]
    after_seq: i64,
    /// Kinds, comma-separated.
    kind: Option<String>,
    user: Option<String>,
    group: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: Option<u64>,
}

async fn events(q: Query<EventsQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let query = EventQuery {
        after_seq: q.after_seq,
        kinds: q
            .kind
            .iter()
            .flat_map(|k| k.split(','))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        user: q.user,
        group: q.group,
        since: q.since,
        until: q.until,
        limit: q.limit,
    };
    let page = admin
        .run(move |p, _| p.event_log(&*p.tenant(&slug)?, &query))
        .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

async fn head(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let seq = admin
        .run(move |p, _| p.event_head(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &json!({"seq": seq})))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/events"))
            .route(web::get().to(events))
            .default_service(web::to(not_allowed("GET"))),
    );
    cfg.service(
        web::resource(format!("{t}/events/head"))
            .route(web::get().to(head))
            .default_service(web::to(not_allowed("GET"))),
    );
}
