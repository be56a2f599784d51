//! Which events a webhook endpoint can subscribe to, stated once: the event
//! log's changes to the directory and its roles. The webhook event type of an
//! event is its kind's name in the log (`user.created`, `role.changed`, ...),
//! the same name the admin API's event log shows.

use scim_store::EventKind;

use crate::error::{Error, Result};

/// The event kinds an endpoint may subscribe to.
pub const SUBSCRIBABLE: [EventKind; 15] = [
    EventKind::UserCreated,
    EventKind::UserUpdated,
    EventKind::UserDeactivated,
    EventKind::UserReactivated,
    EventKind::UserDeleted,
    EventKind::GroupCreated,
    EventKind::GroupRenamed,
    EventKind::GroupDeleted,
    EventKind::MemberAdded,
    EventKind::MemberRemoved,
    EventKind::RoleChanged,
    EventKind::LockSet,
    EventKind::LockCleared,
    EventKind::RulesChanged,
    EventKind::GuardViolated,
];

/// The kinds named by `names`, each subscribable, in [`SUBSCRIBABLE`]'s order
/// without repeats; at least one.
pub(crate) fn parse_kinds(names: &[String]) -> Result<Vec<EventKind>> {
    if names.is_empty() {
        return Err(Error::Invalid(
            "a webhook subscribes to at least one event kind".to_owned(),
        ));
    }
    for name in names {
        if !SUBSCRIBABLE.iter().any(|k| k.as_str() == name) {
            let known: Vec<&str> = SUBSCRIBABLE.iter().map(EventKind::as_str).collect();
            return Err(Error::Invalid(format!(
                "unknown webhook event kind '{name}'; one of: {}",
                known.join(", ")
            )));
        }
    }
    Ok(SUBSCRIBABLE
        .into_iter()
        .filter(|k| names.iter().any(|n| n == k.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked_ordered_and_deduplicated() {
        let names = ["role.changed", "user.created", "role.changed"].map(String::from);
        assert_eq!(
            parse_kinds(&names).unwrap(),
            [EventKind::UserCreated, EventKind::RoleChanged]
        );
        assert!(matches!(parse_kinds(&[]), Err(Error::Invalid(_))));
        // Known to the log but not offered: token events carry credentials' names.
        let token = ["token.issued".to_owned()];
        assert!(
            matches!(parse_kinds(&token), Err(Error::Invalid(m)) if m.contains("token.issued"))
        );
        assert!(matches!(
            parse_kinds(&["nope".to_owned()]),
            Err(Error::Invalid(_))
        ));
    }
}
