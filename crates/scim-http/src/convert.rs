//! Domain errors into HTTP errors: the single mapping from provisioning errors
//! to statuses and `scimType`s.

use actix_web::http::StatusCode;
use provisioning::{Error, LockRefused};
use scim_proto::ScimType;

use crate::error::ApiError;

/// Runs a use case on actix's blocking pool (the store is synchronous) and maps
/// its error; a task that panicked or was cancelled is a logged 500. Public so
/// that other front ends (the web console) answer the same statuses.
pub async fn run_blocking<T: Send + 'static>(
    request_id: String,
    f: impl FnOnce() -> provisioning::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match actix_web::web::block(f).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(api_error(e, &request_id)),
        Err(e) => {
            tracing::error!(request_id, error = %e, "blocking task failed");
            Err(ApiError::internal(&request_id))
        }
    }
}

/// Maps a use-case error. Internal errors are logged here with the request id
/// and answered without detail.
pub(crate) fn api_error(error: Error, request_id: &str) -> ApiError {
    match error {
        Error::Scim(e) => ApiError::from(e),
        e @ Error::NotFound { .. } => ApiError::not_found(e.to_string()),
        e @ Error::Conflict { .. } => {
            ApiError::new(StatusCode::CONFLICT, e.to_string()).with_type(ScimType::Uniqueness)
        }
        // A negative `expected`: the tags named no version of this resource.
        Error::PreconditionFailed { expected, actual } if expected < 0 => ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "If-Match names no version of this resource (another resource's or a foreign entity tag); the current version is {actual}."
            ),
        ),
        Error::PreconditionFailed { expected, actual } => ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "The resource changed: If-Match named version {expected}, the current version is {actual}."
            ),
        ),
        Error::Unauthorized => ApiError::unauthorized(),
        e @ (Error::Invalid(_) | Error::Rules(_)) => {
            ApiError::new(StatusCode::BAD_REQUEST, e.to_string()).with_type(ScimType::InvalidValue)
        }
        Error::Refused(violation) => ApiError::new(StatusCode::CONFLICT, violation.to_string()),
        Error::Lock(refused) => {
            let status = match refused {
                LockRefused::DisabledNotAllowed => StatusCode::BAD_REQUEST,
                LockRefused::UserDeleted { .. } => StatusCode::CONFLICT,
            };
            ApiError::new(status, refused.to_string())
        }
        Error::Unavailable(e) => {
            tracing::warn!(request_id, error = %e, "storage unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("The service is busy; retry later (request id {request_id})."),
            )
        }
        e @ (Error::Storage(_)
        | Error::StoredData { .. }
        | Error::StoredRules { .. }
        | Error::Json(_)
        | Error::Randomness(_)) => {
            tracing::error!(request_id, error = %e, "internal error");
            ApiError::internal(request_id)
        }
    }
}
