//! Attribute lookup in JSON resources: how a name finds its values, whether a
//! value is present, and how text is case-folded for comparison.
//!
//! These are the one statement of what the filter evaluator
//! ([`CompiledFilter::matches`](crate::filter::CompiledFilter::matches)), PATCH
//! and a storage layer reproducing the evaluator (for example in SQL) read from
//! a resource:
//!
//! - a key is found by its exact spelling, else by the first key equal to it
//!   ignoring ASCII case ([`get`]); names a schema resolved are looked up
//!   exactly in canonical resources ([`get_in`] with `exact`);
//! - an extension attribute lives in the object keyed by the extension's URN,
//!   whose key is matched ignoring ASCII case ([`values`]);
//! - a multi-valued attribute stands for its elements, a single value for
//!   itself, `null` for nothing ([`flatten`]);
//! - a value is present unless it is `null`, an empty string, or an array or
//!   object without present values ([`is_present`]);
//! - case-insensitive text compares after [`fold_case`].

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The value of `key` in `object`: the key spelled exactly, else the first key
/// equal to it ignoring ASCII case.
pub fn get<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The value of `key` in `value` if it is an object: spelled exactly when
/// `exact` (a name resolved from a schema, in a canonical resource), else as
/// [`get`] finds it (extension URNs and attributes of unknown extensions, which
/// keep the spelling a client sent).
pub fn get_in<'v>(value: &'v Value, key: &str, exact: bool) -> Option<&'v Value> {
    let object = value.as_object()?;
    if exact {
        object.get(key)
    } else {
        get(object, key)
    }
}

/// The values of a top-level attribute, flattened: `name` at the top level of
/// `resource`, or inside the object keyed by the URN `extension`. `exact` is as
/// for [`get_in`] and applies to `name`.
pub fn values<'v>(
    resource: &'v Value,
    extension: Option<&str>,
    name: &str,
    exact: bool,
) -> &'v [Value] {
    let container = match extension {
        Some(urn) => match get_in(resource, urn, false) {
            Some(container) => container,
            None => return &[],
        },
        None => resource,
    };
    get_in(container, name, exact).map_or(&[], flatten)
}

/// The elements of a multi-valued attribute (an array), a single value as one
/// element, `null` as none.
pub fn flatten(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        Value::Null => &[],
        other => std::slice::from_ref(other),
    }
}

/// Whether a value counts as present (the filter operator `pr`): not `null`, not
/// an empty string, not an empty array and not an object without present values.
pub fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(map) => map.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Folds letter case for case-insensitive comparison, as every non-`caseExact`
/// comparison of [`CompiledFilter::matches`](crate::filter::CompiledFilter::matches)
/// does on both sides.
///
/// Each character is replaced by its Unicode lowercase mapping, character by
/// character (so, unlike [`str::to_lowercase`], without the word-final sigma
/// rule), and the few lowercase letters that Unicode case folding maps further
/// (final sigma, long s, micro sign, the Greek symbol variants) by their folded
/// form: `"ΟΔΟΣ"`, `"οδος"` and `"οδοσ"` all fold to `"οδοσ"`. A storage layer that
/// indexes folded text must use this function to agree with the evaluator.
///
/// ```
/// use scim_proto::attr::fold_case;
///
/// assert_eq!(fold_case("Alice@Contoso.COM"), "alice@contoso.com");
/// assert_eq!(fold_case("ǅemal"), fold_case("ǆemal"));
/// assert_eq!(fold_case("Straße"), "straße");
/// ```
pub fn fold_case(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        };
    }
    if s.chars().all(folds_to_itself) {
        return Cow::Borrowed(s);
    }
    let mut folded = String::with_capacity(s.len());
    for c in s.chars() {
        match special_fold(c) {
            Some(f) => folded.push(f),
            None => folded.extend(c.to_lowercase()),
        }
    }
    Cow::Owned(folded)
}

fn folds_to_itself(c: char) -> bool {
    special_fold(c).is_none() && c.to_lowercase().eq(std::iter::once(c))
}

/// Lowercase letters whose case folding differs from themselves
/// (the `C` entries of Unicode's CaseFolding.txt whose source is lowercase).
fn special_fold(c: char) -> Option<char> {
    Some(match c {
        '\u{b5}' => '\u{3bc}', // micro sign -> mu
        '\u{17f}' => 's',      // long s
        // combining ypogegrammeni, prosgegrammeni -> iota
        '\u{345}' | '\u{1fbe}' => '\u{3b9}',
        '\u{3c2}' => '\u{3c3}',   // final sigma -> sigma
        '\u{3d0}' => '\u{3b2}',   // beta symbol
        '\u{3d1}' => '\u{3b8}',   // theta symbol
        '\u{3d5}' => '\u{3c6}',   // phi symbol
        '\u{3d6}' => '\u{3c0}',   // pi symbol
        '\u{3f0}' => '\u{3ba}',   // kappa symbol
        '\u{3f1}' => '\u{3c1}',   // rho symbol
        '\u{3f5}' => '\u{3b5}',   // lunate epsilon
        '\u{1e9b}' => '\u{1e61}', // long s with dot above
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
