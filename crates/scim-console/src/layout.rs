//! The page shell every console page shares: head (the embedded stylesheet and
//! script), header with who is signed in and the sign-out form, main content.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use maud::{DOCTYPE, Markup, html};

use crate::assets::{SCRIPT_PATH, STYLESHEET_PATH};
use crate::pages::SIGN_OUT_PATH;
use crate::signed_in::SignedIn;

/// An HTML response.
pub(crate) fn respond(status: StatusCode, page: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .body(page.into_string())
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · SCIM console" }
            link rel="stylesheet" href=(STYLESHEET_PATH);
            script src=(SCRIPT_PATH) defer {}
        }
    }
}

/// A page for someone not signed in (sign-in, errors): no navigation.
pub(crate) fn bare_page(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.bar { span.brand { "SCIM console" } }
                main { (content) }
            }
        }
    }
}

/// A page for a signed-in user: says who they are, offers sign-out.
pub(crate) fn page(signed_in: &SignedIn, title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header.bar {
                    a.brand href=(crate::pages::HOME_PATH) { "SCIM console" }
                    span.who { "Signed in as " strong { (signed_in.display_name()) } }
                    form method="post" action=(SIGN_OUT_PATH) {
                        input type="hidden" name="csrf" value=(signed_in.csrf());
                        button type="submit" { "Sign out" }
                    }
                }
                main { (content) }
            }
        }
    }
}

/// The links between a tenant's pages, shown at the top of each.
pub(crate) fn tenant_nav(slug: &str) -> Markup {
    let links = [
        (crate::pages::tenant_path(slug), "Home"),
        (crate::pages::scim_setup_path(slug), "Configure SCIM"),
        (crate::pages::sub_accounts_path(slug), "Sub-accounts"),
        (crate::pages::roles_path(slug), "Role assignment"),
        (crate::pages::activity_path(slug), "Activity"),
        (crate::pages::disabled_report_path(slug), "Disabled users"),
    ];
    html! {
        nav.tenant aria-label="Tenant pages" {
            ul { @for (href, text) in &links { li { a href=(href) { (text) } } } }
        }
    }
}

/// A table that scrolls sideways inside its own box when the screen is
/// narrower than the table, so the page itself never does. The box is a named
/// region that takes keyboard focus: it can be scrolled without a mouse.
pub(crate) fn scrolling_table(label: &str, table: Markup) -> Markup {
    html! {
        div.table-scroll role="region" aria-label=(label) tabindex="0" { (table) }
    }
}

/// A time as the console shows it (UTC, to the minute).
pub(crate) fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An optional time, or a dash.
pub(crate) fn when_or_dash(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), when)
}
