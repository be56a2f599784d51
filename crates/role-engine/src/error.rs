//! The crate's error type.

/// What can go wrong while loading rules, editing them or reading rule tests.
///
/// Decisions themselves never fail: a loaded [`Engine`](crate::Engine) decides
/// for any user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A rule's filter does not parse or does not fit the User schema.
    #[error("rule {rule}: invalid filter '{filter}': {source}")]
    InvalidFilter {
        /// The rule's number, counting from 1.
        rule: usize,
        /// The filter as written.
        filter: String,
        /// What the protocol crate objected to.
        source: scim_proto::Error,
    },
    /// A rule has neither a group nor a filter.
    #[error("rule {rule}: has neither a group nor a filter")]
    EmptyCondition {
        /// The rule's number, counting from 1.
        rule: usize,
    },
    /// A rule, the default role or the guard names an empty role.
    #[error("{place}: the role name is empty")]
    EmptyRole {
        /// Where: `default_role`, `guard` or `rule N`.
        place: String,
    },
    /// The built-in `Disabled` role cannot be removed.
    #[error("the built-in role Disabled cannot be removed")]
    BuiltInRole,
    /// Removing this role would leave the rule set without a default role.
    #[error("role {role} is the default role; choose another default role first")]
    RemovesDefaultRole {
        /// The role.
        role: String,
    },
    /// Removing this role would leave the guard protecting nothing.
    #[error("role {role} is protected by the guard; change the guard first")]
    RemovesGuardedRole {
        /// The role.
        role: String,
    },
    /// TOML that does not describe a rule set or a rule test file.
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// JSON that does not describe a rule set.
    #[error("invalid JSON: {0}")]
    Json(String),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
