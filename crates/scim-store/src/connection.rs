//! What the store keeps of a tenant's connection with its identity provider:
//! SCIM requests counted per hour, and the latest requests of note. The counts
//! come in batches that *add* to what is stored (each server process flushes
//! its own), so the types here are increments on the way in and totals on the
//! way out.

use chrono::{DateTime, Utc};
use scim_proto::ClientKind;

/// A tenant's SCIM requests in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourCount {
    /// The start of the hour (UTC, whole hour).
    pub hour: DateTime<Utc>,
    /// Requests answered.
    pub requests: i64,
    /// Of those, answered with a 4xx or 5xx status.
    pub errors: i64,
}

/// One SCIM request, as the connection status remembers it. No query string
/// and no body: they may hold people's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestNote {
    /// When it was answered.
    pub at: DateTime<Utc>,
    /// The HTTP method.
    pub method: String,
    /// The route it matched below the tenant URL (`/Users/{id}`).
    pub route: String,
    /// The status answered.
    pub status: u16,
    /// The client it came from.
    pub client: ClientKind,
    /// Its request id (`X-Request-Id`), to find it in the access log.
    pub request_id: String,
    /// The error's `scimType`, if it was an error that had one.
    pub scim_type: Option<String>,
    /// The error's detail, if it was an error.
    pub detail: Option<String>,
}

impl RequestNote {
    /// Whether the request failed (4xx or 5xx).
    pub fn failed(&self) -> bool {
        self.status >= 400
    }
}

/// The latest requests of a tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatestRequests {
    /// The latest request.
    pub request: Option<RequestNote>,
    /// The latest failed request.
    pub error: Option<RequestNote>,
    /// The latest request from a client recognised as Entra ID or Okta.
    pub recognised: Option<RequestNote>,
}

/// What one flush adds for one tenant: counts to add to their hours' rows,
/// and latest requests that replace the stored ones only when later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionBatch {
    /// Counts to add, one per hour.
    pub hours: Vec<HourCount>,
    /// The batch's latest requests.
    pub latest: LatestRequests,
    /// Hours before this one are deleted (history kept is bounded).
    pub prune_before: DateTime<Utc>,
}
