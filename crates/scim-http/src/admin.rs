//! The admin JSON API under `/admin/v1`, protected by the operator token:
//! tenants and tokens, settings, role catalogue, rule set (with dry runs), the
//! sub-accounts list, role locks, explanations, the event log and the
//! disabled-users report (JSON or CSV).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use provisioning::{Actor, Provisioning, RequestContext, SubAccountQuery, TenantSettings, token};
use role_engine::{Catalogue, RuleSet};
use scim_proto::ScimType;
use serde::Deserialize;
use serde_json::json;

use crate::convert::run_blocking;
use crate::error::ApiError;
use crate::extract::RawBody;
use crate::middleware::request_id;
use crate::request::bearer;
use crate::scim::{json_with_type, not_allowed};
use crate::state::ScimState;

type Reply = Result<HttpResponse, ApiError>;

fn json_ok(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_with_type(status, "application/json", body)
}

fn bad_request(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, detail).with_type(ScimType::InvalidValue)
}

/// Checks the operator token and runs `f` on a blocking thread.
async fn run<T: Send + 'static>(
    req: &HttpRequest,
    state: &ScimState,
    f: impl FnOnce(&Provisioning, &RequestContext) -> provisioning::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let presented = bearer(req)?;
    let authorised = state
        .config
        .admin_token_hash
        .as_deref()
        .is_some_and(|hash| token::verify(&presented, hash));
    if !authorised {
        return Err(ApiError::unauthorized());
    }
    let request_id = request_id(req);
    // The host application may name the admin on whose behalf it calls.
    let name = req
        .headers()
        .get("x-admin-name")
        .and_then(|v| v.to_str().ok())
        .filter(|n| !n.is_empty() && n.len() <= 200)
        .unwrap_or("admin")
        .to_owned();
    let ctx = RequestContext::new(request_id.clone(), String::new(), Actor::Admin { name });
    let provisioning = state.provisioning.clone();
    run_blocking(request_id, move || f(&provisioning, &ctx)).await
}

fn slug(req: &HttpRequest) -> String {
    req.match_info()
        .get("tenant")
        .unwrap_or_default()
        .to_owned()
}

fn param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &RawBody) -> Result<T, ApiError> {
    serde_json::from_slice(&body.bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("Invalid JSON body: {e}"))
            .with_type(ScimType::InvalidSyntax)
    })
}

fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| bad_request(format!("Invalid query parameters: {e}")))
}

#[derive(Debug, Deserialize)]
struct NewTenantBody {
    slug: String,
    #[serde(default)]
    display_name: String,
}

async fn list_tenants(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let tenants = run(&req, &state, |p, _| p.list_tenants()).await?;
    Ok(json_ok(StatusCode::OK, &tenants))
}

async fn create_tenant(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let body: NewTenantBody = parse_json(&body)?;
    let created = run(&req, &state, move |p, ctx| {
        p.create_tenant(ctx, &body.slug, &body.display_name)
    })
    .await?;
    Ok(json_ok(StatusCode::CREATED, &created))
}

async fn get_tenant(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let slug = slug(&req);
    let tenant = run(&req, &state, move |p, _| {
        let t = p.tenant(&slug)?;
        Ok(json!({"id": t.id, "slug": t.slug, "display_name": t.display_name, "settings": t.settings}))
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &tenant))
}

async fn put_settings(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let settings: TenantSettings = parse_json(&body)?;
    let slug = slug(&req);
    let saved = run(&req, &state, move |p, ctx| {
        p.set_settings(&*p.tenant(&slug)?, ctx, settings)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &saved))
}

async fn list_tokens(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let slug = slug(&req);
    let tokens = run(&req, &state, move |p, _| p.list_tokens(&*p.tenant(&slug)?)).await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

#[derive(Debug, Default, Deserialize)]
struct RotateBody {
    /// Hours the previous tokens keep working.
    #[serde(default)]
    overlap_hours: Option<i64>,
}

async fn rotate_token(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let body: RotateBody = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        parse_json(&body)?
    };
    if body
        .overlap_hours
        .is_some_and(|h| !(0..=24 * 365).contains(&h))
    {
        return Err(bad_request("overlap_hours must be between 0 and 8760"));
    }
    let slug = slug(&req);
    let issued = run(&req, &state, move |p, ctx| {
        p.rotate_token(
            &*p.tenant(&slug)?,
            ctx,
            body.overlap_hours.map(chrono::Duration::hours),
        )
    })
    .await?;
    Ok(json_ok(StatusCode::CREATED, &issued))
}

