//! The store's error type.
//!
//! Variants say what the caller can act on (not found, conflict, stale version,
//! bad input, unavailable); database details travel only as an opaque source for
//! logging, so no diesel type leaks through the public API.

use std::error::Error as StdError;

/// Result alias of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What kind of row a [`StoreError::NotFound`] was looking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// A tenant (by id or slug).
    Tenant,
    /// A bearer token.
    Token,
    /// A user.
    User,
    /// A group.
    Group,
    /// A webhook endpoint.
    Webhook,
}

impl ResourceKind {
    /// The lowercase name of the kind, as the store's messages write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Tenant => "tenant",
            ResourceKind::Token => "token",
            ResourceKind::User => "user",
            ResourceKind::Group => "group",
            ResourceKind::Webhook => "webhook",
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the database cannot serve an operation for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unavailability {
    /// The database does not answer: connections are refused or were cut.
    Unreachable,
    /// The database answers but not in time: every pooled connection is in use,
    /// another process holds the lock, or concurrent transactions kept conflicting.
    Busy,
    /// The database or its disk is full.
    Full,
    /// The database takes no writes: a read-only file, or a standby server.
    ReadOnly,
}

impl Unavailability {
    /// A few words for logs and readiness probes.
    pub fn as_str(self) -> &'static str {
        match self {
            Unavailability::Unreachable => "database unreachable",
            Unavailability::Busy => "database busy",
            Unavailability::Full => "database or disk full",
            Unavailability::ReadOnly => "database read-only",
        }
    }
}

impl std::fmt::Display for Unavailability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The addressed row does not exist in this tenant (or is soft-deleted where only
    /// live rows count).
    #[error("{kind} '{id}' not found")]
    NotFound {
        /// What was looked for.
        kind: ResourceKind,
        /// The id (or slug) that was looked for.
        id: String,
    },
    /// A uniqueness rule was violated (`userName`, `displayName`, `id`, `slug`).
    #[error("a resource with the same {attribute} already exists")]
    Conflict {
        /// The attribute whose value collides, spelled as in SCIM where it is a SCIM attribute.
        attribute: &'static str,
    },
    /// An update carried an expected version that is not the stored one.
    #[error("version mismatch: expected {expected}, stored {actual}")]
    PreconditionFailed {
        /// The version the caller expected.
        expected: i64,
        /// The version actually stored.
        actual: i64,
    },
    /// Membership changes named users that are not live users of the tenant; nothing
    /// was changed.
    #[error("unknown members: {}", .0.join(", "))]
    UnknownMembers(Vec<String>),
    /// The data handed to the store breaks one of its input rules (for example an id
    /// that is not lowercase, a string containing NUL, a resource without `userName`).
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// `sortBy` names an attribute the store cannot sort by.
    #[error("cannot sort by {0}")]
    InvalidSort(String),
    /// A pagination cursor is malformed or belongs to another query.
    #[error("invalid cursor: {0}")]
    InvalidCursor(String),
    /// A compiled filter uses something outside the built-in User and Group schemas
    /// that the store cannot evaluate.
    #[error("unsupported filter: {0}")]
    UnsupportedFilter(String),
    /// The database URL or options are not usable.
    #[error("configuration: {0}")]
    Config(String),
    /// The database cannot serve the operation now ([`Unavailability`] says why);
    /// nothing of it was committed, and it may succeed when retried.
    #[error("storage unavailable ({reason}): {message}")]
    Unavailable {
        /// Why: what an operator looks at, and how soon a retry may help.
        reason: Unavailability,
        /// What happened, for logs.
        message: String,
        /// The underlying error, for logs.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// A backup could not be made as asked: its target exists, the backend is
    /// PostgreSQL (whose backups are `pg_dump`'s), or the copy failed.
    #[error("backup: {0}")]
    Backup(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Any other database failure: a bug or a broken database, never the caller's input.
    #[error("database error: {message}")]
    Database {
        /// What happened, for logs.
        message: String,
        /// The underlying error, for logs.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
}

impl StoreError {
    pub(crate) fn not_found(kind: ResourceKind, id: &str) -> StoreError {
        StoreError::NotFound {
            kind,
            id: id.to_owned(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> StoreError {
        StoreError::InvalidData(message.into())
    }

    /// [`StoreError::Unavailable`] for `reason`, keeping `source`.
    pub(crate) fn unavailable(
        reason: Unavailability,
        source: impl StdError + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Unavailable {
            reason,
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }
}

/// Why the database refused a statement, when it is unavailability rather than
/// a bug or bad input. SQLite reports a full disk, a read-only file and a lock
/// held elsewhere only by result code, which diesel passes on as the message.
fn unavailability(error: &diesel::result::Error) -> Option<Unavailability> {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(kind, info) => {
            let message = info.message();
            match kind {
                DatabaseErrorKind::ClosedConnection => Some(Unavailability::Unreachable),
                DatabaseErrorKind::SerializationFailure => Some(Unavailability::Busy),
                DatabaseErrorKind::ReadOnlyTransaction => Some(Unavailability::ReadOnly),
                _ if message.contains("database is locked")
                    || message.contains("deadlock detected") =>
                {
                    Some(Unavailability::Busy)
                }
                // SQLITE_FULL; PostgreSQL's disk_full (53100) names the OS error.
                _ if message.contains("database or disk is full")
                    || message.contains("No space left on device") =>
                {
                    Some(Unavailability::Full)
                }
                // SQLITE_READONLY and its extended codes.
                _ if message.contains("readonly database") => Some(Unavailability::ReadOnly),
                _ => None,
            }
        }
        // A connection whose transaction state was lost with its server.
        Error::BrokenTransactionManager => Some(Unavailability::Unreachable),
        _ => None,
    }
}

/// Whether a failed statement means that the database gave up the transaction
/// because of concurrent ones (a deadlock, a serialization failure): nothing of it
/// can commit, and running all of it again may succeed.
pub(crate) fn is_conflict(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        // SQLSTATE 40P01, which diesel does not classify.
        Error::DatabaseError(_, info) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> StoreError {
        match unavailability(&error) {
            Some(reason) => StoreError::unavailable(reason, error),
            None => StoreError::Database {
                message: error.to_string(),
                source: Some(Box::new(error)),
            },
        }
    }
}
