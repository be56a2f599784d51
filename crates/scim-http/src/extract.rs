//! Request extractors that fail with SCIM errors instead of actix's plain-text ones.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use scim_proto::ScimType;
use serde_json::Value;

use crate::error::ApiError;

/// Largest request body accepted, in bytes (app data; default [`BodyLimit::DEFAULT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// 1 MiB: a 1,000-member PATCH is about 80 KB, a bulk request of 1,000 users about 900 KB.
    pub const DEFAULT: BodyLimit = BodyLimit(1024 * 1024);
}

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit::DEFAULT
    }
}

/// Longest a request body may take to arrive, from the moment its extractor
/// starts reading (app data; default [`BodyTimeout::DEFAULT`]). actix-web
/// bounds the wait for a request's head, not for its body: without this a
/// client trickling its body would keep the request open for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout(pub Duration);

impl BodyTimeout {
    /// 30 seconds: a 1 MiB body at 35 KB/s.
    pub const DEFAULT: BodyTimeout = BodyTimeout(Duration::from_secs(30));
}

impl Default for BodyTimeout {
    fn default() -> Self {
        BodyTimeout::DEFAULT
    }
}

/// A JSON request body.
///
/// The body is parsed as JSON whatever the `Content-Type` says
/// (`application/scim+json`, `application/json`, with or without `charset`, or
/// a client's wrong default such as `application/x-www-form-urlencoded`):
/// refusing a well-formed JSON body over a header helps nobody, and anything
/// that is not JSON still gets `400 invalidSyntax`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimJson(pub Value);

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The request body is larger than the {limit}-byte limit."),
    )
}

/// A raw request body read with the configured limit, with its media type
/// (used by admin routes that accept TOML as well as JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RawBody {
    /// Lowercase media type without parameters (empty when absent).
    pub media_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The body, at most `limit` bytes, arrived within `timeout` (else 408).
async fn read_limited(
    payload: Payload,
    limit: usize,
    timeout: Duration,
) -> Result<BytesMut, ApiError> {
    actix_web::rt::time::timeout(timeout, read_all(payload, limit))
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request body did not arrive within {} s.",
                    timeout.as_secs_f64()
                ),
            ))
        })
}

async fn read_all(mut payload: Payload, limit: usize) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Could not read the request body: {e}"),
            )
            .with_type(ScimType::InvalidSyntax)
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn declared_too_large(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(len) if len > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<RawBody, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().copied().unwrap_or_default().0;
        let timeout = req.app_data::<BodyTimeout>().copied().unwrap_or_default().0;
        let early = declared_too_large(req, limit);
        let media_type = media_type(req);
        let payload = payload.take();
        Box::pin(async move {
            early?;
            let bytes = read_limited(payload, limit, timeout).await?.to_vec();
            Ok(RawBody { media_type, bytes })
        })
    }
}

impl FromRequest for ScimJson {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<ScimJson, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().copied().unwrap_or_default().0;
        let timeout = req.app_data::<BodyTimeout>().copied().unwrap_or_default().0;
        let early = declared_too_large(req, limit);
        let payload = payload.take();
        Box::pin(async move {
            early?;
            let body = read_limited(payload, limit, timeout).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "The request body is empty; a JSON object is expected.",
                )
                .with_type(ScimType::InvalidSyntax));
            }
            serde_json::from_slice(&body).map(ScimJson).map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("The request body is not valid JSON: {e}"),
                )
                .with_type(ScimType::InvalidSyntax)
            })
        })
    }
}
