//! Compiled rule sets and the decision procedure. The decision types are in
//! [`decision`], the group bit sets and id hasher in [`groupset`].

mod decision;
mod groupset;

use std::collections::HashMap;

use scim_proto::filter::{CompiledFilter, Filter, compile};
use scim_proto::schema::USER_RESOURCE;

pub use self::decision::{Decision, Reason, Step, UnknownStep};
pub(crate) use self::groupset::{Bits, IdHash};
use crate::error::{Error, Result};
use crate::model::{DISABLED, RuleSet, UserSnapshot};

/// A rule set checked and compiled for fast decisions.
///
/// Filters are parsed and bound to the User schema once, here; group ids are
/// interned so that a decision tests membership with a bit lookup. Build one
/// per rule-set version and share it (it is `Send + Sync`).
///
/// ```
/// use role_engine::{Engine, GroupRef, Rule, RuleSet, Step, UserSnapshot};
/// use serde_json::json;
///
/// let engine = Engine::new(
///     RuleSet::new("Viewer")
///         .with_rule(Rule::filter(r#"title co "Manager""#, "Approver"))
///         .with_rule(Rule::group(GroupRef::labelled("g-1", "Employees"), "Loanee")),
/// )?;
/// let ada = UserSnapshot::new(json!({"userName": "ada", "title": "Engineer"}))
///     .with_groups(["g-1", "g-unmapped"]);
/// let decision = engine.decide(&ada);
/// assert_eq!(decision.role, "Loanee");
/// assert_eq!(decision.reason.step(), Step::Rule);
/// assert_eq!(decision.to_string(), "Loanee: rule 2 matched (member of group Employees)");
///
/// let nobody = UserSnapshot::new(json!({"userName": "bob"}));
/// assert_eq!(engine.decide(&nobody).to_string(), "Viewer: default role: no rule matched");
/// # Ok::<(), role_engine::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    rules: RuleSet,
    compiled: Vec<CompiledRule>,
    /// Distinct filters; rules refer to them by index, so a filter shared by
    /// several rules is evaluated once per decision.
    filters: Vec<CompiledFilter>,
    /// Each distinct filter's canonical text (parsed and printed again).
    filter_keys: Vec<String>,
    /// Whether some rules share a filter (then decisions remember results).
    shares_filters: bool,
    slots: HashMap<String, u32, IdHash>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CompiledRule {
    pub(crate) group: Option<u32>,
    pub(crate) filter: Option<u32>,
}

impl Engine {
    /// Checks and compiles a rule set.
    ///
    /// Fails on the first rule without a condition, filter that does not parse or
    /// fit the User schema, or empty role name. [`validate`](crate::validate)
    /// reports all problems at once, including ones that need the catalogue.
    pub fn new(rules: RuleSet) -> Result<Engine> {
        if rules.default_role.is_empty() {
            return Err(Error::EmptyRole {
                place: "default_role".to_owned(),
            });
        }
        if rules.guard.as_ref().is_some_and(|g| g.role.is_empty()) {
            return Err(Error::EmptyRole {
                place: "guard".to_owned(),
            });
        }
        let mut slots: HashMap<String, u32, IdHash> = HashMap::default();
        let mut filter_ids: HashMap<String, u32> = HashMap::new();
        let mut filters = Vec::new();
        let mut filter_keys = Vec::new();
        let mut compiled = Vec::with_capacity(rules.rules.len());
        for (i, rule) in rules.rules.iter().enumerate() {
            let number = i + 1;
            if rule.role.is_empty() {
                return Err(Error::EmptyRole {
                    place: format!("rule {number}"),
                });
            }
            if rule.group.is_none() && rule.filter.is_none() {
                return Err(Error::EmptyCondition { rule: number });
            }
            let group = rule.group.as_ref().map(|g| {
                let next = u32::try_from(slots.len()).unwrap_or(u32::MAX);
                *slots.entry(g.id.clone()).or_insert(next)
            });
            let filter = match &rule.filter {
                Some(text) => {
                    let (key, filter) = compile_filter(number, text)?;
                    let next = u32::try_from(filters.len()).unwrap_or(u32::MAX);
                    let id = *filter_ids.entry(key.clone()).or_insert(next);
                    if id == next {
                        filters.push(filter);
                        filter_keys.push(key);
                    }
                    Some(id)
                }
                None => None,
            };
            compiled.push(CompiledRule { group, filter });
        }
        let shares_filters = filters.len() < compiled.iter().filter(|r| r.filter.is_some()).count();
        Ok(Engine {
            rules,
            compiled,
            filters,
            filter_keys,
            shares_filters,
            slots,
        })
    }

