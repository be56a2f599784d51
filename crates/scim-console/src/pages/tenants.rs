//! The tenant list (every tenant for the operator, its own for a tenant admin)
//! and a tenant's home page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;

use super::{
    activity_path, disabled_report_path, roles_path, scim_setup_path, sub_accounts_path,
    tenant_path,
};
use crate::error::ConsoleError;
use crate::layout::{self, when};
use crate::signed_in::SignedIn;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tenants", web::get().to(list))
        .route("/t/{tenant}", web::get().to(home));
}

async fn list(signed_in: SignedIn) -> Result<HttpResponse, ConsoleError> {
    let mut tenants = signed_in
        .run(provisioning::Provisioning::list_tenants)
        .await?;
    tenants.retain(|t| signed_in.reach().covers(&t.slug));
    let page = layout::page(
        &signed_in,
        "Tenants",
        html! {
            h1 { "Tenants" }
            @if tenants.is_empty() {
                p { "No tenants yet. Create one with " code { "scim-server tenant create" } " or the admin API." }
            } @else {
                (layout::scrolling_table("Tenants", html! { table {
                    thead { tr { th { "Name" } th { "Slug" } th { "Created" } } }
                    tbody {
                        @for tenant in &tenants {
                            tr {
                                td { a href=(tenant_path(&tenant.slug)) { (tenant.display_name) } }
                                td { code { (tenant.slug) } }
                                td { (when(tenant.created)) }
                            }
                        }
                    }
                } }))
            }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}

async fn home(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let name = signed_in
        .run_in_tenant(&slug, |_, tenant, _| Ok(tenant.display_name.clone()))
        .await?;
    let page = layout::page(
        &signed_in,
        &name,
        html! {
            (layout::tenant_nav(&slug))
            h1 { (name) }
            p { "Tenant " code { (slug) } }
            ul.cards {
                li {
                    a href=(scim_setup_path(&slug)) { "Configure SCIM" }
                    " — the Tenant URL and the tokens your identity provider uses."
                }
                li {
                    a href=(sub_accounts_path(&slug)) { "Sub-accounts" }
                    " — the provisioned users, their roles and why."
                }
                li {
                    a href=(roles_path(&slug)) { "Role assignment" }
                    " — the default role, group mappings, attribute rules and their settings, previewed before saving."
                }
                li {
                    a href=(activity_path(&slug)) { "Activity" }
                    " — the event log, newest first: role, activation and group changes, locks, guard violations."
                }
                li {
                    a href=(disabled_report_path(&slug)) { "Disabled users" }
                    " — users the identity provider disabled, since when, and what they still hold (CSV download)."
                }
            }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}
