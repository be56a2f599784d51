//! Fixtures shared by the unit tests.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::{GroupRef, Lock, Rule, RuleSet, UserSnapshot};

pub(crate) const EMPLOYEES: &str = "8d1f0c2e-employees";
pub(crate) const CONTRACTORS: &str = "51aa90b3-contractors";
pub(crate) const ADMINS: &str = "c0ffee00-admins";
pub(crate) const DEPARTMENT_IT: &str =
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT""#;

pub(crate) fn employees() -> GroupRef {
    GroupRef::labelled(EMPLOYEES, "Employees")
}

pub(crate) fn contractors() -> GroupRef {
    GroupRef::labelled(CONTRACTORS, "Contractors")
}

/// Default Viewer; Employees -> Loanee.
pub(crate) fn seed_rules() -> RuleSet {
    RuleSet::new("Viewer").with_rule(Rule::group(employees(), "Loanee"))
}

pub(crate) fn ada() -> UserSnapshot {
    UserSnapshot::new(json!({"id": "u-ada", "userName": "ada", "active": true}))
}

pub(crate) fn in_it(user: UserSnapshot) -> UserSnapshot {
    let mut user = user;
    if let Some(map) = user.resource.as_object_mut() {
        map.insert(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned(),
            json!({"department": "IT"}),
        );
    }
    user
}

pub(crate) fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-01T09:30:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub(crate) fn lock(role: &str) -> Lock {
    Lock {
        role: role.to_owned(),
        by: "carol".to_owned(),
        at: at(),
        reason: Some("app owner".to_owned()),
    }
}
