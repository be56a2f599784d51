//! One rule filter checked on its own, as an editor checks it while it is
//! typed: the validation a saved rule set gets (`role_engine::validate`, which
//! parses with `scim-proto` and binds to the User schema), run on a rule set
//! holding that filter alone, so the answer is the one a save would give.

use role_engine::{DISABLED, Problem, ProblemKind, Rule, RuleSet};

/// What is wrong with `filter` as an attribute rule's condition (the problem
/// carries the byte position where the parser stopped), or `None` when a rule
/// could be saved with it.
pub fn rule_filter_problem(filter: &str) -> Option<Problem> {
    // The built-in role is in every catalogue, so only the filter can fail.
    let rules = RuleSet::new(DISABLED).with_rule(Rule::filter(filter, DISABLED));
    role_engine::validate(&rules, &role_engine::Catalogue::default(), &[], None)
        .into_iter()
        .find(|p| matches!(p.kind, ProblemKind::InvalidFilter { .. }))
}

#[cfg(test)]
mod tests {
    use role_engine::ProblemKind;

    use super::rule_filter_problem;

    fn position(filter: &str) -> Option<usize> {
        match rule_filter_problem(filter).map(|p| p.kind) {
            Some(ProblemKind::InvalidFilter { position, .. }) => position,
            other => panic!("{filter:?}: {other:?}"),
        }
    }

    #[test]
    fn a_filter_a_rule_can_use_has_no_problem() {
        assert!(rule_filter_problem(r#"title eq "Technician""#).is_none());
        assert!(rule_filter_problem(r#"emails[type eq "work"].value ew "@acme.test""#).is_none());
    }

    #[test]
    fn a_broken_filter_says_where() {
        assert_eq!(position(r#"title eq "Technician"#), Some(9));
        assert_eq!(position("title eqq 1"), Some(6));
        assert!(position("").is_some(), "an empty filter is refused");
        assert!(
            rule_filter_problem("nosuchattribute pr").is_some(),
            "bound to the User schema"
        );
    }
}