async fn revoke_token(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let slug = slug(&req);
    let id = param(&req, "id");
    let revoked = run(&req, &state, move |p, ctx| {
        p.revoke_token(&*p.tenant(&slug)?, ctx, &id)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

async fn get_catalogue(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let slug = slug(&req);
    let catalogue = run(&req, &state, move |p, _| {
        Ok(p.tenant(&slug)?.catalogue.clone())
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &catalogue))
}

async fn put_catalogue(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let catalogue: Catalogue = parse_json(&body)?;
    let slug = slug(&req);
    let saved = run(&req, &state, move |p, ctx| {
        p.set_catalogue(&*p.tenant(&slug)?, ctx, catalogue)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &saved))
}

#[derive(Debug, Default, Deserialize)]
struct RulesQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    format: Option<String>,
}

async fn get_rules(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let q: RulesQuery = query(&req)?;
    let slug = slug(&req);
    let rules = run(&req, &state, move |p, _| {
        Ok(p.tenant(&slug)?.engine.rules().clone())
    })
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
async fn put_rules(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let q: RulesQuery = query(&req)?;
    let rules = if body.media_type.contains("toml") {
        let text = std::str::from_utf8(&body.bytes)
            .map_err(|_| bad_request("the TOML body is not UTF-8"))?;
        RuleSet::from_toml(text).map_err(|e| bad_request(e.to_string()))?
    } else {
        parse_json::<RuleSet>(&body)?
    };
    let slug = slug(&req);
    let dry_run = q.dry_run;
    let outcome = run(&req, &state, move |p, ctx| {
        p.set_rules(&*p.tenant(&slug)?, ctx, rules, dry_run)
    })
    .await?;
    let status = if !outcome.saved && !dry_run {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(json_ok(status, &outcome))
}

#[derive(Debug, Default, Deserialize)]
struct UsersQuery {
    role: Option<String>,
    status: Option<String>,
    locked: Option<bool>,
    #[serde(default)]
    offset: u64,
    count: Option<u64>,
}

async fn list_users(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let q: UsersQuery = query(&req)?;
    let slug = slug(&req);
    let page = run(&req, &state, move |p, _| {
        let query = SubAccountQuery {
            role: q.role,
            status: q.status,
            locked: q.locked,
            offset: q.offset,
            count: q.count.unwrap_or(p.options().default_page_size),
        };
        p.sub_accounts(&*p.tenant(&slug)?, &query)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

async fn get_user(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let (slug, id) = (slug(&req), param(&req, "id"));
    let user = run(&req, &state, move |p, _| {
        p.sub_account(&*p.tenant(&slug)?, &id)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

async fn explain_user(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let (slug, id) = (slug(&req), param(&req, "id"));
    let explanation = run(&req, &state, move |p, _| {
        p.explain_user(&*p.tenant(&slug)?, &id)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &explanation))
}

#[derive(Debug, Default, Deserialize)]
struct LockBody {
    role: Option<String>,
    reason: Option<String>,
}

async fn set_lock(req: HttpRequest, state: web::Data<ScimState>, body: RawBody) -> Reply {
    let body: LockBody = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        LockBody::default()
    } else {
        parse_json(&body)?
    };
    let (slug, id) = (slug(&req), param(&req, "id"));
    let user = run(&req, &state, move |p, ctx| {
        p.set_lock(
            &*p.tenant(&slug)?,
            ctx,
            &id,
            body.role.as_deref(),
            body.reason.as_deref(),
        )
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

async fn clear_lock(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let (slug, id) = (slug(&req), param(&req, "id"));
    let user = run(&req, &state, move |p, ctx| {
        p.clear_lock(&*p.tenant(&slug)?, ctx, &id)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u64>,
}

async fn events(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let q: EventsQuery = query(&req)?;
    let slug = slug(&req);
    let events = run(&req, &state, move |p, _| {
        p.events(&*p.tenant(&slug)?, q.after, q.limit.unwrap_or(100))
    })
    .await?;
    let next = events.last().map_or(q.after, |e| e.seq);
    Ok(json_ok(
        StatusCode::OK,
        &json!({"events": events, "next_after": next}),
    ))
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ReportQuery {
    format: Option<String>,
}

async fn disabled_report(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let q: ReportQuery = query(&req)?;
    let wants_csv = q.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    let slug = slug(&req);
    let report = run(&req, &state, move |p, _| {
        p.disabled_report(&*p.tenant(&slug)?)
    })
    .await?;
    if !wants_csv {
        return Ok(json_ok(StatusCode::OK, &report));
    }
    let mut csv = String::from(
        "id,user_name,display_name,status,disabled_at,holdings,holdings_summary,lock_kept_role\n",
    );
    for row in &report {
        let fields = [
            row.id.clone(),
            row.user_name.clone(),
            row.display_name.clone().unwrap_or_default(),
            row.status.to_owned(),
            provisioning::time_format::format(row.disabled_at),
            row.holdings
                .count
                .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
            row.holdings.summary.clone().unwrap_or_default(),
            row.lock_kept_role.clone().unwrap_or_default(),
        ];
        csv.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"disabled-users.csv\"",
        ))
        .body(csv))
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    offset: u64,
    count: Option<u64>,
}

async fn list_groups(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let q: PageQuery = query(&req)?;
    let slug = slug(&req);
    let (total, groups) = run(&req, &state, move |p, _| {
        let count = q.count.unwrap_or(p.options().default_page_size);
        p.group_list(&*p.tenant(&slug)?, q.offset, count)
    })
    .await?;
    Ok(json_ok(
        StatusCode::OK,
        &json!({"total": total, "groups": groups}),
    ))
}

async fn group_deletion_preview(req: HttpRequest, state: web::Data<ScimState>) -> Reply {
    let (slug, id) = (slug(&req), param(&req, "id"));
    let changes = run(&req, &state, move |p, _| {
        p.preview_group_deletion(&*p.tenant(&slug)?, &id)
    })
    .await?;
    Ok(json_ok(StatusCode::OK, &json!({"changes": changes})))
}

/// The admin routes, to mount under the admin prefix.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    let t = "/tenants/{tenant}";
    cfg.service(
        web::resource("/tenants")
            .route(web::get().to(list_tenants))
            .route(web::post().to(create_tenant))
            .default_service(web::to(not_allowed("GET, POST"))),
    )
    .service(
        web::resource(t)
            .route(web::get().to(get_tenant))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/settings"))
            .route(web::put().to(put_settings))
            .default_service(web::to(not_allowed("PUT"))),
    )
    .service(
        web::resource(format!("{t}/tokens"))
            .route(web::get().to(list_tokens))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/tokens/rotate"))
            .route(web::post().to(rotate_token))
            .default_service(web::to(not_allowed("POST"))),
    )
    .service(
        web::resource(format!("{t}/tokens/{{id}}"))
            .route(web::delete().to(revoke_token))
            .default_service(web::to(not_allowed("DELETE"))),
    )
    .service(
        web::resource(format!("{t}/catalogue"))
            .route(web::get().to(get_catalogue))
            .route(web::put().to(put_catalogue))
            .default_service(web::to(not_allowed("GET, PUT"))),
    )
    .service(
        web::resource(format!("{t}/rules"))
            .route(web::get().to(get_rules))
            .route(web::put().to(put_rules))
            .default_service(web::to(not_allowed("GET, PUT"))),
    )
    .service(
        web::resource(format!("{t}/users"))
            .route(web::get().to(list_users))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/users/{{id}}"))
            .route(web::get().to(get_user))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/users/{{id}}/explain"))
            .route(web::get().to(explain_user))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/users/{{id}}/lock"))
            .route(web::put().to(set_lock))
            .route(web::delete().to(clear_lock))
            .default_service(web::to(not_allowed("PUT, DELETE"))),
    )
    .service(
        web::resource(format!("{t}/events"))
            .route(web::get().to(events))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/reports/disabled-users"))
            .route(web::get().to(disabled_report))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/groups"))
            .route(web::get().to(list_groups))
            .default_service(web::to(not_allowed("GET"))),
    )
    .service(
        web::resource(format!("{t}/groups/{{id}}/deletion-preview"))
            .route(web::get().to(group_deletion_preview))
            .default_service(web::to(not_allowed("GET"))),
    );
}
