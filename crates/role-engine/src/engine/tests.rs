use std::collections::HashMap;

use serde_json::json;

use crate::test_support::{
    ADMINS, CONTRACTORS, DEPARTMENT_IT, EMPLOYEES, ada, contractors, employees, in_it, lock,
    seed_rules,
};
use crate::{Engine, Error, GroupRef, Rule, RuleSet, Step, UserSnapshot};

/// Decides `user` under `rules` and compares the decision's one-line form,
/// which carries both the role and the reason.
#[track_caller]
fn check(rules: &RuleSet, user: &UserSnapshot, expect: &str) {
    let engine = Engine::new(rules.clone()).unwrap();
    assert_eq!(engine.decide(user).to_string(), expect);
}

const LOCKED_ADMIN: &str = "Admin: role locked by carol at 2025-03-01T09:30:00Z (app owner)";

#[test]
fn default_role_for_a_user_in_no_group() {
    check(
        &seed_rules(),
        &ada(),
        "Viewer: default role: no rule matched",
    );
}

#[test]
fn only_unmapped_groups_give_the_default_role() {
    check(
        &seed_rules(),
        &ada().with_groups(["unmapped-1", "unmapped-2"]),
        "Viewer: default role: no rule matched",
    );
}

#[test]
fn mapped_group_gives_its_role() {
    check(
        &seed_rules(),
        &ada().with_groups([EMPLOYEES]),
        "Loanee: rule 1 matched (member of group Employees)",
    );
}

#[test]
fn removal_from_the_group_falls_back_to_the_default() {
    let member = ada().with_groups(["unmapped", EMPLOYEES]);
    check(
        &seed_rules(),
        &member,
        "Loanee: rule 1 matched (member of group Employees)",
    );
    let removed = member.with_groups(["unmapped"]);
    check(
        &seed_rules(),
        &removed,
        "Viewer: default role: no rule matched",
    );
}

#[test]
fn deactivation_gives_disabled() {
    let member = ada().with_groups([EMPLOYEES]);
    check(
        &seed_rules(),
        &member.clone().with_active(false),
        "Disabled: deactivated in the identity provider",
    );
    // Some clients send the flag as a string.
    let mut stringly = member;
    stringly.resource["active"] = json!("False");
    check(
        &seed_rules(),
        &stringly,
        "Disabled: deactivated in the identity provider",
    );
}

#[test]
fn absent_active_flag_means_active() {
    let user = UserSnapshot::new(json!({"userName": "ada"})).with_groups([EMPLOYEES]);
    check(
        &seed_rules(),
        &user,
        "Loanee: rule 1 matched (member of group Employees)",
    );
}

#[test]
fn reactivation_restores_the_group_derived_role() {
    // Memberships are kept while inactive: the IdP does not resend them.
    let inactive = ada().with_groups([EMPLOYEES]).with_active(false);
    check(
        &seed_rules(),
        &inactive,
        "Disabled: deactivated in the identity provider",
    );
    check(
        &seed_rules(),
        &inactive.with_active(true),
        "Loanee: rule 1 matched (member of group Employees)",
    );
}

#[test]
fn lock_freezes_the_role_against_group_changes() {
    let locked = ada().with_lock(lock("Admin"));
    for groups in [vec![], vec![EMPLOYEES], vec![EMPLOYEES, CONTRACTORS]] {
        check(
            &seed_rules(),
            &locked.clone().with_groups(groups),
            LOCKED_ADMIN,
        );
    }
}

#[test]
fn lock_freezes_the_role_against_rule_changes() {
    let locked = ada().with_groups([EMPLOYEES]).with_lock(lock("Admin"));
    let edits = [
        seed_rules(),
        RuleSet::new("Guest"),
        RuleSet::new("Viewer").with_rule(Rule::group(employees(), "Technician")),
        RuleSet::new("Viewer").with_rule(Rule::filter("userName pr", "Auditor")),
    ];
    for rules in &edits {
        check(rules, &locked, LOCKED_ADMIN);
    }
}

#[test]
fn deactivation_beats_a_lock_by_default() {
    let rules = seed_rules();
    assert!(!rules.lock_survives_deactivation);
    check(
        &rules,
        &ada().with_lock(lock("Admin")).with_active(false),
        "Disabled: deactivated in the identity provider (this overrides the lock on Admin)",
    );
}

