//! Last-holder protection for pending changes.

use serde::Serialize;

use crate::engine::{Decision, Engine};
use crate::model::Guard;

/// A change refused because it would leave no active user in the guarded role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "refused: this change would leave no active user in role {role} (there are {active_holders} now)"
)]
pub struct GuardViolation {
    /// The guarded role.
    pub role: String,
    /// How many active holders there are before the change.
    pub active_holders: usize,
}

/// A change that was applied although it left the guarded role without an
/// active holder: what the provisioning layer records when the identity
/// provider (the source of truth, so never refused) takes the last holder away.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuardBreach {
    /// The guarded role, now without an active holder.
    pub role: String,
    /// The id of a user who left it with this change.
    pub user_id: String,
    /// That user's `userName`.
    pub user_name: String,
    /// How many active holders there were before the change.
    pub active_holders_before: usize,
}

impl std::fmt::Display for GuardBreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let GuardBreach {
            role,
            user_id,
            user_name,
            ..
        } = self;
        write!(
            f,
            "role {role} has no active holder any more: {user_name} ({user_id}) left it through \
             an identity-provider change, which was applied (the identity provider is the source \
             of truth). Until a user holds {role} again, rule saves that keep the guard are \
             refused; the way out is to lock a user as {role}, or to save the rules without the \
             guard"
        )
    }
}

impl Guard {
    /// Whether a user with these decisions before and after a change leaves the
    /// guarded role's active holders.
    pub fn leaves(&self, before: &Decision, after: &Decision) -> bool {
        self.counts(before) && !self.counts(after)
    }

    /// Whether a user with this decision counts as an active holder of the
    /// guarded role: has the role, and is neither deleted nor deactivated (a
    /// lock that survives deactivation keeps the role but not the activity).
    pub fn counts(&self, decision: &Decision) -> bool {
        decision.is_active_holder_of(&self.role)
    }

    /// How many of these decisions count for the guard.
    pub fn count<'a>(&self, decisions: impl IntoIterator<Item = &'a Decision>) -> usize {
        decisions.into_iter().filter(|d| self.counts(d)).count()
    }

    /// Whether a pending change may be applied.
    ///
    /// `active_holders` is the number of users counting for the guard now (for
    /// example a count over the stored decisions, or [`Guard::count`]);
    /// `changes` are the `(before, after)` decisions of every user the change
    /// touches. The change is refused when it takes the count from one or more
    /// to zero; a tenant with no holder already is not blocked further.
    ///
    /// How the provisioning layer uses it, inside the transaction that applies
    /// the change:
    ///
    /// - for an update of one user (IdP PATCH, DELETE, a lock edit): decide the
    ///   stored and the updated snapshot and pass the pair;
    /// - for a rule edit: pass the [`preview`](crate::preview)'s
    ///   `(before, after)` pairs (users it does not list keep their role);
    /// - on `Err`, refuse the change and report the [`GuardViolation`].
    ///
    /// ```
    /// use role_engine::{Engine, Guard, GroupRef, Rule, RuleSet, UserSnapshot};
    /// use serde_json::json;
    ///
    /// let mut rules = RuleSet::new("Viewer")
    ///     .with_rule(Rule::group(GroupRef::labelled("g-a", "App admins"), "Admin"));
    /// rules.guard = Some(Guard { role: "Admin".into() });
    /// let engine = Engine::new(rules)?;
    ///
    /// let stored = UserSnapshot::new(json!({"userName": "ada"})).with_groups(["g-a"]);
    /// let patched = stored.clone().with_active(false);
    /// let (before, after) = (engine.decide(&stored), engine.decide(&patched));
    ///
    /// // Ada is the only admin: deactivating her would leave none.
    /// let refused = engine.check_guard(1, [(&before, &after)]).unwrap_err();
    /// assert_eq!(refused.to_string(), "refused: this change would leave no active user in role Admin (there are 1 now)");
    /// // With a second admin it is fine.
    /// assert!(engine.check_guard(2, [(&before, &after)]).is_ok());
    /// # Ok::<(), role_engine::Error>(())
    /// ```
    pub fn check<'a>(
        &self,
        active_holders: usize,
        changes: impl IntoIterator<Item = (&'a Decision, &'a Decision)>,
    ) -> Result<(), GuardViolation> {
        let (mut lost, mut gained) = (0usize, 0usize);
        for (before, after) in changes {
            match (self.counts(before), self.counts(after)) {
                (true, false) => lost += 1,
                (false, true) => gained += 1,
                _ => {}
            }
        }
        let after = active_holders.saturating_sub(lost).saturating_add(gained);
        if active_holders > 0 && after == 0 {
            Err(GuardViolation {
                role: self.role.clone(),
                active_holders,
            })
        } else {
            Ok(())
        }
    }
}

impl Engine {
    /// [`Guard::check`] with this rule set's guard; always `Ok` without one.
    pub fn check_guard<'a>(
        &self,
        active_holders: usize,
        changes: impl IntoIterator<Item = (&'a Decision, &'a Decision)>,
    ) -> Result<(), GuardViolation> {
        match &self.rules().guard {
            Some(guard) => guard.check(active_holders, changes),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
