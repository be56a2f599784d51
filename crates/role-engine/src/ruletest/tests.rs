use chrono::DateTime;
use serde_json::json;

use crate::{CaseLock, TestCase};

#[test]
fn a_case_becomes_a_user() {
    let mut case = TestCase::new("c", "Loanee");
    case.groups = vec!["g-1".into()];
    case.attributes = json!({"userName": "ada", "active": true})
        .as_object()
        .unwrap()
        .clone();
    case.active = Some(false);
    case.lock = Some(CaseLock {
        role: "Admin".into(),
        by: None,
        at: None,
        reason: None,
    });
    let user = case.user();
    // The explicit flag wins over the attribute.
    assert_eq!(user.resource, json!({"userName": "ada", "active": false}));
    assert_eq!(user.groups, ["g-1"]);
    let lock = user.lock.unwrap();
    assert_eq!(
        (lock.role.as_str(), lock.by.as_str()),
        ("Admin", "rules test")
    );
    assert_eq!(lock.at, DateTime::UNIX_EPOCH);
    assert!(!user.deleted);
}

#[test]
fn lock_times_must_carry_an_offset() {
    let local = "name = \"c\"\nexpect = \"X\"\nlock = { role = \"A\", at = 2025-02-01T08:00:00 }";
    assert!(toml::from_str::<TestCase>(local).is_err());
    let text =
        "name = \"c\"\nexpect = \"X\"\nlock = { role = \"A\", at = \"2025-02-01T09:00:00+01:00\" }";
    let case: TestCase = toml::from_str(text).unwrap();
    assert_eq!(
        case.lock.unwrap().at.unwrap().to_rfc3339(),
        "2025-02-01T08:00:00+00:00"
    );
}
