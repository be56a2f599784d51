//! The conversation file: one JSON object per conversation, read with serde
//! and refused whole when a field is unknown (a typo would otherwise check
//! nothing).
//!
//! ```json
//! {
//!   "name": "entra-test-connection",
//!   "client": "Microsoft Entra ID",
//!   "description": "What the conversation shows.",
//!   "headers": {"User-Agent": "Okta SCIM Client 1.0.0"},
//!   "steps": [
//!     {
//!       "name": "match alice by userName",
//!       "repeat": {"times": 3, "as": "n"},
//!       "request": {"method": "GET", "path": "/Users?filter=...", "headers": {}, "body": null},
//!       "expect": {"status": 200, "headers": {}, "body": {"totalResults": 0},
//!                  "capture": {"user:alice": "/id", "members[]": "/id"}}
//!     }
//!   ],
//!   "checks": [ ...steps, played after all of `steps`... ]
//! }
//! ```
//!
//! `headers` at the top are sent with every request (the client's
//! `User-Agent`; Entra ID sends none); a step's own headers add to them or
//! replace them. Paths are relative to the SCIM base URL and written as the
//! client sends them (already URL-encoded). Placeholders and matchers are
//! [`crate::template`]'s and [`crate::expect`]'s.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A conversation as its file spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    pub(crate) name: String,
    pub(crate) client: String,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) steps: Vec<Step>,
    /// Final-state checks: steps played after all of `steps`, reported as
    /// checks.
    #[serde(default)]
    pub(crate) checks: Vec<Step>,
}

/// One request and what its answer must be.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    pub(crate) name: String,
    /// Plays the step `times` times, with `{{<as>}}` counting from 1.
    #[serde(default)]
    pub(crate) repeat: Option<Repeat>,
    pub(crate) request: Request,
    pub(crate) expect: Expect,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Repeat {
    pub(crate) times: u32,
    #[serde(rename = "as")]
    pub(crate) var: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) body: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    pub(crate) status: u16,
    /// Response headers, by name in any letter case: each value exactly, or
    /// `{{any}}` (present) / `{{absent}}`.
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    /// The body's pattern (`crate::expect`); none: the body is not checked.
    #[serde(default)]
    pub(crate) body: Option<Value>,
    /// Variable name -> JSON pointer into the response body (a string or a
    /// number there); a name ending in `[]` appends to a list.
    #[serde(default)]
    pub(crate) capture: BTreeMap<String, String>,
}
