//! Configure SCIM: the Tenant URL to give the identity provider, the tenant's
//! SCIM tokens (by prefix, never the secret), generating a new one (the secret
//! is shown once, on the response to the form, and stored nowhere readable),
//! revoking one after a confirmation page, and the connection status
//! (`connection.rs`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use maud::{Markup, html};
use provisioning::TokenInfo;

use super::{CsrfForm, scim_setup_path, see_other, tenant_path};
use crate::error::ConsoleError;
use crate::layout::{self, when, when_or_dash};
use crate::signed_in::SignedIn;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/scim", web::get().to(show))
        .route("/t/{tenant}/scim/tokens", web::post().to(generate))
        .route(
            "/t/{tenant}/scim/tokens/{prefix}/revoke",
            web::get().to(confirm_revoke),
        )
        .route(
            "/t/{tenant}/scim/tokens/{prefix}/revoke",
            web::post().to(revoke),
        );
}

fn revoke_path(slug: &str, prefix: &str) -> String {
    format!("/console/t/{slug}/scim/tokens/{prefix}/revoke")
}

/// A value with a button that copies it (the embedded script wires the button).
fn copyable(id: &str, value: &str) -> Markup {
    html! {
        span.copyable {
            code id=(id) { (value) }
            button type="button" data-copy=(id) { "Copy" }
        }
    }
}

fn status(token: &TokenInfo) -> &'static str {
    if token.revoked_at.is_some() {
        "revoked"
    } else if token.works_at(Utc::now()) {
        "active"
    } else {
        "expired"
    }
}

fn tenant_url_section(signed_in: &SignedIn, slug: &str) -> Markup {
    html! {
        section {
            h2 { "Tenant URL" }
            p { "Give your identity provider this URL and a token below." }
            (copyable("tenant-url", &signed_in.tenant_url(slug)))
        }
    }
}

async fn show(signed_in: SignedIn, path: web::Path<String>) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let (name, tokens, connection) = signed_in
        .run_in_tenant(&slug, |p, tenant, _| {
            let connection = p.connection_status(tenant)?;
            Ok((
                tenant.display_name.clone(),
                p.list_tokens(tenant)?,
                connection,
            ))
        })
        .await?;
    let page = layout::page(
        &signed_in,
        "Configure SCIM",
        html! {
            (layout::tenant_nav(&slug))
            p.crumbs { a href=(tenant_path(&slug)) { (name) } " / Configure SCIM" }
            h1 { "Configure SCIM" }
            (tenant_url_section(&signed_in, &slug))
            (super::connection::section(&connection))
            section {
                h2 { "Tokens" }
                @if tokens.is_empty() {
                    p { "This tenant has no SCIM token." }
                } @else {
                    (layout::scrolling_table("SCIM tokens", html! { table #tokens {
                        thead { tr {
                            th { "Prefix" } th { "Label" } th { "Created" } th { "Last used" }
                            th { "Expires" } th { "Status" } th { span.visually-hidden { "Actions" } }
                        } }
                        tbody {
                            @for token in &tokens {
                                tr {
                                    td { code { (token.prefix) } }
                                    td { (token.label) }
                                    td { (when(token.created)) }
                                    td { (when_or_dash(token.last_used)) }
                                    td { (when_or_dash(token.expires_at)) }
                                    td { (status(token)) }
                                    td {
                                        @if token.revoked_at.is_none() {
                                            a href=(revoke_path(&slug, &token.prefix)) { "Revoke…" }
                                        }
                                    }
                                }
                            }
                        }
                    } }))
                }
                form method="post" action=(format!("{}/tokens", scim_setup_path(&slug))) {
                    input type="hidden" name="csrf" value=(signed_in.csrf());
                    p.hint { "A new token starts working now; the tenant's other working tokens stop after the rotation overlap, so the identity provider can be switched over without a failed sync." }
                    button type="submit" { "Generate new token" }
                }
            }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}

async fn generate(
    signed_in: SignedIn,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    let slug = path.into_inner();
    let issued = signed_in
        .run_in_tenant(&slug, |p, tenant, ctx| p.rotate_token(tenant, ctx, None))
        .await?;
    let page = layout::page(
        &signed_in,
        "New SCIM token",
        html! {
            h1 { "New SCIM token" }
            p.warning role="alert" {
                strong { "Copy this token now. " }
                "It is shown only once: the server keeps only its hash. If you lose it, generate another."
            }
            (copyable("new-token", &issued.secret))
            (tenant_url_section(&signed_in, &slug))
            @if let Some(until) = issued_overlap(&issued.token) {
                p { (until) }
            }
            p { a href=(scim_setup_path(&slug)) { "Done: back to Configure SCIM" } }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}

/// The new token has no expiry; the old ones' end is on the token list.
fn issued_overlap(token: &TokenInfo) -> Option<String> {
    token
        .expires_at
        .map(|at| format!("This token expires at {}.", when(at)))
}

async fn confirm_revoke(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, prefix) = path.into_inner();
    let wanted = prefix.clone();
    let token = signed_in
        .run_in_tenant(&slug, move |p, tenant, _| {
            let tokens = p.list_tokens(tenant)?;
            tokens
                .into_iter()
                .find(|t| t.prefix == wanted)
                .ok_or_else(|| provisioning::Error::NotFound {
                    resource: provisioning::ResourceKind::Token,
                    id: wanted,
                })
        })
        .await?;
    let page = layout::page(
        &signed_in,
        "Revoke token",
        html! {
            h1 { "Revoke token " code { (token.prefix) } "?" }
            p.warning { "The identity provider can no longer sync with this token, at once. This cannot be undone." }
            p { "Last used: " (when_or_dash(token.last_used)) }
            form method="post" action=(revoke_path(&slug, &prefix)) {
                input type="hidden" name="csrf" value=(signed_in.csrf());
                button.danger type="submit" { "Revoke" }
                " "
                a href=(scim_setup_path(&slug)) { "Cancel" }
            }
        },
    );
    Ok(layout::respond(StatusCode::OK, page))
}

async fn revoke(
    signed_in: SignedIn,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    let (slug, prefix) = path.into_inner();
    signed_in
        .run_in_tenant(&slug, move |p, tenant, ctx| {
            p.revoke_token(tenant, ctx, &prefix)
        })
        .await?;
    Ok(see_other(&scim_setup_path(&slug)))
}
