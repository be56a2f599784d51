use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

const BASE: &str = "https://example.com/scim/v2/acme";

fn meta_at(version: i64) -> Meta {
    let created = Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).unwrap();
    Meta {
        created,
        last_modified: created + chrono::Duration::microseconds(1_500_250),
        version,
    }
}

fn user_body() -> Value {
    json!({"userName": "ada", "displayName": "Ada Lovelace", "active": true})
}

#[test]
fn entity_tags_format_parse_and_compare_weakly() {
    assert_eq!(etag(3), "W/\"3\"");
    assert_eq!(Precondition::parse("*"), Precondition::Any);
    assert_eq!(Precondition::parse(" * ").expected_versions(), None);
    let p = Precondition::parse("W/\"3\", \"4\" , W/\"other\"");
    assert_eq!(p.clone().expected_versions(), Some(vec![3, 4]));
    assert_eq!(
        Precondition::parse("\"7\"").expected_versions(),
        Some(vec![7])
    );
    assert_eq!(
        Precondition::parse("garbage").expected_versions(),
        Some(vec![])
    );
    assert_eq!(
        Precondition::parse(&etag(42)).expected_versions(),
        Some(vec![42])
    );
}

/// A resource's tag names the resource: another resource's tag at the same
/// version, or a bare version, is no match.
#[test]
fn resource_tags_are_distinct_across_resources() {
    assert_eq!(resource_etag("u1", 3), "W/\"u1/3\"");
    let p = Precondition::parse(&format!("{}, \"u2/4\", W/\"5\"", resource_etag("u1", 3)));
    assert!(p.matches_resource("u1", 3));
    assert!(!p.matches_resource("u1", 4) && !p.matches_resource("u1", 5));
    assert!(p.matches_resource("u2", 4) && !p.matches_resource("u2", 3));
    assert_eq!(p.clone().expected_resource_versions("u1"), Some(vec![3]));
    assert_eq!(p.expected_resource_versions("u9"), Some(vec![]));
    assert_eq!(
        Precondition::parse("*").expected_resource_versions("u1"),
        None
    );
    assert!(Precondition::parse("*").matches_resource("u1", 1));
    assert!(!Precondition::parse("W/\"u1/x\"").matches_resource("u1", 1));
}

#[test]
fn times_have_microseconds_and_a_z() {
    assert_eq!(
        timestamp(meta_at(1).last_modified),
        "2025-03-01T09:30:01.500250Z"
    );
}

#[test]
fn a_user_with_groups() {
    let groups = [
        Reference {
            id: "g1",
            display: Some("Sales"),
        },
        Reference {
            id: "g2",
            display: Some("Staff"),
        },
    ];
    insta::assert_json_snapshot!(user("u1", &user_body(), groups, &meta_at(7), Some(BASE)));
}

#[test]
fn a_user_without_groups_or_base_url() {
    insta::assert_json_snapshot!(user("u1", &user_body(), [], &meta_at(1), None));
}

#[test]
fn a_group_with_members() {
    let members = [
        Reference {
            id: "u1",
            display: Some("Ada Lovelace"),
        },
        Reference {
            id: "u2",
            display: None,
        },
    ];
    insta::assert_json_snapshot!(group(
        "g1",
        &json!({"displayName": "Sales", "externalId": "x-1"}),
        Some(members),
        &meta_at(2),
        Some(BASE),
    ));
}

#[test]
fn a_group_with_no_members_lists_them_only_when_given() {
    let body = json!({"displayName": "Empty"});
    let listed = group("g1", &body, Some([]), &meta_at(1), None);
    assert_eq!(listed["members"], json!([]));
    let unlisted = group("g1", &body, None::<[Reference<'_>; 0]>, &meta_at(1), None);
    assert!(unlisted.get("members").is_none());
    assert_eq!(
        unlisted
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "id".to_owned(),
            "displayName".to_owned(),
            "meta".to_owned()
        ])
    );
}
