use serde_json::{Value, json};

use super::*;
use crate::schema::{ENTERPRISE_USER_URN, GROUP_RESOURCE, USER_RESOURCE};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn alice() -> Value {
    json!({
        "schemas": [CORE, ENTERPRISE_USER_URN],
        "id": "2819c223",
        "externalId": "alice",
        "userName": "alice",
        "name": {"givenName": "Alice", "familyName": "Example"},
        "password": "secret",
        "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}],
        ENTERPRISE_USER_URN: {"department": "IT", "employeeNumber": "7"},
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    })
}

fn check(attributes: Option<&str>, excluded: Option<&str>, expected: Value) {
    let p = Projection::parse(attributes, excluded, &USER_RESOURCE).unwrap();
    assert_eq!(
        p.apply(&alice(), &USER_RESOURCE),
        expected,
        "{attributes:?} / {excluded:?}"
    );
}

#[test]
fn default_projection_drops_only_never_returned_attributes() {
    let mut expected = alice();
    expected.as_object_mut().unwrap().remove("password");
    check(None, None, expected);
}

#[test]
fn attributes_keep_named_ones_plus_always_returned_and_schemas() {
    check(
        Some("userName,name.givenName"),
        None,
        json!({"schemas": [CORE, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "alice",
               "name": {"givenName": "Alice"}}),
    );
    // Case-insensitive, URN-qualified and sub-attributes of multi-valued attributes.
    check(
        Some("EMAILS.VALUE, urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
        None,
        json!({"schemas": [CORE, ENTERPRISE_USER_URN], "id": "2819c223",
               "emails": [{"value": "a@x"}, {"value": "b@x"}],
               ENTERPRISE_USER_URN: {"department": "IT"}}),
    );
    check(
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
        None,
        json!({"schemas": [CORE, ENTERPRISE_USER_URN], "id": "2819c223",
               ENTERPRISE_USER_URN: {"department": "IT", "employeeNumber": "7"}}),
    );
}

#[test]
fn passwords_and_id_ignore_the_parameters() {
    check(
        Some("password"),
        None,
        json!({"schemas": [CORE, ENTERPRISE_USER_URN], "id": "2819c223"}),
    );
    let p = Projection::parse(None, Some("id,userName"), &USER_RESOURCE).unwrap();
    let out = p.apply(&alice(), &USER_RESOURCE);
    assert_eq!(out["id"], "2819c223");
    assert!(out.get("userName").is_none());
}

#[test]
fn excluded_attributes_and_sub_attributes() {
    let mut expected = alice();
    let map = expected.as_object_mut().unwrap();
    map.remove("password");
    map.remove("meta");
    map.insert("emails".into(), json!([{"value": "a@x"}, {"value": "b@x"}]));
    map.insert(ENTERPRISE_USER_URN.into(), json!({"employeeNumber": "7"}));
    check(
        None,
        Some(
            "meta,emails.type,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ),
        expected,
    );
}

#[test]
fn unknown_names_are_ignored_and_malformed_ones_rejected() {
    check(
        Some("nosuch,userName"),
        None,
        json!({"schemas": [CORE, ENTERPRISE_USER_URN], "id": "2819c223", "userName": "alice"}),
    );
    let err =
        Projection::parse(Some("emails[type eq \"work\"]"), None, &USER_RESOURCE).unwrap_err();
    assert_eq!(err.scim_type(), crate::ScimType::InvalidValue);
}

#[test]
fn returns_tells_whether_members_are_needed() {
    let all = Projection::all();
    assert!(all.returns(&GROUP_RESOURCE, None, "members"));
    let excluded = Projection::parse(None, Some("members"), &GROUP_RESOURCE).unwrap();
    assert!(!excluded.returns(&GROUP_RESOURCE, None, "members"));
    assert!(excluded.returns(&GROUP_RESOURCE, None, "displayName"));
    let only_name = Projection::parse(Some("displayName"), None, &GROUP_RESOURCE).unwrap();
    assert!(!only_name.returns(&GROUP_RESOURCE, None, "members"));
    let member_ids = Projection::parse(Some("members.value"), None, &GROUP_RESOURCE).unwrap();
    assert!(member_ids.returns(&GROUP_RESOURCE, None, "members"));
}
