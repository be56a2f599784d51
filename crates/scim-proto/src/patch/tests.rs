use serde_json::{Value, json};

use super::*;
use crate::error::{Error, Result};
use crate::normalize::{NormalizeOptions, finish};
use crate::schema::{ENTERPRISE_USER_URN, GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use crate::{CompatReport, CompatRule, ScimType};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn request(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": ops})
}

fn run(rt: &ResourceType, resource: &Value, ops: Value) -> (Result<Value>, CompatReport) {
    let mut report = CompatReport::new();
    let result = PatchRequest::from_json(&request(ops), &mut report).and_then(|req| {
        apply(
            resource,
            &req,
            rt,
            &NormalizeOptions::default(),
            &mut report,
        )
    });
    (result, report)
}

/// Applies `ops` to `resource` and compares with `expected`; returns the report.
fn check(rt: &ResourceType, resource: Value, ops: Value, expected: Value) -> CompatReport {
    let (result, report) = run(rt, &resource, ops.clone());
    let got = result.unwrap_or_else(|e| panic!("{ops}: {e}"));
    assert_eq!(got, expected, "ops: {ops}");
    report
}

fn check_error(rt: &ResourceType, resource: Value, ops: Value, scim_type: ScimType) -> Error {
    let (result, _) = run(rt, &resource, ops.clone());
    let err = result.expect_err(&ops.to_string());
    assert_eq!(err.scim_type(), scim_type, "{ops}: {err}");
    err
}

fn user(extra: Value) -> Value {
    let mut base = json!({"schemas": [CORE], "userName": "bjensen"});
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    finish(base, &USER_RESOURCE)
}

fn group(members: &[&str]) -> Value {
    let mut g = json!({"schemas": [GROUP], "displayName": "Tour Guides"});
    if !members.is_empty() {
        g["members"] = members.iter().map(|m| json!({"value": m})).collect();
    }
    g
}

// --- RFC 7644 section 3.5.2 examples -------------------------------------------------

#[test]
fn rfc_add_members() {
    check(
        &GROUP_RESOURCE,
        group(&["a"]),
        json!([{"op": "add", "path": "members", "value": [
            {"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}
        ]}]),
        json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": [
            {"value": "a"},
            {"value": "2819c223", "$ref": "https://example.com/v2/Users/2819c223"}
        ]}),
    );
}

#[test]
fn rfc_add_without_path() {
    check(
        &USER_RESOURCE,
        user(json!({"emails": [{"value": "old@example.com", "type": "home"}]})),
        json!([{"op": "add", "value": {
            "emails": [{"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"
        }}]),
        user(json!({
            "nickName": "Babs",
            "emails": [{"value": "old@example.com", "type": "home"}, {"value": "babs@jensen.org", "type": "home"}]
        })),
    );
}

#[test]
fn rfc_add_existing_value_changes_nothing() {
    let u = user(json!({"emails": [{"value": "a@b.c", "type": "work"}]}));
    check(
        &USER_RESOURCE,
        u.clone(),
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@b.c", "type": "work"}]}]),
        u,
    );
}

#[test]
fn rfc_remove_one_member_and_all_members() {
    check(
        &GROUP_RESOURCE,
        group(&["a", "2819c223-7f76-453a-919d-413861904646", "c"]),
        json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}]),
        group(&["a", "c"]),
    );
    check(
        &GROUP_RESOURCE,
        group(&["a", "b"]),
        json!([{"op": "remove", "path": "members"}]),
        group(&[]),
    );
}

#[test]
fn rfc_remove_filtered_complex_values() {
    check(
        &USER_RESOURCE,
        user(json!({"emails": [
            {"value": "a@example.com", "type": "work"},
            {"value": "b@other.org", "type": "work"},
            {"value": "c@example.com", "type": "home"}
        ]})),
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]),
        user(json!({"emails": [
            {"value": "b@other.org", "type": "work"},
            {"value": "c@example.com", "type": "home"}
        ]})),
    );
}

