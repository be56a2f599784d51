//! A tenant's rule set, as one rule file (read as JSON or TOML; replaced at
//! once or as a job; dry run: a summary and a page of entries, or the whole
//! list streamed as CSV or NDJSON) and as resources (one rule: read, create,
//! replace, delete, move). The rule set carries an `ETag`; writes honour
//! `If-Match`; a save with errors answers 422 with a problem document listing
//! them.

use std::sync::Arc;

use actix_web::http::{Method, StatusCode, header};
use actix_web::web::{self, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use provisioning::{
    MAX_PREVIEW_PAGE, PositionedRule, PreviewChunk, PreviewPage, Progress, Provisioning, RuleEdit,
    RuleEditOutcome, RulesEdit, RulesOutcome, RulesRun, part_version,
};
use role_engine::{Change, Effect, Engine, Rule, RuleSet, RuleTests};
use serde::Deserialize;

use super::auth::Admin;
use super::body::{AdminJson, RulesBody, bad_request};
use super::openapi::ProblemDocument;
use super::{Reply, jobs, json_tagged};
use crate::convert::run_blocking;
use crate::csv;
use crate::download::{Format, Step, streamed};
use crate::error::ApiError;
use crate::etag::etag;
use crate::request::IfMatch;
use crate::routing::Routes;

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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EditQuery {
    #[serde(default)]
    dry_run: bool,
    /// Where a created rule goes, counting from 1 (default: the end).
    #[serde(default)]
    position: Option<usize>,
}

/// Where to move a rule.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = RuleMove)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    /// The new position, counting from 1.
    position: usize,
}

/// How an edit runs: a dry run lists the first page of entries.
fn run_of(dry_run: bool) -> RulesRun {
    if dry_run {
        RulesRun::DryRun(PreviewPage::default())
    } else {
        RulesRun::Save(Progress::default())
    }
}

/// The answer to an edit: `done` when saved, 200 for a dry run, and for a
/// save refused by validation a 422 problem document listing the problems.
fn edit_reply(
    outcome: &RulesOutcome,
    body: &impl serde::Serialize,
    dry_run: bool,
    done: StatusCode,
    version: i64,
) -> Reply {
    match (outcome.saved, dry_run) {
        (true, _) => Ok(json_tagged(done, body, version)),
        (false, true) => Ok(json_tagged(StatusCode::OK, body, version)),
        (false, false) => {
            let problems = outcome
                .problems
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            let errors = outcome.problems.iter().filter(|p| p.is_error()).count();
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the rule set has {errors} error(s), listed in problems; nothing was saved \
                     (a dry run shows the problems and the preview together)"
                ),
            )
            .with_problems(problems))
        }
    }
}

/// The rule file of the tenant: the rule set and the catalogue (JSON, or TOML
/// with `?format=toml`), tagged with the rule set's version.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/rules",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("format" = Option<String>, Query, description = "`json` (default) or `toml`.")),
    responses(
        (status = 200, description = "The rule file: rules, the settings that decide roles, and the catalogue as `roles`.", content((RuleTests = "application/json"), (String = "application/toml")), headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        (status = 400, description = "An unknown format.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_rules(q: Query<RulesQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let (file, version) = admin
        .run(move |p, _| {
            let tenant = p.tenant(&slug)?;
            let rules = tenant.engine.rules().clone();
            let version = part_version(&rules)?;
            let file = RuleTests {
                rule_set: rules,
                catalogue: Some(tenant.catalogue.clone()),
                cases: Vec::new(),
            };
            Ok((file, version))
        })
        .await?;
    match q.format.as_deref() {
        Some("toml") => {
            let text = file
                .to_toml()
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CONTENT_TYPE, "application/toml"))
                .insert_header((header::ETAG, etag(version)))
                .body(text))
        }
        None | Some("json") => Ok(json_tagged(StatusCode::OK, &file, version)),
        Some(other) => Err(super::body::bad_request(format!(
            "unknown format '{other}': use json or toml"
        ))),
    }
}

