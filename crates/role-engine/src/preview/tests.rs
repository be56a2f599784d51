use serde_json::json;

use crate::test_support::{ADMINS, EMPLOYEES, ada, employees, lock, seed_rules};
use crate::{
    Effect, Engine, Error, GroupRef, Guard, Rule, RuleSet, UserSnapshot, preview,
    preview_group_deletion, preview_role_removal,
};

fn engine(rules: RuleSet) -> Engine {
    Engine::new(rules).unwrap()
}

/// Runs a preview and compares the one-line form of every entry.
#[track_caller]
fn check(changes: &[crate::Change], expect: &[&str]) {
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, expect);
}

#[test]
fn mapping_a_group_moves_its_members_only() {
    let users = [
        ada().with_groups([EMPLOYEES]),
        UserSnapshot::new(json!({"userName": "bob"})),
        UserSnapshot::new(json!({"userName": "cy"}))
            .with_groups([EMPLOYEES])
            .with_active(false),
    ];
    let new = seed_rules().with_rule(Rule::group(GroupRef::id("g-new"), "Technician"));
    check(&preview(&engine(seed_rules()), &engine(new), &users), &[]);
    let remapped = RuleSet::new("Viewer").with_rule(Rule::group(employees(), "Technician"));
    check(
        &preview(&engine(seed_rules()), &engine(remapped), &users),
        &[
            "ada: Loanee -> Technician (before: rule 1 matched (member of group Employees); after: rule 1 matched (member of group Employees))",
        ],
    );
}

#[test]
fn locked_users_are_listed_as_held() {
    let users = [ada().with_groups([EMPLOYEES]).with_lock(lock("Admin"))];
    let new = RuleSet::new("Viewer");
    let changes = preview(&engine(seed_rules()), &engine(new), &users);
    check(
        &changes,
        &[
            "ada: unaffected, stays Admin (role locked by carol at 2025-03-01T09:30:00Z (app owner)); without the lock the rules would move it from Loanee to Viewer",
        ],
    );
    assert!(!changes[0].changes_role());
    assert!(matches!(changes[0].effect, Effect::HeldByLock { .. }));
}

#[test]
fn changing_the_lock_setting_moves_deactivated_locked_users() {
    let users = [
        ada().with_lock(lock("Admin")).with_active(false),
        ada().with_active(false),
    ];
    let mut surviving = seed_rules();
    surviving.lock_survives_deactivation = true;
    let changes = preview(&engine(seed_rules()), &engine(surviving), &users);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].index, 0);
    assert_eq!(
        (
            changes[0].before.role.as_str(),
            changes[0].after.role.as_str()
        ),
        ("Disabled", "Admin")
    );
}

#[test]
fn changing_the_default_role_moves_users_without_a_rule() {
    let users = [
        ada(),
        ada().with_groups([EMPLOYEES]),
        ada().with_deleted(true),
    ];
    let changes = preview(
        &engine(seed_rules()),
        &engine(RuleSet {
            default_role: "Guest".into(),
            ..seed_rules()
        }),
        &users,
    );
    let moved: Vec<usize> = changes.iter().map(|c| c.index).collect();
    assert_eq!(moved, [0]);
}

#[test]
fn deleting_a_group_recomputes_its_members() {
    let rules = seed_rules().with_rule(Rule::group(GroupRef::labelled(ADMINS, "Admins"), "Admin"));
    let users = [
        ada().with_groups([EMPLOYEES, ADMINS]),
        ada().with_groups([ADMINS]),
        ada().with_groups([EMPLOYEES]).with_lock(lock("Admin")),
        UserSnapshot::new(json!({})).with_groups([EMPLOYEES]),
    ];
    check(
        &preview_group_deletion(&engine(rules), EMPLOYEES, &users),
        &[
            "ada: Loanee -> Admin (before: rule 1 matched (member of group Employees); after: rule 2 matched (member of group Admins))",
            "ada: unaffected, stays Admin (role locked by carol at 2025-03-01T09:30:00Z (app owner)); without the lock the rules would move it from Loanee to Viewer",
            "user #3: Loanee -> Viewer (before: rule 1 matched (member of group Employees); after: default role: no rule matched)",
        ],
    );
}

#[test]
fn removing_a_role_drops_its_rules_and_lifts_its_locks() {
    let rules = RuleSet::new("Viewer")
        .with_rule(Rule::group(
            GroupRef::labelled(ADMINS, "Admins"),
            "Technician",
        ))
        .with_rule(Rule::group(employees(), "Loanee"));
    let users = [
        ada().with_groups([ADMINS, EMPLOYEES]),
        ada().with_lock(lock("Technician")),
        ada().with_lock(lock("Admin")).with_groups([ADMINS]),
    ];
    let changes = preview_role_removal(&engine(rules), "Technician", &users).unwrap();
    let summary: Vec<(usize, &str, &str)> = changes
        .iter()
        .map(|c| (c.index, c.before.role.as_str(), c.after.role.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (0, "Technician", "Loanee"),
            (1, "Technician", "Viewer"),
            (2, "Admin", "Admin")
        ]
    );
    assert!(!changes[2].changes_role());
}

#[test]
fn role_removal_is_refused_where_it_would_leave_a_hole() {
    let mut rules = seed_rules();
    rules.guard = Some(Guard {
        role: "Admin".into(),
    });
    let engine = engine(rules);
    assert_eq!(
        preview_role_removal(&engine, "Viewer", &[]).unwrap_err(),
        Error::RemovesDefaultRole {
            role: "Viewer".into()
        }
    );
    assert_eq!(
        preview_role_removal(&engine, "Admin", &[]).unwrap_err(),
        Error::RemovesGuardedRole {
            role: "Admin".into()
        }
    );
    assert_eq!(
        preview_role_removal(&engine, "Disabled", &[]).unwrap_err(),
        Error::BuiltInRole
    );
}
