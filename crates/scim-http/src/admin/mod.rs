//! The admin JSON API under `/admin/v1`, protected by the operator token:
//! tenants and tokens, settings, role catalogue, rule set (with dry runs), the
//! sub-accounts list, role locks, explanations, the event log and the
//! disabled-users report (JSON or CSV).

mod auth;
mod body;

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{Path, Query};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use provisioning::{SubAccountQuery, TenantSettings};
use role_engine::Catalogue;
use serde::Deserialize;
use serde_json::json;

use self::auth::Admin;
pub(crate) use self::auth::AdminKey;
pub(crate) use self::body::query_config;
use self::body::{AdminJson, OptionalJson, Overlap, RulesBody};
use crate::error::ApiError;
use crate::scim::{json_with_type, not_allowed};

type Reply = Result<HttpResponse, ApiError>;

fn json_ok(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    json_with_type(status, "application/json", body)
}

// The handlers. Where there is a body or a query string, it is read before the
// operator token is checked: the order of the arguments is the order of the
// checks. `Path<String>` is the tenant; `Path<(String, String)>` the tenant and
// the user or group id.

#[derive(Debug, Deserialize)]
struct NewTenantBody {
    slug: String,
    #[serde(default)]
    display_name: String,
}

async fn list_tenants(admin: Admin) -> Reply {
    let tenants = admin.run(|p, _| p.list_tenants()).await?;
    Ok(json_ok(StatusCode::OK, &tenants))
}

async fn create_tenant(body: AdminJson<NewTenantBody>, admin: Admin) -> Reply {
    let body = body.0;
    let created = admin
        .run(move |p, ctx| p.create_tenant(ctx, &body.slug, &body.display_name))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &created))
}

async fn get_tenant(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tenant = admin
        .run(move |p, _| {
            let t = p.tenant(&slug)?;
            Ok(json!({"id": t.id, "slug": t.slug, "display_name": t.display_name, "settings": t.settings}))
        })
        .await?;
    Ok(json_ok(StatusCode::OK, &tenant))
}

async fn put_settings(
    settings: AdminJson<TenantSettings>,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (settings, slug) = (settings.0, slug.into_inner());
    let saved = admin
        .run(move |p, ctx| p.set_settings(&*p.tenant(&slug)?, ctx, settings))
        .await?;
    Ok(json_ok(StatusCode::OK, &saved))
}

async fn list_tokens(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let tokens = admin
        .run(move |p, _| p.list_tokens(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &tokens))
}

async fn rotate_token(overlap: Overlap, admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let issued = admin
        .run(move |p, ctx| p.rotate_token(&*p.tenant(&slug)?, ctx, overlap.0))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &issued))
}

async fn revoke_token(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let revoked = admin
        .run(move |p, ctx| p.revoke_token(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &revoked))
}

async fn get_catalogue(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let catalogue = admin
        .run(move |p, _| Ok(p.tenant(&slug)?.catalogue.clone()))
        .await?;
    Ok(json_ok(StatusCode::OK, &catalogue))
}

async fn put_catalogue(catalogue: AdminJson<Catalogue>, admin: Admin, slug: Path<String>) -> Reply {
    let (catalogue, slug) = (catalogue.0, slug.into_inner());
    let saved = admin
        .run(move |p, ctx| p.set_catalogue(&*p.tenant(&slug)?, ctx, catalogue))
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

#[derive(Debug, Default, Deserialize)]
struct UsersQuery {
    role: Option<String>,
    status: Option<String>,
    locked: Option<bool>,
    #[serde(default)]
    offset: u64,
    count: Option<u64>,
}

async fn list_users(q: Query<UsersQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let query = SubAccountQuery {
        role: q.role,
        status: q.status,
        locked: q.locked,
        offset: q.offset,
        count: q.count.unwrap_or(admin.options().default_page_size),
    };
    let page = admin
        .run(move |p, _| p.sub_accounts(&*p.tenant(&slug)?, &query))
        .await?;
    Ok(json_ok(StatusCode::OK, &page))
}

async fn get_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

async fn explain_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let explanation = admin
        .run(move |p, _| p.explain_user(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &explanation))
}

#[derive(Debug, Default, Deserialize)]
struct LockBody {
    role: Option<String>,
    reason: Option<String>,
}

async fn set_lock(
    body: OptionalJson<LockBody>,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (body, (slug, id)) = (body.0, path.into_inner());
    let user = admin
        .run(move |p, ctx| {
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

async fn clear_lock(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, ctx| p.clear_lock(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u64>,
}

async fn events(q: Query<EventsQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let limit = q.limit.unwrap_or(100);
    let events = admin
        .run(move |p, _| p.events(&*p.tenant(&slug)?, q.after, limit))
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

/// Whether the client's `Accept` names CSV.
#[derive(Debug, Clone, Copy)]
struct AcceptsCsv(bool);

impl FromRequest for AcceptsCsv {
    type Error = Infallible;
    type Future = Ready<Result<AcceptsCsv, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(AcceptsCsv(
            req.headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/csv")),
        )))
    }
}

async fn disabled_report(
    q: Query<ReportQuery>,
    accepts_csv: AcceptsCsv,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let wants_csv = q.format.as_deref() == Some("csv") || accepts_csv.0;
    let slug = slug.into_inner();
    let report = admin
        .run(move |p, _| p.disabled_report(&*p.tenant(&slug)?))
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

async fn list_groups(q: Query<PageQuery>, admin: Admin, slug: Path<String>) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let count = q.count.unwrap_or(admin.options().default_page_size);
    let (total, groups) = admin
        .run(move |p, _| p.group_list(&*p.tenant(&slug)?, q.offset, count))
        .await?;
    Ok(json_ok(
        StatusCode::OK,
        &json!({"total": total, "groups": groups}),
    ))
}

async fn group_deletion_preview(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let changes = admin
        .run(move |p, _| p.preview_group_deletion(&*p.tenant(&slug)?, &id))
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