/// One rule, with its position.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/rules/{rule}",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("rule" = String, Path, description = "The rule's id.")),
    responses(
        (status = 200, description = "The rule.", body = PositionedRule, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        (status = 404, description = "No such tenant or rule.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_rule(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let (rule, version) = admin
        .run(move |p, _| {
            let tenant = p.tenant(&slug)?;
            Ok((p.rule(&tenant, &id)?, part_version(tenant.engine.rules())?))
        })
        .await?;
    Ok(json_tagged(StatusCode::OK, &rule, version))
}

/// Runs one rule edit and answers with the edited rule and the outcome.
async fn edit(
    admin: Admin,
    slug: String,
    edit: RuleEdit,
    expected: IfMatch,
    dry_run: bool,
    done: StatusCode,
) -> Reply {
    let (outcome, version) = admin
        .run(move |p, ctx| {
            let outcome =
                p.edit_rule(&*p.tenant(&slug)?, ctx, edit, expected.0, run_of(dry_run))?;
            let version = part_version(p.tenant(&slug)?.engine.rules())?;
            Ok((outcome, version))
        })
        .await?;
    edit_reply(&outcome.outcome, &outcome, dry_run, done, version)
}

/// The problem documents every one-rule edit may answer, stated once for the
/// OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code, reason = "the variants exist for the OpenAPI document")]
enum RuleEditErrors {
    #[response(
        status = 400,
        description = "Malformed body or query, or a position out of range.",
        content_type = "application/problem+json"
    )]
    Malformed(ProblemDocument),
    #[response(
        status = 404,
        description = "No such tenant or rule.",
        content_type = "application/problem+json"
    )]
    NotFound(ProblemDocument),
    #[response(
        status = 409,
        description = "The edit would leave the guarded role without an active holder.",
        content_type = "application/problem+json"
    )]
    Guarded(ProblemDocument),
    #[response(
        status = 412,
        description = "`If-Match` is stale: the rule set changed since.",
        content_type = "application/problem+json"
    )]
    Stale(ProblemDocument),
    #[response(
        status = 422,
        description = "The rules have errors: nothing was saved; `problems` lists them all.",
        content_type = "application/problem+json"
    )]
    Invalid(ProblemDocument),
}

/// `POST .../rules[?position=N][&dry_run=true]`: one new rule.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/rules",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("position" = Option<usize>, Query, description = "Where the rule goes, counting from 1 (default: last)."), ("dry_run" = Option<bool>, Query, description = "Validate and preview only; nothing is saved (always 200)."), ("If-Match" = Option<String>, Header, description = "The rule set's `ETag` the change was based on; 412 when the rule set changed since.")),
    request_body = Rule,
    responses(
        (status = 201, description = "Created: the rule with its id and position, and the outcome.", body = RuleEditOutcome, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        (status = 200, description = "Saved (or, with `dry_run`, previewed): the rule and the outcome.", body = RuleEditOutcome, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        RuleEditErrors,
    ),
)]
async fn create_rule(
    rule: AdminJson<Rule>,
    q: Query<EditQuery>,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let create = RuleEdit::Create {
        rule: rule.0,
        position: q.position,
    };
    edit(
        admin,
        slug.into_inner(),
        create,
        expected,
        q.dry_run,
        StatusCode::CREATED,
    )
    .await
}

/// Replaces one rule in place.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/rules/{rule}",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("rule" = String, Path, description = "The rule's id."), ("dry_run" = Option<bool>, Query, description = "Validate and preview only; nothing is saved (always 200)."), ("If-Match" = Option<String>, Header, description = "The rule set's `ETag` the change was based on; 412 when the rule set changed since.")),
    request_body = Rule,
    responses(
        (status = 200, description = "Saved (or, with `dry_run`, previewed): the rule and the outcome.", body = RuleEditOutcome, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        RuleEditErrors,
    ),
)]
async fn replace_rule(
    rule: AdminJson<Rule>,
    q: Query<EditQuery>,
    expected: IfMatch,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (slug, id) = path.into_inner();
    let replace = RuleEdit::Replace { id, rule: rule.0 };
    edit(admin, slug, replace, expected, q.dry_run, StatusCode::OK).await
}

/// Removes one rule.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/rules/{rule}",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("rule" = String, Path, description = "The rule's id."), ("dry_run" = Option<bool>, Query, description = "Validate and preview only; nothing is saved (always 200)."), ("If-Match" = Option<String>, Header, description = "The rule set's `ETag` the change was based on; 412 when the rule set changed since.")),
    responses(
        (status = 200, description = "Saved (or, with `dry_run`, previewed): the rule and the outcome.", body = RuleEditOutcome, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        RuleEditErrors,
    ),
)]
async fn delete_rule(
    q: Query<EditQuery>,
    expected: IfMatch,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (slug, id) = path.into_inner();
    edit(
        admin,
        slug,
        RuleEdit::Delete { id },
        expected,
        q.dry_run,
        StatusCode::OK,
    )
    .await
}

/// `POST .../rules/{id}/move` with `{"position": N}`.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/rules/{rule}/move",
    tag = "rules",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("rule" = String, Path, description = "The rule's id."), ("dry_run" = Option<bool>, Query, description = "Validate and preview only; nothing is saved (always 200)."), ("If-Match" = Option<String>, Header, description = "The rule set's `ETag` the change was based on; 412 when the rule set changed since.")),
    request_body = MoveBody,
    responses(
        (status = 200, description = "Saved (or, with `dry_run`, previewed): the rule and the outcome.", body = RuleEditOutcome, headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        RuleEditErrors,
    ),
)]
async fn move_rule(
    body: AdminJson<MoveBody>,
    q: Query<EditQuery>,
    expected: IfMatch,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (slug, id) = path.into_inner();
    let position = body.0.position;
    edit(
        admin,
        slug,
        RuleEdit::Move { id, position },
        expected,
        q.dry_run,
        StatusCode::OK,
    )
    .await
}

