//! The provisioning layer's errors: what went wrong in terms a caller can act on.
//!
//! The HTTP layer maps each variant to a status and `scimType` in one place.
//! Failures that are never the client's fault ([`Error::Storage`],
//! [`Error::Unavailable`] and the stored-data variants) keep the error that
//! caused them as their `source`, for logs only.

use scim_store::{StoreError, Unavailability};

/// What kind of resource an [`Error::NotFound`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A SCIM user.
    User,
    /// A SCIM group.
    Group,
    /// A tenant.
    Tenant,
    /// A bearer token.
    Token,
    /// A rule of a tenant's rule set.
    Rule,
    /// A webhook endpoint.
    Webhook,
}

impl ResourceKind {
    /// The name messages use: `User`, `Group`, `Tenant`, `Token`, `Rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
            ResourceKind::Tenant => "Tenant",
            ResourceKind::Token => "Token",
            ResourceKind::Rule => "Rule",
            ResourceKind::Webhook => "Webhook",
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<scim_store::ResourceKind> for ResourceKind {
    fn from(kind: scim_store::ResourceKind) -> ResourceKind {
        match kind {
            scim_store::ResourceKind::User => ResourceKind::User,
            scim_store::ResourceKind::Group => ResourceKind::Group,
            scim_store::ResourceKind::Tenant => ResourceKind::Tenant,
            scim_store::ResourceKind::Token => ResourceKind::Token,
            scim_store::ResourceKind::Webhook => ResourceKind::Webhook,
        }
    }
}

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is invalid SCIM (bad value, path, filter, syntax...).
    #[error(transparent)]
    Scim(#[from] scim_proto::Error),
    /// The resource does not exist in this tenant (or was deleted).
    #[error("{resource} '{id}' not found")]
    NotFound {
        /// What was asked for.
        resource: ResourceKind,
        /// The id asked for.
        id: String,
    },
    /// A uniqueness rule was violated (409, `scimType: uniqueness`).
    #[error("a resource with the same {attribute} already exists in this tenant")]
    Conflict {
        /// The attribute whose value collides (`userName`, `displayName`, `slug`...).
        attribute: &'static str,
    },
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
    /// An admin request is invalid (an unknown role, a bad slug or status...).
    #[error("{0}")]
    Invalid(String),
    /// A lock request asks for something refused (see [`crate::LockRefused`]).
    #[error(transparent)]
    Lock(#[from] crate::admin::LockRefused),
    /// A rule set or catalogue the role engine rejects.
    #[error(transparent)]
    Rules(#[from] role_engine::Error),
    /// The change would leave the guarded role without an active holder (the
    /// last-admin guard) and was refused.
    #[error(transparent)]
    Refused(#[from] role_engine::GuardViolation),
    /// The storage cannot serve the request now (`reason` says why); nothing was
    /// changed, and retrying may succeed.
    #[error("{source}")]
    Unavailable {
        /// Why, for the HTTP layer's `Retry-After` and for logs.
        reason: Unavailability,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The storage failed otherwise: a bug or a broken database.
    #[error("internal error: {0}")]
    Storage(#[source] StoreError),
    /// Data stored in the tenant row (`what`) no longer reads: a bug or a broken
    /// database.
    #[error("internal error: {what}: {source}")]
    StoredData {
        /// Which data: `stored tenant settings`, `stored rule set`...
        what: &'static str,
        /// Why it does not read.
        source: serde_json::Error,
    },
    /// A tenant's stored rules no longer compile (a bug: they were checked when saved).
    #[error("internal error: stored rules of {tenant}: {source}")]
    StoredRules {
        /// The tenant's slug.
        tenant: String,
        /// What the role engine objected to.
        source: role_engine::Error,
    },
    /// A value could not be turned into JSON (a bug).
    #[error("internal error: {0}")]
    Json(#[from] serde_json::Error),
    /// The operating system gave no randomness for a new token.
    #[error("internal error: no randomness: {0}")]
    Randomness(#[from] getrandom::Error),
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        match e {
            StoreError::NotFound { kind, id } => Error::NotFound {
                resource: kind.into(),
                id,
            },
            StoreError::Conflict { attribute } => Error::Conflict { attribute },
            StoreError::PreconditionFailed { expected, actual } => {
                Error::PreconditionFailed { expected, actual }
            }
            // Input the client chose (members, sort key, cursor, filter, values)
            // that the store refused: a SCIM error for the client.
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
            StoreError::Unavailable {
                reason,
                message,
                source,
            } => Error::Unavailable {
                reason,
                source: StoreError::Unavailable {
                    reason,
                    message,
                    source,
                },
            },
            other => Error::Storage(other),
        }
    }
}

#[cfg(test)]
mod tests;