#[test]
fn rfc_remove_then_add_in_one_request() {
    // The RFC's "remove all members and add one" example.
    check(
        &GROUP_RESOURCE,
        group(&["a", "b"]),
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": "c"}]}
        ]),
        group(&["c"]),
    );
}

#[test]
fn rfc_replace_members_and_pathless_replace() {
    check(
        &GROUP_RESOURCE,
        group(&["a", "b"]),
        json!([{"op": "replace", "path": "members", "value": [{"value": "x"}, {"value": "y"}]}]),
        group(&["x", "y"]),
    );
    check(
        &USER_RESOURCE,
        user(json!({"nickName": "B", "emails": [{"value": "old@x.y"}]})),
        json!([{"op": "replace", "value": {
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "nickName": "Babs"
        }}]),
        user(
            json!({"nickName": "Babs", "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]}),
        ),
    );
}

#[test]
fn rfc_replace_filtered_element_and_sub_attribute() {
    let before = user(json!({"addresses": [
        {"type": "work", "streetAddress": "1 Old St", "locality": "Here"},
        {"type": "home", "streetAddress": "2 Home St"}
    ]}));
    check(
        &USER_RESOURCE,
        before.clone(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": {
            "type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood"
        }}]),
        user(json!({"addresses": [
            {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "streetAddress": "2 Home St"}
        ]})),
    );
    check(
        &USER_RESOURCE,
        before,
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
        user(json!({"addresses": [
            {"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Here"},
            {"type": "home", "streetAddress": "2 Home St"}
        ]})),
    );
}

#[test]
fn replacing_a_complex_attribute_merges_sub_attributes() {
    check(
        &USER_RESOURCE,
        user(json!({"name": {"givenName": "Barbara", "familyName": "Jensen"}})),
        json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]),
        user(json!({"name": {"givenName": "Babs", "familyName": "Jensen"}})),
    );
}

#[test]
fn primary_true_resets_the_others() {
    check(
        &USER_RESOURCE,
        user(
            json!({"emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "type": "work"}]}),
        ),
        json!([{"op": "replace", "path": "emails[value eq \"b@x\"].primary", "value": true}]),
        user(
            json!({"emails": [{"value": "a@x", "primary": false}, {"value": "b@x", "type": "work", "primary": true}]}),
        ),
    );
}

// --- Entra ID, legacy dialect (entra-client.md U4, U6, U7, G3-G5) -----------------------

#[test]
fn entra_legacy_user_update() {
    let report = check(
        &USER_RESOURCE,
        user(json!({"emails": [{"value": "old@contoso.com", "type": "work", "primary": true}]})),
        json!([
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "x@contoso.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "Eqpj"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0101"},
            {"op": "Replace", "path": "addresses[type eq \"work\"].locality", "value": "Seattle"},
            {"op": "Replace", "path": "active", "value": "False"}
        ]),
        json!({
            "schemas": [CORE, ENTERPRISE_USER_URN],
            "externalId": "Eqpj",
            "userName": "bjensen",
            "name": {"givenName": "Gtfd", "familyName": "Pkqf"},
            "displayName": "Pvlo",
            "nickName": "Babs",
            "active": false,
            "emails": [{"value": "x@contoso.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0101"}],
            "addresses": [{"type": "work", "locality": "Seattle"}],
            ENTERPRISE_USER_URN: {"employeeNumber": "Eqpj"}
        }),
    );
    for rule in [
        CompatRule::CaseInsensitiveOp,
        CompatRule::BooleanString,
        CompatRule::CreateFilteredElement,
    ] {
        assert!(report.contains(rule), "{rule:?}");
    }
}

#[test]
fn entra_aad_opt_flag_user_update_with_dotted_and_urn_keys() {
    let report = check(
        &USER_RESOURCE,
        user(json!({"name": {"familyName": "Old", "middleName": "M"}})),
        json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "x@contoso.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
                "active": false
            }}
        ]),
        json!({
            "schemas": [CORE, ENTERPRISE_USER_URN],
            "userName": "bjensen",
            "name": {"familyName": "Unua", "middleName": "M", "givenName": "Kkom"},
            "displayName": "Bjfe",
            "active": false,
            "emails": [{"type": "work", "value": "x@contoso.com"}],
            ENTERPRISE_USER_URN: {"employeeNumber": "Aklq"}
        }),
    );
    assert!(report.contains(CompatRule::DottedPathlessKey));
    assert!(report.contains(CompatRule::UrnPathlessKey));
    assert!(!report.contains(CompatRule::CaseInsensitiveOp));
}

