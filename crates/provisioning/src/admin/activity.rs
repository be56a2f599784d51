//! The event log read backwards, newest first, as people read it: the
//! console's Activity page and a user's history. Users and groups can be
//! named as people know them (`userName`, `displayName`) or by id; each entry
//! comes with the current names of the user and group it concerns and the
//! client leniencies its request needed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use scim_proto::CompatRule;
use scim_store::{Event, EventKind, EventSearch, ReadTx, Visibility};
use serde_json::Value;

use crate::context::Actor;
use crate::error::{Error, ResourceKind, Result};
use crate::service::Provisioning;
use crate::tenant::TenantContext;

use super::event_log::{EventInfo, filters, name_groups_as_they_are_now};

/// Entries per page when the query names no `limit`.
const DEFAULT_ACTIVITY_PAGE: u64 = 50;

/// A read of the event log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Only these kinds, by their string form (`role.changed`, ...); all when empty.
    pub kinds: Vec<String>,
    /// Only events concerning this user, by id or `userName`: its own (role,
    /// activation, lock, body) and its group membership changes.
    pub user: Option<String>,
    /// Only events about this group, by id or `displayName` (its membership
    /// changes included).
    pub group: Option<String>,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only events numbered below this: the previous page's `next_before_seq`.
    pub before_seq: Option<i64>,
    /// Page size (`None`: 50; at most [`crate::MAX_EVENT_PAGE`]).
    pub limit: Option<u64>,
}

/// A user or group an entry concerns, by id and (when it still exists) the
/// name people know it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The id.
    pub id: String,
    /// `userName` or `displayName` now; `None` when it is gone.
    pub name: Option<String>,
}

/// A client leniency a request needed, as the event recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedCompat {
    /// The rule's stable name.
    pub name: String,
    /// What it accepts and how it is read; `None` for a name this server no
    /// longer knows.
    pub description: Option<&'static str>,
}

/// One entry of the activity: the event and what makes it readable.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// The event, as the admin API gives it.
    pub event: EventInfo,
    /// The user it concerns (the member, for a membership change).
    pub user: Option<Named>,
    /// The group it is about.
    pub group: Option<Named>,
    /// The name of who caused it (`idp:...`, an admin's name, `operator`).
    pub actor: Option<String>,
    /// The client leniencies its request needed.
    pub compat: Vec<AppliedCompat>,
}

impl ActivityEntry {
    /// Whether the event is a last-admin guard violation.
    pub fn is_guard_violation(&self) -> bool {
        self.event.kind == EventKind::GuardViolated
    }
}

/// One page of the activity, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPage {
    /// The entries, newest first.
    pub items: Vec<ActivityEntry>,
    /// Pass as `before_seq` for the next (older) page; `None` on the last one.
    pub next_before_seq: Option<i64>,
}

