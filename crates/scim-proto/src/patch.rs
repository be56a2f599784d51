//! PATCH (RFC 7644 section 3.5.2): reading a PatchOp request and applying it
//! atomically to a canonical resource.
//!
//! ```
//! use scim_proto::patch::{apply, PatchRequest};
//! use scim_proto::normalize::NormalizeOptions;
//! use scim_proto::schema::USER_RESOURCE;
//! use scim_proto::CompatReport;
//! use serde_json::json;
//!
//! let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!                   "userName": "bjensen", "active": true});
//! let mut report = CompatReport::new();
//! // Entra ID's legacy dialect: capitalised op, boolean as a string.
//! let request = PatchRequest::from_json(&json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
//! }), &mut report)?;
//! let patched = apply(&user, &request, &USER_RESOURCE, &NormalizeOptions::default(), &mut report)?;
//! assert_eq!(patched["active"], false);
//! assert_eq!(report.names(), ["case-insensitive-op", "boolean-string"]);
//! # Ok::<(), scim_proto::Error>(())
//! ```
//!
//! Semantics beyond the RFC text, each a documented choice:
//! - All operations apply to a copy; any error returns the error and leaves the
//!   input untouched.
//! - A single-valued complex attribute is merged by both `add` and `replace`
//!   (RFC: "sub-attributes not specified are left unchanged"), except that a new
//!   `value` (e.g. another `manager`) replaces the whole object, so a stale `$ref`
//!   never survives.
//! - `remove` with a value filter that matches nothing succeeds without change
//!   (removing a non-member is idempotent for Entra ID).
//! - Setting `primary: true` on one value resets it on the others (RFC 7644
//!   section 3.5.2).
//! - Path-less value objects ignore read-only attributes (Okta sends the group
//!   `id` with every rename); an explicit path to a read-only attribute is a
//!   `mutability` error.
//!
//! The module is split by idea: `parse` reads the PatchOp message (with the
//! client leniencies), `apply` applies its operations atomically, and `members`
//! splits group-membership changes out for a store to apply as rows.

mod apply;
mod members;
mod parse;

use serde_json::Value;

pub use self::apply::{apply, apply_in_place};
pub use self::members::{MemberChange, split_member_changes};
use crate::path::PatchPath;

/// URN of the PatchOp message.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Most operations one request may carry.
pub const MAX_OPERATIONS: usize = 10_000;

/// The three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `replace`.
    Replace,
}

impl OpKind {
    /// The canonical (lowercase) name.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Remove => "remove",
            OpKind::Replace => "replace",
        }
    }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// Which operation.
    pub op: OpKind,
    /// The target; `None` targets the resource itself.
    pub path: Option<PatchPath>,
    /// The value, for `add`, `replace` and Entra's remove-by-value.
    pub value: Option<Value>,
}

/// A parsed PatchOp request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

#[cfg(test)]
mod tests;