/// `PUT .../rules[?dry_run=true[&after=..&limit=..|&format=csv|ndjson]][?async=true]`:
/// JSON, or TOML with `Content-Type: application/toml`.
///
/// The body is a rule file: its `roles`, when given, replace the catalogue in
/// the same transaction; its cases must pass.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/rules",
    tag = "rules",
    params(
        ("tenant" = String, Path, description = "The tenant's slug."),
        ("dry_run" = Option<bool>, Query, description = "Validate and preview only; nothing is saved (always 200)."),
        ("format" = Option<String>, Query, description = "A dry run's answer: `json` (default: the summary and one page of entries), or the whole list of entries as a `csv` or `ndjson` download (also chosen by `Accept`)."),
        ("after" = Option<String>, Query, description = "A JSON dry run's page: the previous page's `next`."),
        ("limit" = Option<usize>, Query, description = "A JSON dry run's entries per page (default 100, at most 1000; more is a 400)."),
        ("async" = Option<bool>, Query, description = "Save as a job: answer 202 at once with the job's status resource (`Location`)."),
        ("If-Match" = Option<String>, Header, description = "The rule set's `ETag` the change was based on; 412 when the rule set changed since."),
    ),
    request_body(description = "The rule file, as JSON or as TOML (`[[rule]]`, `[[role]]`, `[[case]]` sections).", content((RuleTests = "application/json"), (String = "application/toml"))),
    responses(
        (status = 200, description = "Saved (`saved: true`, the counts in `summary`), or a dry run's answer: problems, summary and a page of `changes` and `held_by_lock` with `next`; or the whole list as a download.", content((RulesOutcome = "application/json"), (String = "text/csv"), (String = "application/x-ndjson")), headers(("ETag" = String, description = "The rule set's version, for `If-Match`."))),
        (status = 202, description = "The save runs as a job (`async=true`).", body = jobs::JobStatus, headers(("Location" = String, description = "The job's status resource."))),
        (status = 400, description = "A malformed file, a failing case, an unknown parameter or format, or paging without `dry_run`.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The save would leave the guarded role without an active holder.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the rule set changed since.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 422, description = "The rules have errors: nothing was saved; `problems` lists them all.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn put_rules(
    req: HttpRequest,
    body: RulesBody,
    q: Query<RulesQuery>,
    format: Format,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (file, slug, q) = (body.0, slug.into_inner(), q.into_inner());
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
        return download(admin, slug, file.rule_set, format).await;
    }
    let edit = RulesEdit {
        file,
        expected: expected.0,
        settings: None,
    };
    if q.as_job {
        let jobs_path = req.path().trim_end_matches("/rules").to_owned();
        return save_as_job(admin, slug, edit, jobs_path).await;
    }
    let run = if q.dry_run {
        RulesRun::DryRun(PreviewPage {
            after: q.after,
            limit,
        })
    } else {
        RulesRun::Save(Progress::default())
    };
    let (outcome, version) = admin
        .run(move |p, ctx| {
            let outcome = p.set_rules(&*p.tenant(&slug)?, ctx, edit, run)?;
            // A save's answer is tagged with the saved rules, a dry run's
            // with the rules as they are.
            let version = match outcome.version {
                Some(version) => version,
                None => part_version(p.tenant(&slug)?.engine.rules())?,
            };
            Ok((outcome, version))
        })
        .await?;
    edit_reply(&outcome, &outcome, q.dry_run, StatusCode::OK, version)
}

/// Starts a save as a job; the job's result is what a direct save answers.
async fn save_as_job(admin: Admin, slug: String, edit: RulesEdit, jobs_path: String) -> Reply {
    let (p, ctx) = admin.into_parts();
    let request_id = ctx.request_id.clone();
    let lookup = p.clone();
    let tenant = run_blocking(request_id.clone(), move || lookup.tenant(&slug)).await?;
    let progress = Progress::default();
    let run = RulesRun::Save(progress.clone());
    let tenant_id = tenant.id.clone();
    let work = async move {
        let outcome =
            run_blocking(request_id, move || p.set_rules(&tenant, &ctx, edit, run)).await?;
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
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/rules"),
        vec![
            (Method::GET, web::to(get_rules)),
            (Method::PUT, web::to(put_rules)),
            (Method::POST, web::to(create_rule)),
        ],
    );
    r.resource(
        format!("{t}/rules/{{rule}}"),
        vec![
            (Method::GET, web::to(get_rule)),
            (Method::PUT, web::to(replace_rule)),
            (Method::DELETE, web::to(delete_rule)),
        ],
    );
    r.resource(
        format!("{t}/rules/{{rule}}/move"),
        vec![(Method::POST, web::to(move_rule))],
    );
}
