//! Role assignment: the page (`page.rs`), an edit as its forms send it and run
//! through the rule-set use cases (`edit.rs`), the preview every edit goes
//! through before it is saved (`preview.rs`), the save running as a job with
//! its progress page (`saving.rs`), and the filter check the page's script
//! calls while a filter is typed.
//!
//! Every edit is made on the rule-set version the page showed: a preview or a
//! save of an edit whose rules someone else changed since is refused with the
//! current state, never applied over it.

mod edit;
mod page;
mod preview;
mod saving;

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use provisioning::{Problem, ProblemKind};
use serde::Deserialize;

use self::edit::{Attempt, EditForm, Run};
use self::page::{Assignment, Notice, Rejection};
use super::see_other;
use crate::error::ConsoleError;
use crate::layout;
use crate::signed_in::SignedIn;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/t/{tenant}/roles", web::get().to(show))
        .route("/t/{tenant}/roles/preview", web::post().to(preview))
        .route("/t/{tenant}/roles/save", web::post().to(save))
        .route("/t/{tenant}/roles/saves/{job}", web::get().to(saving::show))
        .route(
            "/t/{tenant}/roles/check-filter",
            web::get().to(check_filter),
        );
}

/// The page.
pub(crate) fn roles_path(slug: &str) -> String {
    format!("/console/t/{slug}/roles")
}

fn preview_path(slug: &str) -> String {
    format!("/console/t/{slug}/roles/preview")
}

fn save_path(slug: &str) -> String {
    format!("/console/t/{slug}/roles/save")
}

fn check_filter_path(slug: &str) -> String {
    format!("/console/t/{slug}/roles/check-filter")
}

/// The page's query: set by the redirect after a save.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shown {
    /// How many users the saved edit moved.
    saved: Option<u64>,
}

fn page_response(
    signed_in: &SignedIn,
    slug: &str,
    status: StatusCode,
    a: &Assignment,
    notice: Option<Notice>,
    rejected: Option<&Rejection>,
) -> HttpResponse {
    layout::respond(
        status,
        layout::page(
            signed_in,
            "Role assignment",
            page::render(signed_in, slug, a, notice, rejected),
        ),
    )
}

async fn show(
    signed_in: SignedIn,
    path: web::Path<String>,
    shown: web::Query<Shown>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let a = signed_in
        .run_in_tenant(&slug, |p, tenant, _| Assignment::load(p, tenant))
        .await?;
    let notice = shown.saved.map(Notice::Saved);
    Ok(page_response(
        &signed_in,
        &slug,
        StatusCode::OK,
        &a,
        notice,
        None,
    ))
}

/// Runs the submitted edit, with the page's state as it was when the edit
/// came in, in one blocking hop.
async fn attempt(
    signed_in: &SignedIn,
    slug: &str,
    form: &EditForm,
    run: Run,
) -> Result<(Attempt, Assignment), ConsoleError> {
    signed_in.check_csrf(&form.csrf)?;
    let (edit, version) = (form.edit.clone(), form.version);
    signed_in
        .run_in_tenant(slug, move |p, tenant, ctx| {
            // Read before the edit runs: a refusal shows this state, a save
            // redirects to the page, which reads it again.
            let state = Assignment::load(p, tenant)?;
            let attempt = edit.run(p, tenant, ctx, version, run)?;
            Ok((attempt, state))
        })
        .await
}

/// The page again, saying why the edit was not made.
fn refused(
    signed_in: &SignedIn,
    slug: &str,
    form: EditForm,
    attempt: Attempt,
    a: &Assignment,
) -> HttpResponse {
    let rejection = match attempt {
        Attempt::Stale => None,
        Attempt::Refused(message) => Some(Rejection {
            edit: form.edit,
            problems: vec![html! { (message) }],
        }),
        Attempt::Ran(outcome) => Some(Rejection::of_problems(form.edit, &outcome.problems)),
    };
    let (status, notice) = match rejection {
        None => (StatusCode::CONFLICT, Some(Notice::Stale)),
        Some(_) => (StatusCode::UNPROCESSABLE_ENTITY, None),
    };
    page_response(signed_in, slug, status, a, notice, rejection.as_ref())
}

