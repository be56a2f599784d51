//! The disabled-users report, as JSON or CSV.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Path, Query};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::auth::Admin;
use super::{Reply, json_ok};
use crate::scim::not_allowed;

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    format: Option<String>,
}

/// Whether the client's `Accept` names CSV.
#[derive(Debug, Clone, Copy)]
struct AcceptsCsv(bool);

impl FromRequest for AcceptsCsv {
    type Error = Infallible;
    type Future = Ready<Result<AcceptsCsv, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AcceptsCsv(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/csv")),
        )))
    }
}

async fn disabled_report(
    q: Query<ReportQuery>,
    accepts_csv: AcceptsCsv,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let wants_csv = q.format.as_deref() == Some("csv") || accepts_csv.0;
    let slug = slug.into_inner();
    let report = admin
        .run(move |p, _| p.disabled_report(&*p.tenant(&slug)?))
        .await?;
    if !wants_csv {
        return Ok(json_ok(StatusCode::OK, &report));
    }
    let mut csv = String::from(
        "id,user_name,display_name,status,disabled_at,holdings,holdings_summary,lock_kept_role\n",
    );
    for row in &report {
        let fields = [
            row.id.clone(),
            row.user_name.clone(),
            row.display_name.clone().unwrap_or_default(),
            row.status.to_owned(),
            provisioning::time_format::format(row.disabled_at),
            row.holdings
                .count
                .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
            row.holdings.summary.clone().unwrap_or_default(),
            row.lock_kept_role.clone().unwrap_or_default(),
        ];
        csv.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"disabled-users.csv\"",
        ))
        .body(csv))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/reports/disabled-users"))
            .route(web::get().to(disabled_report))
            .default_service(web::to(not_allowed("GET"))),
    );
}
