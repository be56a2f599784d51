//! Domain errors into HTTP errors: the single mapping from provisioning errors
//! to statuses and `scimType`s.

use actix_web::http::StatusCode;
use provisioning::{Error, LockRefused, Unavailability};
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

/// Seconds a client should wait before retrying while the database is
/// unavailable: a busy database frees up in moments; an unreachable one is
/// tried again by the pool every few seconds; a full or read-only one needs an
/// operator.
fn retry_after(reason: Unavailability) -> u32 {
    match reason {
        Unavailability::Busy => 1,
        Unavailability::Unreachable => 5,
        Unavailability::Full | Unavailability::ReadOnly => 30,
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
        Error::Unavailable { reason, source } => {
            tracing::warn!(request_id, error = %source, "storage unavailable");
            let seconds = retry_after(reason);
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "The service cannot reach its data for now ({reason}); nothing was changed. Retry in {seconds} seconds (request id {request_id})."
                ),
            )
            .with_retry_after(seconds)
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

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::http::header;
    use provisioning::StoreError;

    use super::*;

    fn unavailable(reason: Unavailability) -> ApiError {
        let source = StoreError::Unavailable {
            reason,
            message: "connection refused by 10.0.0.5".to_owned(),
            source: None,
        };
        api_error(Error::Unavailable { reason, source }, "req-1")
    }

    #[test]
    fn an_unavailable_database_is_503_with_retry_after_on_both_renderings() {
        for (reason, seconds) in [
            (Unavailability::Busy, "1"),
            (Unavailability::Unreachable, "5"),
            (Unavailability::Full, "30"),
            (Unavailability::ReadOnly, "30"),
        ] {
            let error = unavailable(reason);
            assert_eq!(error.status, StatusCode::SERVICE_UNAVAILABLE);
            assert!(
                !error.detail.contains("10.0.0.5"),
                "no internals: {}",
                error.detail
            );
            for response in [error.error_response(), error.problem_response()] {
                assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
                let retry = response.headers().get(header::RETRY_AFTER);
                assert_eq!(
                    retry.and_then(|v| v.to_str().ok()),
                    Some(seconds),
                    "{reason:?}"
                );
            }
        }
    }

    #[test]
    fn other_errors_carry_no_retry_after() {
        let error = api_error(
            Error::Storage(StoreError::Database {
                message: "bug".to_owned(),
                source: None,
            }),
            "req-2",
        );
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            error
                .error_response()
                .headers()
                .get(header::RETRY_AFTER)
                .is_none()
        );
    }
}
