//! Dry runs: who would change role under a rule edit, a group deletion or a
//! role removal, before anything is saved.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::engine::{Decision, Engine, Outcome};
use crate::error::Result;
use crate::model::UserSnapshot;

/// One user in a preview.
///
/// Either the user's role changes ([`Effect::RoleChanges`]), or the user is
/// locked and so unaffected although the rules alone would move them
/// ([`Effect::HeldByLock`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The user's position in the slice given to the preview.
    pub index: usize,
    /// The user's resource id, if any.
    pub user_id: Option<String>,
    /// The user's `userName`, if any.
    pub user_name: Option<String>,
    /// The decision now.
    pub before: Decision,
    /// The decision after the edit.
    pub after: Decision,
    /// Whether the role changes or a lock holds it.
    pub effect: Effect,
}

impl Change {
    /// Whether the user's role changes (as opposed to being held by a lock).
    pub fn changes_role(&self) -> bool {
        matches!(self.effect, Effect::RoleChanges)
    }

    fn who(&self) -> Cow<'_, str> {
        match (&self.user_name, &self.user_id) {
            (Some(name), _) => Cow::Borrowed(name),
            (None, Some(id)) => Cow::Borrowed(id),
            (None, None) => Cow::Owned(format!("user #{}", self.index)),
        }
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            index: usize,
            user_id: Option<&'a str>,
            user_name: Option<&'a str>,
            before: &'a Decision,
            after: &'a Decision,
            effect: &'a Effect,
            summary: String,
        }
        Repr {
            index: self.index,
            user_id: self.user_id.as_deref(),
            user_name: self.user_name.as_deref(),
            before: &self.before,
            after: &self.after,
            effect: &self.effect,
            summary: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.who();
        match &self.effect {
            Effect::RoleChanges => write!(
                f,
                "{who}: {} -> {} (before: {}; after: {})",
                self.before.role, self.after.role, self.before.reason, self.after.reason
            ),
            Effect::HeldByLock {
                rules_before,
                rules_after,
            } => write!(
                f,
                "{who}: unaffected, stays {} ({}); without the lock the rules would move it from {} to {}",
                self.after.role, self.after.reason, rules_before.role, rules_after.role
            ),
        }
    }
}

/// What a preview entry means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// `before.role != after.role`.
    RoleChanges,
    /// The user is locked, so `before` and `after` agree; the rules alone would
    /// have moved the role as shown.
    HeldByLock {
        /// What the old rules give if the lock were lifted.
        rules_before: Decision,
        /// What the new rules give if the lock were lifted.
        rules_after: Decision,
    },
}

/// The dry run of a rule edit: every user whose role differs between `old`
/// and `new`, with both decisions, in input order; plus, as
/// [`Effect::HeldByLock`], the locked users whose role only the lock keeps.
///
/// A user appears with [`Effect::RoleChanges`] exactly when
/// `old.decide(u).role != new.decide(u).role`; users whose role stays and only
/// the reason changes (say, a rule moved from number 2 to 3) are not listed.
/// Runs on the calling thread; rules that both sets share at the start are
/// evaluated once per user.
///
/// ```
/// use role_engine::{Engine, GroupRef, Rule, RuleSet, UserSnapshot, preview};
/// use serde_json::json;
///
/// let employees = GroupRef::labelled("g-e", "Employees");
/// let old = Engine::new(RuleSet::new("Viewer"))?;
/// let new = Engine::new(RuleSet::new("Viewer").with_rule(Rule::group(employees, "Loanee")))?;
/// let users = [
///     UserSnapshot::new(json!({"userName": "ada"})).with_groups(["g-e"]),
///     UserSnapshot::new(json!({"userName": "bob"})),
/// ];
/// let changes = preview(&old, &new, &users);
/// assert_eq!(changes.len(), 1);
/// assert_eq!(
///     changes[0].to_string(),
///     "ada: Viewer -> Loanee (before: default role: no rule matched; \
///      after: rule 1 matched (member of group Employees))"
/// );
/// # Ok::<(), role_engine::Error>(())
/// ```
pub fn preview(old: &Engine, new: &Engine, users: &[UserSnapshot]) -> Vec<Change> {
    let shared = shared_prefix(old, new);
    users
        .iter()
        .enumerate()
        .filter_map(|(index, user)| compare(old, new, index, user, user, Some(shared)))
        .collect()
}

