//! Invariants of decisions and previews over generated rule sets and users.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::sample::subsequence;
use role_engine::{
    DISABLED, Effect, Engine, GroupRef, Lock, PreviewSummary, Reason, Rule, RulePreview, RuleSet,
    Step, UserSnapshot, preview, preview_group_deletion, preview_role_removal,
};
use serde_json::{Map, Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUPS: [&str; 6] = ["g-0", "g-1", "g-2", "g-3", "g-4", "g-5"];
const ROLES: [&str; 4] = ["Admin", "Loanee", "Technician", "Viewer"];
const FILTERS: [&str; 6] = [
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT""#,
    r#"department eq "Sales""#,
    r#"title co "Manager""#,
    "title pr",
    "not (title pr)",
    r#"Title CO "manager""#,
];

fn role() -> impl Strategy<Value = String> {
    prop::sample::select(&ROLES[..]).prop_map(str::to_owned)
}

fn rule() -> impl Strategy<Value = Rule> {
    let group = prop::option::of(prop::sample::select(&GROUPS[..]));
    let filter = prop::option::of(prop::sample::select(&FILTERS[..]));
    (group, filter, role())
        .prop_filter("a rule needs a condition", |(g, f, _)| {
            g.is_some() || f.is_some()
        })
        .prop_map(|(group, filter, role)| Rule {
            id: None,
            name: None,
            group: group.map(|id| GroupRef::labelled(id, id.to_uppercase())),
            filter: filter.map(str::to_owned),
            role,
        })
}

fn rule_set() -> impl Strategy<Value = RuleSet> {
    (role(), any::<bool>(), prop::collection::vec(rule(), 0..8)).prop_map(
        |(default_role, survives, rules)| RuleSet {
            default_role,
            lock_survives_deactivation: survives,
            guard: None,
            rules,
        },
    )
}

/// One edit of a rule set: what an admin does between two saves.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Rule),
    Remove(usize),
    Replace(usize, Rule),
    ChangeRole(usize, String),
    Move(usize, usize),
    Default(String),
    ToggleSurvives,
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), rule()).prop_map(|(i, r)| Edit::Insert(i, r)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), rule()).prop_map(|(i, r)| Edit::Replace(i, r)),
        (any::<usize>(), role()).prop_map(|(i, r)| Edit::ChangeRole(i, r)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Move(a, b)),
        role().prop_map(Edit::Default),
        Just(Edit::ToggleSurvives),
    ]
}

fn apply(rules: &RuleSet, edit: &Edit) -> RuleSet {
    let mut out = rules.clone();
    let n = out.rules.len();
    match edit.clone() {
        Edit::Insert(i, r) => out.rules.insert(i % (n + 1), r),
        Edit::Remove(i) if n > 0 => {
            out.rules.remove(i % n);
        }
        Edit::Replace(i, r) if n > 0 => out.rules[i % n] = r,
        Edit::ChangeRole(i, role) if n > 0 => out.rules[i % n].role = role,
        Edit::Move(a, b) if n > 0 => {
            let r = out.rules.remove(a % n);
            out.rules.insert(b % n, r);
        }
        Edit::Default(role) => out.default_role = role,
        Edit::ToggleSurvives => out.lock_survives_deactivation ^= true,
        _ => {}
    }
    out
}

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-02T03:04:05Z")
        .unwrap()
        .with_timezone(&Utc)
}

