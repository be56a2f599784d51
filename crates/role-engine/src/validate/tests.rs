use serde_json::json;

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
    let lines: Vec<String> = validate(rules, &catalogue(), users)
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
        "; to save, first lock an active user as Admin (PUT .../users/{id}/lock with {\"role\": \"Admin\"}), or save the rules without the guard"
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
            "; to save, first lock an active user as Admin (PUT .../users/{id}/lock with {\"role\": \"Admin\"}), or save the rules without the guard"
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