    /// The rule set this engine was built from.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Whether a rule tests user attributes. Without such a rule a decision
    /// reads nothing of a snapshot's resource but `active` (and a preview its
    /// `id` and `userName`), so a caller may build snapshots without the rest.
    pub fn reads_attributes(&self) -> bool {
        self.rules.rules.iter().any(|rule| rule.filter.is_some())
    }

    /// The role for `user`, and why. Deterministic: the order of the user's
    /// groups and of the resource's attributes plays no part.
    pub fn decide(&self, user: &UserSnapshot) -> Decision {
        let outcome = self.outcome(user, || self.member_bits(&user.groups));
        self.decision(outcome, user)
    }

    pub(crate) fn compiled(&self) -> &[CompiledRule] {
        &self.compiled
    }

    /// The group ids the rules mention, with their bit slots.
    pub(crate) fn slots(&self) -> &HashMap<String, u32, IdHash> {
        &self.slots
    }

    /// The user's memberships in the groups the rules mention.
    pub(crate) fn member_bits(&self, groups: &[String]) -> Bits {
        let mut bits = Bits::with_slots(self.slots.len());
        if !self.slots.is_empty() {
            for id in groups {
                if let Some(&slot) = self.slots.get(id.as_str()) {
                    bits.set(slot);
                }
            }
        }
        bits
    }

    /// Steps 1 to 5 of the precedence, without allocating. `bits` is only
    /// called when the rules have to be consulted.
    pub(crate) fn outcome(&self, user: &UserSnapshot, bits: impl FnOnce() -> Bits) -> Outcome {
        match self.gate(user) {
            Some(outcome) => outcome,
            None => {
                let mut memo = if self.shares_filters {
                    Memo::new(self.filters.len())
                } else {
                    Memo::Off
                };
                self.rule_outcome(user, &bits(), 0, &mut memo, None)
            }
        }
    }

    /// Steps 1 to 3: `None` when the rules decide.
    pub(crate) fn gate(&self, user: &UserSnapshot) -> Option<Outcome> {
        if user.deleted {
            return Some(Outcome::Deleted);
        }
        let lock_outlives_deactivation =
            user.lock.is_some() && self.rules.lock_survives_deactivation;
        if !(user.is_active() || lock_outlives_deactivation) {
            return Some(Outcome::Inactive);
        }
        if user.lock.is_some() {
            return Some(Outcome::Locked);
        }
        None
    }

    /// Steps 4 and 5, trying rules from index `start` on (the caller knows the
    /// ones before do not match).
    ///
    /// Filter results go through `memo`, indexed by this engine's filter ids,
    /// or through `ids` when the memo is shared with another engine (a
    /// preview compares two rule sets that mostly share their filters).
    pub(crate) fn rule_outcome(
        &self,
        user: &UserSnapshot,
        bits: &Bits,
        start: usize,
        memo: &mut Memo,
        ids: Option<&[u32]>,
    ) -> Outcome {
        (start..self.compiled.len())
            .find(|&i| self.rule_matches(i, user, bits, memo, ids))
            .map_or(Outcome::Default, Outcome::Rule)
    }

    /// Whether rule `i`'s whole condition holds; group first, as it is a bit test.
    pub(crate) fn rule_matches(
        &self,
        i: usize,
        user: &UserSnapshot,
        bits: &Bits,
        memo: &mut Memo,
        ids: Option<&[u32]>,
    ) -> bool {
        let Some(rule) = self.compiled.get(i) else {
            return false;
        };
        if rule.group.is_some_and(|slot| !bits.has(slot)) {
            return false;
        }
        match rule.filter {
            None => true,
            Some(local) => {
                let shared = match ids {
                    Some(ids) => ids.get(local as usize).copied().unwrap_or(local),
                    None => local,
                };
                memo.get_or(shared, || self.filter_matches(local, user))
            }
        }
    }

