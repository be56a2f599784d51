//! Compiled rule sets and decisions.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use scim_proto::filter::{CompiledFilter, Filter, compile};
use scim_proto::schema::USER_RESOURCE;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{DISABLED, GroupRef, RuleSet, UserSnapshot};

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

/// Hashing for group-id tables, which every decision probes once per group of
/// the user: a multiply-rotate hash over 8-byte words, several times faster
/// than the default SipHash on 36-character ids. Flood resistance buys nothing
/// here: the tables hold only the ids a rule set names, so crafted lookups can
/// at worst walk the probe sequences of those few keys.
pub(crate) type IdHash = BuildHasherDefault<IdHasher>;

/// See [`IdHash`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
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

/// A set of group slots. Most tenants map fewer than 128 groups, which fit in
/// one word pair without allocating.
#[derive(Debug, Clone)]
pub(crate) enum Bits {
    Small(u128),
    Large(Vec<u64>),
}

impl Bits {
    pub(crate) fn with_slots(slots: usize) -> Bits {
        if slots <= 128 {
            Bits::Small(0)
        } else {
            Bits::Large(vec![0; slots.div_ceil(64)])
        }
    }

    pub(crate) fn set(&mut self, slot: u32) {
        match self {
            Bits::Small(word) => {
                if slot < 128 {
                    *word |= 1 << slot;
                }
            }
            Bits::Large(words) => {
                if let Some(word) = words.get_mut((slot / 64) as usize) {
                    *word |= 1 << (slot % 64);
                }
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        match self {
            Bits::Small(word) => *word = 0,
            Bits::Large(words) => words.fill(0),
        }
    }

    pub(crate) fn has(&self, slot: u32) -> bool {
        match self {
            Bits::Small(word) => slot < 128 && word & (1 << slot) != 0,
            Bits::Large(words) => words
                .get((slot / 64) as usize)
                .is_some_and(|w| w & (1 << (slot % 64)) != 0),
        }
    }
}

/// A role and the reason for it.
///
/// Serialises as `{"role": ..., "reason": {"step": ..., ...}, "summary": ...}`,
/// where `summary` is the [`Display`](fmt::Display) line (ignored when read back).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Decision {
    /// The role.
    pub role: String,
    /// Why.
    pub reason: Reason,
}

impl Decision {
    /// Whether this decision makes the user an *active* holder of `role`: it
    /// has the role and was not kept in it by a lock while deactivated.
    pub fn is_active_holder_of(&self, role: &str) -> bool {
        self.role == role
            && !matches!(
                self.reason,
                Reason::Deleted
                    | Reason::Inactive { .. }
                    | Reason::Locked {
                        while_inactive: true,
                        ..
                    }
            )
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            role: &'a str,
            reason: &'a Reason,
            summary: String,
        }
        Repr {
            role: &self.role,
            reason: &self.reason,
            summary: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.role, self.reason)
    }
}

/// Why a user has a role: which step of the precedence decided, and with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Reason {
    /// Step 1: the identity provider deleted the user.
    Deleted,
    /// Step 2: the user is deactivated.
    Inactive {
        /// The locked role that deactivation overrode, if the user was locked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overridden_lock: Option<String>,
    },
    /// Step 3: the role is locked.
    Locked {
        /// Who locked it.
        by: String,
        /// When.
        at: DateTime<Utc>,
        /// Why, if said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lock_reason: Option<String>,
        /// The user is deactivated and the tenant lets locks survive that.
        #[serde(default)]
        while_inactive: bool,
    },
    /// Step 4: a rule matched.
    Rule {
        /// The rule's number, counting from 1.
        rule: usize,
        /// The rule's name, if it has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The group the user is a member of, if the rule tests one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        /// The filter the user matches, if the rule has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<String>,
    },
    /// Step 5: no rule matched.
    Default,
}

impl Reason {
    /// The step that decided.
    pub fn step(&self) -> Step {
        match self {
            Reason::Deleted => Step::Deleted,
            Reason::Inactive { .. } => Step::Inactive,
            Reason::Locked { .. } => Step::Locked,
            Reason::Rule { .. } => Step::Rule,
            Reason::Default => Step::Default,
        }
    }

    /// The same reason with group labels replaced by current names where known.
    #[must_use]
    pub fn with_group_names(mut self, names: &dyn crate::GroupNames) -> Reason {
        if let Reason::Rule {
            group: Some(group), ..
        } = &mut self
        {
            if let Some(name) = names.name_of(&group.id) {
                group.label = Some(name.to_owned());
            }
        }
        self
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Deleted => f.write_str("deleted by the identity provider"),
            Reason::Inactive { overridden_lock } => {
                f.write_str("deactivated in the identity provider")?;
                if let Some(role) = overridden_lock {
                    write!(f, " (this overrides the lock on {role})")?;
                }
                Ok(())
            }
            Reason::Locked {
                by,
                at,
                lock_reason,
                while_inactive,
            } => {
                write!(
                    f,
                    "role locked by {by} at {}",
                    at.to_rfc3339_opts(SecondsFormat::Secs, true)
                )?;
                if let Some(why) = lock_reason {
                    write!(f, " ({why})")?;
                }
                if *while_inactive {
                    f.write_str(", kept although deactivated because the tenant lets locks survive deactivation")?;
                }
                Ok(())
            }
            Reason::Rule {
                rule,
                name,
                group,
                filter,
            } => {
                write!(f, "rule {rule}")?;
                if let Some(name) = name {
                    write!(f, " \"{name}\"")?;
                }
                f.write_str(" matched (")?;
                if let Some(group) = group {
                    write!(f, "member of group {group}")?;
                }
                if let Some(filter) = filter {
                    if group.is_some() {
                        f.write_str(" and ")?;
                    }
                    write!(f, "matches {filter}")?;
                }
                f.write_str(")")
            }
            Reason::Default => f.write_str("default role: no rule matched"),
        }
    }
}

/// The steps of the decision precedence, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 1. Deleted by the identity provider: `Disabled`.
    Deleted,
    /// 2. Deactivated: `Disabled`, unless locked and locks survive deactivation.
    Inactive,
    /// 3. Locked: the locked role.
    Locked,
    /// 4. The first matching rule's role.
    Rule,
    /// 5. The default role.
    Default,
}

impl Step {
    /// Every step, in precedence order.
    pub const ALL: [Step; 5] = [
        Step::Deleted,
        Step::Inactive,
        Step::Locked,
        Step::Rule,
        Step::Default,
    ];

    /// The step's name as serialised: `deleted`, `inactive`, `locked`, `rule`, `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Deleted => "deleted",
            Step::Inactive => "inactive",
            Step::Locked => "locked",
            Step::Rule => "rule",
            Step::Default => "default",
        }
    }

    /// The step's position in the precedence, from 1.
    pub fn number(self) -> usize {
        match self {
            Step::Deleted => 1,
            Step::Inactive => 2,
            Step::Locked => 3,
            Step::Rule => 4,
            Step::Default => 5,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The input is not one of the step names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown step '{0}' (expected deleted, inactive, locked, rule or default)")]
pub struct UnknownStep(pub String);

impl FromStr for Step {
    type Err = UnknownStep;

    fn from_str(s: &str) -> Result<Step, UnknownStep> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownStep(s.to_owned()))
    }
}

#[cfg(test)]
mod tests;
