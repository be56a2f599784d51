//! A tenant's rule set: read (JSON or TOML), replace, dry run.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, Path, Query};
use serde::Deserialize;

use super::auth::Admin;
use super::body::RulesBody;
use super::{Reply, json_ok};
use crate::error::ApiError;
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    format: Option<String>,
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

/// `PUT .../rules[?dry_run=true]`: JSON, or TOML with `Content-Type: application/toml`.
async fn put_rules(
    rules: RulesBody,
    q: Query<RulesQuery>,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (rules, slug, dry_run) = (rules.0, slug.into_inner(), q.dry_run);
    let outcome = admin
        .run(move |p, ctx| p.set_rules(&*p.tenant(&slug)?, ctx, rules, dry_run))
        .await?;
    let status = if !outcome.saved && !dry_run {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(json_ok(status, &outcome))
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