/// The leniencies named in an event's `cause`.
fn applied_compat(cause: Option<&Value>) -> Vec<AppliedCompat> {
    let names = cause
        .and_then(|c| c.get("compat"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    names
        .iter()
        .filter_map(Value::as_str)
        .map(|name| AppliedCompat {
            name: name.to_owned(),
            description: CompatRule::from_name(name).map(CompatRule::description),
        })
        .collect()
}

/// The actor's name in an event's `cause`, as locks record it.
fn actor_name(cause: Option<&Value>) -> Option<String> {
    Actor::from_json(cause?.get("actor")?).map(|actor| actor.name())
}

/// The id of the user named by `name_or_id`.
fn resolve_user(tx: &mut ReadTx<'_>, tenant_id: &str, name_or_id: &str) -> Result<String> {
    let mut scope = tx.tenant(tenant_id);
    let mut users = scope.users();
    if let Some(user) = users.by_id(name_or_id, Visibility::IncludeDeleted)? {
        return Ok(user.id);
    }
    match users.by_user_name(name_or_id, Visibility::IncludeDeleted)? {
        Some(user) => Ok(user.id),
        None => Err(Error::NotFound {
            resource: ResourceKind::User,
            id: name_or_id.to_owned(),
        }),
    }
}

/// The id of the group named by `name_or_id`.
fn resolve_group(tx: &mut ReadTx<'_>, tenant_id: &str, name_or_id: &str) -> Result<String> {
    let mut scope = tx.tenant(tenant_id);
    let mut groups = scope.groups();
    if let Some(group) = groups.by_id(name_or_id)? {
        return Ok(group.id);
    }
    match groups.by_display_name(name_or_id)? {
        Some(group) => Ok(group.id),
        None => Err(Error::NotFound {
            resource: ResourceKind::Group,
            id: name_or_id.to_owned(),
        }),
    }
}

/// The group an event is about, if it is a group's.
fn group_of(event: &Event) -> Option<&str> {
    (event.resource_type.as_deref() == Some("Group"))
        .then_some(event.resource_id.as_deref())
        .flatten()
}

/// The current names of the users and groups `events` concern.
fn names(
    tx: &mut ReadTx<'_>,
    tenant_id: &str,
    events: &[Event],
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let user_ids: Vec<String> = events.iter().filter_map(|e| e.user_id.clone()).collect();
    let users = tx
        .tenant(tenant_id)
        .users()
        .by_ids(&user_ids, Visibility::IncludeDeleted)?
        .into_iter()
        .map(|u| (u.id, u.user_name))
        .collect();
    let mut groups = HashMap::new();
    for id in events.iter().filter_map(group_of) {
        if groups.contains_key(id) {
            continue;
        }
        if let Some(group) = tx.tenant(tenant_id).groups().by_id(id)? {
            groups.insert(group.id, group.display_name);
        }
    }
    Ok((users, groups))
}

impl Provisioning {
    /// A page of the event log, newest first, filtered; each entry with the
    /// names of what it concerns and the leniencies its request needed.
    pub fn activity(&self, tenant: &TenantContext, query: &ActivityQuery) -> Result<ActivityPage> {
        let mut search: EventSearch = filters(
            &query.kinds,
            query.since,
            query.until,
            Some(query.limit.unwrap_or(DEFAULT_ACTIVITY_PAGE)),
        )?;
        // Newest first reads numbered events only: number what has committed.
        self.store.number_events(&tenant.id)?;
        let (items, next_before_seq) = self.read(|tx| {
            if let Some(user) = &query.user {
                search.user_id = Some(resolve_user(tx, &tenant.id, user)?);
            }
            if let Some(group) = &query.group {
                search.resource_id = Some(resolve_group(tx, &tenant.id, group)?);
            }
            let events = tx
                .tenant(&tenant.id)
                .events()
                .newest_first(&search, query.before_seq)?;
            let (users, groups) = names(tx, &tenant.id, &events)?;
            let next_before_seq = (events.len() as u64 == search.limit)
                .then(|| events.last().map(|e| e.seq))
                .flatten();
            let mut items: Vec<ActivityEntry> = events
                .into_iter()
                .map(|event| {
                    let named = |id: &str, names: &HashMap<String, String>| Named {
                        id: id.to_owned(),
                        name: names.get(id).cloned(),
                    };
                    let user = event.user_id.as_deref().map(|id| named(id, &users));
                    let group = group_of(&event).map(|id| named(id, &groups));
                    ActivityEntry {
                        actor: actor_name(event.cause.as_ref()),
                        compat: applied_compat(event.cause.as_ref()),
                        user,
                        group,
                        event: EventInfo::from_row(event),
                    }
                })
                .collect();
            // Role changes name their rule's group as it is now, as the admin API's log does.
            name_groups_as_they_are_now(tx, &tenant.id, items.iter_mut().map(|e| &mut e.event))?;
            Ok((items, next_before_seq))
        })?;
        Ok(ActivityPage {
            items,
            next_before_seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn compat_rules_are_read_from_the_cause_with_their_descriptions() {
        let cause = json!({"actor": {"kind": "identity_provider", "token": "t1"},
                           "compat": ["boolean-string", "no-longer-known"]});
        let applied = applied_compat(Some(&cause));
        assert_eq!(applied.len(), 2);
        assert_eq!(applied[0].name, "boolean-string");
        assert!(
            applied[0]
                .description
                .is_some_and(|d| d.contains("\"False\"")),
            "{applied:?}"
        );
        assert_eq!(applied[1].description, None);
        assert!(applied_compat(None).is_empty());
        assert_eq!(actor_name(Some(&cause)).as_deref(), Some("idp:t1"));
    }

    #[test]
    fn actors_are_named_as_locks_name_them() {
        let name = |actor: Value| actor_name(Some(&json!({ "actor": actor })));
        assert_eq!(
            name(json!({"kind": "admin", "credential": "operator_token"})).as_deref(),
            Some("operator")
        );
        assert_eq!(
            name(
                json!({"kind": "admin", "credential": "admin_token", "name": "Alice", "token": "x"})
            )
            .as_deref(),
            Some("Alice")
        );
        assert_eq!(
            name(json!({"kind": "admin", "credential": "operator_token", "on_behalf_of": "Bob"}))
                .as_deref(),
            Some("operator for Bob")
        );
        assert_eq!(
            name(json!({"kind": "operator"})).as_deref(),
            Some("operator")
        );
        assert_eq!(actor_name(None), None);
    }
}