#[test]
fn a_lock_survives_deactivation_when_the_tenant_says_so() {
    let mut rules = seed_rules();
    rules.lock_survives_deactivation = true;
    check(
        &rules,
        &ada().with_lock(lock("Admin")).with_active(false),
        "Admin: role locked by carol at 2025-03-01T09:30:00Z (app owner), \
         kept although deactivated because the tenant lets locks survive deactivation",
    );
    // The setting changes nothing for users without a lock.
    check(
        &rules,
        &ada().with_groups([EMPLOYEES]).with_active(false),
        "Disabled: deactivated in the identity provider",
    );
}

#[test]
fn attribute_rule_beats_or_loses_to_a_group_rule_by_order() {
    let it_employee = in_it(ada()).with_groups([EMPLOYEES]);
    let department_first = RuleSet::new("Viewer")
        .with_rule(Rule::filter(DEPARTMENT_IT, "Technician"))
        .with_rule(Rule::group(employees(), "Loanee"));
    check(
        &department_first,
        &it_employee,
        r#"Technician: rule 1 matched (matches urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT")"#,
    );
    let group_first = RuleSet::new("Viewer")
        .with_rule(Rule::group(employees(), "Loanee"))
        .with_rule(Rule::filter(DEPARTMENT_IT, "Technician"));
    check(
        &group_first,
        &it_employee,
        "Loanee: rule 1 matched (member of group Employees)",
    );
    // Outside the group, the attribute rule decides under either order.
    check(
        &group_first,
        &in_it(ada()),
        r#"Technician: rule 2 matched (matches urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT")"#,
    );
}

#[test]
fn a_group_and_filter_rule_needs_both() {
    let rules = RuleSet::new("Viewer").with_rule(
        Rule::group(employees(), "Technician")
            .and_filter(DEPARTMENT_IT)
            .named("IT staff"),
    );
    check(
        &rules,
        &ada().with_groups([EMPLOYEES]),
        "Viewer: default role: no rule matched",
    );
    check(
        &rules,
        &in_it(ada()),
        "Viewer: default role: no rule matched",
    );
    check(
        &rules,
        &in_it(ada()).with_groups([EMPLOYEES]),
        r#"Technician: rule 1 "IT staff" matched (member of group Employees and matches urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT")"#,
    );
}

#[test]
fn renaming_a_group_keeps_the_mapping() {
    // The rule was written when the group was called "Employees"; the IdP has
    // since renamed it to "Staff". Only the id matters for the decision.
    let engine = Engine::new(seed_rules()).unwrap();
    let member = ada().with_groups([EMPLOYEES]);
    assert_eq!(engine.decide(&member).role, "Loanee");

    let renamed = HashMap::from([(EMPLOYEES.to_owned(), "Staff".to_owned())]);
    let why = engine.explain(&member, &renamed);
    assert_eq!(
        why.decision.to_string(),
        "Loanee: rule 1 matched (member of group Staff)"
    );

    // A rule set whose label was updated decides the same.
    let relabelled = RuleSet::new("Viewer").with_rule(Rule::group(
        GroupRef::labelled(EMPLOYEES, "Staff"),
        "Loanee",
    ));
    check(
        &relabelled,
        &member,
        "Loanee: rule 1 matched (member of group Staff)",
    );
    // A group that merely carries the old name under another id does not match.
    check(
        &seed_rules(),
        &ada().with_groups(["Employees"]),
        "Viewer: default role: no rule matched",
    );
}

#[test]
fn soft_deleted_user_is_disabled() {
    check(
        &seed_rules(),
        &ada().with_groups([EMPLOYEES]).with_deleted(true),
        "Disabled: deleted by the identity provider",
    );
}

#[test]
fn deletion_beats_a_lock_even_when_locks_survive_deactivation() {
    let mut rules = seed_rules();
    rules.lock_survives_deactivation = true;
    check(
        &rules,
        &ada().with_lock(lock("Admin")).with_deleted(true),
        "Disabled: deleted by the identity provider",
    );
}

