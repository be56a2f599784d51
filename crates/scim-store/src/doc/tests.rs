//! The filter document: shape, folding, and which bodies are marked inexact.

use serde_json::{Value, json};

use super::*;

fn check(body: &Value, expected_doc: &Value, expected_exact: bool) {
    let p = prepare(Kind::User, body).unwrap();
    let doc: Value = serde_json::from_str(&p.doc).unwrap();
    assert_eq!(&doc, expected_doc, "{body}");
    assert_eq!(p.exact, expected_exact, "{body}");
}

#[test]
fn documents_are_shaped_for_sql() {
    check(
        &json!({"userName": "A", "title": "Mr X", "nickName": ""}),
        &json!({
            "title": [{"p": true, "v": ["mr x"]}],
            "nickname": [{"p": false, "v": [""]}],
        }),
        true,
    );
    check(
        &json!({"userName": "A", "emails": [
            {"value": "A@B.C", "primary": true, "type": null},
            {"display": ["X", {}], "bogus": 1},
            null
        ]}),
        &json!({"emails": [
            {"p": true, "s": {"value": ["a@b.c"], "primary": [true], "type": []}},
            {"p": true, "s": {"display": ["x"]}},
            {"p": false},
        ]}),
        true,
    );
    // caseExact values keep their case; unknown extensions fold, and numbers carry
    // the integer and the float the evaluator compares with.
    check(
        &json!({
            "userName": "A",
            "profileUrl": "HTTP://X",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "ID-1"}, "department": "IT", "unknown": 1
            },
            "urn:x:Ext": {"Level": 3, "Big": 18446744073709551615_u64, "Tag": "T", "Obj": {"a": {}}}
        }),
        &json!({
            "profileurl": [{"p": true, "v": ["HTTP://X"]}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager":
                [{"p": true, "s": {"value": ["ID-1"]}}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department":
                [{"p": true, "v": ["it"]}],
            "urn:x:ext:level": [{"p": true, "v": [{"i": 3, "f": 3.0}]}],
            "urn:x:ext:big": [{"p": true, "v": [{"f": 18446744073709551615.0}]}],
            "urn:x:ext:tag": [{"p": true, "v": ["t"]}],
            "urn:x:ext:obj": [{"p": false, "s": {"a": []}}],
        }),
        true,
    );
}

#[test]
fn shapes_sql_cannot_encode_are_marked_inexact() {
    let inexact = [
        json!({"userName": "A", "displayName": 5}),
        json!({"userName": "A", "externalId": ["x"]}),
        json!({"userName": "A", "active": "true"}),
        json!({"userName": "A", "title": "x", "TITLE": "y"}),
        json!({"userName": "A", "urn:x:e": {"a": 1, "A": 2}}),
        json!({"userName": "A", "emails": [{"value": "a", "VALUE": "b"}]}),
    ];
    for body in inexact {
        assert!(!prepare(Kind::User, &body).unwrap().exact, "{body}");
    }
}

#[test]
fn columns_and_emails_are_extracted() {
    let p = prepare(
        Kind::User,
        &json!({
            "userName": "Ǆx", "displayName": "Dž", "externalId": "E", "active": false,
            "emails": [{"value": "A@X"}, {"value": ["b@x", 3]}, "c@x"],
            "id": "dropped", "META": {}, "groups": []
        }),
    )
    .unwrap();
    assert_eq!(p.name, "Ǆx");
    assert_eq!(p.display_name.as_deref(), Some("Dž"));
    assert_eq!(p.external_id.as_deref(), Some("E"));
    assert_eq!(p.active, Some(false));
    assert_eq!(p.emails, ["a@x", "b@x"]);
    let keys: Vec<&String> = p.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["userName", "displayName", "externalId", "active", "emails"]
    );
}

#[test]
fn keys_are_encoded_for_json_paths() {
    assert_eq!(encode_key("urn:X:y.1:Name"), "urn:x:y.1:name");
    assert_eq!(encode_key("a\"b c%"), "a%22b%20c%25");
    assert_eq!(encode_key("é$ref"), "%C3%A9$ref");
}
