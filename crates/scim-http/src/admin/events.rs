//! A tenant's event log: filtered pages, and the newest event number.

use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path, Query};
use chrono::{DateTime, Utc};
use provisioning::{EventLogPage, EventQuery};
use serde::{Deserialize, Serialize};

use super::auth::Admin;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// The event log's query string; unknown parameters are refused. Its names
/// differ from an event's own fields (`seq`, `after`, ...).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    /// Only events after this number (`next_after_seq` of the previous page;
    /// default 0: from the start).
    #[serde(default)]
    after_seq: i64,
    /// Kinds, comma-separated (e.g. `role.changed,guard.violated`).
    kind: Option<String>,
    /// Only events about this user (id).
    user: Option<String>,
    /// Only events about this group (id).
    group: Option<String>,
    /// Only events at or after this time (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    until: Option<DateTime<Utc>>,
    /// Events per page (default 100, at most 1000; more is a 400).
    limit: Option<u64>,
}

/// The newest event's number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EventHead)]
struct Head {
    /// 0 when the log is empty; pass it as `after_seq` to read only what comes next.
    seq: i64,
}

/// The event log, oldest first, in pages.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/events",
    tag = "events",
    params(("tenant" = String, Path, description = "The tenant's slug."), EventsQuery),
    responses(
        (status = 200, description = "One page; pass `next_after_seq` as `after_seq` for the next (an empty `items` means you are at the head).", body = EventLogPage),
        (status = 400, description = "An unknown parameter, a bad value, or `limit` over the cap.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
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

/// The newest event's number, to start reading from now.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/events/head",
    tag = "events",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The head.", body = Head),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn head(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let seq = admin
        .run(move |p, _| p.event_head(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &Head { seq }))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(format!("{t}/events"), vec![(Method::GET, web::to(events))]);
    r.resource(
        format!("{t}/events/head"),
        vec![(Method::GET, web::to(head))],
    );
}
