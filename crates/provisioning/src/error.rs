//! The provisioning layer's errors: what went wrong in terms a caller can act on.
//!
//! The HTTP layer maps each variant to a status and `scimType` in one place;
//! [`Error::Internal`] carries storage failures that are never the client's fault
//! and whose details must only be logged.

use scim_store::StoreError;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is invalid SCIM (bad value, path, filter, syntax...).
    #[error(transparent)]
    Scim(#[from] scim_proto::Error),
    /// The resource does not exist in this tenant (or was deleted).
    #[error("{resource} '{id}' not found")]
    NotFound {
        /// `User`, `Group`, `Tenant`, `Token`.
        resource: &'static str,
        /// The id asked for.
        id: String,
    },
    /// A uniqueness rule was violated (409, `scimType: uniqueness`).
    #[error("{0}")]
    Conflict(String),
    /// The resource's version is not the one the client expected (412).
    #[error("the resource was modified: expected version {expected}, current version {actual}")]
    PreconditionFailed {
        /// The version the client sent.
        expected: i64,
        /// The stored version.
        actual: i64,
    },
    /// Missing, malformed or unknown credentials, or an unknown tenant. Deliberately
    /// carries no detail, so callers cannot tell which.
    #[error("authentication failed")]
    Unauthorized,
    /// An admin request is invalid (rules that do not validate, an unknown role...).
    #[error("{0}")]
    Invalid(String),
    /// The change would break a safety rule (the last-admin guard) and was refused.
    #[error("{0}")]
    Refused(String),
    /// The storage is busy or unreachable; retrying may succeed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a broken database. The detail is for logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::NotFound { kind, id } => Error::NotFound {
                resource: match kind {
                    "user" => "User",
                    "group" => "Group",
                    "tenant" => "Tenant",
                    "token" => "Token",
                    _ => "Resource",
                },
                id,
            },
            StoreError::Conflict { attribute } => Error::Conflict(format!(
                "a resource with the same {attribute} already exists in this tenant"
            )),
            StoreError::PreconditionFailed { expected, actual } => {
                Error::PreconditionFailed { expected, actual }
            }
            StoreError::UnknownMembers(ids) => {
                Error::Scim(scim_proto::Error::InvalidValue(format!(
                    "no user with id {} exists in this tenant",
                    ids.iter()
                        .map(|i| format!("'{i}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            StoreError::InvalidSort(what) => Error::Scim(scim_proto::Error::InvalidValue(format!(
                "cannot sort by {what}"
            ))),
            StoreError::InvalidCursor(what) => Error::Scim(scim_proto::Error::InvalidValue(
                format!("invalid cursor: {what}"),
            )),
            StoreError::UnsupportedFilter(what) => Error::Scim(scim_proto::Error::InvalidFilter {
                position: 0,
                message: what,
            }),
            StoreError::InvalidData(what) => Error::Scim(scim_proto::Error::InvalidValue(what)),
            StoreError::Unavailable { message, .. } => Error::Unavailable(message),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<role_engine::Error> for Error {
    fn from(e: role_engine::Error) -> Error {
        Error::Invalid(e.to_string())
    }
}
