use std::collections::BTreeMap;

use serde_json::json;

use crate::test_support::{
    CONTRACTORS, DEPARTMENT_IT, EMPLOYEES, ada, contractors, employees, in_it, lock,
};
use crate::{Engine, Rule, RuleOutcome, RuleSet, StepOutcome, UserSnapshot};

fn rules() -> RuleSet {
    RuleSet::new("Viewer")
        .with_rule(Rule::group(contractors(), "Contractor"))
        .with_rule(Rule::group(employees(), "Technician").and_filter(DEPARTMENT_IT))
        .with_rule(Rule::group(employees(), "Loanee"))
}

/// Explains `user` and compares the whole multi-line trace.
#[track_caller]
fn check(rules: &RuleSet, user: &UserSnapshot, expect: &str) {
    let engine = Engine::new(rules.clone()).unwrap();
    let trace = format!("{:#}", engine.explain(user, &()));
    assert_eq!(trace, expect.trim());
}

#[test]
fn an_employee_outside_it() {
    check(
        &rules(),
        &ada().with_groups([EMPLOYEES]),
        r#"
ada: Loanee: rule 3 matched (member of group Employees)
  step 1 (deleted): passed: not deleted
  step 2 (inactive): passed: active
  step 3 (locked): passed: not locked
  step 4 (rule): decided: rule 3 is the first that matches
    rule 1 -> Contractor: not matched: user is not in group Contractors
    rule 2 -> Technician: not matched: user does not match urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"
    rule 3 -> Loanee: matched (user is in group Employees); this rule decided
  step 5 (default): not reached: default role Viewer
"#,
    );
}

#[test]
fn a_locked_user_sees_what_the_rules_would_give() {
    check(
        &rules(),
        &in_it(ada())
            .with_groups([EMPLOYEES, CONTRACTORS])
            .with_lock(lock("Admin")),
        r#"
ada: Admin: role locked by carol at 2025-03-01T09:30:00Z (app owner)
  step 1 (deleted): passed: not deleted
  step 2 (inactive): passed: active
  step 3 (locked): decided: locked to Admin by carol
  step 4 (rule): not reached: rule 1 is the first that matches
    rule 1 -> Contractor: matched (user is in group Contractors) but the user's role is locked
    rule 2 -> Technician: matched (user is in group Employees and user matches urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT") but rule 1 came first
    rule 3 -> Loanee: matched (user is in group Employees) but rule 1 came first
  step 5 (default): not reached: default role Viewer
"#,
    );
}

#[test]
fn deactivation_under_both_lock_settings() {
    let user = ada().with_lock(lock("Admin")).with_active(false);
    check(
        &rules(),
        &user,
        r#"
ada: Disabled: deactivated in the identity provider (this overrides the lock on Admin)
  step 1 (deleted): passed: not deleted
  step 2 (inactive): decided: deactivated; the lock on Admin does not survive deactivation in this tenant
  step 3 (locked): not reached: locked to Admin by carol
  step 4 (rule): not reached: no rule matches
    rule 1 -> Contractor: not matched: user is not in group Contractors
    rule 2 -> Technician: not matched: user is not in group Employees and user does not match urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"
    rule 3 -> Loanee: not matched: user is not in group Employees
  step 5 (default): not reached: default role Viewer
"#,
    );
    let mut surviving = rules();
    surviving.lock_survives_deactivation = true;
    let engine = Engine::new(surviving).unwrap();
    let why = engine.explain(&user, &());
    assert_eq!(
        why.steps[1].to_string(),
        "step 2 (inactive): passed: deactivated, but the lock on Admin survives deactivation in this tenant"
    );
    assert_eq!(why.steps[2].outcome, StepOutcome::Decided);
}

#[test]
fn a_deleted_user() {
    let engine = Engine::new(rules()).unwrap();
    let why = engine.explain(&ada().with_groups([EMPLOYEES]).with_deleted(true), &());
    assert_eq!(
        why.to_string(),
        "ada: Disabled: deleted by the identity provider"
    );
    assert_eq!(why.steps[0].outcome, StepOutcome::Decided);
    assert_eq!(
        why.rules[2].outcome,
        RuleOutcome::Overridden {
            step: crate::Step::Deleted
        }
    );
    assert_eq!(
        why.rules[2].to_string(),
        "rule 3 -> Loanee: matched (user is in group Employees) but the user was deleted"
    );
}

#[test]
fn current_group_names_replace_labels() {
    let engine = Engine::new(rules()).unwrap();
    let names = BTreeMap::from([
        (EMPLOYEES.to_owned(), "Staff".to_owned()),
        (CONTRACTORS.to_owned(), "Externals".to_owned()),
    ]);
    let why = engine.explain(&ada().with_groups([EMPLOYEES]), &names);
    assert_eq!(
        why.decision.to_string(),
        "Loanee: rule 3 matched (member of group Staff)"
    );
    assert_eq!(
        why.rules[0].to_string(),
        "rule 1 -> Contractor: not matched: user is not in group Externals"
    );
    // Labels are only display: the decision itself is the same.
    assert_eq!(
        why.decision.role,
        engine.decide(&ada().with_groups([EMPLOYEES])).role
    );
}

#[test]
fn the_user_is_named_by_user_name_then_id() {
    let engine = Engine::new(rules()).unwrap();
    let cases = [
        (
            json!({"id": "u-7", "userName": "kim"}),
            "kim: Viewer: default role: no rule matched",
        ),
        (
            json!({"id": "u-7"}),
            "u-7: Viewer: default role: no rule matched",
        ),
        (json!({}), "user: Viewer: default role: no rule matched"),
    ];
    for (resource, expect) in cases {
        assert_eq!(
            engine
                .explain(&UserSnapshot::new(resource), &())
                .to_string(),
            expect
        );
    }
}
