//! The disabled-users report: JSON a page at a time, or the whole report
//! streamed as CSV or NDJSON.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::web::{self, Path, Query};
use provisioning::{DisabledPage, DisabledUser, MAX_REPORT_PAGE, Provisioning, TenantContext};
use serde::Deserialize;

use super::auth::Admin;
use super::body::bad_request;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::convert::run_blocking;
use crate::csv;
use crate::download::{Format, Step, streamed};
use crate::routing::Routes;

/// Users read per streamed chunk.
const CHUNK: usize = MAX_REPORT_PAGE;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// The previous page's `next` (JSON pages only).
    after: Option<String>,
    /// Users per page (JSON pages only; default 100, at most 1000; more is a 400).
    limit: Option<usize>,
}

/// The users provisioning disabled (deactivated or deleted by the identity
/// provider): JSON a page at a time, or the whole report as a CSV or NDJSON
/// download.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/reports/disabled-users",
    tag = "reports",
    params(
        ("tenant" = String, Path, description = "The tenant's slug."),
        ReportQuery,
        ("format" = Option<String>, Query, description = "`json` (default, paged), `csv` or `ndjson` (the whole report, streamed); without it, `Accept: text/csv` or `application/x-ndjson` chooses."),
    ),
    responses(
        (status = 200, description = "A JSON page (`next` leads to the following one), or the download (`Content-Disposition: attachment`).", content((DisabledPage = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "An unknown format, `limit` out of range, or paging a download.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn disabled_report(
    q: Query<ReportQuery>,
    format: Format,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_REPORT_PAGE {
        return Err(bad_request(format!(
            "limit must be between 1 and {MAX_REPORT_PAGE}"
        )));
    }
    if format == Format::Json {
        let page = admin
            .run(move |p, _| p.disabled_report(&*p.tenant(&slug)?, q.after.as_deref(), limit))
            .await?;
        return Ok(json_ok(actix_web::http::StatusCode::OK, &page));
    }
    if q.after.is_some() || q.limit.is_some() {
        return Err(bad_request(
            "after and limit page the JSON report; a CSV or NDJSON download is the whole report",
        ));
    }
    let (p, ctx) = admin.into_parts();
    let request_id = ctx.request_id.clone();
    let lookup = p.clone();
    let tenant = run_blocking(request_id.clone(), move || lookup.tenant(&slug)).await?;
    Ok(download(p, tenant, request_id, format))
}

/// The whole disabled-users report of `tenant` as the CSV download the admin
/// API gives (`?format=csv`), streamed: for other front ends (the console).
pub fn disabled_users_csv(
    p: Provisioning,
    tenant: Arc<TenantContext>,
    request_id: String,
) -> HttpResponse {
    download(p, tenant, request_id, Format::Csv)
}

/// The report as a streamed CSV or NDJSON download.
fn download(
    p: Provisioning,
    tenant: Arc<TenantContext>,
    request_id: String,
    format: Format,
) -> HttpResponse {
    let next = move |after: Option<String>| -> provisioning::Result<Step<Option<String>>> {
        let DisabledPage { items, next } = p.disabled_report(&tenant, after.as_deref(), CHUNK)?;
        let mut text = String::new();
        for row in &items {
            if format == Format::Csv {
                text.push_str(&csv_line(row));
            } else {
                text.push_str(&serde_json::to_string(row)?);
                text.push('\n');
            }
        }
        Ok((text, next.map(Some)))
    };
    let (content_type, file_name, first) = if format == Format::Csv {
        (
            "text/csv; charset=utf-8",
            "disabled-users.csv",
            csv::record(CSV_HEADER),
        )
    } else {
        (
            "application/x-ndjson",
            "disabled-users.ndjson",
            String::new(),
        )
    };
    streamed(content_type, file_name, request_id, first, None, next)
}

const CSV_HEADER: [&str; 8] = [
    "id",
    "user_name",
    "display_name",
    "status",
    "disabled_at",
    "holdings",
    "holdings_summary",
    "lock_kept_role",
];

fn csv_line(row: &DisabledUser) -> String {
    let disabled_at = provisioning::time_format::format(row.disabled_at);
    let holdings = row
        .holdings
        .count
        .map_or_else(|| "unknown".to_owned(), |c| c.to_string());
    csv::record([
        row.id.as_str(),
        &row.user_name,
        row.display_name.as_deref().unwrap_or_default(),
        row.status,
        &disabled_at,
        &holdings,
        row.holdings.summary.as_deref().unwrap_or_default(),
        row.lock_kept_role.as_deref().unwrap_or_default(),
    ])
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/reports/disabled-users"),
        vec![(Method::GET, web::to(disabled_report))],
    );
}
