//! Domain errors into HTTP errors: the single mapping from provisioning errors
//! to statuses and `scimType`s.

use actix_web::http::StatusCode;
use provisioning::Error;
use scim_proto::ScimType;

use crate::error::ApiError;

/// Maps a use-case error. Internal errors are logged here with the request id
/// and answered without detail.
pub(crate) fn api_error(error: Error, request_id: &str) -> ApiError {
    match error {
        Error::Scim(e) => ApiError::from(e),
        Error::NotFound { resource, id } => {
            ApiError::not_found(format!("{resource} '{id}' not found"))
        }
        Error::Conflict(detail) => {
            ApiError::new(StatusCode::CONFLICT, detail).with_type(ScimType::Uniqueness)
        }
        Error::PreconditionFailed { expected, actual } => ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "The resource changed: If-Match named version {expected}, the current version is {actual}."
            ),
        ),
        Error::Unauthorized => ApiError::unauthorized(),
        Error::Invalid(detail) => {
            ApiError::new(StatusCode::BAD_REQUEST, detail).with_type(ScimType::InvalidValue)
        }
        Error::Refused(detail) => ApiError::new(StatusCode::CONFLICT, detail),
        Error::Unavailable(detail) => {
            tracing::warn!(request_id, error = %detail, "storage unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("The service is busy; retry later (request id {request_id})."),
            )
        }
        Error::Internal(detail) => {
            tracing::error!(request_id, error = %detail, "internal error");
            ApiError::internal(request_id)
        }
    }
}
