//! A tenant's webhook endpoints: list, create (the signing secret shown once),
//! read, change, delete, rotate the secret, redeliver from an event number,
//! enable again after the dead letter. Delivery itself runs in the server's
//! background worker (`provisioning::webhooks`), never in a request.

use actix_web::HttpResponse;
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Path};
use provisioning::{WebhookInfo, WebhookTarget, WebhookWithSecret};
use serde::Deserialize;

use super::auth::Admin;
use super::body::AdminJson;
use super::openapi::ProblemDocument;
use super::{Reply, json_ok};
use crate::routing::Routes;

/// Where an endpoint delivers and what.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookTarget)]
#[serde(deny_unknown_fields)]
struct TargetBody {
    /// `https://` (or `http://`) URL the batches are POSTed to.
    url: String,
    /// Event kinds to receive: `user.created`, `user.updated`,
    /// `user.deactivated`, `user.reactivated`, `user.deleted`,
    /// `group.created`, `group.renamed`, `group.deleted`, `member.added`,
    /// `member.removed`, `role.changed`, `lock.set`, `lock.cleared`,
    /// `rules.changed`, `guard.violated`.
    kinds: Vec<String>,
}

impl TargetBody {
    fn into_target(self) -> WebhookTarget {
        WebhookTarget {
            url: self.url,
            kinds: self.kinds,
        }
    }
}

/// Where redelivery starts.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = WebhookRedelivery)]
#[serde(deny_unknown_fields)]
struct RedeliverBody {
    /// The first event number to send again (1 or more).
    from_seq: i64,
}

/// The tenant's webhook endpoints (never their secrets).
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/webhooks",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    responses(
        (status = 200, description = "The endpoints, oldest first.", body = Vec<WebhookInfo>),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn list_webhooks(admin: Admin, slug: Path<String>) -> Reply {
    let slug = slug.into_inner();
    let list = admin
        .run(move |p, _| p.list_webhooks(&*p.tenant(&slug)?))
        .await?;
    Ok(json_ok(StatusCode::OK, &list))
}

/// Creates an endpoint; it receives the events logged from now on.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/webhooks",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug.")),
    request_body = TargetBody,
    responses(
        (status = 201, description = "The endpoint and its signing secret, shown only here.", body = WebhookWithSecret),
        (status = 400, description = "Malformed body, a URL that is not http(s), an unknown event kind.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn create_webhook(admin: Admin, slug: Path<String>, body: AdminJson<TargetBody>) -> Reply {
    let (slug, target) = (slug.into_inner(), body.0.into_target());
    let created = admin
        .run(move |p, ctx| p.create_webhook(&*p.tenant(&slug)?, ctx, &target))
        .await?;
    Ok(json_ok(StatusCode::CREATED, &created))
}

/// One endpoint, with its delivery state.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/webhooks/{id}",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    responses(
        (status = 200, description = "The endpoint.", body = WebhookInfo),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn get_webhook(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let found = admin
        .run(move |p, _| p.get_webhook(&*p.tenant(&slug)?, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &found))
}

/// Changes where an endpoint delivers and what; it goes on from where it is
/// in the event log.
#[utoipa::path(
    put,
    path = "/tenants/{tenant}/webhooks/{id}",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    request_body = TargetBody,
    responses(
        (status = 200, description = "The endpoint as changed.", body = WebhookInfo),
        (status = 400, description = "Malformed body, a URL that is not http(s), an unknown event kind.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn update_webhook(
    admin: Admin,
    path: Path<(String, String)>,
    body: AdminJson<TargetBody>,
) -> Reply {
    let ((slug, id), target) = (path.into_inner(), body.0.into_target());
    let changed = admin
        .run(move |p, ctx| p.update_webhook(&*p.tenant(&slug)?, ctx, &id, &target))
        .await?;
    Ok(json_ok(StatusCode::OK, &changed))
}

/// Deletes an endpoint; nothing more is sent to it.
#[utoipa::path(
    delete,
    path = "/tenants/{tenant}/webhooks/{id}",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn delete_webhook(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    admin
        .run(move |p, ctx| p.delete_webhook(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret; the old one keeps signing next to it (two
/// signatures per message) for the rotation overlap.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    responses(
        (status = 200, description = "The endpoint and its new secret, shown only here.", body = WebhookWithSecret),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn rotate_webhook_secret(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let rotated = admin
        .run(move |p, ctx| p.rotate_webhook_secret(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &rotated))
}

/// Sends the events from an event number on again (and enables the endpoint).
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/webhooks/{id}/redeliver",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    request_body = RedeliverBody,
    responses(
        (status = 200, description = "The endpoint, due now from that event on.", body = WebhookInfo),
        (status = 400, description = "Malformed body, or an event number below 1 or past the log's end.", body = ProblemDocument, content_type = "application/problem+json"),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn redeliver_webhook(
    admin: Admin,
    path: Path<(String, String)>,
    body: AdminJson<RedeliverBody>,
) -> Reply {
    let ((slug, id), from_seq) = (path.into_inner(), body.0.from_seq);
    let changed = admin
        .run(move |p, ctx| p.redeliver_webhook(&*p.tenant(&slug)?, ctx, &id, from_seq))
        .await?;
    Ok(json_ok(StatusCode::OK, &changed))
}

/// Enables a disabled endpoint (dead letter): delivery goes on where it
/// stopped, at once.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/webhooks/{id}/enable",
    tag = "webhooks",
    params(("tenant" = String, Path, description = "The tenant's slug."), ("id" = String, Path, description = "The endpoint's id.")),
    responses(
        (status = 200, description = "The endpoint, active and due now.", body = WebhookInfo),
        (status = 404, description = "No such tenant or endpoint.", body = ProblemDocument, content_type = "application/problem+json"),
    ),
)]
async fn enable_webhook(admin: Admin, path: Path<(String, String)>) -> Reply {
    let (slug, id) = path.into_inner();
    let enabled = admin
        .run(move |p, ctx| p.enable_webhook(&*p.tenant(&slug)?, ctx, &id))
        .await?;
    Ok(json_ok(StatusCode::OK, &enabled))
}

/// This resource's routes, under the tenant path `t`.
pub(super) fn routes(r: &mut Routes<'_>, t: &str) {
    r.resource(
        format!("{t}/webhooks"),
        vec![
            (Method::GET, web::to(list_webhooks)),
            (Method::POST, web::to(create_webhook)),
        ],
    );
    r.resource(
        format!("{t}/webhooks/{{id}}"),
        vec![
            (Method::GET, web::to(get_webhook)),
            (Method::PUT, web::to(update_webhook)),
            (Method::DELETE, web::to(delete_webhook)),
        ],
    );
    r.resource(
        format!("{t}/webhooks/{{id}}/rotate-secret"),
        vec![(Method::POST, web::to(rotate_webhook_secret))],
    );
    r.resource(
        format!("{t}/webhooks/{{id}}/redeliver"),
        vec![(Method::POST, web::to(redeliver_webhook))],
    );
    r.resource(
        format!("{t}/webhooks/{{id}}/enable"),
        vec![(Method::POST, web::to(enable_webhook))],
    );
}