/// The dry run of deleting a group: its members lose the membership and are
/// decided again by the same rules. Only members can change.
///
/// ```
/// use role_engine::{Engine, GroupRef, Rule, RuleSet, UserSnapshot, preview_group_deletion};
/// use serde_json::json;
///
/// let engine = Engine::new(
///     RuleSet::new("Viewer").with_rule(Rule::group(GroupRef::labelled("g-e", "Employees"), "Loanee")),
/// )?;
/// let users = [UserSnapshot::new(json!({"userName": "ada"})).with_groups(["g-e", "g-x"])];
/// let changes = preview_group_deletion(&engine, "g-e", &users);
/// assert_eq!((changes[0].before.role.as_str(), changes[0].after.role.as_str()), ("Loanee", "Viewer"));
/// # Ok::<(), role_engine::Error>(())
/// ```
pub fn preview_group_deletion(
    engine: &Engine,
    group_id: &str,
    users: &[UserSnapshot],
) -> Vec<Change> {
    users
        .iter()
        .enumerate()
        .filter(|(_, user)| user.in_group(group_id))
        .filter_map(|(index, user)| {
            let mut after = user.clone();
            after.groups.retain(|g| g != group_id);
            compare(engine, engine, index, user, &after, None)
        })
        .collect()
}

/// The dry run of removing `role` from the catalogue: rules giving it are
/// dropped (see [`RuleSet::without_role`](crate::RuleSet::without_role)) and
/// locks on it are lifted, so its users fall back by the remaining rules.
/// Fails where `without_role` does.
///
/// ```
/// use role_engine::{Engine, GroupRef, Rule, RuleSet, UserSnapshot, preview_role_removal};
/// use serde_json::json;
///
/// let engine = Engine::new(
///     RuleSet::new("Viewer")
///         .with_rule(Rule::group(GroupRef::id("g-t"), "Technician"))
///         .with_rule(Rule::group(GroupRef::id("g-e"), "Loanee")),
/// )?;
/// let users = [UserSnapshot::new(json!({"userName": "ada"})).with_groups(["g-t", "g-e"])];
/// let changes = preview_role_removal(&engine, "Technician", &users)?;
/// assert_eq!(changes[0].after.role, "Loanee");
/// # Ok::<(), role_engine::Error>(())
/// ```
pub fn preview_role_removal(
    engine: &Engine,
    role: &str,
    users: &[UserSnapshot],
) -> Result<Vec<Change>> {
    let new = Engine::new(engine.rules().without_role(role)?)?;
    Ok(users
        .iter()
        .enumerate()
        .filter_map(|(index, user)| {
            if user.lock.as_ref().is_some_and(|l| l.role == role) {
                let mut after = user.clone();
                after.lock = None;
                compare(engine, &new, index, user, &after, None)
            } else {
                compare(engine, &new, index, user, user, None)
            }
        })
        .collect())
}

/// How many leading rules the two engines share.
fn shared_prefix(old: &Engine, new: &Engine) -> usize {
    old.rules()
        .rules
        .iter()
        .zip(&new.rules().rules)
        .take_while(|(a, b)| a == b)
        .count()
}

/// `shared` is the shared rule prefix, only when `before` and `after` are the same user.
fn compare(
    old: &Engine,
    new: &Engine,
    index: usize,
    before: &UserSnapshot,
    after: &UserSnapshot,
    shared: Option<usize>,
) -> Option<Change> {
    let gate_old = old.gate(before);
    let gate_new = new.gate(after);
    let held = matches!(
        (gate_old, gate_new),
        (Some(Outcome::Locked), Some(Outcome::Locked))
    );
    // Rule outcomes, computed only when a gate lets the rules decide or a lock
    // might be holding a role the rules would move.
    let rules_old = (gate_old.is_none() || held)
        .then(|| old.rule_outcome(before, &old.member_bits(&before.groups), 0));
    let rules_new = (gate_new.is_none() || held).then(|| match (shared, rules_old) {
        (Some(shared), Some(Outcome::Rule(i))) if i < shared => Outcome::Rule(i),
        (Some(shared), Some(_)) => new.rule_outcome(after, &new.member_bits(&after.groups), shared),
        _ => new.rule_outcome(after, &new.member_bits(&after.groups), 0),
    });
    let outcome_old = gate_old.or(rules_old).unwrap_or(Outcome::Default);
    let outcome_new = gate_new.or(rules_new).unwrap_or(Outcome::Default);

    let effect = if old.role_of(outcome_old, before) != new.role_of(outcome_new, after) {
        Effect::RoleChanges
    } else {
        match (held, rules_old, rules_new) {
            (true, Some(r_old), Some(r_new))
                if old.role_of(r_old, before) != new.role_of(r_new, after) =>
            {
                Effect::HeldByLock {
                    rules_before: old.decision(r_old, before),
                    rules_after: new.decision(r_new, after),
                }
            }
            _ => return None,
        }
    };
    Some(Change {
        index,
        user_id: before.id().map(str::to_owned),
        user_name: before.user_name().map(str::to_owned),
        before: old.decision(outcome_old, before),
        after: new.decision(outcome_new, after),
        effect,
    })
}
