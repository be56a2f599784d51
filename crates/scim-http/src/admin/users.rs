//! Sub-accounts: the list, one user, its explanation.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path, Query};
use provisioning::{
    Provisioning, SortDirection, SubAccount, SubAccountPage, SubAccountQuery, SubAccountSort,
    SubAccountStatus, TenantContext,
};
use serde::Deserialize;

use super::auth::Admin;
use super::body::bad_request;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::convert::run_blocking;
use crate::csv;
use crate::download::{Format, Step, streamed};
use crate::routing::Routes;

/// The sub-accounts list's query string; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UsersQuery {
    /// Text the userName, displayName, an e-mail or the externalId starts with
    /// (any case).
    q: Option<String>,
    /// Only users with this role.
    role: Option<String>,
    /// Only users in this provisioning state.
    #[param(inline)]
    status: Option<SubAccountStatus>,
    /// Only locked (`true`) or unlocked (`false`) users.
    locked: Option<bool>,
    /// The order of the list.
    #[serde(default)]
    #[param(inline)]
    sort: SubAccountSort,
    /// Ascending or descending.
    #[serde(default)]
    #[param(inline)]
    order: SortDirection,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Users per page (default 100, at most 1000; more is a 400).
    limit: Option<u64>,
    /// `json` (default, paged), `csv` or `ndjson`: every user the filters
    /// select, in the order asked, streamed (without `cursor` and `limit`);
    /// without it, `Accept: text/csv` or `application/x-ndjson` chooses.
    #[serde(rename = "format")]
    #[param(rename = "format")]
    _format: Option<String>,
}

/// The sub-accounts: search, filters, sorts, cursor pages.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), UsersQuery),
    responses(
        (status = 200, description = "One page (`next_cursor` is null on the last), or the download (`Content-Disposition: attachment`).", content((SubAccountPage = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "An unknown parameter, a bad value or cursor, or `limit` over the cap.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn list_users(
    q: Query<UsersQuery>,
    format: Format,
    admin: Admin,
    slug: Path<String>,
) -> Reply {
    let (q, slug) = (q.into_inner(), slug.into_inner());
    let download = format != Format::Json;
    if download && (q.cursor.is_some() || q.limit.is_some()) {
        return Err(bad_request(
            "cursor and limit page the JSON list; a CSV or NDJSON download is the whole list",
        ));
    }
    let query = SubAccountQuery {
        q: q.q,
        role: q.role,
        status: q.status,
        locked: q.locked,
        sort: q.sort,
        direction: q.order,
        cursor: q.cursor,
        limit: if download {
            Some(EXPORT_CHUNK)
        } else {
            q.limit
        },
    };
    if !download {
        let page = admin
            .run(move |p, _| p.sub_accounts(&*p.tenant(&slug)?, &query))
            .await?;
        return Ok(json_ok(StatusCode::OK, &page));
    }
    let (p, ctx) = admin.into_parts();
    let request_id = ctx.request_id.clone();
    let lookup = p.clone();
    let tenant = run_blocking(request_id.clone(), move || lookup.tenant(&slug)).await?;
    Ok(export(p, tenant, request_id, format, query))
}

/// The sub-accounts `query` selects (its cursor and limit ignored), in its
/// order, as the CSV download the admin API gives (`?format=csv`), streamed:
/// for other front ends (the console).
pub fn users_csv(
    p: Provisioning,
    tenant: Arc<TenantContext>,
    request_id: String,
    query: SubAccountQuery,
) -> HttpResponse {
    let query = SubAccountQuery {
        cursor: None,
        limit: Some(EXPORT_CHUNK),
        ..query
    };
    export(p, tenant, request_id, Format::Csv, query)
}

/// Users read per streamed chunk of an export.
const EXPORT_CHUNK: u64 = 1_000;

/// The list as a streamed CSV or NDJSON download: page after page of the same
/// search, each read and sent before the next, so memory stays that of a page.
fn export(
    p: Provisioning,
    tenant: Arc<TenantContext>,
    request_id: String,
    format: Format,
    query: SubAccountQuery,
) -> HttpResponse {
    let next = move |cursor: Option<String>| -> provisioning::Result<Step<Option<String>>> {
        let page = p.sub_accounts(
            &tenant,
            &SubAccountQuery {
                cursor,
                ..query.clone()
            },
        )?;
        let mut text = String::new();
        for user in &page.items {
            if format == Format::Csv {
                text.push_str(&csv_line(user));
            } else {
                text.push_str(&serde_json::to_string(user)?);
                text.push('\n');
            }
        }
        Ok((text, page.next_cursor.map(Some)))
    };
    let (content_type, file_name, first) = if format == Format::Csv {
        (
            "text/csv; charset=utf-8",
            "users.csv",
            csv::record(CSV_HEADER),
        )
    } else {
        ("application/x-ndjson", "users.ndjson", String::new())
    };
    streamed(content_type, file_name, request_id, first, None, next)
}

const CSV_HEADER: [&str; 11] = [
    "id",
    "user_name",
    "display_name",
    "status",
    "role",
    "reason",
    "locked_by",
    "lock_reason",
    "groups",
    "last_modified",
    "deleted_at",
];

fn csv_line(user: &SubAccount) -> String {
    let groups = user
        .groups
        .iter()
        .map(|g| g.display_name.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let last_modified = provisioning::time_format::format(user.last_modified);
    let deleted_at = user
        .deleted_at
        .map(provisioning::time_format::format)
        .unwrap_or_default();
    csv::record([
        user.id.as_str(),
        &user.user_name,
        user.display_name.as_deref().unwrap_or_default(),
        user.status,
        user.role.as_deref().unwrap_or_default(),
        user.reason.as_deref().unwrap_or_default(),
        user.lock
            .as_ref()
            .map(|l| l.by.as_str())
            .unwrap_or_default(),
        user.lock
            .as_ref()
            .and_then(|l| l.reason.as_deref())
            .unwrap_or_default(),
        &groups,
        &last_modified,
        &deleted_at,
    ])
}

/// One sub-account: role, the reason in words, lock, groups.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{id}",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user.", body = SubAccount),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &user))
}

/// The full trace of the user's role: every step of the precedence and every
/// rule, with whether it matched and why.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{id}/explain",
    tag = "users",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The explanation: `decision`, `steps` and `rules` traces.", body = Object),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn explain_user(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let explanation = admin
        .run(move |p, _| p.explain_user(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &explanation))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/users"),
        vec![(Method::GET, web::to(list_users))],
    );
    r.resource(
        format!("{t}/users/{{id}}"),
        vec![(Method::GET, web::to(get_user))],
    );
    r.resource(
        format!("{t}/users/{{id}}/explain"),
        vec![(Method::GET, web::to(explain_user))],
    );
}
