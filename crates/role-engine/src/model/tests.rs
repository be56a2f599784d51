use serde_json::json;

use crate::test_support::{ADMINS, employees, seed_rules};
use crate::{Catalogue, Error, GroupRef, Guard, RoleDef, Rule, RuleSet, UserSnapshot};

#[test]
fn active_flag() {
    let cases = [
        (json!({}), true),
        (json!({"active": true}), true),
        (json!({"active": false}), false),
        (json!({"active": "False"}), false),
        (json!({"active": "false"}), false),
        (json!({"active": "True"}), true),
        (json!({"active": null}), true),
    ];
    for (resource, active) in cases {
        assert_eq!(
            UserSnapshot::new(resource.clone()).is_active(),
            active,
            "{resource}"
        );
    }
    assert!(!UserSnapshot::new(json!({})).with_active(false).is_active());
}

#[test]
fn group_references() {
    assert_eq!(GroupRef::id("g-1").to_string(), "g-1");
    assert_eq!(
        GroupRef::labelled("g-1", "Employees").to_string(),
        "Employees"
    );
    let short: Rule = serde_json::from_value(json!({"group": "g-1", "role": "X"})).unwrap();
    let long: Rule =
        serde_json::from_value(json!({"group": {"id": "g-1", "label": "Staff"}, "role": "X"}))
            .unwrap();
    assert_eq!(short.group, Some(GroupRef::id("g-1")));
    assert_eq!(long.group, Some(GroupRef::labelled("g-1", "Staff")));
}

#[test]
fn the_catalogue_always_has_disabled() {
    let catalogue = Catalogue::new([RoleDef::privileged("Admin"), RoleDef::new("Viewer")]);
    assert!(catalogue.contains("Disabled"));
    assert!(catalogue.contains("Viewer"));
    assert!(!catalogue.contains("viewer"));
    assert!(catalogue.is_privileged("Admin"));
    assert!(!catalogue.is_privileged("Viewer"));
}

#[test]
fn removing_a_role_from_a_rule_set() {
    let mut rules = seed_rules()
        .with_rule(Rule::group(GroupRef::id(ADMINS), "Admin"))
        .with_rule(Rule::group(employees(), "Admin").and_filter("title pr"));
    assert_eq!(rules.without_role("Admin").unwrap(), seed_rules());
    assert_eq!(rules.without_role("Nobody").unwrap(), rules);
    assert_eq!(rules.without_role("Disabled"), Err(Error::BuiltInRole));
    assert_eq!(
        rules.without_role("Viewer"),
        Err(Error::RemovesDefaultRole {
            role: "Viewer".into()
        })
    );
    rules.guard = Some(Guard {
        role: "Admin".into(),
    });
    assert_eq!(
        rules.without_role("Admin"),
        Err(Error::RemovesGuardedRole {
            role: "Admin".into()
        })
    );
}

#[test]
fn unknown_keys_and_bad_documents_are_errors() {
    assert!(matches!(
        RuleSet::from_toml("default_role = 3"),
        Err(Error::Toml(_))
    ));
    assert!(matches!(
        RuleSet::from_toml("role = \"x\""),
        Err(Error::Toml(_))
    ));
    assert!(matches!(
        RuleSet::from_json(r#"{"default_role": "Viewer", "rulez": []}"#),
        Err(Error::Json(_))
    ));
}

#[test]
fn rule_sets_write_toml_as_a_person_would() {
    let mut rules =
        seed_rules().with_rule(Rule::filter(r#"title co "x""#, "Admin").named("bosses"));
    rules.guard = Some(Guard {
        role: "Admin".into(),
    });
    let expect = r#"default_role = "Viewer"
lock_survives_deactivation = false
guard = { role = "Admin" }

[[rule]]
group = { id = "8d1f0c2e-employees", label = "Employees" }
role = "Loanee"

[[rule]]
name = "bosses"
filter = 'title co "x"'
role = "Admin"
"#;
    assert_eq!(rules.to_toml().unwrap(), expect);
    assert_eq!(RuleSet::from_toml(expect).unwrap(), rules);
}

#[test]
fn rule_ids_are_kept_for_rules_that_say_the_same() {
    let previous = RuleSet::new("Viewer")
        .with_rule(Rule::filter("title pr", "Admin").with_id("r-a"))
        .with_rule(Rule::filter("title pr", "Loanee").with_id("r-b"));
    // Re-uploaded without ids, reordered, one rule new and one explicit id.
    let mut edited = RuleSet::new("Viewer")
        .with_rule(Rule::filter("title pr", "Loanee"))
        .with_rule(Rule::filter("title sw \"x\"", "Loanee"))
        .with_rule(Rule::filter("title pr", "Admin"))
        .with_rule(Rule::filter("title pr", "Viewer").with_id("mine"));
    let mut fresh = ["r-new"].into_iter();
    edited.assign_rule_ids(&previous, || fresh.next().unwrap().to_owned());
    let ids: Vec<_> = edited
        .rules
        .iter()
        .map(|r| r.id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["r-b", "r-new", "r-a", "mine"]);
    assert_eq!(edited.position_of("r-a"), Some(3));
    assert_eq!(edited.position_of("nope"), None);
}
