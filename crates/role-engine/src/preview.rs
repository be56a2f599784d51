//! Dry runs: who would change role under a rule edit, a group deletion or a
//! role removal, before anything is saved.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::engine::{Bits, Decision, Engine, IdHash, Memo, Outcome};
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
// A preview holds one entry per affected user, so the size difference between
// the variants costs little; boxing would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// `before.role != after.role`.
    RoleChanges,
    /// The user is active and locked, so `before` and `after` agree; without
    /// the lock the rules would have moved the role as shown.
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
/// Runs on the calling thread, with work in proportion to the edit: when the
/// two sets differ only in a run of rules (same default role and lock setting),
/// a user none of the differing rules matches keeps its role and costs only
/// those rules' conditions; filters both sets share are evaluated once per user.
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
    RulePreview::new(old, new).changes(users).collect()
}

/// The dry run of a rule edit, user by user, for callers that stream a large
/// tenant and choose what to keep (a [`PreviewSummary`], a page, a download).
///
/// Gives for each user exactly what [`preview`] would list for it; `index` is
/// the caller's running number of the user, so a stream of chunks can number
/// users across chunks.
///
/// ```
/// use role_engine::{Engine, GroupRef, PreviewSummary, Rule, RulePreview, RuleSet, UserSnapshot};
/// use serde_json::json;
///
/// let old = Engine::new(RuleSet::new("Viewer"))?;
/// let new = Engine::new(RuleSet::new("Loanee"))?;
/// let mut dry_run = RulePreview::new(&old, &new);
/// let mut summary = PreviewSummary::default();
/// for (index, name) in ["ada", "bob"].into_iter().enumerate() {
///     let user = UserSnapshot::new(json!({"userName": name}));
///     if let Some(change) = dry_run.compare(index, &user) {
///         summary.add(&change);
///     }
/// }
/// assert_eq!(summary.changed, 2);
/// assert_eq!(summary.transitions[0].to_string(), "Viewer -> Loanee: 2");
/// # Ok::<(), role_engine::Error>(())
/// ```
#[derive(Debug)]
pub struct RulePreview<'a> {
    pair: Pair<'a>,
}

impl<'a> RulePreview<'a> {
    /// Prepares the comparison of `old` and `new` (work shared by all users).
    pub fn new(old: &'a Engine, new: &'a Engine) -> RulePreview<'a> {
        RulePreview {
            pair: Pair::new(old, new, true),
        }
    }

    /// The preview entry for one user, if the edit moves its role or a lock
    /// holds it.
    pub fn compare(&mut self, index: usize, user: &UserSnapshot) -> Option<Change> {
        self.pair.compare(index, user, user)
    }

    /// The entries for `users`, in order, numbered by position.
    pub fn changes<'u>(
        mut self,
        users: impl IntoIterator<Item = &'u UserSnapshot>,
    ) -> impl Iterator<Item = Change> {
        users
            .into_iter()
            .enumerate()
            .filter_map(move |(index, user)| self.compare(index, user))
    }
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
    let mut pair = Pair::new(engine, engine, false);
    users
        .iter()
        .enumerate()
        .filter(|(_, user)| user.in_group(group_id))
        .filter_map(|(index, user)| {
            let mut after = user.clone();
            after.groups.retain(|g| g != group_id);
            pair.compare(index, user, &after)
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
    // Lifting a lock changes neither groups nor attributes, so the rules
    // shared at the start still decide alike.
    let mut pair = Pair::new(engine, &new, true);
    Ok(users
        .iter()
        .enumerate()
        .filter_map(|(index, user)| {
            if user.lock.as_ref().is_some_and(|l| l.role == role) {
                let mut after = user.clone();
                after.lock = None;
                pair.compare(index, user, &after)
            } else {
                pair.compare(index, user, user)
            }
        })
        .collect())
}

/// Two engines compared user by user, sharing work between them.
#[derive(Debug)]
struct Pair<'a> {
    old: &'a Engine,
    new: &'a Engine,
    /// How many leading rules both engines have in common, when the users
    /// compared keep their groups and attributes (else 0).
    shared: usize,
    /// The new engine's filter ids in a space shared with the old engine's:
    /// a filter both have gets the old id, so it is evaluated once per user.
    new_ids: Vec<u32>,
    /// Every group id either engine mentions, with its slot in each, so a
    /// user's groups are looked up once for both.
    slots: HashMap<&'a str, (Option<u32>, Option<u32>), IdHash>,
    /// When both rule sets agree on everything but a run of rules (the same
    /// default role and settings, the same rules before and after the run),
    /// the differing runs of the old and the new rules. A user none of those
    /// rules matches keeps its role: the rules it matches are the common
    /// ones, in the same order, so the same one comes first.
    middle: Option<(Range<usize>, Range<usize>)>,
    /// Whether a rule in `middle` tests a group (else group bits are not needed to check it).
    middle_has_groups: bool,
    memo: Memo,
}

