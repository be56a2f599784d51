//! The HTTP error policy, in one place.
//!
//! On the SCIM routes every error leaves as a SCIM Error message (RFC 7644
//! section 3.12): `application/scim+json`, `status` as a string, a `scimType`
//! where the RFC defines one, and a `detail` a client developer can act on. On
//! the admin API the same error leaves as an RFC 9457 problem document
//! ([`ApiError::problem_response`]): `application/problem+json` with `type`,
//! `title`, `status` (a number), `detail` and, for validation, `problems`.
//! Internal errors
//! (a bug, a broken database) are logged with their cause and answered with a
//! 500 whose detail names only the request id; internals never reach a client.
//! A database that is unavailable for now (unreachable, busy, full, read-only)
//! is a 503 with `Retry-After`, on both kinds of route.
//! The mapping from domain errors to statuses is done by matching on error
//! variants, never on message text.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use scim_proto::ScimType;
use scim_proto::messages::ErrorResponse;
use serde_json::{Value, json};

/// The SCIM media type every response carries.
pub const SCIM_JSON: &str = "application/scim+json";
/// The media type of the admin API's errors (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error on its way to becoming a SCIM error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {detail}")]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// SCIM error type, if any.
    pub scim_type: Option<ScimType>,
    /// Human-readable detail.
    pub detail: String,
    /// Validation problems, each a JSON object (problem documents only).
    pub problems: Vec<Value>,
    /// Seconds the client should wait before retrying, sent as `Retry-After`
    /// (429, and 503 while the database is unavailable or the server full).
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// An error with a status and detail and no `scimType`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            scim_type: None,
            detail: detail.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    /// Adds a `Retry-After` of `seconds` (at least 1).
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// The response headers every rendering of this error carries besides
    /// its content type: the realm of a 401, `Retry-After`.
    fn insert_headers(&self, response: &mut actix_web::HttpResponseBuilder, realm: &'static str) {
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static(realm)));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
    }

    /// Adds the validation problems a problem document lists.
    #[must_use]
    pub fn with_problems(mut self, problems: Vec<Value>) -> ApiError {
        self.problems = problems;
        self
    }

    /// Adds a `scimType`.
    #[must_use]
    pub fn with_type(mut self, scim_type: ScimType) -> ApiError {
        self.scim_type = Some(scim_type);
        self
    }

    /// 401, with the same wording whatever was wrong (missing, malformed or
    /// unknown token, unknown tenant), so responses reveal nothing.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: send 'Authorization: Bearer <token>' with a valid token for this tenant URL.",
        )
    }

    /// 401 of the admin API: the same wording whatever was wrong.
    pub fn admin_unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: send 'Authorization: Bearer <token>' with the operator token or an admin token (SCIM tokens do not open the admin API).",
        )
    }

    /// 403: authenticated, but the credential does not allow this.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404 for a resource or route.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    /// 500 that names only the request id; the cause must be logged by the caller.
    pub fn internal(request_id: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Internal error; quote request id {request_id} to the operator."),
        )
    }

    /// The SCIM Error message body.
    pub fn body(&self) -> ErrorResponse {
        ErrorResponse::new(self.status.as_u16(), self.scim_type, self.detail.clone())
    }

    /// The RFC 9457 problem document of this error. `type` is `about:blank`
    /// (the status says what kind of problem it is), so `title` is the status's
    /// reason phrase; `problems` lists validation problems when there are any.
    pub fn problem(&self) -> Value {
        let mut doc = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.problems.is_empty() {
            doc["problems"] = Value::Array(self.problems.clone());
        }
        doc
    }

    /// The admin API's response for this error: a problem document, with the
    /// admin realm in `WWW-Authenticate` on a 401.
    pub fn problem_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        self.insert_headers(&mut response, "Bearer realm=\"admin\"");
        response.body(self.problem().to_string())
    }
}

impl From<scim_proto::Error> for ApiError {
    fn from(e: scim_proto::Error) -> ApiError {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, e.to_string()).with_type(e.scim_type())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON)));
        self.insert_headers(&mut response, "Bearer realm=\"SCIM\"");
        let mut response = response.body(serde_json::to_string(&self.body()).unwrap_or_default());
        crate::middleware::note_error(
            &mut response,
            self.scim_type.map(ScimType::as_str),
            &self.detail,
        );
        response
    }
}
