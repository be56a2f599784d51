//! Probes for orchestrators and load balancers, without credentials:
//! `GET /healthz` (the process answers) and `GET /readyz` (the database
//! answers a trivial query; 503 with a reason otherwise).
//!
//! They stay out of the access log: probes arrive every few seconds and would
//! drown the requests an operator reads it for; a failing readiness check logs
//! its cause as a warning instead.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use provisioning::{StoreError, Unavailability};
use serde_json::json;

use crate::state::ScimState;

fn reply(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        // A probe's answer is about this moment only.
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body.to_string())
}

async fn healthz() -> HttpResponse {
    reply(StatusCode::OK, &json!({"status": "alive"}))
}

/// What a failed check tells an unauthenticated caller: the kind of failure,
/// never the database's own message (it may name hosts or users).
fn reason(error: &StoreError) -> &'static str {
    match error {
        StoreError::Unavailable { reason, .. } => match reason {
            Unavailability::Unreachable => "the database is unreachable",
            Unavailability::Busy => "the database is busy",
            Unavailability::Full => "the database or its disk is full",
            Unavailability::ReadOnly => "the database is read-only",
        },
        _ => "the database answered with an error (is it migrated?)",
    }
}

async fn readyz(state: web::Data<ScimState>) -> HttpResponse {
    let provisioning = state.provisioning.clone();
    let checked = web::block(move || provisioning.store().ping()).await;
    match checked {
        Ok(Ok(())) => reply(StatusCode::OK, &json!({"status": "ready"})),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({"status": "unavailable", "reason": reason(&e)}),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check did not run");
            reply(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({"status": "unavailable", "reason": "the check could not run"}),
            )
        }
    }
}

/// The probe routes, at the root of the application.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}