impl<'a> Pair<'a> {
    fn new(old: &'a Engine, new: &'a Engine, same_groups: bool) -> Pair<'a> {
        let shared = if same_groups {
            old.rules()
                .rules
                .iter()
                .zip(&new.rules().rules)
                .take_while(|(a, b)| a == b)
                .count()
        } else {
            0
        };
        let old_ids: HashMap<&str, u32> = old
            .filter_keys()
            .iter()
            .zip(0u32..)
            .map(|(key, id)| (key.as_str(), id))
            .collect();
        let mut next = u32::try_from(old.filter_keys().len()).unwrap_or(u32::MAX);
        let new_ids: Vec<u32> = new
            .filter_keys()
            .iter()
            .map(|key| match old_ids.get(key.as_str()) {
                Some(&id) => id,
                None => {
                    next = next.saturating_add(1);
                    next - 1
                }
            })
            .collect();
        let mut slots: HashMap<&str, (Option<u32>, Option<u32>), IdHash> = HashMap::default();
        for (id, &slot) in old.slots() {
            slots.entry(id.as_str()).or_default().0 = Some(slot);
        }
        for (id, &slot) in new.slots() {
            slots.entry(id.as_str()).or_default().1 = Some(slot);
        }
        let (a, b) = (&old.rules().rules, &new.rules().rules);
        let same_settings = old.rules().default_role == new.rules().default_role
            && old.rules().lock_survives_deactivation == new.rules().lock_survives_deactivation;
        let middle = (same_groups && same_settings).then(|| {
            let prefix = shared;
            let suffix = a[prefix..]
                .iter()
                .rev()
                .zip(b[prefix..].iter().rev())
                .take_while(|(x, y)| x == y)
                .count();
            (prefix..a.len() - suffix, prefix..b.len() - suffix)
        });
        let middle_has_groups = middle.as_ref().is_some_and(|(in_old, in_new)| {
            in_old.clone().any(|i| old.rule_has_group(i))
                || in_new.clone().any(|i| new.rule_has_group(i))
        });
        Pair {
            old,
            new,
            shared,
            new_ids,
            slots,
            middle,
            middle_has_groups,
            memo: Memo::new(next as usize),
        }
    }

    /// Memberships as each engine numbers its groups; `after` is the group
    /// list of the user after the change, when it differs.
    fn bits(&self, before: &[String], after: Option<&[String]>) -> (Bits, Bits) {
        let mut old_bits = Bits::with_slots(self.old.slots().len());
        let mut new_bits = Bits::with_slots(self.new.slots().len());
        if self.slots.is_empty() {
            return (old_bits, new_bits);
        }
        for id in before {
            if let Some(&(old, new)) = self.slots.get(id.as_str()) {
                if let Some(slot) = old {
                    old_bits.set(slot);
                }
                if let (Some(slot), None) = (new, after) {
                    new_bits.set(slot);
                }
            }
        }
        for id in after.unwrap_or_default() {
            if let Some(&(_, Some(slot))) = self.slots.get(id.as_str()) {
                new_bits.set(slot);
            }
        }
        (old_bits, new_bits)
    }

    /// `before` and `after` must have the same resource (the memo assumes it);
    /// they may differ in groups (then `shared` is 0) and lock.
    fn compare(
        &mut self,
        index: usize,
        before: &UserSnapshot,
        after: &UserSnapshot,
    ) -> Option<Change> {
        let (old, new) = (self.old, self.new);
        let same_user = std::ptr::eq(before, after);
        self.memo.clear();
        let mut bits = None;
        if let (Some((in_old, in_new)), true) = (&self.middle, same_user) {
            // Cheap exit first: most users match none of the edited rules.
            let (old_bits, new_bits) = if self.middle_has_groups {
                bits.insert(self.bits(&before.groups, None))
            } else {
                &(Bits::with_slots(0), Bits::with_slots(0))
            };
            let memo = &mut self.memo;
            let touched = in_old
                .clone()
                .any(|i| old.rule_matches(i, before, old_bits, memo, None))
                || in_new
                    .clone()
                    .any(|i| new.rule_matches(i, after, new_bits, memo, Some(&self.new_ids)));
            if !touched {
                return None;
            }
        }

        let gate_old = old.gate(before);
        let gate_new = new.gate(after);
        let held = held_by_lock(gate_old, gate_new, before);
        let need_old = gate_old.is_none() || held;
        let need_new = gate_new.is_none() || held;
        if !need_old && !need_new {
            // Both decided before the rules: compare those outcomes alone.
            return self.change(index, before, after, gate_old, gate_new, None, None);
        }
        let (old_bits, new_bits) = match bits {
            Some(bits) => bits,
            None => {
                let after_groups = (!same_user && before.groups != after.groups)
                    .then_some(after.groups.as_slice());
                self.bits(&before.groups, after_groups)
            }
        };
        // Rule outcomes, computed only when a gate lets the rules decide or a
        // lock might be holding a role the rules would move.
        let rules_old =
            need_old.then(|| old.rule_outcome(before, &old_bits, 0, &mut self.memo, None));
        let rules_new = need_new.then(|| {
            let start = match rules_old {
                // A shared rule matched: the new set has it at the same place.
                Some(Outcome::Rule(i)) if i < self.shared => return Outcome::Rule(i),
                // The shared rules did not match: start after them.
                Some(_) => self.shared,
                None => 0,
            };
            new.rule_outcome(after, &new_bits, start, &mut self.memo, Some(&self.new_ids))
        });
        self.change(
            index, before, after, gate_old, gate_new, rules_old, rules_new,
        )
    }

    #[allow(clippy::too_many_arguments)] // The two sides of one comparison.
    fn change(
        &self,
        index: usize,
        before: &UserSnapshot,
        after: &UserSnapshot,
        gate_old: Option<Outcome>,
        gate_new: Option<Outcome>,
        rules_old: Option<Outcome>,
        rules_new: Option<Outcome>,
    ) -> Option<Change> {
        let (old, new) = (self.old, self.new);
        let held = held_by_lock(gate_old, gate_new, before);
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
}

/// Whether a lock decides on both sides for a user the rules would otherwise
/// decide: an active locked user. (An inactive one the lock keeps would be
/// `Disabled` without it, whatever the rules say.)
fn held_by_lock(gate_old: Option<Outcome>, gate_new: Option<Outcome>, user: &UserSnapshot) -> bool {
    matches!(
        (gate_old, gate_new),
        (Some(Outcome::Locked), Some(Outcome::Locked))
    ) && user.is_active()
}

mod summary;

pub use summary::{PreviewSummary, Transition};

#[cfg(test)]
mod tests;
