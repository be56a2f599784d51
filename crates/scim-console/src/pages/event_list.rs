//! The partial both the Activity page and a user's history show: events,
//! newest first, each in words, with the user and group it concerns, who
//! caused it, and the client leniencies its request needed. Guard violations
//! are marked with a class and a word, not colour alone.

use maud::{Markup, html};
use provisioning::{ActivityEntry, EventKind, Named};
use serde_json::Value;

use super::user_path;
use crate::layout::{self, when};

/// A string field of an event's `before` or `after`.
fn field<'a>(state: Option<&'a Value>, key: &str) -> Option<&'a str> {
    state?.get(key)?.as_str()
}

/// What happened, in words.
pub(super) fn describe(entry: &ActivityEntry) -> String {
    let event = &entry.event;
    let before = event.before.as_ref();
    let after = event.after.as_ref();
    let role = |state| field(state, "role").unwrap_or("none");
    match &event.kind {
        EventKind::UserCreated => "user created".to_owned(),
        EventKind::UserUpdated => "user's attributes changed".to_owned(),
        EventKind::UserDeactivated => "deactivated by the identity provider".to_owned(),
        EventKind::UserReactivated => "reactivated by the identity provider".to_owned(),
        EventKind::UserDeleted => "deleted by the identity provider".to_owned(),
        EventKind::GroupCreated => "group created".to_owned(),
        EventKind::GroupRenamed => format!(
            "group renamed from {} to {}",
            field(before, "displayName").unwrap_or("?"),
            field(after, "displayName").unwrap_or("?")
        ),
        EventKind::GroupUpdated => "group's attributes changed".to_owned(),
        EventKind::GroupDeleted => "group deleted".to_owned(),
        EventKind::MemberAdded => "joined the group".to_owned(),
        EventKind::MemberRemoved => "left the group".to_owned(),
        EventKind::RoleChanged => {
            let why = event
                .cause
                .as_ref()
                .and_then(|c| c.get("why"))
                .and_then(Value::as_str);
            let mut text = format!("role {} → {}", role(before), role(after));
            if let Some(why) = why {
                text.push_str(": ");
                text.push_str(why);
            }
            text
        }
        EventKind::LockSet => {
            let mut text = format!("role locked as {}", role(after));
            if let Some(reason) = field(after, "reason") {
                text.push_str(&format!(" ({reason})"));
            }
            text
        }
        EventKind::LockCleared => format!("lock on {} lifted", role(before)),
        EventKind::GuardViolated => format!(
            "left {} without an active holder (applied: the change came from the identity provider)",
            role(after)
        ),
        EventKind::RulesChanged => "rules changed".to_owned(),
        EventKind::CatalogueChanged => "role catalogue changed".to_owned(),
        EventKind::SettingsChanged => "settings changed".to_owned(),
        EventKind::TokenIssued => "SCIM token issued".to_owned(),
        EventKind::TokenRotated => "SCIM token rotated".to_owned(),
        EventKind::TokenRevoked => "SCIM token revoked".to_owned(),
        EventKind::TenantCreated => "tenant created".to_owned(),
        EventKind::TenantRenamed => "tenant renamed".to_owned(),
        EventKind::AdminTokenIssued => "admin token issued".to_owned(),
        EventKind::AdminTokenRevoked => "admin token revoked".to_owned(),
        EventKind::Other(kind) => kind.clone(),
    }
}

/// A user or group by its current name, or its id when it is gone.
fn name_or_id(named: &Named) -> &str {
    named.name.as_deref().unwrap_or(&named.id)
}

/// The events as a table; `show_user` adds the user column (the Activity
/// page; a user's own history leaves it out).
pub(super) fn event_table(slug: &str, entries: &[ActivityEntry], show_user: bool) -> Markup {
    html! {
        (layout::scrolling_table("Events", html! {
            table.events {
                thead { tr {
                    th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "Kind" } th scope="col" { "What" }
                    @if show_user { th scope="col" { "User" } }
                    th scope="col" { "Group" } th scope="col" { "By" }
                } }
                tbody {
                    @for entry in entries {
                        @let violation = entry.is_guard_violation();
                        tr class=[violation.then_some("guard-violation")] {
                            td { (entry.event.seq) }
                            td { (when(entry.event.time)) }
                            td { code { (entry.event.kind.as_str()) } }
                            td {
                                @if violation { span.badge { "Guard violation" } " " }
                                (describe(entry))
                                @if !entry.compat.is_empty() {
                                    ul.compat aria-label="Compatibility rules applied to read the request" {
                                        @for rule in &entry.compat {
                                            li {
                                                "Read with " code { (rule.name) }
                                                @if let Some(description) = rule.description { ": " (description) }
                                            }
                                        }
                                    }
                                }
                            }
                            @if show_user {
                                td { @if let Some(user) = &entry.user {
                                    a href=(user_path(slug, &user.id)) { (name_or_id(user)) }
                                } }
                            }
                            td { @if let Some(group) = &entry.group { (name_or_id(group)) } }
                            td { (entry.actor.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }))
    }
}
