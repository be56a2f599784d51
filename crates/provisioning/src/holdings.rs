//! What disabled users still hold in the host application.
//!
//! The disabled-users report lists users that provisioning disabled, so that the
//! host application can act on "disabled users with equipment". Only the host
//! knows what a user holds; it says so by implementing [`HoldingsProvider`].

use std::collections::HashMap;

/// How much a user holds, as the host application counts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holdings {
    /// Number of items held, or `None` when the host cannot tell.
    pub count: Option<u64>,
    /// A short description for the report (e.g. "2 laptops, 1 phone").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl Holdings {
    /// Holdings the host does not know.
    pub const UNKNOWN: Holdings = Holdings {
        count: None,
        summary: None,
    };
}

/// Implemented by the host application.
pub trait HoldingsProvider: Send + Sync {
    /// The holdings of the given users of a tenant (by user id). Users missing
    /// from the answer are reported as unknown.
    fn holdings(&self, tenant_slug: &str, user_ids: &[String]) -> HashMap<String, Holdings>;
}

/// The bundled server's provider: it knows nothing about the host's inventory.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnknownHoldings;

impl HoldingsProvider for UnknownHoldings {
    fn holdings(&self, _tenant_slug: &str, _user_ids: &[String]) -> HashMap<String, Holdings> {
        HashMap::new()
    }
}
