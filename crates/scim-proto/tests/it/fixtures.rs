//! Resources in canonical form shared by the integration tests.

use serde_json::Value;

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A provisioned user as Entra ID leaves it, plus an attribute of an unknown
/// extension (the fuzz targets' user).
pub(crate) fn user() -> Value {
    scim_proto::fuzzing::fixture_user()
}