async fn preview(
    signed_in: SignedIn,
    path: web::Path<String>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let form = form.into_inner();
    let (attempt, a) = attempt(
        &signed_in,
        &slug,
        &form,
        Run::DryRun {
            listed: preview::LISTED,
        },
    )
    .await?;
    match attempt {
        Attempt::Ran(outcome) if !outcome.problems.iter().any(Problem::is_error) => {
            let body = preview::render(&signed_in, &slug, &a, &form.edit, form.version, &outcome);
            Ok(layout::respond(
                StatusCode::OK,
                layout::page(&signed_in, "Preview", body),
            ))
        }
        other => Ok(refused(&signed_in, &slug, form, other, &a)),
    }
}

/// Checks the edit at once (a stale or senseless one is refused on the page,
/// as a preview is), then saves it as a job. A save that ends within the
/// console's save wait answers as before: the page with the count of users
/// moved, or the problems next to their field; a longer one (a large tenant)
/// sends the browser to the job's page, which shows how many users have been
/// decided so far.
async fn save(
    req: HttpRequest,
    signed_in: SignedIn,
    path: web::Path<String>,
    form: web::Form<EditForm>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let form = form.into_inner();
    signed_in.check_csrf(&form.csrf)?;
    let (edit, version) = (form.edit.clone(), form.version);
    let checked = signed_in
        .run_in_tenant(&slug, move |p, tenant, ctx| {
            Ok(match edit.prepare(tenant, version)? {
                Ok(prepared) => Ok((prepared, tenant.id.clone(), ctx.clone())),
                // Refused before anything ran: the page as it stands now.
                Err(attempt) => Err((attempt, Assignment::load(p, tenant)?)),
            })
        })
        .await?;
    let (prepared, tenant_id, ctx) = match checked {
        Ok(ready) => ready,
        Err((attempt, a)) => return Ok(refused(&signed_in, &slug, form, attempt, &a)),
    };
    let wait = crate::signed_in::console(&req)?.save_wait();
    let (id, ended) = saving::start(&signed_in, &slug, tenant_id, ctx, prepared);
    if wait.is_zero() {
        return Ok(see_other(&saving::path(&slug, &id)));
    }
    let attempt = match actix_web::rt::time::timeout(wait, ended).await {
        Ok(Ok(ended)) => ended?,
        // Still running (or its answer lost): the progress page follows it.
        Ok(Err(_)) | Err(_) => return Ok(see_other(&saving::path(&slug, &id))),
    };
    match attempt {
        Attempt::Ran(outcome) if outcome.saved => Ok(see_other(&format!(
            "{}?saved={}",
            roles_path(&slug),
            outcome.summary.changed
        ))),
        other => {
            let a = signed_in
                .run_in_tenant(&slug, |p, tenant, _| Assignment::load(p, tenant))
                .await?;
            Ok(refused(&signed_in, &slug, form, other, &a))
        }
    }
}

/// The filter being typed.
#[derive(Debug, Deserialize)]
struct FilterQuery {
    filter: String,
}

/// What is wrong with a filter, as the HTML shown next to the field (empty
/// when nothing is): the same words the page shows after a submit.
async fn check_filter(
    signed_in: SignedIn,
    path: web::Path<String>,
    query: web::Query<FilterQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let slug = path.into_inner();
    let filter = query.into_inner().filter;
    let problem = signed_in
        .run_in_tenant(&slug, move |_, _, _| {
            Ok(provisioning::rule_filter_problem(&filter))
        })
        .await?;
    let fragment = match problem.map(|p| p.kind) {
        Some(ProblemKind::InvalidFilter {
            filter,
            position,
            message,
        }) if !filter.trim().is_empty() => {
            html! { p { (page::filter_problem(&filter, position, &message)) } }
        }
        // An empty field is not an error while it is being typed.
        _ => html! {},
    };
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(fragment.into_string()))
}
