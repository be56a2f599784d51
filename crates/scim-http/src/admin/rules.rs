//! A tenant's rule set: read (JSON or TOML), replace (at once or as a job),
//! dry run (summary and a page of entries, or the whole list streamed as CSV
//! or NDJSON).

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use provisioning::{
    MAX_PREVIEW_PAGE, PreviewChunk, PreviewPage, Progress, Provisioning, RulesEdit, RulesOutcome,
};
use role_engine::{Change, Effect, Engine, RuleSet};
use serde::Deserialize;

use super::auth::Admin;
use super::body::{RulesBody, bad_request};
use super::{Reply, jobs, json_ok};
use crate::convert::run_blocking;
use crate::csv;
use crate::download::{Format, Step, streamed};
use crate::error::ApiError;
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    format: Option<String>,
    /// A dry run's page: entries of users after this id (the last page's `next`).
    #[serde(default)]
    after: Option<String>,
    /// A dry run's page size.
    #[serde(default)]
    limit: Option<usize>,
    /// Save as a job: answer `202` with its status resource at once.
    #[serde(default, rename = "async")]
    as_job: bool,
}

async fn get_rules(q: Query<RulesQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let rules = admin
        .run(move |p, _| Ok(p.tenant(&slug)?.engine.rules().clone()))
        .await?;
    if q.format.as_deref() == Some("toml") {
        let text = rules
            .to_toml()
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/toml"))
            .body(text));
    }
    Ok(json_ok(StatusCode::OK, &rules))
}

/// The status of a rule save's answer (a dry run always answers 200).
fn outcome_status(outcome: &RulesOutcome) -> StatusCode {
    if outcome.saved || outcome.entries.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// `PUT .../rules[?dry_run=true[&after=..&limit=..|&format=csv|ndjson]][?async=true]`:
/// JSON, or TOML with `Content-Type: application/toml`.
async fn put_rules(
    req: HttpRequest,
    rules: RulesBody,
    q: Query<RulesQuery>,
    format: Format,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (rules, slug, q) = (rules.0, slug.into_inner(), q.into_inner());
    let limit = q.limit.unwrap_or(PreviewPage::default().limit);
    if limit == 0 || limit > MAX_PREVIEW_PAGE {
        return Err(bad_request(format!(
            "limit must be between 1 and {MAX_PREVIEW_PAGE}"
        )));
    }
    if !q.dry_run && (format != Format::Json || q.after.is_some() || q.limit.is_some()) {
        return Err(bad_request(
            "format, after and limit page a dry run's entries: add dry_run=true (a save lists no entries; its role changes are in the event log)",
        ));
    }
    if q.dry_run && q.as_job {
        return Err(bad_request(
            "async applies to saves; a dry run answers at once",
        ));
    }
    if q.dry_run && format != Format::Json {
        return download(admin, slug, rules, format).await;
    }
    if q.as_job {
        let jobs_path = req.path().trim_end_matches("/rules").to_owned();
        return save_as_job(admin, slug, rules, jobs_path).await;
    }
    let edit = if q.dry_run {
        RulesEdit::DryRun(PreviewPage {
            after: q.after,
            limit,
        })
    } else {
        RulesEdit::Save(Progress::default())
    };
    let outcome = admin
        .run(move |p, ctx| p.set_rules(&*p.tenant(&slug)?, ctx, rules, edit))
        .await?;
    let mut response = json_ok(outcome_status(&outcome), &outcome);
    if let Some(version) = outcome.version {
        // The saved rules' entity tag: the tenant row's version.
        response.headers_mut().insert(
            header::ETAG,
            header::HeaderValue::from_str(&scim_proto::render::etag(version))
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
        );
    }
    Ok(response)
}

/// Starts a save as a job; the job's result is what a direct save answers.
async fn save_as_job(admin: Admin, slug: String, rules: RuleSet, jobs_path: String) -> Reply {
    let (p, ctx) = admin.into_parts();
    let request_id = ctx.request_id.clone();
    let lookup = p.clone();
    let tenant = run_blocking(request_id.clone(), move || lookup.tenant(&slug)).await?;
    let progress = Progress::default();
    let edit = RulesEdit::Save(progress.clone());
    let tenant_id = tenant.id.clone();
    let work = async move {
        let outcome =
            run_blocking(request_id, move || p.set_rules(&tenant, &ctx, rules, edit)).await?;
        jobs::Finished::new(outcome.saved, &outcome)
    };
    jobs::start(tenant_id, jobs_path, "rules.save", progress, work)
}

/// The dry run's whole list of entries, streamed a chunk of users at a time.
async fn download(admin: Admin, slug: String, rules: RuleSet, format: Format) -> Reply {
    let (p, ctx) = admin.into_parts();
    let request_id = ctx.request_id.clone();
    let lookup = p.clone();
    let (tenant, new) = run_blocking(request_id.clone(), move || {
        let tenant = lookup.tenant(&slug)?;
        Ok((tenant, Arc::new(Engine::new(rules)?)))
    })
    .await?;
    let (content_type, file_name, first) = match format {
        Format::Csv => (
            "text/csv; charset=utf-8",
            "rules-preview.csv",
            csv::record(CSV_HEADER),
        ),
        _ => (
            "application/x-ndjson",
            "rules-preview.ndjson",
            String::new(),
        ),
    };
    let next = move |(after, index): (Option<String>, usize)| -> provisioning::Result<Step<_>> {
        let PreviewChunk {
            entries,
            read,
            next,
        } = Provisioning::preview_chunk(
            &p,
            &tenant.id,
            &tenant.engine,
            &new,
            after.as_deref(),
            index,
        )?;
        let mut text = String::new();
        for change in &entries {
            match format {
                Format::Csv => text.push_str(&csv_line(change)),
                _ => {
                    text.push_str(&serde_json::to_string(change)?);
                    text.push('\n');
                }
            }
        }
        Ok((text, next.map(|n| (Some(n), index + read))))
    };
    Ok(streamed(
        content_type,
        file_name,
        request_id,
        first,
        (None, 0),
        next,
    ))
}

const CSV_HEADER: [&str; 9] = [
    "user_id",
    "user_name",
    "effect",
    "role_before",
    "role_after",
    "reason_before",
    "reason_after",
    "rules_role_before",
    "rules_role_after",
];

fn csv_line(change: &Change) -> String {
    let (effect, rules_before, rules_after) = match &change.effect {
        Effect::RoleChanges => ("role_changes", "", ""),
        Effect::HeldByLock {
            rules_before,
            rules_after,
        } => (
            "held_by_lock",
            rules_before.role.as_str(),
            rules_after.role.as_str(),
        ),
    };
    let (reason_before, reason_after) = (
        change.before.reason.to_string(),
        change.after.reason.to_string(),
    );
    csv::record([
        change.user_id.as_deref().unwrap_or_default(),
        change.user_name.as_deref().unwrap_or_default(),
        effect,
        &change.before.role,
        &change.after.role,
        &reason_before,
        &reason_after,
        rules_before,
        rules_after,
    ])
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/rules"))
            .route(web::get().to(get_rules))
            .route(web::put().to(put_rules))
            .default_service(web::to(not_allowed("GET, PUT"))),
    );
}
