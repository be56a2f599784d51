//! A tenant's rule set, as one rule file (read as JSON or TOML, replaced, dry
//! run) and as resources (one rule: read, create, replace, delete, move). The
//! rule set carries an `ETag`; writes honour `If-Match`.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Path, Query};
use provisioning::{RuleEdit, RulesEdit, RulesOutcome, part_version};
use role_engine::{Rule, RuleTests};
use serde::Deserialize;

use super::auth::Admin;
use super::body::{AdminJson, RulesBody};
use super::{Reply, json_tagged};
use crate::error::ApiError;
use crate::etag::etag;
use crate::request::IfMatch;
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    format: Option<String>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    position: usize,
}

/// The status of an edit: 422 when a save was asked for and the rules have
/// errors, `done` when it was saved, 200 otherwise (dry runs).
fn edit_status(outcome: &RulesOutcome, dry_run: bool, done: StatusCode) -> StatusCode {
    match (outcome.saved, dry_run) {
        (true, _) => done,
        (false, false) => StatusCode::UNPROCESSABLE_ENTITY,
        (false, true) => StatusCode::OK,
    }
}

/// The rule file of the tenant: the rule set and the catalogue (JSON, or TOML
/// with `?format=toml`), tagged with the rule set's version.
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

/// `PUT .../rules[?dry_run=true]`: a rule file, JSON or TOML (`Content-Type:
/// application/toml`); its `roles`, when given, replace the catalogue in the
/// same transaction, its cases must pass.
async fn put_rules(
    body: RulesBody,
    q: Query<RulesQuery>,
    expected: IfMatch,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (file, slug, dry_run) = (body.0, slug.into_inner(), q.dry_run);
    let (outcome, version) = admin
        .run(move |p, ctx| {
            let edit = RulesEdit {
                file,
                expected: expected.0,
                settings: None,
            };
            let outcome = p.set_rules(&*p.tenant(&slug)?, ctx, edit, dry_run)?;
            let version = part_version(p.tenant(&slug)?.engine.rules())?;
            Ok((outcome, version))
        })
        .await?;
    let status = edit_status(&outcome, dry_run, StatusCode::OK);
    Ok(json_tagged(status, &outcome, version))
}

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
            let outcome = p.edit_rule(&*p.tenant(&slug)?, ctx, edit, expected.0, dry_run)?;
            let version = part_version(p.tenant(&slug)?.engine.rules())?;
            Ok((outcome, version))
        })
        .await?;
    let status = edit_status(&outcome.outcome, dry_run, done);
    Ok(json_tagged(status, &outcome, version))
}

/// `POST .../rules[?position=N][&dry_run=true]`: one new rule.
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

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/rules"))
            .route(web::get().to(get_rules))
            .route(web::put().to(put_rules))
            .route(web::post().to(create_rule))
            .default_service(web::to(not_allowed("GET, PUT, POST"))),
    )
    .service(
        web::resource(format!("{t}/rules/{{rule}}"))
            .route(web::get().to(get_rule))
            .route(web::put().to(replace_rule))
            .route(web::delete().to(delete_rule))
            .default_service(web::to(not_allowed("GET, PUT, DELETE"))),
    )
    .service(
        web::resource(format!("{t}/rules/{{rule}}/move"))
            .route(web::post().to(move_rule))
            .default_service(web::to(not_allowed("POST"))),
    );
}
