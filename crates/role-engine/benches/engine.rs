//! Decision and preview speed.
//!
//! `decide`: one user against 50 rules (group rules, filter rules and rules
//! with both, interleaved), for a user matched early, matched by the last
//! rule, and matched by none (every rule evaluated).
//! `preview`: one rule edit over 100,000 users with 5 groups each, on one thread.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::OnceCell;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use role_engine::{Engine, GroupRef, Rule, RuleSet, UserSnapshot, preview};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const DEPARTMENTS: [&str; 8] = [
    "Sales",
    "IT",
    "Finance",
    "Legal",
    "Support",
    "Research",
    "Marketing",
    "Operations",
];
const TITLES: [&str; 6] = [
    "Engineer",
    "Sales Manager",
    "Analyst",
    "Director",
    "Technician",
    "Assistant",
];

fn group_id(i: usize) -> String {
    format!("{:08x}-5c1e-4d2a-9f3b-{:012x}", 0x1000_0000 + i * 7919, i)
}

/// 50 rules: every second one a group rule (every fifth of those with a
/// filter too), the others 25 distinct filters over core and enterprise
/// attributes, none of which the benchmark users match.
fn fifty_rules() -> RuleSet {
    let filters = [
        format!(r#"{ENTERPRISE}:department eq "Legal""#),
        r#"title co "Director of""#.to_owned(),
        r#"userType eq "Contractor""#.to_owned(),
        format!(r#"{ENTERPRISE}:costCenter sw "CC-9""#),
        r#"emails[type eq "work"].value ew "@partner.example""#.to_owned(),
        r#"title eq "Chief Executive Officer""#.to_owned(),
        format!(r#"{ENTERPRISE}:division eq "Subsidiary""#),
        r#"locale eq "fr-CA" and title co "Manager""#.to_owned(),
        "not (emails pr)".to_owned(),
        format!(r#"{ENTERPRISE}:employeeNumber sw "T-""#),
        format!(r#"{ENTERPRISE}:department eq "Facilities""#),
        r#"title sw "Head of""#.to_owned(),
        r#"userType eq "Intern""#.to_owned(),
        format!(r#"{ENTERPRISE}:organization eq "Partner Co""#),
        r#"emails[type eq "home"].value pr"#.to_owned(),
        r#"displayName co "(external)""#.to_owned(),
        format!(r#"{ENTERPRISE}:manager.value eq "00000000-0000-0000-0000-000000000001""#),
        r#"preferredLanguage eq "de-DE""#.to_owned(),
        r#"name.familyName eq "Service""#.to_owned(),
        r#"userName ew "@contractor.example""#.to_owned(),
        format!(r#"{ENTERPRISE}:department eq "Security" or {ENTERPRISE}:department eq "Audit""#),
        r#"title co "Auditor""#.to_owned(),
        r#"addresses[country eq "DE"].locality eq "Berlin""#.to_owned(),
        "nickName pr".to_owned(),
        r#"externalId sw "svc-""#.to_owned(),
    ];
    let mut rules = RuleSet::new("Viewer");
    for i in 0..50 {
        let role = format!("Role{i}");
        let rule = if i % 2 == 0 {
            let group = GroupRef::labelled(group_id(i), format!("Group {i}"));
            let rule = Rule::group(group, role);
            if i % 10 == 0 {
                rule.and_filter(r#"userType ne "Contractor""#)
            } else {
                rule
            }
        } else {
            Rule::filter(filters[i / 2].clone(), role)
        };
        rules = rules.with_rule(rule);
    }
    rules
}

/// A realistic canonical user (about 800 bytes of JSON) in five groups.
fn user(n: usize, groups: [String; 5]) -> UserSnapshot {
    let department = DEPARTMENTS[n % DEPARTMENTS.len()];
    let title = TITLES[(n / 3) % TITLES.len()];
    let resource: Value = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            ENTERPRISE
        ],
        "id": format!("7d5c9e1a-{n:08}"),
        "externalId": format!("ext-{n}"),
        "userName": format!("user{n}@customer.example"),
        "name": {"givenName": "Given", "familyName": format!("Family{n}")},
        "displayName": format!("Given Family{n}"),
        "title": title,
        "userType": "Employee",
        "active": true,
        "emails": [{"value": format!("user{n}@customer.example"), "type": "work", "primary": true}],
        ENTERPRISE: {
            "employeeNumber": format!("{n:06}"),
            "department": department,
            "costCenter": "CC-1001",
            "manager": {"value": "2819c223-7f76-453a-919d-413861904646"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2025-01-01T00:00:00Z",
            "lastModified": "2025-01-01T00:00:00Z",
            "version": "W/\"1\""
        }
    });
    UserSnapshot::new(resource).with_groups(groups)
}

/// Groups from a pool of 40 ids, 25 of which the rules map.
fn groups_for(n: usize) -> [String; 5] {
    let mut state = n as u64 * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407;
    std::array::from_fn(|_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        group_id(((state >> 33) % 40) as usize * 2 % 80)
    })
}

fn unmapped_groups() -> [String; 5] {
    std::array::from_fn(|i| group_id(101 + i))
}

fn decide(c: &mut Criterion) {
    let engine = Engine::new(fifty_rules()).unwrap();
    let mut early = unmapped_groups();
    early[3] = group_id(2);
    let mut last = unmapped_groups();
    last[4] = group_id(48);
    let cases = [
        ("early_match", user(1, early)),
        ("last_rule_matches", user(1, last)),
        ("no_rule_matches", user(1, unmapped_groups())),
    ];
    let mut group = c.benchmark_group("decide_50_rules");
    for (name, user) in &cases {
        group.bench_function(*name, |b| b.iter(|| engine.decide(black_box(user))));
    }
    group.finish();
    // Sanity: the cases are what their names say.
    assert_eq!(engine.decide(&cases[0].1).role, "Role2");
    assert_eq!(engine.decide(&cases[1].1).role, "Role48");
    assert_eq!(engine.decide(&cases[2].1).role, "Viewer");
}

fn preview_100k(c: &mut Criterion) {
    // Built on first use, so that running only the decide benchmarks skips it.
    let users: OnceCell<Vec<UserSnapshot>> = OnceCell::new();
    let users = || users.get_or_init(|| (0..100_000).map(|n| user(n, groups_for(n))).collect());
    let old = Engine::new(fifty_rules()).unwrap();

    // The edit: rule 25 gives another role.
    let mut middle = fifty_rules();
    middle.rules[24].role = "Auditor".to_owned();
    let middle = Engine::new(middle).unwrap();
    // The edit: a new first rule, so no rule is shared at the start.
    let mut top = fifty_rules();
    top.rules.insert(
        0,
        Rule::filter(format!(r#"{ENTERPRISE}:department eq "IT""#), "Technician"),
    );
    let top = Engine::new(top).unwrap();

    let mut group = c.benchmark_group("preview_100k_users");
    group.sample_size(10);
    for (name, new) in [("edit_rule_25", &middle), ("insert_rule_1", &top)] {
        group.bench_function(name, |b| {
            let users = users();
            // Sanity: each edit moves some users.
            let changed = preview(&old, new, users).len();
            assert!(changed > 1_000, "{name} should move many users: {changed}");
            b.iter(|| preview(black_box(&old), black_box(new), black_box(users)));
        });
    }
    group.finish();
}

criterion_group!(benches, decide, preview_100k);
criterion_main!(benches);
