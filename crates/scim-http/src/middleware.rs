//! Request ids and the access log: one structured line per request with tenant,
//! method, path, status, latency and request id. A line of a 4xx or 5xx answer
//! also carries why (the error's `scimType` and detail, as the client got them),
//! the client's address and its User-Agent, so a failed call (Entra ID's Test
//! Connection, say) is explained by the log alone.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse};

/// The request id header, read from the client when well-formed, else generated.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// What an error response told the client, kept in the response's extensions
/// for the access log (error responders attach it with [`note_error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorNote {
    /// The SCIM `scimType` (or the problem type), if any.
    pub scim_type: Option<String>,
    /// The detail sent.
    pub detail: String,
}

/// Attaches what an error response says to it, for the access log.
pub fn note_error(response: &mut HttpResponse, scim_type: Option<&str>, detail: &str) {
    response.extensions_mut().insert(ErrorNote {
        scim_type: scim_type.map(str::to_owned),
        detail: detail.to_owned(),
    });
}

/// The id of `req` (set by [`access_log`]); `-` outside the middleware.
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map_or_else(|| "-".to_owned(), |r| r.0.clone())
}

/// Middleware: assigns the request id, echoes it in the response, logs the request.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| valid_id(v))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    // The peer, or behind a trusted proxy the address it forwarded for
    // (forwarded headers from anyone else are the client's to choose).
    let state = req.app_data::<actix_web::web::Data<crate::ScimState>>();
    let proxies = state.map_or(&[][..], |state| &state.config.trusted_proxies[..]);
    let client = crate::forwarded::client_address(req.request(), proxies)
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string());
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let result = next.call(req).await;
    // Milliseconds with two decimals, as a number in JSON logs.
    let latency_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    match result {
        Ok(mut response) => {
            let tenant = response
                .request()
                .match_info()
                .get("tenant")
                .unwrap_or("-")
                .to_owned();
            if let Ok(value) = HeaderValue::from_str(&id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            let status = response.status().as_u16();
            if status < 400 {
                tracing::info!(
                    target: "scim_http::access",
                    tenant = %tenant,
                    method = %method,
                    path = %path,
                    status,
                    latency_ms,
                    request_id = %id,
                    "request"
                );
            } else {
                let note = response.response().extensions().get::<ErrorNote>().cloned();
                let (scim_type, detail) = note.map_or_else(
                    || ("-".to_owned(), "-".to_owned()),
                    |n| (n.scim_type.unwrap_or_else(|| "-".to_owned()), n.detail),
                );
                tracing::info!(
                    target: "scim_http::access",
                    tenant = %tenant,
                    method = %method,
                    path = %path,
                    status,
                    latency_ms,
                    request_id = %id,
                    scim_type = %scim_type,
                    detail = %detail,
                    client = %client,
                    user_agent = %user_agent,
                    "request failed"
                );
            }
            Ok(response)
        }
        Err(e) => {
            tracing::info!(
                target: "scim_http::access",
                method = %method,
                path = %path,
                error = %e,
                request_id = %id,
                client = %client,
                user_agent = %user_agent,
                "request failed"
            );
            Err(e)
        }
    }
}
