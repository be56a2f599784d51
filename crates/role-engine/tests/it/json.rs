//! The JSON shapes an admin API serves: snake_case keys, a `summary` line on
//! every decision, change, problem, step and rule.

use chrono::{DateTime, Utc};
use role_engine::{
    Catalogue, Decision, Engine, GroupRef, Lock, Reason, RoleDef, Rule, RuleSet, UserSnapshot,
    preview, validate,
};
use serde_json::{Value, json};

fn engine() -> Engine {
    Engine::new(
        RuleSet::new("Viewer")
            .with_rule(Rule::filter(r#"title co "Manager""#, "Approver").named("managers"))
            .with_rule(Rule::group(
                GroupRef::labelled("g-e", "Employees"),
                "Loanee",
            )),
    )
    .unwrap()
}

fn ada() -> UserSnapshot {
    UserSnapshot::new(json!({"id": "u1", "userName": "ada", "title": "Engineer"}))
        .with_groups(["g-e"])
}

#[track_caller]
fn check(value: &impl serde::Serialize, expect: &Value) {
    assert_eq!(&serde_json::to_value(value).unwrap(), expect);
}

#[test]
fn decisions() {
    let at = DateTime::parse_from_rfc3339("2025-03-01T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let locked = ada().with_lock(Lock {
        role: "Admin".into(),
        by: "carol".into(),
        at,
        reason: None,
    });
    let cases = [
        (
            ada(),
            json!({
                "role": "Loanee",
                "reason": {"step": "rule", "rule": 2, "group": {"id": "g-e", "label": "Employees"}},
                "summary": "Loanee: rule 2 matched (member of group Employees)"
            }),
        ),
        (
            ada().with_groups(Vec::<String>::new()),
            json!({"role": "Viewer", "reason": {"step": "default"}, "summary": "Viewer: default role: no rule matched"}),
        ),
        (
            locked.clone(),
            json!({
                "role": "Admin",
                "reason": {"step": "locked", "by": "carol", "at": "2025-03-01T09:30:00Z", "while_inactive": false},
                "summary": "Admin: role locked by carol at 2025-03-01T09:30:00Z"
            }),
        ),
        (
            locked.with_active(false),
            json!({
                "role": "Disabled",
                "reason": {"step": "inactive", "overridden_lock": "Admin"},
                "summary": "Disabled: deactivated in the identity provider (this overrides the lock on Admin)"
            }),
        ),
        (
            ada().with_deleted(true),
            json!({"role": "Disabled", "reason": {"step": "deleted"}, "summary": "Disabled: deleted by the identity provider"}),
        ),
    ];
    for (user, expect) in cases {
        let decision = engine().decide(&user);
        check(&decision, &expect);
        // Stored decisions read back, ignoring the summary.
        let back: Decision = serde_json::from_value(expect).unwrap();
        assert_eq!(back, decision);
    }
    let filtered = engine().decide(&UserSnapshot::new(json!({"title": "Manager"})));
    check(
        &filtered.reason,
        &json!({"step": "rule", "rule": 1, "name": "managers", "filter": "title co \"Manager\""}),
    );
    assert!(matches!(filtered.reason, Reason::Rule { rule: 1, .. }));
}

#[test]
fn explanations() {
    let why = serde_json::to_value(engine().explain(&ada(), &())).unwrap();
    assert_eq!(why["user_id"], "u1");
    assert_eq!(why["user_name"], "ada");
    assert_eq!(why["decision"]["role"], "Loanee");
    assert_eq!(
        why["steps"][3],
        json!({
            "step": "rule", "number": 4, "outcome": "decided",
            "detail": "rule 2 is the first that matches",
            "summary": "step 4 (rule): decided: rule 2 is the first that matches"
        })
    );
    assert_eq!(
        why["rules"][0],
        json!({
            "rule": 1, "name": "managers", "role": "Approver", "matched": false,
            "conditions": [{"kind": "filter", "filter": "title co \"Manager\"", "holds": false}],
            "outcome": {"kind": "not_matched"},
            "summary": "rule 1 \"managers\" -> Approver: not matched: user does not match title co \"Manager\""
        })
    );
    assert_eq!(
        why["rules"][1]["conditions"],
        json!([{"kind": "group", "group": {"id": "g-e", "label": "Employees"}, "holds": true}])
    );
    assert_eq!(why["rules"][1]["outcome"], json!({"kind": "decided"}));
}

#[test]
fn changes() {
    let new = Engine::new(RuleSet::new("Viewer")).unwrap();
    let changes = preview(&engine(), &new, &[ada()]);
    check(
        &changes,
        &json!([{
            "index": 0,
            "user_id": "u1",
            "user_name": "ada",
            "before": {
                "role": "Loanee",
                "reason": {"step": "rule", "rule": 2, "group": {"id": "g-e", "label": "Employees"}},
                "summary": "Loanee: rule 2 matched (member of group Employees)"
            },
            "after": {"role": "Viewer", "reason": {"step": "default"}, "summary": "Viewer: default role: no rule matched"},
            "effect": {"kind": "role_changes"},
            "summary": "ada: Loanee -> Viewer (before: rule 2 matched (member of group Employees); after: default role: no rule matched)"
        }]),
    );
}

#[test]
fn problems() {
    let rules = RuleSet::new("Viewer").with_rule(Rule::group(GroupRef::id("g"), "Ghost"));
    let problems = validate(&rules, &Catalogue::new([RoleDef::new("Viewer")]), &[], None);
    check(
        &problems,
        &json!([{
            "severity": "error",
            "rule": 1,
            "kind": "unknown_role",
            "role": "Ghost",
            "place": "rule",
            "summary": "error: rule 1: role Ghost is not in the catalogue"
        }]),
    );
}

#[test]
fn rule_sets_use_plural_keys_in_json_and_accept_rule_in_toml() {
    let rules = engine().rules().clone();
    let value: Value = serde_json::from_str(&rules.to_json().unwrap()).unwrap();
    assert_eq!(
        value,
        json!({
            "default_role": "Viewer",
            "lock_survives_deactivation": false,
            "rules": [
                {"name": "managers", "filter": "title co \"Manager\"", "role": "Approver"},
                {"group": {"id": "g-e", "label": "Employees"}, "role": "Loanee"}
            ]
        })
    );
    let toml = "default_role = \"Viewer\"\n[[rule]]\ngroup = \"g-e\"\nrole = \"Loanee\"\n";
    assert_eq!(
        RuleSet::from_toml(toml).unwrap().rules[0].group,
        Some(GroupRef::id("g-e"))
    );
}