#[test]
fn entra_manager_shapes() {
    let with_manager = |id: &str| user(json!({ENTERPRISE_USER_URN: {"manager": {"value": id}}}));
    let mgr_path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
    for (ops, rule) in [
        (
            json!([{"op": "Add", "path": "manager", "value": [{"$ref": "http://x/Users/m2", "value": "m2"}]}]),
            CompatRule::ManagerArray,
        ),
        (
            json!([{"op": "add", "path": mgr_path, "value": "m2"}]),
            CompatRule::ManagerBareString,
        ),
        (
            json!([{"op": "replace", "path": mgr_path, "value": {"value": "m2"}}]),
            CompatRule::UnqualifiedExtensionAttribute,
        ),
    ] {
        let (result, report) = run(&USER_RESOURCE, &with_manager("m1"), ops.clone());
        let got = result.unwrap_or_else(|e| panic!("{ops}: {e}"));
        assert_eq!(got[ENTERPRISE_USER_URN]["manager"]["value"], "m2", "{ops}");
        // A new manager replaces the old object, so no stale `$ref` survives.
        if !ops.to_string().contains("$ref") {
            assert!(got[ENTERPRISE_USER_URN]["manager"].get("$ref").is_none());
        }
        if rule != CompatRule::UnqualifiedExtensionAttribute {
            assert!(report.contains(rule), "{ops}: {:?}", report.names());
        }
    }
    for ops in [
        json!([{"op": "replace", "path": mgr_path, "value": ""}]),
        json!([{"op": "remove", "path": mgr_path}]),
        json!([{"op": "replace", "path": format!("{mgr_path}.value"), "value": ""}]),
    ] {
        check(&USER_RESOURCE, with_manager("m1"), ops, user(json!({})));
    }
}

#[test]
fn entra_json_encoded_role_patch_and_string_primary() {
    let got = check(
        &USER_RESOURCE,
        user(json!({})),
        json!([{"op": "Add", "path": "roles", "value": [
            {"value": "{\"id\":\"06b0\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}
        ]}, {"op": "Add", "path": "roles[primary eq \"True\"].type", "value": "WindowsAzureActiveDirectoryRole"}]),
        user(json!({"roles": [
            {"value": "Admin", "display": "Admin"},
            {"primary": true, "type": "WindowsAzureActiveDirectoryRole"}
        ]})),
    );
    assert!(got.contains(CompatRule::JsonEncodedObject));
}

#[test]
fn entra_group_rename_and_pathless_external_id() {
    check(
        &GROUP_RESOURCE,
        group(&["a"]),
        json!([{"op": "Replace", "path": "displayName", "value": "Sales EMEA"}]),
        json!({"schemas": [GROUP], "displayName": "Sales EMEA", "members": [{"value": "a"}]}),
    );
    check(
        &GROUP_RESOURCE,
        group(&[]),
        json!([{"op": "replace", "value": {"externalId": "8aa1", "displayName": "New"}}]),
        json!({"schemas": [GROUP], "externalId": "8aa1", "displayName": "New"}),
    );
}

#[test]
fn entra_legacy_member_removal_removes_only_listed_members() {
    let report = check(
        &GROUP_RESOURCE,
        group(&["u1", "u2", "u3"]),
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u2"}]}]),
        group(&["u1", "u3"]),
    );
    assert!(report.contains(CompatRule::RemoveByValueArray));
}

#[test]
fn removing_a_non_member_is_a_no_op() {
    check(
        &GROUP_RESOURCE,
        group(&["u1"]),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
        group(&["u1"]),
    );
}

// --- Okta (entra-client.md section 4) ---------------------------------------------------

#[test]
fn okta_pathless_deactivation_and_group_rename_with_id() {
    check(
        &USER_RESOURCE,
        user(json!({"active": true})),
        json!([{"op": "replace", "value": {"active": false}}]),
        user(json!({"active": false})),
    );
    let mut g = group(&["u1"]);
    g["id"] = json!("g1");
    let report = check(
        &GROUP_RESOURCE,
        g,
        json!([
            {"op": "replace", "value": {"id": "g1", "displayName": "Renamed"}},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "u2", "display": "Bob"}]}
        ]),
        json!({"schemas": [GROUP], "id": "g1", "displayName": "Renamed", "members": [{"value": "u2"}]}),
    );
    assert!(report.contains(CompatRule::ReadOnlyIgnored));
}

