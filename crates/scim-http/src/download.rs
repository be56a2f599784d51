//! Downloads streamed chunk by chunk: each chunk is read on a blocking thread
//! and sent before the next is read, so memory stays that of one chunk
//! whatever the size of the tenant.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, Query};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::stream;
use scim_proto::ScimType;
use serde::Deserialize;

use crate::convert::run_blocking;
use crate::error::ApiError;

/// What one step of a download produced: the bytes to send, and the state to
/// continue from (`None`: that was the last chunk).
pub(crate) type Step<S> = (String, Option<S>);

/// A `200` whose body is `first` followed by what `next` gives, step by step
/// from `start`, until it gives no further state. An error after the first
/// bytes were sent can only cut the body short (the status is out): it is
/// logged with the request id.
pub(crate) fn streamed<S, F>(
    content_type: &'static str,
    file_name: &str,
    request_id: String,
    first: String,
    start: S,
    next: F,
) -> HttpResponse
where
    S: Send + 'static,
    F: Fn(S) -> provisioning::Result<Step<S>> + Clone + Send + 'static,
{
    let head = stream::once(async move { Ok::<_, ApiError>(Bytes::from(first)) });
    let body = stream::try_unfold(Some(start), move |state| {
        let (next, request_id) = (next.clone(), request_id.clone());
        async move {
            let Some(state) = state else {
                return Ok(None);
            };
            let (text, state) = run_blocking(request_id, move || next(state)).await?;
            Ok(Some((Bytes::from(text), state)))
        }
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(futures_util::StreamExt::chain(head, body))
}

/// What a listing answers in: `?format=json|csv|ndjson`, else what `Accept`
/// names (JSON by default). An unknown `format` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON, paged (not a download).
    Json,
    /// Comma-separated values, one user a line.
    Csv,
    /// Newline-delimited JSON, one user a line.
    Ndjson,
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

impl Format {
    fn read(req: &HttpRequest) -> Result<Format, ApiError> {
        let query = Query::<FormatQuery>::from_query(req.query_string())
            .map(Query::into_inner)
            .unwrap_or(FormatQuery { format: None });
        match query.format.as_deref() {
            Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("ndjson") => Ok(Format::Ndjson),
            Some(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("unknown format '{other}': use json, csv or ndjson"),
            )
            .with_type(ScimType::InvalidValue)),
            None => {
                let accept = req
                    .headers()
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                Ok(if accept.contains("text/csv") {
                    Format::Csv
                } else if accept.contains("application/x-ndjson") {
                    Format::Ndjson
                } else {
                    Format::Json
                })
            }
        }
    }
}

impl FromRequest for Format {
    type Error = ApiError;
    type Future = Ready<Result<Format, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Format::read(req))
    }
}
