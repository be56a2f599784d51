//! A rule save running as a job (the admin API's job registry, shared): its
//! page shows how many users have been decided so far and is loaded again
//! every second by the console's script (or by its "Check again" link) until
//! the save ends; then it sends the browser to the Role assignment page with
//! the count of users whose role changed, or says why nothing was saved.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web;
use maud::html;
use provisioning::{Progress, RequestContext};
use scim_http::{ApiError, JobFinished, JobStatus};
use tokio::sync::oneshot;

use super::edit::{Attempt, Prepared, Run};
use super::roles_path;
use crate::error::ConsoleError;
use crate::layout;
use crate::pages::see_other;
use crate::signed_in::SignedIn;

/// The page of save `id`.
pub(super) fn path(slug: &str, id: &str) -> String {
    format!("/console/t/{slug}/roles/saves/{id}")
}

/// What a save came to, for the request that waits for it.
pub(super) type Ended = oneshot::Receiver<Result<Attempt, ApiError>>;

/// Starts saving `prepared` as a job of the tenant; returns the job's id, and
/// what the save came to once it ends (for the request, if still waiting).
pub(super) fn start(
    signed_in: &SignedIn,
    slug: &str,
    tenant_id: String,
    ctx: RequestContext,
    prepared: Prepared,
) -> (String, Ended) {
    let progress = Progress::default();
    let run = Run::Save(progress.clone());
    let p = signed_in.provisioning().clone();
    let (request_id, slug) = (signed_in.request_id().to_owned(), slug.to_owned());
    let (ended, waiting) = oneshot::channel();
    let work = async move {
        let attempt = scim_http::run_blocking(request_id, move || {
            let tenant = p.tenant(&slug)?;
            prepared.run(&p, &tenant, &ctx, run)
        })
        .await;
        // The request may have stopped waiting: then only the job page reads it.
        let _ = ended.send(attempt.clone());
        match attempt? {
            Attempt::Ran(outcome) => JobFinished::new(outcome.saved, &outcome),
            Attempt::Stale => Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "Someone else saved the role assignment while this save ran: nothing was \
                 saved. Open the page again to see their change.",
            )),
            Attempt::Refused(message) => {
                Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message))
            }
        }
    };
    let id = scim_http::spawn_job(tenant_id, "rules.save", progress, work);
    (id, waiting)
}

/// The save's page: its progress, or where it ended.
pub(super) async fn show(
    signed_in: SignedIn,
    ids: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (slug, id) = ids.into_inner();
    let tenant_id = signed_in
        .run_in_tenant(&slug, |_, tenant, _| Ok(tenant.id.clone()))
        .await?;
    let Some(job) = scim_http::job_status(&tenant_id, &id) else {
        return Err(ConsoleError::Api(ApiError::not_found(
            "No such save: saves are remembered until the server restarts.",
        )));
    };
    if job.status == "succeeded" {
        let changed = job
            .result
            .as_ref()
            .map_or(0, |r| r["summary"]["changed"].as_u64().unwrap_or_default());
        return Ok(see_other(&format!("{}?saved={changed}", roles_path(&slug))));
    }
    let running = job.status == "running";
    let body = html! {
        (layout::tenant_nav(&slug))
        h1 { "Saving the role assignment" }
        @if running {
            div #saving data-reload-after="1000" {
                p {
                    label for="save-progress" { "Users decided" }
                    " "
                    progress #save-progress value=(job.done) max=(job.total.max(1)) {
                        (job.done) " of " (job.total)
                    }
                }
                p role="status" { (job.done) " of " (job.total) " users decided. "
                    "The new rules apply once every user is decided; until then nothing has changed." }
                p { a href=(path(&slug, &id)) { "Check again" } }
            }
        } @else {
            div #save-failed role="alert" {
                p { "Nothing was saved." }
                @for reason in reasons(&job) { p.problem { (reason) } }
            }
            p { a href=(roles_path(&slug)) { "Back to Role assignment" } }
        }
    };
    let status = if running {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok(layout::respond(
        status,
        layout::page(&signed_in, "Saving the role assignment", body),
    ))
}

/// Why a save ended without saving, in words: the error, or the problems
/// the rules had on this tenant's users.
fn reasons(job: &JobStatus) -> Vec<String> {
    if let Some(error) = &job.error {
        return vec![error.detail.clone()];
    }
    job.result
        .as_ref()
        .and_then(|r| r["problems"].as_array())
        .map(|problems| {
            problems
                .iter()
                .filter(|p| p["severity"] == "error")
                .filter_map(|p| p["summary"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {

    use serde_json::Value;

    use super::*;

    #[test]
    fn reasons_are_the_error_or_the_errors_among_the_problems() {
        let job = |result: Option<Value>, error: Option<&str>| JobStatus {
            id: "j".into(),
            kind: "rules.save",
            status: "failed",
            done: 3,
            total: 3,
            result,
            error: error.map(|detail| scim_http::JobError {
                status: 412,
                detail: detail.into(),
            }),
        };
        assert_eq!(reasons(&job(None, Some("stale"))), ["stale"]);
        let problems = serde_json::json!({"problems": [
            {"severity": "warning", "summary": "a warning"},
            {"severity": "error", "summary": "no user holds Admin"}
        ]});
        assert_eq!(reasons(&job(Some(problems), None)), ["no user holds Admin"]);
    }
}
