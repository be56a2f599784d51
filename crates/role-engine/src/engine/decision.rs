//! Decisions: the role a user gets and why ([`Decision`], [`Reason`]), and the
//! steps of the precedence ([`Step`]).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::model::GroupRef;

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
        /// The rule's stable id, if it has one (rules saved by the server do).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
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
            && let Some(name) = names.name_of(&group.id)
        {
            group.label = Some(name.to_owned());
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
                ..
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
