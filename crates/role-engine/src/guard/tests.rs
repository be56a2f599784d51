use crate::test_support::{ADMINS, ada, lock};
use crate::{Decision, Engine, GroupRef, Guard, GuardViolation, Rule, RuleSet};

fn decisions() -> (Decision, Decision, Decision) {
    let mut rules = RuleSet::new("Viewer").with_rule(Rule::group(GroupRef::id(ADMINS), "Admin"));
    rules.lock_survives_deactivation = true;
    let engine = Engine::new(rules).unwrap();
    let admin = engine.decide(&ada().with_groups([ADMINS]));
    let viewer = engine.decide(&ada());
    let locked_inactive = engine.decide(&ada().with_lock(lock("Admin")).with_active(false));
    (admin, viewer, locked_inactive)
}

#[track_caller]
fn check(holders: usize, changes: &[(&Decision, &Decision)], refused: bool) {
    let guard = Guard {
        role: "Admin".into(),
    };
    let expect = if refused {
        Err(GuardViolation {
            role: "Admin".into(),
            active_holders: holders,
        })
    } else {
        Ok(())
    };
    assert_eq!(guard.check(holders, changes.iter().copied()), expect);
}

#[test]
fn check_counts_losses_and_gains() {
    let (admin, viewer, locked_inactive) = decisions();
    // The last admin leaves.
    check(1, &[(&admin, &viewer)], true);
    // Kept in the role by a lock while deactivated is not active.
    check(1, &[(&admin, &locked_inactive)], true);
    // Another admin remains.
    check(2, &[(&admin, &viewer)], false);
    // One leaves while another arrives in the same change.
    check(1, &[(&admin, &viewer), (&viewer, &admin)], false);
    // Unrelated users.
    check(1, &[(&viewer, &viewer)], false);
    // A tenant without an admin already is not blocked further.
    check(0, &[(&viewer, &viewer)], false);
    check(0, &[(&admin, &viewer)], false);

    let guard = Guard {
        role: "Admin".into(),
    };
    assert_eq!(guard.count([&admin, &viewer, &locked_inactive, &admin]), 2);
}

#[test]
fn engines_without_a_guard_allow_everything() {
    let (admin, viewer, _) = decisions();
    let engine = Engine::new(RuleSet::new("Viewer")).unwrap();
    assert_eq!(engine.check_guard(1, [(&admin, &viewer)]), Ok(()));
}

#[test]
fn leaving_is_losing_active_holding() {
    let (admin, viewer, locked_inactive) = decisions();
    let guard = Guard {
        role: "Admin".into(),
    };
    assert!(guard.leaves(&admin, &viewer));
    assert!(guard.leaves(&admin, &locked_inactive));
    assert!(!guard.leaves(&viewer, &admin));
    assert!(!guard.leaves(&admin, &admin));
    assert!(!guard.leaves(&locked_inactive, &viewer));
}
