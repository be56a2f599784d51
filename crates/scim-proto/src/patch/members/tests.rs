use serde_json::{Value, json};

use super::*;
use crate::patch::PATCH_OP_URN;

fn split(ops: Value) -> Result<(PatchRequest, Vec<MemberChange>)> {
    let mut report = CompatReport::new();
    let request = json!({"schemas": [PATCH_OP_URN], "Operations": ops});
    let req = PatchRequest::from_json(&request, &mut report)?;
    split_member_changes(&req, &mut report)
}

#[test]
fn member_changes_are_split_out_in_order() {
    let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let (rest, changes) = split(json!([
        {"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}, {"value": "u2"}]},
        {"op": "Remove", "path": "members", "value": [{"value": "u3"}]},
        {"op": "remove", "path": "members[value eq \"u4\"]"},
        {"op": "remove", "path": "members[value eq \"u5\" or value eq \"u6\"]"},
        {"op": "remove", "path": "members[display co \"x\"]"},
        {"op": "replace", "value": {"id": "g", "displayName": "New", "members": [{"value": "u7"}]}},
        {"op": "add", "path": "members", "value": [{"value": "u8"}]},
        {"op": "remove", "path": "members"},
        {"op": "Replace", "path": "displayName", "value": "Newer"}
    ]))
    .unwrap();
    assert_eq!(
        changes,
        vec![
            MemberChange::Add(ids(&["u1", "u2"])),
            MemberChange::Remove(ids(&["u3"])),
            MemberChange::Remove(ids(&["u4"])),
            MemberChange::Remove(ids(&["u5", "u6"])),
            MemberChange::RemoveWhere(Filter::parse("display co \"x\"").unwrap()),
            MemberChange::Replace(ids(&["u7"])),
            MemberChange::Add(ids(&["u8"])),
            MemberChange::RemoveAll,
        ]
    );
    assert_eq!(rest.operations.len(), 2);
    assert_eq!(
        rest.operations[0].value,
        Some(json!({"id": "g", "displayName": "New"}))
    );
    assert_eq!(
        rest.operations[1]
            .path
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("displayName")
    );
}

/// A lone member object or id string, or an id string in the array, is no
/// client's shape (members are an array of objects, as in POST and PUT).
#[test]
fn members_that_are_not_an_array_of_objects_are_refused() {
    for value in [
        json!("u1"),
        json!({"value": "u1"}),
        json!(["u1"]),
        json!(3),
        json!([{"value": 3}]),
    ] {
        for op in ["add", "replace", "remove"] {
            let err = split(json!([{"op": op, "path": "members", "value": value}])).unwrap_err();
            assert_eq!(
                err.scim_type(),
                crate::ScimType::InvalidValue,
                "{op} {value}"
            );
        }
        let err = split(json!([{"op": "add", "value": {"members": value}}])).unwrap_err();
        assert_eq!(err.scim_type(), crate::ScimType::InvalidValue, "{value}");
    }
}

#[test]
fn member_edits_are_refused() {
    for ops in [
        json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "x"}]),
        json!([{"op": "replace", "path": "members[value eq \"u1\"]", "value": {"value": "u2"}}]),
        json!([{"op": "add", "path": "members", "value": [{"display": "no id"}]}]),
    ] {
        assert!(split(ops.clone()).is_err(), "{ops}");
    }
}
