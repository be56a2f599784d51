//! The event log as the admin API reads it.

use chrono::{DateTime, Utc};
use scim_store::{Event, EventKind};
use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::service::Provisioning;
use crate::tenant::TenantContext;

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventInfo {
    /// Sequence number in the tenant's log.
    pub seq: i64,
    /// When.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub time: DateTime<Utc>,
    /// What, e.g. [`EventKind::RoleChanged`] (`role.changed` in JSON).
    pub kind: EventKind,
    /// `User`, `Group`, ...
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// Who and why, with the client leniencies the request needed.
    pub cause: Option<Value>,
    /// Request id.
    pub request_id: Option<String>,
}

impl EventInfo {
    fn from_row(e: Event) -> EventInfo {
        EventInfo {
            seq: e.seq,
            time: e.time,
            kind: e.kind,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            before: e.before,
            after: e.after,
            cause: e.cause,
            request_id: e.request_id,
        }
    }
}

impl Provisioning {
    /// The event log after sequence `after`, at most `limit` entries, including
    /// every event committed before the call.
    pub fn events(&self, tenant: &TenantContext, after: i64, limit: u64) -> Result<Vec<EventInfo>> {
        let events = self.store.events(&tenant.id, after, limit.clamp(1, 1000))?;
        Ok(events.into_iter().map(EventInfo::from_row).collect())
    }
}

#[cfg(test)]
mod tests;
