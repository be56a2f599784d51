//! A preview folded into counts: what an admin reads first at any tenant size.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::{Change, Effect};

/// How many users move from one role to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transition {
    /// The role now.
    pub from: String,
    /// The role after the edit.
    pub to: String,
    /// How many users make this move.
    pub count: u64,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}: {}", self.from, self.to, self.count)
    }
}

/// The counts of a preview: role changes by transition, and the locked users
/// whose role only their lock keeps. Its size depends on the roles, not on the
/// number of users, so it can be built over a stream of any length.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewSummary {
    /// Users whose role changes.
    pub changed: u64,
    /// Locked users the rules alone would move (their role stays).
    pub held_by_lock: u64,
    /// Role changes by `(from, to)`, ordered by role names.
    pub transitions: Vec<Transition>,
}

impl PreviewSummary {
    /// Counts one preview entry.
    pub fn add(&mut self, change: &Change) {
        match change.effect {
            Effect::RoleChanges => {
                self.changed += 1;
                self.count_move(&change.before.role, &change.after.role);
            }
            Effect::HeldByLock { .. } => self.held_by_lock += 1,
        }
    }

    /// Counts the summaries of another part of the same stream.
    pub fn merge(&mut self, other: &PreviewSummary) {
        self.changed += other.changed;
        self.held_by_lock += other.held_by_lock;
        for t in &other.transitions {
            self.count_moves(&t.from, &t.to, t.count);
        }
    }

    fn count_move(&mut self, from: &str, to: &str) {
        self.count_moves(from, to, 1);
    }

    // Few distinct transitions exist (roles squared at most): a sorted vector
    // searched in place keeps the type plain and serialisable as a list.
    fn count_moves(&mut self, from: &str, to: &str, count: u64) {
        let key = |t: &Transition| (t.from.as_str(), t.to.as_str()).cmp(&(from, to));
        match self.transitions.binary_search_by(key) {
            Ok(i) => self.transitions[i].count += count,
            Err(i) => self.transitions.insert(
                i,
                Transition {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    count,
                },
            ),
        }
    }

    /// The transition counts as a map, for callers that look one up.
    pub fn by_transition(&self) -> BTreeMap<(&str, &str), u64> {
        self.transitions
            .iter()
            .map(|t| ((t.from.as_str(), t.to.as_str()), t.count))
            .collect()
    }
}

impl<'c> Extend<&'c Change> for PreviewSummary {
    fn extend<I: IntoIterator<Item = &'c Change>>(&mut self, changes: I) {
        for change in changes {
            self.add(change);
        }
    }
}

impl<'c> FromIterator<&'c Change> for PreviewSummary {
    fn from_iter<I: IntoIterator<Item = &'c Change>>(changes: I) -> PreviewSummary {
        let mut summary = PreviewSummary::default();
        summary.extend(changes);
        summary
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Engine, Lock, RuleSet, UserSnapshot, preview};

    #[test]
    fn counts_changes_by_transition_and_held_users_apart() {
        let old = Engine::new(RuleSet::new("Viewer")).unwrap();
        let new = Engine::new(RuleSet::new("Loanee")).unwrap();
        let lock = Lock {
            role: "Admin".into(),
            by: "root".into(),
            at: chrono::DateTime::UNIX_EPOCH,
            reason: None,
        };
        let users = [
            UserSnapshot::new(json!({"userName": "a"})),
            UserSnapshot::new(json!({"userName": "b"})),
            UserSnapshot::new(json!({"userName": "c"})).with_lock(lock),
            UserSnapshot::new(json!({"userName": "d"})).with_active(false),
        ];
        let summary: PreviewSummary = preview(&old, &new, &users).iter().collect();
        assert_eq!(summary.changed, 2);
        assert_eq!(summary.held_by_lock, 1);
        let lines: Vec<String> = summary
            .transitions
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(lines, ["Viewer -> Loanee: 2"]);

        let mut twice = summary.clone();
        twice.merge(&summary);
        assert_eq!(twice.by_transition()[&("Viewer", "Loanee")], 4);
        assert_eq!(twice.held_by_lock, 2);
    }
}