#[test]
fn the_first_matching_rule_wins_whatever_the_group_order() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(GroupRef::labelled(ADMINS, "Admins"), "Admin"))
        .with_rule(Rule::group(employees(), "Loanee"))
        .with_rule(Rule::group(contractors(), "Contractor"));
    for groups in [[CONTRACTORS, EMPLOYEES], [EMPLOYEES, CONTRACTORS]] {
        check(
            &rules,
            &ada().with_groups(groups),
            "Loanee: rule 2 matched (member of group Employees)",
        );
    }
}

#[test]
fn a_rule_may_give_disabled() {
    let rules = RuleSet::new("Viewer").with_rule(Rule::group(
        GroupRef::labelled("g-leavers", "Leavers"),
        "Disabled",
    ));
    check(
        &rules,
        &ada().with_groups(["g-leavers"]),
        "Disabled: rule 1 matched (member of group Leavers)",
    );
}

#[test]
fn many_mapped_groups_are_supported() {
    // More groups than fit in the inline bit set.
    let mut rules = RuleSet::new("Viewer");
    for i in 0..300 {
        rules = rules.with_rule(Rule::group(GroupRef::id(format!("g-{i}")), format!("R{i}")));
    }
    check(
        &rules,
        &ada().with_groups(["g-299", "g-250"]),
        "R250: rule 251 matched (member of group g-250)",
    );
    check(
        &rules,
        &ada().with_groups(["g-7"]),
        "R7: rule 8 matched (member of group g-7)",
    );
}

#[test]
fn steps_are_reported() {
    let engine = Engine::new(seed_rules()).unwrap();
    let cases = [
        (ada().with_deleted(true), Step::Deleted),
        (ada().with_active(false), Step::Inactive),
        (ada().with_lock(lock("Admin")), Step::Locked),
        (ada().with_groups([EMPLOYEES]), Step::Rule),
        (ada(), Step::Default),
    ];
    for (user, step) in cases {
        assert_eq!(engine.decide(&user).reason.step(), step);
    }
    assert_eq!("RULE".parse::<Step>(), Ok(Step::Rule));
    assert!("ruled".parse::<Step>().is_err());
}

#[test]
fn loading_rejects_broken_rules() {
    let no_condition = RuleSet::new("Viewer").with_rule(Rule {
        id: None,
        name: None,
        group: None,
        filter: None,
        role: "Loanee".to_owned(),
    });
    assert_eq!(
        Engine::new(no_condition).unwrap_err(),
        Error::EmptyCondition { rule: 1 }
    );

    let bad_filter = seed_rules().with_rule(Rule::filter("department eq", "Technician"));
    assert!(matches!(
        Engine::new(bad_filter).unwrap_err(),
        Error::InvalidFilter { rule: 2, .. }
    ));

    let unknown_attribute = seed_rules().with_rule(Rule::filter(r#"shoeSize eq "9""#, "X"));
    assert!(matches!(
        Engine::new(unknown_attribute).unwrap_err(),
        Error::InvalidFilter { rule: 2, .. }
    ));

    assert!(matches!(
        Engine::new(RuleSet::new("")).unwrap_err(),
        Error::EmptyRole { .. }
    ));
    assert!(matches!(
        Engine::new(RuleSet::new("Viewer").with_rule(Rule::group(employees(), ""))).unwrap_err(),
        Error::EmptyRole { .. }
    ));
}

#[test]
fn active_holders_for_the_guard() {
    let mut rules = seed_rules().with_rule(Rule::group(GroupRef::id(ADMINS), "Admin"));
    rules.lock_survives_deactivation = true;
    let engine = Engine::new(rules).unwrap();
    let cases = [
        (ada().with_groups([ADMINS]), true),
        (ada().with_lock(lock("Admin")), true),
        (ada().with_lock(lock("Admin")).with_active(false), false),
        (ada().with_groups([ADMINS]).with_active(false), false),
        (ada().with_groups([EMPLOYEES]), false),
    ];
    for (user, holds) in cases {
        assert_eq!(
            engine.decide(&user).is_active_holder_of("Admin"),
            holds,
            "{user:?}"
        );
    }
}

#[test]
fn engines_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
}
