//! The admin API's error format: every error on its routes, whichever
//! extractor, handler or fallback raised it, leaves as an RFC 9457 problem
//! document instead of a SCIM Error message (see [`crate::error`]).

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

use crate::error::ApiError;

/// Middleware: re-renders the error a response carries as a problem document
/// (the `Allow` header of a 405 kept); responses without one pass unchanged.
pub(crate) async fn problem_documents<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, Error> {
    let response = next.call(req).await?;
    let Some(mut problem) = response.response().error().map(problem_of) else {
        return Ok(response.map_into_left_body());
    };
    if let Some(allow) = response.headers().get(header::ALLOW) {
        problem.headers_mut().insert(header::ALLOW, allow.clone());
    }
    Ok(response.into_response(problem).map_into_right_body())
}

/// The problem document of any error: ours as they are, actix's own by their
/// status and message.
fn problem_of(error: &Error) -> HttpResponse {
    match error.as_error::<ApiError>() {
        Some(ours) => ours.problem_response(),
        None => {
            let response = error.as_response_error();
            ApiError::new(response.status_code(), response.to_string()).problem_response()
        }
    }
}
