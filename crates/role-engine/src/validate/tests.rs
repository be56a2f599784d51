use serde_json::{Value, json};

use crate::test_support::{ADMINS, EMPLOYEES, ada, employees, lock};
use crate::{Catalogue, GroupRef, Guard, RoleDef, Rule, RuleSet, UserSnapshot, validate};

fn catalogue() -> Catalogue {
    Catalogue::new([
        RoleDef::privileged("Admin"),
        RoleDef::new("Loanee"),
        RoleDef::new("Technician"),
        RoleDef::new("Viewer"),
    ])
}

/// Validates and compares the one-line form of every problem, in order.
#[track_caller]
fn check(rules: &RuleSet, users: &[UserSnapshot], expect: &[&str]) {
    let lines: Vec<String> = validate(rules, &catalogue(), users, None)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(lines, expect);
}

fn admins() -> GroupRef {
    GroupRef::labelled(ADMINS, "Admins")
}

#[test]
fn a_sound_rule_set_has_no_problems() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(admins(), "Admin"))
        .with_rule(Rule::group(employees(), "Technician").and_filter(r#"title pr"#))
        .with_rule(Rule::group(employees(), "Loanee"))
        .with_rule(Rule::filter(r#"title co "Manager""#, "Loanee"));
    check(&rules, &[ada().with_groups([ADMINS])], &[]);
}

#[test]
fn unknown_and_empty_roles() {
    let mut rules = RuleSet::new("Viewr")
        .with_rule(Rule::group(employees(), "Lonee"))
        .with_rule(Rule::group(admins(), ""))
        .with_rule(Rule::group(GroupRef::id("g-leavers"), "Disabled"));
    rules.guard = Some(Guard {
        role: "Root".into(),
    });
    check(
        &rules,
        &[],
        &[
            "error: default_role: role Viewr is not in the catalogue",
            "error: guard: role Root is not in the catalogue",
            "error: rule 1: role Lonee is not in the catalogue",
            "error: rule 2: the role name is empty",
        ],
    );
}

#[test]
fn broken_conditions() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule {
            id: None,
            name: None,
            group: None,
            filter: None,
            role: "Loanee".into(),
        })
        .with_rule(Rule::filter("title eq", "Loanee"))
        .with_rule(Rule::filter("active co \"x\"", "Loanee"));
    check(
        &rules,
        &[],
        &[
            "error: rule 1: has neither a group nor a filter",
            "error: rule 2: invalid filter 'title eq': invalid filter at position 8: expected a value, found the end",
            "error: rule 3: invalid filter 'active co \"x\"': invalid filter at position 0: 'active' is boolean; only eq and ne apply, not co",
        ],
    );
}

#[test]
fn rules_that_can_never_fire() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(employees(), "Loanee"))
        .with_rule(Rule::group(employees(), "Technician").and_filter("title pr"))
        .with_rule(Rule::filter(r#"title co "Manager""#, "Technician"))
        .with_rule(Rule::filter(r#"Title CO "manager""#, "Admin"))
        .with_rule(Rule::filter(
            r#"title co "manager" and userType eq "Employee""#,
            "Admin",
        ))
        .with_rule(Rule::filter(r#"title ne "x""#, "Loanee"))
        .with_rule(Rule::filter(r#"not (title eq "X")"#, "Admin"))
        // Not reported: an `or` is not analysed, and other groups are other conditions.
        .with_rule(Rule::filter(r#"title co "Manager" or title pr"#, "Admin"))
        .with_rule(Rule::group(admins(), "Admin").and_filter("title pr"));
    check(
        &rules,
        &[],
        &[
            "warning: rule 2 can never fire: rule 1 matches every user it matches",
            "warning: rule 4 can never fire: it has the same condition as rule 3",
            "warning: rule 5 can never fire: rule 3 matches every user it matches",
            "warning: rule 7 can never fire: it has the same condition as rule 6",
        ],
    );
}

#[test]
fn a_privileged_default_role_is_flagged() {
    check(
        &RuleSet::new("Admin"),
        &[],
        &["warning: default_role: Admin is privileged, so every user no rule matches gets it"],
    );
}

#[test]
fn the_guard_against_the_current_users() {
    let mut rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(admins(), "Admin"))
        .with_rule(Rule::group(employees(), "Loanee"));
    rules.guard = Some(Guard {
        role: "Admin".into(),
    });
    let admin = ada().with_groups([ADMINS]);
    let employee = ada().with_groups([EMPLOYEES]);
    check(&rules, &[admin.clone(), employee.clone()], &[]);
    check(&rules, &[], &[]);
    let broken = [concat!(
        "error: guard: with these rules none of the 2 users would be an active Admin",
        "; to save, first lock an active user as Admin (PUT .../users/{id}/lock with {\"role\": \"Admin\"}), or turn the guard off (PATCH .../settings with {\"guard\": null})"
    )];
    check(
        &rules,
        &[admin.clone().with_active(false), employee.clone()],
        &broken,
    );
    check(
        &rules,
        &[admin.with_deleted(true), employee.clone()],
        &broken,
    );
    // A locked admin counts while active.
    check(&rules, &[employee.clone().with_lock(lock("Admin"))], &[]);
    // Kept by a lock while deactivated is not active.
    rules.lock_survives_deactivation = true;
    check(
        &rules,
        &[employee.with_lock(lock("Admin")).with_active(false)],
        &[concat!(
            "error: guard: with these rules none of the 1 users would be an active Admin",
            "; to save, first lock an active user as Admin (PUT .../users/{id}/lock with {\"role\": \"Admin\"}), or turn the guard off (PATCH .../settings with {\"guard\": null})"
        )],
    );
}

#[test]
fn guarding_disabled_makes_no_sense() {
    let mut rules = RuleSet::new("Viewer");
    rules.guard = Some(Guard {
        role: "Disabled".into(),
    });
    check(
        &rules,
        &[ada()],
        &["error: guard: the built-in role Disabled cannot be guarded"],
    );
}

#[test]
fn locks_on_roles_missing_from_the_catalogue() {
    let users = [UserSnapshot::new(json!({"userName": "kim"})).with_lock(lock("Superuser"))];
    check(
        &RuleSet::new("Viewer"),
        &users,
        &["warning: user kim is locked to role Superuser, which is not in the catalogue"],
    );
}

fn pushed() -> crate::PushedGroups {
    crate::PushedGroups {
        current: vec![
            crate::PushedGroup::new(ADMINS, "App Admins"),
            crate::PushedGroup::new(EMPLOYEES, "Employees"),
        ],
        deleted: vec![crate::PushedGroup::new("g-gone", "Contractors")],
    }
}

#[test]
fn group_references_are_checked_against_the_pushed_groups() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(GroupRef::id("App Admins"), "Admin"))
        .with_rule(Rule::group(GroupRef::id("g-never"), "Technician"))
        .with_rule(Rule::group(
            GroupRef::labelled("g-gone", "Contractors"),
            "Loanee",
        ))
        .with_rule(Rule::group(employees(), "Loanee"));
    let problems = validate(&rules, &catalogue(), &[], Some(&pushed()));
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            format!(
                "error: rule 1: 'App Admins' is a group's display name, but rules name groups by id: use \"{ADMINS}\""
            ),
            format!(
                "warning: rule 2: the identity provider never pushed a group with id 'g-never', so the rule matches nobody; it pushed App Admins ({ADMINS}), Employees ({EMPLOYEES})"
            ),
            "warning: rule 3: group Contractors (g-gone) was deleted by the identity provider, so the rule matches nobody".to_owned(),
        ]
    );
    // Offline (groups unknown), nothing is said about groups.
    assert!(validate(&rules, &catalogue(), &[], None).is_empty());
}

#[test]
fn a_tenant_without_groups_says_so() {
    let rules = RuleSet::new("Viewer").with_rule(Rule::group(GroupRef::id("g-x"), "Admin"));
    let problems = validate(
        &rules,
        &catalogue(),
        &[],
        Some(&crate::PushedGroups::default()),
    );
    assert_eq!(
        problems[0].to_string(),
        "warning: rule 1: the identity provider never pushed a group with id 'g-x', so the rule matches nobody; it has pushed no groups yet"
    );
}

#[test]
fn every_problem_at_once_with_filter_positions_and_rule_ids() {
    let rules = RuleSet::new("Nobody")
        .with_rule(Rule::filter(r#"title eq "a" and title zz 1"#, "Loanee").with_id("r-1"))
        .with_rule(Rule::filter("title eq", "Loanee").with_id("r-2"))
        .with_rule(Rule::group(employees(), "Ghost").with_id("r-1"));
    let problems = validate(&rules, &catalogue(), &[], Some(&pushed()));
    let json = serde_json::to_value(&problems).unwrap();
    let summary: Vec<(Value, Value, Value, Value)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].clone(),
                p["rule"].clone(),
                p["rule_id"].clone(),
                p["position"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("unknown_role"), Value::Null, Value::Null, Value::Null),
            (json!("invalid_filter"), json!(1), json!("r-1"), json!(23)),
            (json!("invalid_filter"), json!(2), json!("r-2"), json!(8)),
            (
                json!("duplicate_rule_id"),
                json!(3),
                json!("r-1"),
                Value::Null
            ),
            (json!("unknown_role"), json!(3), json!("r-1"), Value::Null),
        ]
    );
}