prop_compose! {
    fn user()(
        n in 0u32..1000,
        groups in subsequence(&GROUPS[..], 0..=GROUPS.len()),
        department in prop::option::of(prop::sample::select(&["IT", "Sales", "HR"][..])),
        title in prop::option::of(prop::sample::select(&["Office Manager", "Engineer", ""][..])),
        active in prop::option::of(any::<bool>()),
        lock in prop::option::of(role()),
        deleted in prop::bool::weighted(0.1),
    ) -> UserSnapshot {
        let mut resource = Map::new();
        resource.insert("id".into(), json!(format!("u-{n}")));
        resource.insert("userName".into(), json!(format!("user{n}")));
        if let Some(title) = title {
            resource.insert("title".into(), json!(title));
        }
        if let Some(department) = department {
            resource.insert(ENTERPRISE.into(), json!({"department": department}));
        }
        if let Some(active) = active {
            resource.insert("active".into(), json!(active));
        }
        UserSnapshot {
            resource: Value::Object(resource),
            groups: groups.into_iter().map(str::to_owned).collect(),
            lock: lock.map(|role| Lock { role, by: "carol".into(), at: at(), reason: None }),
            deleted,
        }
    }
}

/// The same user with its groups in `order` and its attributes in reverse order.
fn reordered(user: &UserSnapshot, order: &[String]) -> UserSnapshot {
    let mut out = user.clone();
    out.groups = order.to_vec();
    if let Value::Object(map) = &user.resource {
        let reversed: Map<String, Value> = map
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.resource = Value::Object(reversed);
    }
    out
}

fn users() -> impl Strategy<Value = Vec<UserSnapshot>> {
    prop::collection::vec(user(), 0..24)
}