// --- Errors ---------------------------------------------------------------------------

#[test]
fn errors_have_the_rfc_scim_types() {
    use ScimType::*;
    let u = user(json!({"emails": [{"value": "a@x", "type": "home"}]}));
    for (ops, scim_type) in [
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            Mutability,
        ),
        (
            json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
            Mutability,
        ),
        (
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
            Mutability,
        ),
        (
            json!([{"op": "replace", "path": "nosuch", "value": "x"}]),
            InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "name.nosuch", "value": "x"}]),
            InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[nosuch eq \"x\"]", "value": {}}]),
            InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": "y"}]),
            InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[value co \"zzz\"].type", "value": "work"}]),
            NoTarget,
        ),
        (json!([{"op": "remove"}]), NoTarget),
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            InvalidValue,
        ),
        (
            json!([{"op": "replace", "path": "userName", "value": ""}]),
            InvalidValue,
        ),
        (json!([{"op": "remove", "path": "userName"}]), InvalidValue),
        (
            json!([{"op": "replace", "path": "name", "value": "flat"}]),
            InvalidValue,
        ),
        (
            json!([{"op": "replace", "value": "not an object"}]),
            InvalidValue,
        ),
        (json!([{"op": "add", "path": "title"}]), InvalidValue),
        (
            json!([{"op": "move", "path": "title", "value": "x"}]),
            InvalidSyntax,
        ),
        (json!([{"path": "title", "value": "x"}]), InvalidSyntax),
        (json!("not an array"), InvalidSyntax),
        (
            json!([{"op": "add", "path": "emails", "value": [{"value": "b", "primary": true}, {"value": "c", "primary": true}]}]),
            InvalidValue,
        ),
    ] {
        check_error(&USER_RESOURCE, u.clone(), ops, scim_type);
    }
    check_error(
        &GROUP_RESOURCE,
        group(&["a"]),
        json!([{"op": "replace", "path": "members[value eq \"a\"].value", "value": "b"}]),
        Mutability,
    );
}

#[test]
fn an_error_names_the_failing_operation() {
    let err = check_error(
        &USER_RESOURCE,
        user(json!({})),
        json!([{"op": "replace", "path": "title", "value": "ok"}, {"op": "replace", "path": "id", "value": "x"}]),
        ScimType::Mutability,
    );
    assert!(err.to_string().contains("Operations[1]"), "{err}");
}

