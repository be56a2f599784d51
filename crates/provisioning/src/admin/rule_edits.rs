//! Rules as resources: create, replace, delete and move one rule of the
//! ordered list. Each edit is a whole rule-set edit ([`Provisioning::set_rules`])
//! of the list it was made on: validated, previewed, saved with a recomputation.

use role_engine::{Rule, RuleSet, RuleTests};
use serde::Serialize;

use crate::context::RequestContext;
use crate::error::{Error, ResourceKind, Result};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::new_id;

use super::rules::{RulesEdit, RulesOutcome, RulesRun};
use super::versions::part_version;

/// One edit of one rule. Positions count from 1.
#[derive(Debug, Clone)]
pub enum RuleEdit {
    /// Insert `rule` at `position` (`None`: at the end).
    Create {
        /// The rule; given an id when it has none.
        rule: Rule,
        /// Where.
        position: Option<usize>,
    },
    /// Replace the rule `id` with `rule` (keeping its id and position).
    Replace {
        /// The rule's id.
        id: String,
        /// The new content.
        rule: Rule,
    },
    /// Remove the rule `id`.
    Delete {
        /// The rule's id.
        id: String,
    },
    /// Move the rule `id` to `position`.
    Move {
        /// The rule's id.
        id: String,
        /// Where to.
        position: usize,
    },
}

/// A rule with its place in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionedRule {
    /// Where the rule is, counting from 1.
    pub position: usize,
    /// The rule.
    #[serde(flatten)]
    pub rule: Rule,
}

/// The outcome of a one-rule edit: the rule-set outcome, and the rule as it
/// is after the edit (none after a deletion).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleEditOutcome {
    /// The edited rule where it now is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<PositionedRule>,
    /// Validation, preview and whether it was saved.
    #[serde(flatten)]
    pub outcome: RulesOutcome,
}

fn not_found(id: &str) -> Error {
    Error::NotFound {
        resource: ResourceKind::Rule,
        id: id.to_owned(),
    }
}

/// Checks a position in a list of `len` rules, where `len + 1` is the end
/// when the rule is new.
fn check_position(position: usize, last: usize) -> Result<usize> {
    if (1..=last).contains(&position) {
        Ok(position - 1)
    } else {
        Err(Error::Invalid(format!(
            "position {position} is outside the rule list (1 to {last})"
        )))
    }
}

/// `rules` after `edit`, and the id of the rule the edit is about.
fn edited(rules: &RuleSet, edit: RuleEdit) -> Result<(RuleSet, Option<String>)> {
    let mut out = rules.clone();
    let index_of = |id: &str| {
        rules
            .position_of(id)
            .map(|p| p - 1)
            .ok_or_else(|| not_found(id))
    };
    let id = match edit {
        RuleEdit::Create { mut rule, position } => {
            let id = rule.id.get_or_insert_with(new_id).clone();
            if rules.position_of(&id).is_some() {
                return Err(Error::Conflict { attribute: "id" });
            }
            let at = match position {
                Some(p) => check_position(p, rules.rules.len() + 1)?,
                None => rules.rules.len(),
            };
            out.rules.insert(at, rule);
            Some(id)
        }
        RuleEdit::Replace { id, mut rule } => {
            if rule.id.as_ref().is_some_and(|given| *given != id) {
                return Err(Error::Invalid(format!(
                    "the body's id '{}' is not the rule's id '{id}'",
                    rule.id.as_deref().unwrap_or_default()
                )));
            }
            rule.id = Some(id.clone());
            out.rules[index_of(&id)?] = rule;
            Some(id)
        }
        RuleEdit::Delete { id } => {
            out.rules.remove(index_of(&id)?);
            None
        }
        RuleEdit::Move { id, position } => {
            let from = index_of(&id)?;
            let to = check_position(position, rules.rules.len())?;
            let rule = out.rules.remove(from);
            out.rules.insert(to, rule);
            Some(id)
        }
    };
    Ok((out, id))
}

