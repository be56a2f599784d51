//! Long admin operations as jobs: the request that starts one answers `202`
//! with the job's `Location` at once; `GET .../jobs/{id}` tells how far it has
//! got (`done` of `total` users) and, once finished, its result or error.
//!
//! Jobs are threads of this process, so their registry is process-wide (not
//! per actix worker: the status request may reach another worker than the one
//! that started the job) and is lost with the process; a job's effect is one
//! transaction, so a restart leaves it done or not done, never half done.

use std::collections::VecDeque;
use std::sync::{LazyLock, Mutex, PoisonError};

use actix_web::http::{Method, StatusCode, header};
use actix_web::web::{self, Path};
use actix_web::{HttpResponse, rt};
use provisioning::Progress;
use serde::Serialize;
use serde_json::Value;

use super::auth::Admin;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::error::ApiError;
use crate::routing::Routes;

/// Finished jobs kept for their status requests, oldest dropped first.
const KEEP: usize = 256;

static JOBS: LazyLock<Mutex<VecDeque<Job>>> = LazyLock::new(|| Mutex::new(VecDeque::new()));

#[derive(Debug, Clone)]
struct Job {
    id: String,
    tenant_id: String,
    kind: &'static str,
    progress: Progress,
    outcome: Option<Result<Finished, ApiError>>,
}

/// What a job that ran to its end gives: its answer, and whether it did what
/// was asked (a rule save refused by validation ran to its end but failed).
#[derive(Debug, Clone)]
pub struct Finished {
    /// Whether it did what was asked.
    pub succeeded: bool,
    /// Its answer, as the operation run directly would give it.
    pub result: Value,
}

impl Finished {
    /// The answer `result` of a job that did (`succeeded`) or did not do what
    /// was asked.
    pub fn new(succeeded: bool, result: &impl Serialize) -> Result<Finished, ApiError> {
        let result = serde_json::to_value(result).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("job result: {e}"),
            )
        })?;
        Ok(Finished { succeeded, result })
    }
}

/// What `GET .../jobs/{id}` answers (other front ends read it through `job_status`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    /// The job's id.
    pub id: String,
    /// What it does (`rules.save`).
    #[schema(value_type = String)]
    pub kind: &'static str,
    /// `running`, `succeeded` or `failed`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// Users done so far.
    pub done: u64,
    /// Users to do.
    pub total: u64,
    /// Once finished: what the operation answers when run directly (a rule
    /// save's outcome).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Once failed with an error: its status and detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
}

/// Why a job failed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobError {
    /// The HTTP status the operation would have answered.
    pub status: u16,
    /// Its detail.
    pub detail: String,
}

fn jobs() -> std::sync::MutexGuard<'static, VecDeque<Job>> {
    // A panic elsewhere cannot leave the list half-edited: every edit is one push or assignment.
    JOBS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts `work` as a job of the tenant `tenant_id` and answers `202` with its
/// status resource under `jobs_path` (the tenant's admin path).
pub(super) fn start(
    tenant_id: String,
    jobs_path: String,
    kind: &'static str,
    progress: Progress,
    work: impl Future<Output = Result<Finished, ApiError>> + 'static,
) -> Reply {
    let id = spawn_job(tenant_id.clone(), kind, progress.clone(), work);
    let location = format!("{jobs_path}/jobs/{id}");
    let status = status_of(&Job {
        id,
        tenant_id,
        kind,
        progress,
        outcome: None,
    });
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, location))
        .json(status))
}

/// Starts `work` on this worker's runtime as a job of the tenant `tenant_id`,
/// its progress read from `progress`; returns the job's id, for
/// [`job_status`]. The admin API's jobs and other front ends' (the console's
/// rule saves) share one registry.
pub fn spawn_job(
    tenant_id: String,
    kind: &'static str,
    progress: Progress,
    work: impl Future<Output = Result<Finished, ApiError>> + 'static,
) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    {
        let mut jobs = jobs();
        while jobs.len() >= KEEP {
            match jobs.iter().position(|j| j.outcome.is_some()) {
                Some(oldest_finished) => drop(jobs.remove(oldest_finished)),
                None => break,
            }
        }
        jobs.push_back(Job {
            id: id.clone(),
            tenant_id: tenant_id.clone(),
            kind,
            progress: progress.clone(),
            outcome: None,
        });
    }
    let job_id = id.clone();
    rt::spawn(async move {
        let outcome = work.await;
        if let Some(job) = jobs().iter_mut().find(|j| j.id == job_id) {
            job.outcome = Some(outcome);
        }
    });
    id
}

/// The status of the job `id` of the tenant `tenant_id`, while it is kept
/// (in memory, until the server restarts).
pub fn job_status(tenant_id: &str, id: &str) -> Option<JobStatus> {
    jobs()
        .iter()
        .find(|j| j.id == id && j.tenant_id == tenant_id)
        .map(status_of)
}

fn status_of(job: &Job) -> JobStatus {
    let (done, total) = job.progress.get();
    let (status, result, error) = match &job.outcome {
        None => ("running", None, None),
        Some(Ok(Finished { succeeded, result })) => (
            if *succeeded { "succeeded" } else { "failed" },
            Some(result.clone()),
            None,
        ),
        Some(Err(e)) => (
            "failed",
            None,
            Some(JobError {
                status: e.status.as_u16(),
                detail: e.detail.clone(),
            }),
        ),
    };
    JobStatus {
        id: job.id.clone(),
        kind: job.kind,
        status,
        done,
        total,
        result,
        error,
    }
}

/// A job's status: progress, then its result or error. Jobs are kept in
/// memory until the server restarts.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/jobs/{id}",
    tag = "jobs",
    params(
        ("tenant" = String, Path, description = "The tenant's slug."),
        ("id" = String, Path, description = "The job's id (from the `Location` of the 202)."),
    ),
    responses(
        (status = 200, description = "The job's status.", body = JobStatus),
        (status = 404, description = "No such tenant, or no such job in it (or the server restarted since).", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_job(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let tenant_id = admin
        .run(move |p, _| Ok(p.tenant(&slug)?.id.clone()))
        .await?;
    match job_status(&tenant_id, &id) {
        Some(status) => Ok(json_ok(StatusCode::OK, &status)),
        None => Err(ApiError::not_found(format!(
            "No job {id} in this tenant (jobs are kept in memory until the server restarts)."
        ))),
    }
}

/// This resource's routes, under the tenant path `t`.
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/jobs/{{id}}"),
        vec![(Method::GET, web::to(get_job))],
    );
}
