//! Attribute lookup and case folding on their own; the evaluator's tests
//! (`filter/eval/tests.rs`) cover them through filters.

use serde_json::json;

use super::*;

#[test]
fn keys_are_found_exactly_first_then_ignoring_ascii_case() {
    let object = json!({"Title": 1, "title": 2, "NAME": 3});
    let map = object.as_object().unwrap();
    assert_eq!(get(map, "title"), Some(&json!(2)));
    assert_eq!(get(map, "name"), Some(&json!(3)));
    assert_eq!(get(map, "nick"), None);
    assert_eq!(get_in(&object, "name", true), None);
    assert_eq!(get_in(&object, "NAME", true), Some(&json!(3)));
    assert_eq!(get_in(&json!("text"), "name", false), None);
}

#[test]
fn extension_attributes_live_under_their_urn_in_any_case() {
    let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let resource = json!({
        "emails": [{"value": "a"}, {"value": "b"}],
        "title": "Boss",
        "URN:IETF:params:scim:schemas:extension:enterprise:2.0:User": {"department": "IT"}
    });
    assert_eq!(values(&resource, None, "emails", true).len(), 2);
    assert_eq!(values(&resource, None, "title", true), [json!("Boss")]);
    assert_eq!(
        values(&resource, None, "Title", true),
        [] as [serde_json::Value; 0]
    );
    assert_eq!(
        values(&resource, Some(urn), "department", true),
        [json!("IT")]
    );
    assert!(values(&resource, Some("urn:other"), "department", false).is_empty());
}

#[test]
fn flattening_and_presence() {
    assert_eq!(flatten(&json!([1, 2])).len(), 2);
    assert_eq!(flatten(&json!("x")), [json!("x")]);
    assert!(flatten(&json!(null)).is_empty());
    for present in [
        json!(false),
        json!(0),
        json!("x"),
        json!([null, "x"]),
        json!({"a": {"b": 1}}),
    ] {
        assert!(is_present(&present), "{present}");
    }
    for absent in [
        json!(null),
        json!(""),
        json!([]),
        json!([null, ""]),
        json!({"a": {"b": ""}}),
    ] {
        assert!(!is_present(&absent), "{absent}");
    }
}

#[test]
fn fold_case_borrows_text_that_is_already_folded() {
    for folded in ["", "alice@contoso.com", "émilie", "οδοσ", "中文", "ß"] {
        assert!(
            matches!(fold_case(folded), std::borrow::Cow::Borrowed(_)),
            "{folded}"
        );
    }
    for (text, folded) in [
        ("Alice", "alice"),
        ("ÉMILIE", "émilie"),
        ("οδος", "οδοσ"),
        ("İ", "i\u{307}"),
    ] {
        assert_eq!(fold_case(text), folded);
    }
}