    /// Whether rule `i` tests a group.
    pub(crate) fn rule_has_group(&self, i: usize) -> bool {
        self.compiled.get(i).is_some_and(|r| r.group.is_some())
    }

    pub(crate) fn filter_matches(&self, id: u32, user: &UserSnapshot) -> bool {
        self.filters
            .get(id as usize)
            .is_some_and(|f| f.matches(&user.resource))
    }

    /// Canonical texts of the distinct filters, by filter id.
    pub(crate) fn filter_keys(&self) -> &[String] {
        &self.filter_keys
    }

    /// The role an outcome gives.
    pub(crate) fn role_of<'a>(&'a self, outcome: Outcome, user: &'a UserSnapshot) -> &'a str {
        match outcome {
            Outcome::Deleted | Outcome::Inactive => DISABLED,
            Outcome::Locked => user.lock.as_ref().map_or(DISABLED, |l| l.role.as_str()),
            Outcome::Rule(i) => self
                .rules
                .rules
                .get(i)
                .map_or(DISABLED, |r| r.role.as_str()),
            Outcome::Default => &self.rules.default_role,
        }
    }

    pub(crate) fn decision(&self, outcome: Outcome, user: &UserSnapshot) -> Decision {
        let reason = match outcome {
            Outcome::Deleted => Reason::Deleted,
            Outcome::Inactive => Reason::Inactive {
                overridden_lock: user.lock.as_ref().map(|l| l.role.clone()),
            },
            Outcome::Locked => match &user.lock {
                Some(lock) => Reason::Locked {
                    by: lock.by.clone(),
                    at: lock.at,
                    lock_reason: lock.reason.clone(),
                    while_inactive: !user.is_active(),
                },
                None => Reason::Default,
            },
            Outcome::Rule(i) => match self.rules.rules.get(i) {
                Some(rule) => Reason::Rule {
                    rule: i + 1,
                    id: rule.id.clone(),
                    name: rule.name.clone(),
                    group: rule.group.clone(),
                    filter: rule.filter.clone(),
                },
                None => Reason::Default,
            },
            Outcome::Default => Reason::Default,
        };
        Decision {
            role: self.role_of(outcome, user).to_owned(),
            reason,
        }
    }
}

/// Parses and binds a rule's filter; also gives its canonical text, which
/// identifies filters that differ only in spacing or quoting.
pub(crate) fn compile_filter(rule: usize, text: &str) -> Result<(String, CompiledFilter)> {
    let invalid = |source| Error::InvalidFilter {
        rule,
        filter: text.to_owned(),
        source,
    };
    let parsed = Filter::parse(text).map_err(invalid)?;
    let compiled = compile(&parsed, &USER_RESOURCE).map_err(invalid)?;
    Ok((parsed.to_string(), compiled))
}

/// Filter results already computed for one user: two bits per filter id.
/// `Off` when no filter can be asked twice (each rule's filter is distinct).
#[derive(Debug, Clone)]
pub(crate) enum Memo {
    Off,
    On { known: Bits, value: Bits },
}

impl Memo {
    pub(crate) fn new(filters: usize) -> Memo {
        Memo::On {
            known: Bits::with_slots(filters),
            value: Bits::with_slots(filters),
        }
    }

    /// Forgets everything, for the next user.
    pub(crate) fn clear(&mut self) {
        if let Memo::On { known, value } = self {
            known.clear();
            value.clear();
        }
    }

    fn get_or(&mut self, id: u32, eval: impl FnOnce() -> bool) -> bool {
        let Memo::On { known, value } = self else {
            return eval();
        };
        if known.has(id) {
            return value.has(id);
        }
        let result = eval();
        known.set(id);
        if result {
            value.set(id);
        }
        result
    }
}

/// Which step of the precedence decided, with the rule index (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Deleted,
    Inactive,
    Locked,
    Rule(usize),
    Default,
}

#[cfg(test)]
mod tests;