proptest! {
    #[test]
    fn decisions_do_not_depend_on_group_or_attribute_order(
        rules in rule_set(),
        (user, order) in user().prop_flat_map(|u| {
            let groups = u.groups.clone();
            (Just(u), Just(groups).prop_shuffle())
        }),
    ) {
        let engine = Engine::new(rules).unwrap();
        let shuffled = reordered(&user, &order);
        prop_assert_eq!(engine.decide(&user), engine.decide(&shuffled));
        // Duplicated memberships change nothing either.
        let mut doubled = user.clone();
        doubled.groups.extend(user.groups.iter().rev().cloned());
        prop_assert_eq!(engine.decide(&user), engine.decide(&doubled));
    }

    #[test]
    fn without_attribute_rules_only_the_flag_of_the_resource_counts(
        rules in rule_set(),
        user in user(),
    ) {
        let engine = Engine::new(rules.clone()).unwrap();
        let mut bare = user.clone();
        bare.resource = match user.resource.get("active") {
            Some(active) => json!({"id": user.resource["id"], "userName": user.resource["userName"], "active": active}),
            None => json!({"id": user.resource["id"], "userName": user.resource["userName"]}),
        };
        let same = engine.decide(&user) == engine.decide(&bare);
        if !engine.reads_attributes() {
            prop_assert!(same);
        }
    }

    #[test]
    fn a_locked_users_role_never_changes_under_any_rule_edit(
        rules in rule_set(),
        edits in prop::collection::vec(edit(), 1..4),
        user in user(),
        lock in role(),
    ) {
        let mut user = user;
        user.lock = Some(Lock { role: lock.clone(), by: "carol".into(), at: at(), reason: None });
        let before = Engine::new(rules.clone()).unwrap().decide(&user);
        let mut edited = rules.clone();
        for edit in &edits {
            edited = apply(&edited, edit);
        }
        // Rule edits proper; the lock setting is a tenant setting, kept here.
        edited.lock_survives_deactivation = rules.lock_survives_deactivation;
        let after = Engine::new(edited).unwrap().decide(&user);
        prop_assert_eq!(&before.role, &after.role);
        if !user.deleted && (user.is_active() || rules.lock_survives_deactivation) {
            prop_assert_eq!(&after.role, &lock);
            prop_assert_eq!(after.reason.step(), Step::Locked);
        }
    }

    #[test]
    fn an_inactive_user_is_disabled_unless_a_surviving_lock_holds(
        rules in rule_set(),
        user in user(),
    ) {
        let user = user.with_active(false);
        let decision = Engine::new(rules.clone()).unwrap().decide(&user);
        let kept = !user.deleted && rules.lock_survives_deactivation && user.lock.is_some();
        if kept {
            prop_assert_eq!(Some(&decision.role), user.lock.as_ref().map(|l| &l.role));
            let while_inactive = matches!(decision.reason, Reason::Locked { while_inactive: true, .. });
            prop_assert!(while_inactive);
        } else {
            prop_assert_eq!(decision.role.as_str(), DISABLED);
            prop_assert!(matches!(decision.reason.step(), Step::Deleted | Step::Inactive));
        }
    }

    #[test]
    fn preview_lists_exactly_the_users_whose_role_differs(
        old in rule_set(),
        edits in prop::collection::vec(edit(), 1..3),
        unrelated in rule_set(),
        use_unrelated in prop::bool::weighted(0.25),
        users in users(),
    ) {
        let new = if use_unrelated {
            unrelated
        } else {
            edits.iter().fold(old.clone(), |rules, edit| apply(&rules, edit))
        };
        let (old, new) = (Engine::new(old).unwrap(), Engine::new(new).unwrap());
        let changes = preview(&old, &new, &users);

        let expected: Vec<usize> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| old.decide(u).role != new.decide(u).role)
            .map(|(i, _)| i)
            .collect();
        let listed: Vec<usize> =
            changes.iter().filter(|c| c.changes_role()).map(|c| c.index).collect();
        prop_assert_eq!(listed, expected);

        for change in &changes {
            let user = &users[change.index];
            prop_assert_eq!(&change.before, &old.decide(user));
            prop_assert_eq!(&change.after, &new.decide(user));
            if let Effect::HeldByLock { rules_before, rules_after } = &change.effect {
                // Held: the lock decides both times, the rules alone would differ.
                prop_assert_eq!(change.before.reason.step(), Step::Locked);
                prop_assert_eq!(&change.before, &change.after);
                let mut unlocked = user.clone();
                unlocked.lock = None;
                prop_assert_eq!(rules_before, &old.decide(&unlocked));
                prop_assert_eq!(rules_after, &new.decide(&unlocked));
                prop_assert_ne!(&rules_before.role, &rules_after.role);
            }
        }
        // Every locked user the rules alone would move is listed as held.
        let held: Vec<usize> = changes
            .iter()
            .filter(|c| matches!(c.effect, Effect::HeldByLock { .. }))
            .map(|c| c.index)
            .collect();
        let expected_held: Vec<usize> = users
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                let locked_both = old.decide(u).reason.step() == Step::Locked
                    && new.decide(u).reason.step() == Step::Locked;
                let mut unlocked = (*u).clone();
                unlocked.lock = None;
                locked_both && old.decide(&unlocked).role != new.decide(&unlocked).role
            })
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(held, expected_held);
    }

    #[test]
    fn preview_summary_counts_what_the_full_list_lists(
        old in rule_set(),
        new in rule_set(),
        users in users(),
    ) {
        let (old, new) = (Engine::new(old).unwrap(), Engine::new(new).unwrap());
        let changes = preview(&old, &new, &users);
        let summary: PreviewSummary = changes.iter().collect();

        let role_changes: Vec<_> = changes.iter().filter(|c| c.changes_role()).collect();
        prop_assert_eq!(summary.changed, role_changes.len() as u64);
        prop_assert_eq!(summary.held_by_lock, (changes.len() - role_changes.len()) as u64);
        prop_assert_eq!(summary.transitions.iter().map(|t| t.count).sum::<u64>(), summary.changed);
        for t in &summary.transitions {
            let listed = role_changes
                .iter()
                .filter(|c| c.before.role == t.from && c.after.role == t.to)
                .count() as u64;
            prop_assert_eq!(t.count, listed);
        }
    }

    /// What a caller paging through a tenant does: users in chunks, each
    /// chunk compared from where the last one stopped, a page ending after
    /// `page` entries and the next one starting after the last user listed.
    #[test]
    fn paging_through_a_preview_yields_each_changed_user_once(
        old in rule_set(),
        new in rule_set(),
        users in users(),
        chunk in 1usize..7,
        page in 1usize..5,
    ) {
        let (old, new) = (Engine::new(old).unwrap(), Engine::new(new).unwrap());
        let full: Vec<usize> = preview(&old, &new, &users).iter().map(|c| c.index).collect();

        let mut paged = Vec::new();
        let mut cursor = 0; // the first user not yet looked at
        loop {
            let mut dry_run = RulePreview::new(&old, &new);
            let mut entries = Vec::new();
            let mut next = users.len();
            'chunks: for start in (cursor..users.len()).step_by(chunk) {
                for (i, user) in users.iter().enumerate().skip(start).take(chunk) {
                    if let Some(change) = dry_run.compare(i, user) {
                        entries.push(change.index);
                        if entries.len() == page {
                            next = i + 1;
                            break 'chunks;
                        }
                    }
                }
            }
            paged.extend(entries);
            if next >= users.len() {
                break;
            }
            cursor = next;
        }
        prop_assert_eq!(paged, full);
    }

    #[test]
    fn group_deletion_preview_matches_deciding_without_the_group(
        rules in rule_set(),
        users in users(),
        group in prop::sample::select(&GROUPS[..]),
    ) {
        let engine = Engine::new(rules).unwrap();
        let changes = preview_group_deletion(&engine, group, &users);
        let expected: Vec<(usize, String, String)> = users
            .iter()
            .enumerate()
            .filter_map(|(i, u)| {
                let mut without = u.clone();
                without.groups.retain(|g| g != group);
                let (before, after) = (engine.decide(u), engine.decide(&without));
                (before.role != after.role).then_some((i, before.role, after.role))
            })
            .collect();
        let listed: Vec<(usize, String, String)> = changes
            .iter()
            .filter(|c| c.changes_role())
            .map(|c| (c.index, c.before.role.clone(), c.after.role.clone()))
            .collect();
        prop_assert_eq!(listed, expected);
    }

    #[test]
    fn role_removal_preview_matches_the_edited_rules_with_locks_lifted(
        rules in rule_set(),
        users in users(),
        removed in role(),
    ) {
        let engine = Engine::new(rules.clone()).unwrap();
        match preview_role_removal(&engine, &removed, &users) {
            Err(_) => prop_assert_eq!(&rules.default_role, &removed),
            Ok(changes) => {
                let new = Engine::new(rules.without_role(&removed).unwrap()).unwrap();
                let expected: Vec<usize> = users
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| {
                        let mut after = (*u).clone();
                        if after.lock.as_ref().is_some_and(|l| l.role == removed) {
                            after.lock = None;
                        }
                        engine.decide(u).role != new.decide(&after).role
                    })
                    .map(|(i, _)| i)
                    .collect();
                let listed: Vec<usize> =
                    changes.iter().filter(|c| c.changes_role()).map(|c| c.index).collect();
                prop_assert_eq!(listed, expected);
                for change in &changes {
                    prop_assert_ne!(&change.after.role, &removed);
                }
            }
        }
    }

    #[test]
    fn explain_agrees_with_decide(rules in rule_set(), user in user()) {
        let engine = Engine::new(rules).unwrap();
        let why = engine.explain(&user, &());
        prop_assert_eq!(&why.decision, &engine.decide(&user));
        let decided = why.steps.iter().filter(|s| s.outcome == role_engine::StepOutcome::Decided).count();
        prop_assert_eq!(decided, 1);
        let first = why.rules.iter().position(role_engine::RuleTrace::matched);
        if let Reason::Rule { rule, .. } = why.decision.reason {
            prop_assert_eq!(first, Some(rule - 1));
        }
    }

    #[test]
    fn rule_sets_round_trip_through_toml_and_json(rules in rule_set()) {
        prop_assert_eq!(RuleSet::from_toml(&rules.to_toml().unwrap()).unwrap(), rules.clone());
        prop_assert_eq!(RuleSet::from_json(&rules.to_json().unwrap()).unwrap(), rules);
    }
}
