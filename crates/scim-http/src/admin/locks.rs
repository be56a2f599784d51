//! Role locks on one user, with the lock state's entity tag: `GET` shows it,
//! `PUT` and `DELETE` honour `If-Match` (412 when the lock changed meanwhile).

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{LockInfo, LockRequest, SubAccount, lock_version};
use serde::Deserialize;

use super::auth::Admin;
use super::body::{OptionalJson, bad_request};
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::etag::etag;
use crate::request::IfMatch;
use crate::routing::Routes;

/// A lock to set.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = NewLock)]
#[serde(deny_unknown_fields)]
struct LockBody {
    /// The role to freeze the user in (required).
    role: Option<String>,
    /// Why, for the record.
    reason: Option<String>,
    /// Must be `true` to lock a user as `Disabled`.
    #[serde(default)]
    allow_disabled: bool,
}

/// A user's lock state.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = LockState)]
struct LockView {
    /// The lock, or null when the user is not locked.
    lock: Option<LockInfo>,
}

/// A response carrying the lock state's entity tag.
fn with_lock_tag(mut response: HttpResponse, lock: Option<&LockInfo>) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(&etag(lock_version(lock))) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

fn user_reply(user: &SubAccount) -> HttpResponse {
    with_lock_tag(json_ok(StatusCode::OK, user), user.lock.as_ref())
}

/// The user's lock, if any.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/users/{id}/lock",
    tag = "locks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The lock state.", body = LockView, headers(("ETag" = String, description = "The lock state's version, for `If-Match`."))),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_lock(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    let body = LockView {
        lock: user.lock.clone(),
    };
    Ok(with_lock_tag(
        json_ok(StatusCode::OK, &body),
        user.lock.as_ref(),
    ))
}

/// Freezes the user's role, whatever groups and rules say (a deactivation
/// still wins unless the tenant's `lock_survives_deactivation` says otherwise).
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/users/{id}/lock",
    tag = "locks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id."), ("If-Match" = Option<String>, Header, description = "The `ETag` the change was based on; 412 when the resource changed since.")),
    request_body = LockBody,
    responses(
        (status = 200, description = "Locked; the user as now.", body = SubAccount, headers(("ETag" = String, description = "The lock state's version, for `If-Match`."))),
        (status = 400, description = "Malformed body, no role, a role outside the catalogue, or `Disabled` without `allow_disabled`.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The user was deleted by the identity provider, or the change would leave the guarded role without an active holder.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the lock changed since.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn set_lock(
    body: OptionalJson<LockBody>,
    expected: IfMatch,
    admin: Admin,
    path: Path<(String, String)>,
) -> Reply {
    let (body, (slug, id)) = (body.0, path.into_inner());
    // Defaulting to the current role froze deactivated users in Disabled.
    let Some(role) = body.role.filter(|r| !r.trim().is_empty()) else {
        return Err(bad_request(
            "a lock needs an explicit role: send {\"role\": \"<role>\"} (and optionally \"reason\")",
        ));
    };
    let request = LockRequest {
        role,
        reason: body.reason,
        allow_disabled: body.allow_disabled,
    };
    let user = admin
        .run(move |p, ctx| {
            p.set_lock(
                &*p.tenant(&slug)?,
                ctx,
                &id,
                &request,
                expected.0.as_deref(),
            )
        })
        .await?;
    Ok(user_reply(&user))
}

/// Lifts the lock; the rules decide the role again.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/users/{id}/lock",
    tag = "locks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The user's id."), ("If-Match" = Option<String>, Header, description = "The `ETag` the change was based on; 412 when the resource changed since.")),
    responses(
        (status = 200, description = "Unlocked; the user as now.", body = SubAccount, headers(("ETag" = String, description = "The lock state's version, for `If-Match`."))),
        (status = 404, description = "No such tenant or user.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 409, description = "The change would leave the guarded role without an active holder.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale: the lock changed since.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn clear_lock(expected: IfMatch, admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, ctx| p.clear_lock(&*p.tenant(&slug)?, ctx, &id, expected.0.as_deref()))
        .await?;
    Ok(user_reply(&user))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/users/{{id}}/lock"),
        vec![
            (Method::GET, web::to(get_lock)),
            (Method::PUT, web::to(set_lock)),
            (Method::DELETE, web::to(clear_lock)),
        ],
    );
}
