//! Full decision traces for admin screens and rule tests.

use std::fmt;

use serde::Serialize;

use crate::engine::{Decision, Engine, Outcome, Step};
use crate::model::{GroupNames, GroupRef, UserSnapshot};

/// Why a user has its role, step by step and rule by rule.
///
/// `Display` gives one line (the decision); the alternate form (`{:#}`) gives
/// the whole trace, one step or rule per line. Serialises to JSON with each
/// step and rule carrying its own `summary` line.
///
/// ```
/// use role_engine::{Engine, GroupRef, Rule, RuleOutcome, RuleSet, UserSnapshot};
/// use serde_json::json;
/// use std::collections::HashMap;
///
/// let engine = Engine::new(
///     RuleSet::new("Viewer")
///         .with_rule(Rule::group(GroupRef::labelled("g-c", "Contractors"), "Contractor"))
///         .with_rule(Rule::group(GroupRef::labelled("g-e", "Employees"), "Loanee"))
///         .with_rule(Rule::filter(r#"title co "Manager""#, "Approver")),
/// )?;
/// let ada = UserSnapshot::new(json!({"userName": "ada", "title": "Office Manager"}))
///     .with_groups(["g-e"]);
/// // The group was renamed in the identity provider since the rule was written.
/// let names = HashMap::from([("g-e".to_owned(), "Staff".to_owned())]);
/// let why = engine.explain(&ada, &names);
///
/// assert_eq!(why.decision.role, "Loanee");
/// assert_eq!(why.rules[0].to_string(), "rule 1 -> Contractor: not matched: user is not in group Contractors");
/// assert_eq!(why.rules[2].outcome, RuleOutcome::EarlierRuleFirst { first: 2 });
/// assert_eq!(why.to_string(), "ada: Loanee: rule 2 matched (member of group Staff)");
/// assert!(format!("{why:#}").contains("rule 3 -> Approver: matched (user matches title co \"Manager\") but rule 2 came first"));
/// # Ok::<(), role_engine::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The user's resource id, if any.
    pub user_id: Option<String>,
    /// The user's `userName`, if any.
    pub user_name: Option<String>,
    /// The decision, identical to [`Engine::decide`]'s apart from group labels.
    pub decision: Decision,
    /// The five steps of the precedence and what each did.
    pub steps: Vec<StepTrace>,
    /// Every rule, evaluated even when an earlier step decided, so an admin
    /// sees what the rules would give.
    pub rules: Vec<RuleTrace>,
}

impl Explanation {
    fn who(&self) -> &str {
        self.user_name
            .as_deref()
            .or(self.user_id.as_deref())
            .unwrap_or("user")
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.who(), self.decision)?;
        if f.alternate() {
            for step in &self.steps {
                write!(f, "\n  {step}")?;
                if step.step == Step::Rule {
                    for rule in &self.rules {
                        write!(f, "\n    {rule}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// One step of the precedence in an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTrace {
    /// The step.
    pub step: Step,
    /// Whether it decided, was passed over, or was not reached.
    pub outcome: StepOutcome,
    /// What the step looked at, for people.
    pub detail: String,
}

impl Serialize for StepTrace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            step: Step,
            number: usize,
            outcome: StepOutcome,
            detail: &'a str,
            summary: String,
        }
        Repr {
            step: self.step,
            number: self.step.number(),
            outcome: self.outcome,
            detail: &self.detail,
            summary: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl fmt::Display for StepTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match self.outcome {
            StepOutcome::Decided => "decided",
            StepOutcome::Passed => "passed",
            StepOutcome::NotReached => "not reached",
        };
        write!(
            f,
            "step {} ({}): {outcome}: {}",
            self.step.number(),
            self.step,
            self.detail
        )
    }
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// This step gave the role.
    Decided,
    /// The step did not apply; the next one was consulted.
    Passed,
    /// An earlier step decided.
    NotReached,
}

/// One rule in an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTrace {
    /// The rule's number, counting from 1.
    pub rule: usize,
    /// The rule's stable id, if it has one.
    pub id: Option<String>,
    /// The rule's name, if any.
    pub name: Option<String>,
    /// The role it gives.
    pub role: String,
    /// Each part of its condition, with whether it holds.
    pub conditions: Vec<ConditionTrace>,
    /// What came of the rule.
    pub outcome: RuleOutcome,
}

impl RuleTrace {
    /// Whether every part of the condition holds.
    pub fn matched(&self) -> bool {
        self.conditions.iter().all(ConditionTrace::holds)
    }
}

impl Serialize for RuleTrace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr<'a> {
            rule: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            name: Option<&'a str>,
            role: &'a str,
            matched: bool,
            conditions: &'a [ConditionTrace],
            outcome: &'a RuleOutcome,
            summary: String,
        }
        Repr {
            rule: self.rule,
            id: self.id.as_deref(),
            name: self.name.as_deref(),
            role: &self.role,
            matched: self.matched(),
            conditions: &self.conditions,
            outcome: &self.outcome,
            summary: self.to_string(),
        }
        .serialize(serializer)
    }
}

