//! The event log as the admin API reads it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use role_engine::{Decision, Reason};
use scim_store::{Event, EventKind, EventSearch, ReadTx};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::service::Provisioning;
use crate::tenant::TenantContext;

/// One entry of the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventInfo {
    /// Sequence number in the tenant's log.
    pub seq: i64,
    /// When.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub time: DateTime<Utc>,
    /// What, e.g. [`EventKind::RoleChanged`] (`role.changed` in JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: EventKind,
    /// `User`, `Group`, ...
    pub resource_type: Option<String>,
    /// Which one.
    pub resource_id: Option<String>,
    /// State before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    /// State after.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
    /// Who and why, with the client leniencies the request needed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub cause: Option<Value>,
    /// Request id.
    pub request_id: Option<String>,
}

impl EventInfo {
    pub(crate) fn from_row(e: Event) -> EventInfo {
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

/// Most events one page holds; a larger `limit` is refused, not cut.
pub const MAX_EVENT_PAGE: u64 = 1000;

/// Events per page when the request names no `limit`.
const DEFAULT_EVENT_PAGE: u64 = 100;

/// A read of the event log: after a sequence number, filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only events numbered above this (0: from the start).
    pub after_seq: i64,
    /// Only these kinds, by their string form (`role.changed`, ...); all when empty.
    pub kinds: Vec<String>,
    /// Only events about this user (its role, lock and body; joining or
    /// leaving a group is an event of the group).
    pub user: Option<String>,
    /// Only events about this group (its membership changes included).
    pub group: Option<String>,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Page size (`None`: 100; at most [`MAX_EVENT_PAGE`]).
    pub limit: Option<u64>,
}

/// One page of the event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventLogPage {
    /// The events, in sequence order.
    pub items: Vec<EventInfo>,
    /// Pass as `after_seq` for the next page: the last event's number when the
    /// page is full, else the newest number the read saw (events that did not
    /// match the filters are not read again).
    pub next_after_seq: i64,
}

impl EventQuery {
    fn to_search(&self) -> Result<EventSearch> {
        if self.user.is_some() && self.group.is_some() {
            return Err(Error::Invalid(
                "name a user or a group, not both: an event is about one resource".to_owned(),
            ));
        }
        if self.after_seq < 0 {
            return Err(Error::Invalid("after_seq must not be negative".to_owned()));
        }
        Ok(EventSearch {
            after_seq: self.after_seq,
            resource_id: self.user.clone().or_else(|| self.group.clone()),
            ..filters(&self.kinds, self.since, self.until, self.limit)?
        })
    }
}

/// The checks and filters every read of the log shares: kinds by name, a time
/// range, a page size (`None`: 100; at most [`MAX_EVENT_PAGE`]).
pub(super) fn filters(
    kinds: &[String],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: Option<u64>,
) -> Result<EventSearch> {
    let limit = match limit {
        None => DEFAULT_EVENT_PAGE,
        Some(n) if (1..=MAX_EVENT_PAGE).contains(&n) => n,
        Some(n) => {
            return Err(Error::Invalid(format!(
                "limit must be between 1 and {MAX_EVENT_PAGE}, not {n}"
            )));
        }
    };
    let mut parsed = Vec::with_capacity(kinds.len());
    for name in kinds {
        match EventKind::parse(name) {
            EventKind::Other(_) => {
                let known: Vec<&str> = EventKind::KNOWN.iter().map(EventKind::as_str).collect();
                return Err(Error::Invalid(format!(
                    "unknown event kind '{name}'; the kinds are {}",
                    known.join(", ")
                )));
            }
            kind => parsed.push(kind),
        }
    }
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(Error::Invalid("since must be before until".to_owned()));
    }
    Ok(EventSearch {
        kinds: parsed,
        since,
        until,
        limit,
        ..EventSearch::default()
    })
}

impl Provisioning {
    /// A page of the event log, including every event committed before the call.
    pub fn event_log(&self, tenant: &TenantContext, query: &EventQuery) -> Result<EventLogPage> {
        let search = query.to_search()?;
        self.store.number_events(&tenant.id)?;
        self.read(|tx| {
            let page = tx.tenant(&tenant.id).events().search(&search)?;
            let mut items: Vec<EventInfo> =
                page.events.into_iter().map(EventInfo::from_row).collect();
            name_groups_as_they_are_now(tx, &tenant.id, &mut items)?;
            Ok(EventLogPage {
                items,
                next_after_seq: page.next_after_seq,
            })
        })
    }

    /// The newest event number (0 for an empty log): a consumer that starts
    /// reading after it sees only what happens from now on.
    pub fn event_head(&self, tenant: &TenantContext) -> Result<i64> {
        self.store.number_events(&tenant.id)?;
        self.read(|tx| Ok(tx.tenant(&tenant.id).events().head()?))
    }
}

/// The deciding rule's group in a `role.changed` event, when a rule decided.
fn rule_reason(event: &EventInfo) -> Option<Reason> {
    if event.kind != EventKind::RoleChanged {
        return None;
    }
    let reason = event.after.as_ref()?.get("reason")?;
    match serde_json::from_value::<Reason>(reason.clone()).ok()? {
        reason @ Reason::Rule { group: Some(_), .. } => Some(reason),
        _ => None,
    }
}

/// Role changes name their rule's group by its display name now, not by the
/// label the rule carried when it was saved: a group the identity provider
/// renamed since shows its new name, as explanations do. The stored event is
/// left as written; one lookup per distinct group on the page.
pub(super) fn name_groups_as_they_are_now<'a>(
    tx: &mut ReadTx<'_>,
    tenant_id: &str,
    items: impl IntoIterator<Item = &'a mut EventInfo>,
) -> Result<()> {
    let mut names: HashMap<String, String> = HashMap::new();
    for event in items {
        let Some(reason) = rule_reason(event) else {
            continue;
        };
        if let Reason::Rule {
            group: Some(group), ..
        } = &reason
            && !names.contains_key(&group.id)
            && let Some(found) = tx.tenant(tenant_id).groups().by_id(&group.id)?
        {
            names.insert(group.id.clone(), found.display_name);
        }
        let reason = reason.with_group_names(&names);
        let role = event
            .after
            .as_ref()
            .and_then(|after| after.get("role"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let why = Decision {
            role,
            reason: reason.clone(),
        }
        .to_string();
        if let Some(Value::Object(after)) = &mut event.after {
            after.insert("reason".to_owned(), serde_json::to_value(&reason)?);
        }
        if let Some(Value::Object(cause)) = &mut event.cause
            && cause.contains_key("why")
        {
            cause.insert("why".to_owned(), Value::String(why));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
