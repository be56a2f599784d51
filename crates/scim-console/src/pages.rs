//! The console's pages, one module per page family, and the paths between them.

mod activity;
mod connection;
mod disabled_report;
mod event_list;
mod role_assignment;
mod scim_setup;
mod sign_in;
mod sub_accounts;
mod tenants;
mod user_page;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::html;
use scim_http::AdminReach;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Deserializer};

use crate::error::ConsoleError;
use crate::layout;
use crate::signed_in::SignedIn;

/// The console's landing path.
pub(crate) const HOME_PATH: &str = "/console";
/// The sign-in page.
pub(crate) const SIGN_IN_PATH: &str = "/console/sign-in";
/// Where the sign-out form posts.
pub(crate) const SIGN_OUT_PATH: &str = "/console/sign-out";
/// The operator's tenant list.
pub(crate) const TENANTS_PATH: &str = "/console/tenants";

/// A tenant's home page.
pub(crate) fn tenant_path(slug: &str) -> String {
    format!("/console/t/{slug}")
}

/// A tenant's Configure SCIM page.
pub(crate) fn scim_setup_path(slug: &str) -> String {
    format!("/console/t/{slug}/scim")
}

/// A tenant's sub-accounts list.
pub(crate) fn sub_accounts_path(slug: &str) -> String {
    format!("/console/t/{slug}/users")
}

pub(crate) use role_assignment::roles_path;

/// A user's page.
pub(crate) fn user_path(slug: &str, user_id: &str) -> String {
    format!("/console/t/{slug}/users/{user_id}")
}

/// A tenant's Activity page (the event log, newest first).
pub(crate) fn activity_path(slug: &str) -> String {
    format!("/console/t/{slug}/activity")
}

/// A tenant's disabled-users report.
pub(crate) fn disabled_report_path(slug: &str) -> String {
    format!("/console/t/{slug}/reports/disabled-users")
}

/// A form that only carries the CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// An empty (or blank) form field as no value; anything else as `T` (a
/// browser sends every field of a GET form, unset ones empty).
pub(crate) fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<String>::deserialize(deserializer)? {
        Some(raw) if !raw.trim().is_empty() => {
            T::deserialize(raw.trim().into_deserializer()).map(Some)
        }
        _ => Ok(None),
    }
}

pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home));
    sign_in::routes(cfg);
    tenants::routes(cfg);
    scim_setup::routes(cfg);
    sub_accounts::routes(cfg);
    role_assignment::routes(cfg);
    user_page::routes(cfg);
    activity::routes(cfg);
    disabled_report::routes(cfg);
}

/// A 303 to `location` (after a form post, or to the page that applies).
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `/console`: the operator's tenant list, or a tenant admin's tenant.
async fn home(signed_in: SignedIn) -> HttpResponse {
    match signed_in.reach() {
        AdminReach::AllTenants => see_other(TENANTS_PATH),
        AdminReach::Tenant { slug, .. } => see_other(&tenant_path(slug)),
    }
}

/// Any other console path: signed-out browsers go to sign-in (so that the
/// answer says nothing about which paths exist), signed-in ones get a 404.
pub(crate) async fn not_found(signed_in: SignedIn) -> Result<HttpResponse, ConsoleError> {
    Ok(layout::respond(
        StatusCode::NOT_FOUND,
        layout::page(
            &signed_in,
            "Not found",
            html! {
                h1 { "Not found" }
                p { "There is no console page here." }
            },
        ),
    ))
}