impl fmt::Display for RuleTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}", self.rule)?;
        if let Some(name) = &self.name {
            write!(f, " \"{name}\"")?;
        }
        write!(f, " -> {}: ", self.role)?;
        let list = |f: &mut fmt::Formatter<'_>, only_failing: bool| -> fmt::Result {
            let mut first = true;
            for c in &self.conditions {
                if only_failing && c.holds() {
                    continue;
                }
                if !first {
                    f.write_str(" and ")?;
                }
                first = false;
                write!(f, "{c}")?;
            }
            Ok(())
        };
        if !self.matched() {
            f.write_str("not matched: ")?;
            return list(f, true);
        }
        f.write_str("matched (")?;
        list(f, false)?;
        f.write_str(")")?;
        match &self.outcome {
            RuleOutcome::Decided => f.write_str("; this rule decided"),
            RuleOutcome::EarlierRuleFirst { first } => write!(f, " but rule {first} came first"),
            RuleOutcome::Overridden { step } => match step {
                Step::Deleted => f.write_str(" but the user was deleted"),
                Step::Inactive => f.write_str(" but the user is deactivated"),
                Step::Locked => f.write_str(" but the user's role is locked"),
                Step::Rule | Step::Default => Ok(()),
            },
            RuleOutcome::NotMatched => Ok(()),
        }
    }
}

/// What came of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleOutcome {
    /// The rule matched first and gave the role.
    Decided,
    /// The condition does not hold.
    NotMatched,
    /// The rule matched, but an earlier rule matched too and came first.
    EarlierRuleFirst {
        /// The number of the first matching rule.
        first: usize,
    },
    /// The rule matched first, but an earlier step of the precedence decided.
    Overridden {
        /// The step that decided.
        step: Step,
    },
}

/// One part of a rule's condition, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConditionTrace {
    /// Membership in a group.
    Group {
        /// The group, labelled with its current name where known.
        group: GroupRef,
        /// Whether the user is a member.
        holds: bool,
    },
    /// A filter over the user resource.
    Filter {
        /// The filter as written in the rule.
        filter: String,
        /// Whether the user matches it.
        holds: bool,
    },
}

impl ConditionTrace {
    /// Whether this part holds.
    pub fn holds(&self) -> bool {
        match self {
            ConditionTrace::Group { holds, .. } | ConditionTrace::Filter { holds, .. } => *holds,
        }
    }
}

impl fmt::Display for ConditionTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionTrace::Group { group, holds: true } => write!(f, "user is in group {group}"),
            ConditionTrace::Group {
                group,
                holds: false,
            } => write!(f, "user is not in group {group}"),
            ConditionTrace::Filter {
                filter,
                holds: true,
            } => write!(f, "user matches {filter}"),
            ConditionTrace::Filter {
                filter,
                holds: false,
            } => write!(f, "user does not match {filter}"),
        }
    }
}

