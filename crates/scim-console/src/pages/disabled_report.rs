//! The disabled-users report: users provisioning disabled (deactivated or
//! deleted by the identity provider), since when, and what the host
//! application says they still hold, a page at a time; and the whole report as
//! the admin API's own CSV download, streamed by `scim_http`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::{blank_as_none, disabled_report_path, tenant_path, user_path};
use crate::error::ConsoleError;
use crate::layout::{self, tenant_nav, when};
use crate::signed_in::SignedIn;

/// Users per page.
const REPORT_PAGE: usize = 50;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/reports/disabled-users", web::get().to(show))
        .route(
            "/t/{tenant}/reports/disabled-users.csv",
            web::get().to(download),
        );
}

fn csv_path(slug: &str) -> String {
    format!("{}.csv", disabled_report_path(slug))
}

/// The report's paging parameter.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Paging {
    #[serde(default, deserialize_with = "blank_as_none")]
    after: Option<String>,
}

async fn show(
    signed_in: SignedIn,
    path: web::Path<String>,
    paging: web::Query<Paging>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let after = paging.into_inner().after;
    let (name, page) = signed_in
        .run_in_tenant(&slug, move |p, tenant, _| {
            Ok((
                tenant.display_name.clone(),
                p.disabled_report(tenant, after.as_deref(), REPORT_PAGE)?,
            ))
        })
        .await?;
    let body = html! {
        (tenant_nav(&slug))
        p.crumbs { a href=(tenant_path(&slug)) { (name) } " / Disabled users" }
        h1 { "Disabled users" }
        p.hint { "Users the identity provider deactivated or deleted, since when, and what they still hold in the application." }
        p { a #download-csv href=(csv_path(&slug)) download="disabled-users.csv" { "Download CSV" } " (the whole report)" }
        @if page.items.is_empty() {
            p #no-disabled { "No user is disabled." }
        } @else {
            (layout::scrolling_table("Disabled users", html! {
                table #disabled {
                    thead { tr {
                        th scope="col" { "User name" } th scope="col" { "Display name" } th scope="col" { "Status" }
                        th scope="col" { "Disabled since" } th scope="col" { "Holdings" } th scope="col" { "Still in role" }
                    } }
                    tbody {
                        @for user in &page.items {
                            tr {
                                td { a href=(user_path(&slug, &user.id)) { (user.user_name) } }
                                td { (user.display_name.as_deref().unwrap_or("—")) }
                                td { (user.status) }
                                td { (when(user.disabled_at)) }
                                td {
                                    @match user.holdings.count { Some(count) => (count), None => "unknown" }
                                    @if let Some(summary) = &user.holdings.summary { " (" (summary) ")" }
                                }
                                td { (user.lock_kept_role.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }))
        }
        @if let Some(after) = &page.next {
            form method="get" action=(disabled_report_path(&slug)) {
                input type="hidden" name="after" value=(after);
                button type="submit" { "Next page" }
            }
        }
    };
    Ok(layout::respond(
        StatusCode::OK,
        layout::page(&signed_in, "Disabled users", body),
    ))
}

/// The whole report as CSV: the admin API's download, streamed chunk by chunk.
async fn download(
    signed_in: SignedIn,
    path: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let tenant = signed_in.tenant(&slug).await?;
    Ok(scim_http::disabled_users_csv(
        signed_in.provisioning().clone(),
        tenant,
        signed_in.request_id().to_owned(),
    ))
}