impl Provisioning {
    /// One rule of the tenant's rule set, with its position.
    pub fn rule(&self, tenant: &TenantContext, id: &str) -> Result<PositionedRule> {
        let rules = tenant.engine.rules();
        let position = rules.position_of(id).ok_or_else(|| not_found(id))?;
        Ok(PositionedRule {
            position,
            rule: rules.rules[position - 1].clone(),
        })
    }

    /// Applies `edit` to the rule set as it is now, then validates, previews
    /// and (unless `run` is a dry run or there are errors) saves the result like
    /// [`Provisioning::set_rules`]. Without `expected` (`If-Match`), the edit
    /// still applies only to the list it was made on: a rule-set change saved
    /// in between makes it fail with 412 rather than be overwritten.
    pub fn edit_rule(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        edit: RuleEdit,
        expected: Option<Vec<i64>>,
        run: RulesRun,
    ) -> Result<RuleEditOutcome> {
        let current = tenant.engine.rules();
        let expected = match expected {
            Some(versions) => versions,
            None => vec![part_version(current)?],
        };
        crate::users::check_version(part_version(current)?, Some(&expected))?;
        let (rules, id) = edited(current, edit)?;
        let outcome = self.set_rules(
            tenant,
            ctx,
            RulesEdit {
                file: RuleTests {
                    rule_set: rules.clone(),
                    catalogue: None,
                    cases: Vec::new(),
                },
                expected: Some(expected),
                settings: None,
            },
            run,
        )?;
        // As saved (group labels refreshed), or as it would be.
        let rules = if outcome.saved {
            self.tenant(&tenant.slug)?.engine.rules().clone()
        } else {
            rules
        };
        let rule = id.and_then(|id| {
            let position = rules.position_of(&id)?;
            Some(PositionedRule {
                position,
                rule: rules.rules[position - 1].clone(),
            })
        });
        Ok(RuleEditOutcome { rule, outcome })
    }
}

#[cfg(test)]
mod tests {
    use role_engine::{Rule, RuleSet};

    use super::{RuleEdit, edited};
    use crate::error::Error;

    fn three() -> RuleSet {
        RuleSet::new("Viewer")
            .with_rule(Rule::filter("title pr", "A").with_id("a"))
            .with_rule(Rule::filter("title pr", "B").with_id("b"))
            .with_rule(Rule::filter("title pr", "C").with_id("c"))
    }

    fn ids(rules: &RuleSet) -> Vec<&str> {
        rules
            .rules
            .iter()
            .map(|r| r.id.as_deref().unwrap())
            .collect()
    }

    #[test]
    fn edits_keep_ids_and_order() {
        let (moved, _) = edited(
            &three(),
            RuleEdit::Move {
                id: "c".into(),
                position: 1,
            },
        )
        .unwrap();
        assert_eq!(ids(&moved), ["c", "a", "b"]);
        let (deleted, id) = edited(&three(), RuleEdit::Delete { id: "b".into() }).unwrap();
        assert_eq!((ids(&deleted), id), (vec!["a", "c"], None));
        let rule = Rule::filter("title pr", "D").with_id("d");
        let (created, _) = edited(
            &three(),
            RuleEdit::Create {
                rule,
                position: Some(4),
            },
        )
        .unwrap();
        assert_eq!(ids(&created), ["a", "b", "c", "d"]);
        let (replaced, _) = edited(
            &three(),
            RuleEdit::Replace {
                id: "b".into(),
                rule: Rule::filter("title pr", "Z"),
            },
        )
        .unwrap();
        assert_eq!(ids(&replaced), ["a", "b", "c"]);
        assert_eq!(replaced.rules[1].role, "Z");
    }

    #[test]
    fn bad_edits_are_refused() {
        assert!(matches!(
            edited(
                &three(),
                RuleEdit::Move {
                    id: "a".into(),
                    position: 4
                }
            ),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            edited(&three(), RuleEdit::Delete { id: "x".into() }),
            Err(Error::NotFound { .. })
        ));
        let dup = Rule::filter("title pr", "D").with_id("a");
        assert!(matches!(
            edited(
                &three(),
                RuleEdit::Create {
                    rule: dup,
                    position: None
                }
            ),
            Err(Error::Conflict { .. })
        ));
    }
}