impl Engine {
    /// The full trace of the decision for `user`: each step, and each rule with
    /// whether it matched and why.
    ///
    /// `names` gives groups' current display names (pass `&()` to use the
    /// labels written in the rules). Slower than [`Engine::decide`]: every rule
    /// is evaluated, whatever decided.
    pub fn explain(&self, user: &UserSnapshot, names: &dyn GroupNames) -> Explanation {
        let bits = self.member_bits(&user.groups);
        let outcome = self.outcome(user, || bits.clone());
        let mut decision = self.decision(outcome, user);
        decision.reason = decision.reason.with_group_names(names);

        let label = |group: &GroupRef| match names.name_of(&group.id) {
            Some(name) => GroupRef::labelled(group.id.clone(), name),
            None => group.clone(),
        };
        let mut first_match: Option<usize> = None;
        let mut rules = Vec::with_capacity(self.rules().rules.len());
        for (i, (rule, compiled)) in self.rules().rules.iter().zip(self.compiled()).enumerate() {
            let mut conditions = Vec::with_capacity(2);
            if let (Some(group), Some(slot)) = (&rule.group, compiled.group) {
                conditions.push(ConditionTrace::Group {
                    group: label(group),
                    holds: bits.has(slot),
                });
            }
            if let (Some(text), Some(filter)) = (&rule.filter, compiled.filter) {
                conditions.push(ConditionTrace::Filter {
                    filter: text.clone(),
                    holds: self.filter_matches(filter, user),
                });
            }
            let matched = conditions.iter().all(ConditionTrace::holds);
            let outcome = match (matched, first_match, outcome) {
                (false, _, _) => RuleOutcome::NotMatched,
                (true, Some(first), _) => RuleOutcome::EarlierRuleFirst { first: first + 1 },
                (true, None, Outcome::Rule(_)) => RuleOutcome::Decided,
                (true, None, other) => RuleOutcome::Overridden {
                    step: step_of(other),
                },
            };
            if matched && first_match.is_none() {
                first_match = Some(i);
            }
            rules.push(RuleTrace {
                rule: i + 1,
                id: rule.id.clone(),
                name: rule.name.clone(),
                role: rule.role.clone(),
                conditions,
                outcome,
            });
        }

        let steps = self.step_traces(user, outcome, first_match);
        Explanation {
            user_id: user.id().map(str::to_owned),
            user_name: user.user_name().map(str::to_owned),
            decision,
            steps,
            rules,
        }
    }

    fn step_traces(
        &self,
        user: &UserSnapshot,
        outcome: Outcome,
        first_match: Option<usize>,
    ) -> Vec<StepTrace> {
        let decided = step_of(outcome);
        let survives = self.rules().lock_survives_deactivation;
        let active = user.is_active();
        Step::ALL
            .into_iter()
            .map(|step| {
                let state = match step.cmp(&decided) {
                    std::cmp::Ordering::Less => StepOutcome::Passed,
                    std::cmp::Ordering::Equal => StepOutcome::Decided,
                    std::cmp::Ordering::Greater => StepOutcome::NotReached,
                };
                let detail = match step {
                    Step::Deleted if user.deleted => "deleted by the identity provider".to_owned(),
                    Step::Deleted => "not deleted".to_owned(),
                    Step::Inactive if active => "active".to_owned(),
                    Step::Inactive => match (&user.lock, survives) {
                        (Some(lock), true) => format!(
                            "deactivated, but the lock on {} survives deactivation in this tenant",
                            lock.role
                        ),
                        (Some(lock), false) => format!(
                            "deactivated; the lock on {} does not survive deactivation in this tenant",
                            lock.role
                        ),
                        (None, _) => "deactivated".to_owned(),
                    },
                    Step::Locked => match &user.lock {
                        Some(lock) => format!("locked to {} by {}", lock.role, lock.by),
                        None => "not locked".to_owned(),
                    },
                    Step::Rule => match first_match {
                        Some(i) => format!("rule {} is the first that matches", i + 1),
                        None => "no rule matches".to_owned(),
                    },
                    Step::Default => format!("default role {}", self.rules().default_role),
                };
                StepTrace {
                    step,
                    outcome: state,
                    detail,
                }
            })
            .collect()
    }
}

fn step_of(outcome: Outcome) -> Step {
    match outcome {
        Outcome::Deleted => Step::Deleted,
        Outcome::Inactive => Step::Inactive,
        Outcome::Locked => Step::Locked,
        Outcome::Rule(_) => Step::Rule,
        Outcome::Default => Step::Default,
    }
}

#[cfg(test)]
mod tests;