#[test]
fn patch_op_message_shape() {
    let mut report = CompatReport::new();
    let req = PatchRequest::from_json(
        &json!({"Schemas": [PATCH_OP_URN], "Operations": [{"Op": "REMOVE", "Path": "title"}]}),
        &mut report,
    )
    .unwrap();
    assert_eq!(req.operations[0].op, OpKind::Remove);
    assert_eq!(report.names(), ["case-insensitive-op"]);
    // RFC 7644 section 3.5.2: the PatchOp URN is required.
    for body in [
        json!({"Operations": []}),
        json!({"schemas": null, "Operations": []}),
        json!({"schemas": [], "Operations": []}),
        json!({"schemas": PATCH_OP_URN, "Operations": []}),
        json!({"schemas": ["urn:wrong"], "Operations": []}),
    ] {
        let err = PatchRequest::from_json(&body, &mut CompatReport::new()).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidSyntax, "{body}");
    }
    // Names given twice in different case: which one is meant is a guess.
    for body in [
        json!({"schemas": [PATCH_OP_URN], "Operations": [], "operations": []}),
        json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "OP": "remove", "path": "title", "value": "x"}]}),
        json!({"schemas": [PATCH_OP_URN], "Operations": [{"op": "add", "value": {"title": "x", "TITLE": "y"}}]}),
    ] {
        let err = PatchRequest::from_json(&body, &mut CompatReport::new()).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidValue, "{body}");
    }
}

// --- Property: an error anywhere leaves the resource unchanged ------------------------------

mod atomicity {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn valid_op() -> impl Strategy<Value = Value> {
        let text = "[a-zA-Z0-9 @.]{2,12}";
        prop_oneof![
            text.prop_map(|v| json!({"op": "replace", "path": "displayName", "value": v})),
            text.prop_map(|v| json!({"op": "Add", "path": "name.givenName", "value": v})),
            text.prop_map(|v| json!({"op": "replace", "path": "emails[type eq \"work\"].value", "value": v})),
            text.prop_map(|v| json!({"op": "add", "path": "phoneNumbers", "value": [{"value": v, "type": "home"}]})),
            any::<bool>().prop_map(|b| json!({"op": "Replace", "path": "active", "value": if b { "True" } else { "False" }})),
            text.prop_map(|v| json!({"op": "replace", "value": {"title": v, "name.familyName": v}})),
            text.prop_map(|v| json!({"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": v})),
            Just(json!({"op": "remove", "path": "title"})),
            Just(json!({"op": "remove", "path": "emails[type eq \"home\"]"})),
        ]
    }

    fn invalid_op() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!({"op": "replace", "path": "id", "value": "x"})),
            Just(json!({"op": "replace", "path": "active", "value": "perhaps"})),
            Just(json!({"op": "remove", "path": "userName"})),
            Just(json!({"op": "replace", "path": "nosuchattr", "value": "x"})),
            Just(
                json!({"op": "replace", "path": "emails[value co \"nothing\"].display", "value": "x"})
            ),
            Just(json!({"op": "add", "path": "name", "value": 42})),
            Just(
                json!({"op": "add", "path": "emails", "value": [{"value": "p", "primary": true}, {"value": "q", "primary": true}]})
            ),
        ]
    }

    proptest! {
        #[test]
        fn a_failing_operation_leaves_the_resource_unchanged(
            before in proptest::collection::vec(valid_op(), 0..6),
            bad in invalid_op(),
            after in proptest::collection::vec(valid_op(), 0..6),
        ) {
            let original = user(json!({
                "displayName": "Original",
                "emails": [{"value": "home@x", "type": "home"}],
                "title": "T"
            }));
            let mut resource = original.clone();
            let mut ops = before.clone();
            ops.push(bad);
            ops.extend(after);
            let mut report = CompatReport::new();
            let result = PatchRequest::from_json(&request(Value::Array(ops)), &mut report).and_then(|req| {
                apply_in_place(&mut resource, &req, &USER_RESOURCE, &NormalizeOptions::default(), &mut report)
            });
            prop_assert!(result.is_err());
            prop_assert_eq!(&resource, &original);
            // The valid prefix alone applies and changes the resource when it has ops.
            let req = PatchRequest::from_json(&request(Value::Array(before.clone())), &mut report).unwrap();
            let mut alone = original.clone();
            apply_in_place(&mut alone, &req, &USER_RESOURCE, &NormalizeOptions::default(), &mut report).unwrap();
            if !before.is_empty() {
                prop_assert_ne!(&alone, &original);
            }
        }
    }
}
