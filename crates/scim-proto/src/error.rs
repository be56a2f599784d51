//! The crate's error type and the SCIM `scimType` vocabulary it maps to.

use serde::{Deserialize, Serialize};

/// The `scimType` values of RFC 7644 section 3.12, table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    /// The filter syntax is invalid or the filter is not supported.
    InvalidFilter,
    /// The query would return more results than the server allows.
    TooMany,
    /// A value collides with a unique attribute of another resource.
    Uniqueness,
    /// The request modifies an attribute that is immutable or read-only.
    Mutability,
    /// The request body is not valid SCIM.
    InvalidSyntax,
    /// A PATCH path is invalid.
    InvalidPath,
    /// A PATCH path or filter selects nothing where something is required.
    NoTarget,
    /// A value is of the wrong type, missing where required, or otherwise incompatible.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request carries sensitive data in a place it must not (e.g. a URL).
    Sensitive,
}

impl ScimType {
    /// The wire spelling, e.g. `"invalidFilter"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }

    /// The HTTP status RFC 7644 pairs with this `scimType`.
    pub fn status(self) -> u16 {
        match self {
            ScimType::Uniqueness => 409,
            ScimType::Sensitive => 403,
            _ => 400,
        }
    }
}

/// Everything that can go wrong while reading, validating or transforming SCIM data.
///
/// Every variant corresponds to exactly one `scimType`; [`Error::scim_type`] and
/// [`Error::status`] give the pairing, so an HTTP layer never has to inspect messages.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A filter could not be parsed or cannot be applied to the resource type.
    #[error("invalid filter at position {position}: {message}")]
    InvalidFilter {
        /// Byte offset in the filter text where the problem was found.
        position: usize,
        /// What is wrong, for humans.
        message: String,
    },
    /// A PATCH path (or an `attributes` entry) could not be parsed or names nothing known.
    #[error("invalid path at position {position}: {message}")]
    InvalidPath {
        /// Byte offset in the path text where the problem was found.
        position: usize,
        /// What is wrong, for humans.
        message: String,
    },
    /// The operation needs a target that the path does not select.
    #[error("no target: {0}")]
    NoTarget(String),
    /// A value is of the wrong type or otherwise unacceptable.
    #[error("invalid value: {0}")]
    InvalidValue(String),
    /// The request tries to change a read-only or immutable attribute.
    #[error("mutability: {0}")]
    Mutability(String),
    /// The request body does not have the structure of the expected SCIM message.
    #[error("invalid syntax: {0}")]
    InvalidSyntax(String),
    /// The request exceeds a limit of this implementation.
    #[error("too many: {0}")]
    TooMany(String),
}

impl Error {
    /// The `scimType` this error is reported with.
    pub fn scim_type(&self) -> ScimType {
        match self {
            Error::InvalidFilter { .. } => ScimType::InvalidFilter,
            Error::InvalidPath { .. } => ScimType::InvalidPath,
            Error::NoTarget(_) => ScimType::NoTarget,
            Error::InvalidValue(_) => ScimType::InvalidValue,
            Error::Mutability(_) => ScimType::Mutability,
            Error::InvalidSyntax(_) => ScimType::InvalidSyntax,
            Error::TooMany(_) => ScimType::TooMany,
        }
    }

    /// The HTTP status this error is reported with.
    pub fn status(&self) -> u16 {
        self.scim_type().status()
    }

    /// Prefixes the message with where it happened (e.g. `Operations[2]`), keeping the variant.
    #[must_use]
    pub fn context(self, at: &str) -> Error {
        match self {
            Error::InvalidFilter { position, message } => Error::InvalidFilter {
                position,
                message: format!("{at}: {message}"),
            },
            Error::InvalidPath { position, message } => Error::InvalidPath {
                position,
                message: format!("{at}: {message}"),
            },
            Error::NoTarget(m) => Error::NoTarget(format!("{at}: {m}")),
            Error::InvalidValue(m) => Error::InvalidValue(format!("{at}: {m}")),
            Error::Mutability(m) => Error::Mutability(format!("{at}: {m}")),
            Error::InvalidSyntax(m) => Error::InvalidSyntax(format!("{at}: {m}")),
            Error::TooMany(m) => Error::TooMany(format!("{at}: {m}")),
        }
    }

    pub(crate) fn filter(position: usize, message: impl Into<String>) -> Error {
        Error::InvalidFilter {
            position,
            message: message.into(),
        }
    }

    pub(crate) fn path(position: usize, message: impl Into<String>) -> Error {
        Error::InvalidPath {
            position,
            message: message.into(),
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
