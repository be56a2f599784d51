//! Whether a response body matches the conversation's pattern.
//!
//! A pattern names only what the client relies on, so a server may add
//! attributes freely:
//!
//! - an object matches an object that has each of its keys, matching (more
//!   keys are fine); `"{{absent}}"` as a value: the key must be missing;
//! - an array matches an array of the same length, element by element;
//! - `{"$len": n}` matches an array of `n` elements, and `{"$contains":
//!   [...]}` one where each pattern matches some element (in any order); both
//!   may be given together, with `{"$excludes": [...]}`: no element
//!   matches any of these;
//! - `"{{any}}"` matches any value that is present;
//! - anything else must be equal (strings exactly, after placeholders are
//!   filled).

use serde_json::Value;

use crate::template::{ABSENT, ANY};

/// Where and how a body differs from its pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// JSON pointer of the value that differs (`/Resources/0/active`).
    pub at: String,
    /// What the pattern wanted there.
    pub expected: String,
    /// What the response had (`absent` when nothing).
    pub actual: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.at.is_empty() { "/" } else { &self.at };
        write!(
            f,
            "at {at}: expected {}, got {}",
            self.expected, self.actual
        )
    }
}

/// Checks `actual` (`None`: absent) against `pattern`, at pointer `at`.
pub(crate) fn check(pattern: &Value, actual: Option<&Value>, at: &str) -> Result<(), Mismatch> {
    let mismatch = |expected: String| Mismatch {
        at: at.to_owned(),
        expected,
        actual: actual.map_or_else(|| "absent".to_owned(), short),
    };
    match (pattern, actual) {
        (Value::String(s), None) if s == ABSENT => Ok(()),
        (Value::String(s), Some(_)) if s == ABSENT => Err(mismatch("no value".to_owned())),
        (_, None) => Err(mismatch(short(pattern))),
        (Value::String(s), Some(_)) if s == ANY => Ok(()),
        (Value::Object(spec), Some(actual))
            if ["$len", "$contains", "$excludes"]
                .iter()
                .any(|k| spec.contains_key(*k)) =>
        {
            let Value::Array(items) = actual else {
                return Err(mismatch("an array".to_owned()));
            };
            if let Some(len) = spec.get("$len")
                && len.as_u64() != Some(items.len() as u64)
            {
                return Err(mismatch(format!("{len} elements, not {}", items.len())));
            }
            for wanted in spec
                .get("$contains")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !items
                    .iter()
                    .any(|item| check(wanted, Some(item), at).is_ok())
                {
                    return Err(mismatch(format!("an element matching {}", short(wanted))));
                }
            }
            for unwanted in spec
                .get("$excludes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if items
                    .iter()
                    .any(|item| check(unwanted, Some(item), at).is_ok())
                {
                    return Err(mismatch(format!("no element matching {}", short(unwanted))));
                }
            }
            Ok(())
        }
        (Value::Object(spec), Some(Value::Object(object))) => {
            for (key, wanted) in spec {
                check(wanted, object.get(key), &format!("{at}/{}", escape(key)))?;
            }
            Ok(())
        }
        (Value::Array(spec), Some(Value::Array(items))) => {
            if spec.len() != items.len() {
                return Err(mismatch(format!(
                    "{} elements, not {}",
                    spec.len(),
                    items.len()
                )));
            }
            for (i, (wanted, item)) in spec.iter().zip(items).enumerate() {
                check(wanted, Some(item), &format!("{at}/{i}"))?;
            }
            Ok(())
        }
        (Value::Object(_), Some(_)) => Err(mismatch("an object".to_owned())),
        (Value::Array(_), Some(_)) => Err(mismatch("an array".to_owned())),
        (scalar, Some(value)) if scalar == value => Ok(()),
        (scalar, Some(_)) => Err(mismatch(short(scalar))),
    }
}

/// A JSON pointer's escaping of one key.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A value as JSON, cut short for messages.
pub(crate) fn short(value: &Value) -> String {
    const MAX: usize = 300;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at(pattern: Value, actual: Value) -> Result<(), String> {
        check(&pattern, Some(&actual), "").map_err(|m| m.at)
    }

    #[test]
    fn objects_match_on_the_keys_the_pattern_names() {
        let user = json!({"id": "u1", "active": false, "name": {"givenName": "Ada"}, "emails": [{"value": "a@x"}]});
        assert_eq!(
            at(
                json!({"active": false, "name": {"givenName": "Ada"}}),
                user.clone()
            ),
            Ok(())
        );
        assert_eq!(
            at(json!({"name": {"givenName": "Bea"}}), user.clone()),
            Err("/name/givenName".to_owned())
        );
        assert_eq!(
            at(
                json!({"id": "{{any}}", "title": "{{absent}}"}),
                user.clone()
            ),
            Ok(())
        );
        assert_eq!(
            at(json!({"active": "{{absent}}"}), user.clone()),
            Err("/active".to_owned())
        );
        assert_eq!(
            at(json!({"title": "{{any}}"}), user.clone()),
            Err("/title".to_owned())
        );
        // Booleans are not their strings.
        assert_eq!(
            at(json!({"active": "False"}), user),
            Err("/active".to_owned())
        );
    }

    #[test]
    fn arrays_match_element_by_element_or_by_length_and_content() {
        let list = json!({"Resources": [{"id": "a"}, {"id": "b"}, {"id": "c"}]});
        assert_eq!(
            at(
                json!({"Resources": [{"id": "a"}, {"id": "b"}]}),
                list.clone()
            ),
            Err("/Resources".to_owned())
        );
        assert_eq!(
            at(json!({"Resources": [{}, {"id": "b"}, {}]}), list.clone()),
            Ok(())
        );
        assert_eq!(
            at(
                json!({"Resources": {"$len": 3, "$contains": [{"id": "c"}, {"id": "a"}]}}),
                list.clone()
            ),
            Ok(())
        );
        assert_eq!(
            at(
                json!({"Resources": {"$contains": [{"id": "d"}]}}),
                list.clone()
            ),
            Err("/Resources".to_owned())
        );
        assert_eq!(
            at(json!({"Resources": {"$len": 2}}), list.clone()),
            Err("/Resources".to_owned())
        );
        assert_eq!(
            at(
                json!({"Resources": {"$excludes": [{"id": "d"}]}}),
                list.clone()
            ),
            Ok(())
        );
        assert_eq!(
            at(json!({"Resources": {"$excludes": [{"id": "b"}]}}), list),
            Err("/Resources".to_owned())
        );
    }

    #[test]
    fn mismatches_say_what_was_wanted_and_found() {
        let m = check(&json!({"a/b": 1}), Some(&json!({"a/b": 2})), "").unwrap_err();
        assert_eq!(m.to_string(), "at /a~1b: expected 1, got 2");
        let long = json!("x".repeat(1000));
        assert!(short(&long).len() < 320);
    }
}
