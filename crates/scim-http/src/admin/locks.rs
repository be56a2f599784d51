//! Role locks on one user, with the lock state's entity tag: `GET` shows it,
//! `PUT` and `DELETE` honour `If-Match` (412 when the lock changed meanwhile).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, Path};
use provisioning::{LockInfo, LockRequest, SubAccount, lock_version};
use serde::Deserialize;

use super::auth::Admin;
use super::body::{OptionalJson, bad_request};
use super::{Reply, json_ok};
use crate::etag::etag;
use crate::request::IfMatch;
use crate::scim::not_allowed;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockBody {
    role: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    allow_disabled: bool,
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

async fn get_lock(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, _| p.sub_account(&*p.tenant(&slug)?, &id))
        .await?;
    let body = serde_json::json!({ "lock": user.lock });
    Ok(with_lock_tag(
        json_ok(StatusCode::OK, &body),
        user.lock.as_ref(),
    ))
}

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

async fn clear_lock(expected: IfMatch, admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let user = admin
        .run(move |p, ctx| p.clear_lock(&*p.tenant(&slug)?, ctx, &id, expected.0.as_deref()))
        .await?;
    Ok(user_reply(&user))
}

/// This resource's routes, under the tenant path `t` (tenant routes: under `/tenants`).
pub(super) fn routes(cfg: &mut web::ServiceConfig, t: &str) {
    cfg.service(
        web::resource(format!("{t}/users/{{id}}/lock"))
            .route(web::get().to(get_lock))
            .route(web::put().to(set_lock))
            .route(web::delete().to(clear_lock))
            .default_service(web::to(not_allowed("GET, PUT, DELETE"))),
    );
}
