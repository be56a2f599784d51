//! What the use cases record in the event log, described by type, and the one
//! place that turns a description into the store's row (its kind, resource,
//! `before`, `after` and `cause`).

use chrono::{DateTime, Utc};
use role_engine::{Decision, GuardBreach};
use scim_store::{EventKind, NewEvent, RoleLock, StoreError, WriteTx};
use serde_json::{Value, json};

use crate::context::RequestContext;
use crate::render::timestamp;
use crate::roles::RoleChange;
use crate::tenant::UserDeleteMode;

/// Which part of the tenant row a change replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TenantPart {
    /// [`crate::TenantSettings`].
    Settings,
    /// The role catalogue.
    Catalogue,
    /// The rule set.
    Rules,
}

/// One thing that happened, with what the log keeps of it. Resources are named by
/// id; tenant events are about the [`Recorder`]'s tenant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event<'a> {
    /// A user was created with this body.
    UserCreated { user: &'a str, resource: Value },
    /// A user's body changed; deactivation and reactivation (the `active` flag)
    /// are their own kinds.
    UserChanged {
        user: &'a str,
        before: Value,
        after: Value,
    },
    /// A user was deleted.
    UserDeleted {
        user: &'a str,
        before: Value,
        mode: UserDeleteMode,
    },
    /// A group was created with this body (its members are member events).
    GroupCreated { group: &'a str, resource: Value },
    /// A group's body changed; a new `displayName` is a rename.
    GroupChanged {
        group: &'a str,
        before: Value,
        after: Value,
    },
    /// A group was deleted.
    GroupDeleted { group: &'a str, before: Value },
    /// A user joined a group.
    MemberAdded { group: &'a str, user: &'a str },
    /// A user left a group (removed, or the group or user deleted).
    MemberRemoved { group: &'a str, user: &'a str },
    /// A user's role changed: the decision is the cause, `reason` the
    /// decision's reason as stored.
    RoleChanged {
        change: &'a RoleChange,
        decision: &'a Decision,
        reason: Value,
    },
    /// An identity-provider change was applied although it left the guarded
    /// role without an active holder (the breach names the user and role; the
    /// recorder's request is the change's).
    GuardViolated { breach: &'a GuardBreach },
    /// A lock was set on a user, replacing one on `previous` if there was one.
    LockSet {
        user: &'a str,
        previous: Option<&'a str>,
        lock: &'a RoleLock,
    },
    /// A user's lock on `role` was cleared.
    LockCleared { user: &'a str, role: &'a str },
    /// The tenant was created with this slug.
    TenantCreated { slug: &'a str },
    /// Part of the tenant row was replaced (`before` and `after` are that part).
    TenantChanged {
        part: TenantPart,
        before: Value,
        after: Value,
    },
    /// A token was issued.
    TokenIssued { token: &'a str, prefix: &'a str },
    /// A token was issued by a rotation; the tokens before it expire at
    /// `previous_expire`.
    TokenRotated {
        token: &'a str,
        prefix: &'a str,
        previous_expire: DateTime<Utc>,
    },
    /// A token was revoked.
    TokenRevoked { token: &'a str, prefix: &'a str },
    /// The tenant's slug (its Tenant URL) or display name changed.
    TenantRenamed { before: Value, after: Value },
    /// An admin token with this name was issued.
    AdminTokenIssued {
        token: &'a str,
        prefix: &'a str,
        name: &'a str,
    },
    /// An admin token was revoked.
    AdminTokenRevoked {
        token: &'a str,
        prefix: &'a str,
        name: &'a str,
    },
}

/// The event of a user's body going from `before` to `after`.
fn user_change_kind(before: &Value, after: &Value) -> EventKind {
    let is_active = |resource: &Value| resource.get("active") != Some(&Value::Bool(false));
    match (is_active(before), is_active(after)) {
        (true, false) => EventKind::UserDeactivated,
        (false, true) => EventKind::UserReactivated,
        _ => EventKind::UserUpdated,
    }
}

/// The event of a group's body going from `before` to `after`.
fn group_change_kind(before: &Value, after: &Value) -> EventKind {
    if before.get("displayName") == after.get("displayName") {
        EventKind::GroupUpdated
    } else {
        EventKind::GroupRenamed
    }
}

/// The part of every event that one request in one tenant shares: the tenant,
/// the request (who, which leniencies) and the time of the change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recorder<'a> {
    /// The tenant the events belong to.
    pub(crate) tenant_id: &'a str,
    /// The request that caused them.
    pub(crate) ctx: &'a RequestContext,
    /// The time of the change.
    pub(crate) now: DateTime<Utc>,
}

impl<'a> Recorder<'a> {
    /// A recorder for `ctx`'s changes to `tenant_id` at `now`.
    pub(crate) fn new(
        tenant_id: &'a str,
        ctx: &'a RequestContext,
        now: DateTime<Utc>,
    ) -> Recorder<'a> {
        Recorder {
            tenant_id,
            ctx,
            now,
        }
    }

    /// Appends one event.
    pub(crate) fn append(&self, tx: &mut WriteTx<'_>, event: Event<'_>) -> Result<(), StoreError> {
        tx.tenant(self.tenant_id).events().append(&self.row(event))
    }

    /// The store's row for `event`, for [`Scoped::append_all`](scim_store::Scoped::append_all) when there are
    /// many.
    pub(crate) fn row(&self, event: Event<'_>) -> NewEvent {
        let mut why = None;
        let (kind, resource, before, after) = match event {
            Event::UserCreated { user, resource } => {
                (EventKind::UserCreated, ("User", user), None, Some(resource))
            }
            Event::UserChanged {
                user,
                before,
                after,
            } => (
                user_change_kind(&before, &after),
                ("User", user),
                Some(before),
                Some(after),
            ),
            Event::UserDeleted { user, before, mode } => {
                let mode = match mode {
                    UserDeleteMode::Soft => "soft",
                    UserDeleteMode::Hard => "hard",
                };
                (
                    EventKind::UserDeleted,
                    ("User", user),
                    Some(before),
                    Some(json!({"delete": mode})),
                )
            }
            Event::GroupCreated { group, resource } => (
                EventKind::GroupCreated,
                ("Group", group),
                None,
                Some(resource),
            ),
            Event::GroupChanged {
                group,
                before,
                after,
            } => (
                group_change_kind(&before, &after),
                ("Group", group),
                Some(before),
                Some(after),
            ),
            Event::GroupDeleted { group, before } => (
                EventKind::GroupDeleted,
                ("Group", group),
                Some(before),
                None,
            ),
            Event::MemberAdded { group, user } => (
                EventKind::MemberAdded,
                ("Group", group),
                None,
                Some(json!({"user": user})),
            ),
            Event::MemberRemoved { group, user } => (
                EventKind::MemberRemoved,
                ("Group", group),
                Some(json!({"user": user})),
                None,
            ),
            Event::RoleChanged {
                change,
                decision,
                reason,
            } => {
                why = Some(decision.to_string());
                (
                    EventKind::RoleChanged,
                    ("User", change.user_id.as_str()),
                    Some(json!({"role": change.from})),
                    Some(json!({"role": change.to, "reason": reason})),
                )
            }
            Event::GuardViolated { breach } => {
                why = Some(breach.to_string());
                (
                    EventKind::GuardViolated,
                    ("User", breach.user_id.as_str()),
                    Some(json!({
                        "role": breach.role,
                        "active_holders": breach.active_holders_before,
                    })),
                    Some(json!({
                        "role": breach.role,
                        "active_holders": 0,
                        "user_name": breach.user_name,
                    })),
                )
            }
            Event::LockSet {
                user,
                previous,
                lock,
            } => (
                EventKind::LockSet,
                ("User", user),
                previous.map(|role| json!({"role": role})),
                Some(json!({"role": lock.role, "by": lock.by, "reason": lock.reason})),
            ),
            Event::LockCleared { user, role } => (
                EventKind::LockCleared,
                ("User", user),
                Some(json!({"role": role})),
                None,
            ),
            Event::TenantCreated { slug } => (
                EventKind::TenantCreated,
                ("Tenant", self.tenant_id),
                None,
                Some(json!({"slug": slug})),
            ),
            Event::TenantChanged {
                part,
                before,
                after,
            } => {
                let kind = match part {
                    TenantPart::Settings => EventKind::SettingsChanged,
                    TenantPart::Catalogue => EventKind::CatalogueChanged,
                    TenantPart::Rules => EventKind::RulesChanged,
                };
                (kind, ("Tenant", self.tenant_id), Some(before), Some(after))
            }
            Event::TokenIssued { token, prefix } => (
                EventKind::TokenIssued,
                ("Token", token),
                None,
                Some(json!({"prefix": prefix})),
            ),
            Event::TokenRotated {
                token,
                prefix,
                previous_expire,
            } => (
                EventKind::TokenRotated,
                ("Token", token),
                None,
                Some(json!({
                    "prefix": prefix,
                    "previous_tokens_expire": timestamp(previous_expire),
                })),
            ),
            Event::TokenRevoked { token, prefix } => (
                EventKind::TokenRevoked,
                ("Token", token),
                None,
                Some(json!({"prefix": prefix})),
            ),
            Event::TenantRenamed { before, after } => (
                EventKind::TenantRenamed,
                ("Tenant", self.tenant_id),
                Some(before),
                Some(after),
            ),
            Event::AdminTokenIssued {
                token,
                prefix,
                name,
            } => (
                EventKind::AdminTokenIssued,
                ("AdminToken", token),
                None,
                Some(json!({"prefix": prefix, "name": name})),
            ),
            Event::AdminTokenRevoked {
                token,
                prefix,
                name,
            } => (
                EventKind::AdminTokenRevoked,
                ("AdminToken", token),
                None,
                Some(json!({"prefix": prefix, "name": name})),
            ),
        };
        let cause = self.ctx.cause(why.as_deref());
        let user_id = match (&kind, resource) {
            (_, ("User", user)) => Some(user),
            (EventKind::MemberAdded, _) => after.as_ref().and_then(member_of_change),
            (EventKind::MemberRemoved, _) => before.as_ref().and_then(member_of_change),
            _ => None,
        };
        let user_id = user_id.map(str::to_owned);
        NewEvent {
            time: self.now,
            kind,
            resource_type: Some(resource.0.to_owned()),
            resource_id: Some(resource.1.to_owned()),
            before,
            after,
            cause: Some(cause),
            request_id: Some(self.ctx.request_id.clone()),
            user_id,
        }
    }
}

/// The member a membership event's `{"user": id}` names.
fn member_of_change(state: &Value) -> Option<&str> {
    state.get("user").and_then(Value::as_str)
}

#[cfg(test)]
mod tests;
