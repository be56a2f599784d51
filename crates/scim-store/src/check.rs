//! What the store refuses to store, checked in Rust before any SQL, and JSON as text.

use serde_json::Value;

use crate::error::StoreError;

/// Ids are chosen by callers; they must be lowercase (so that attributes compared
/// case-insensitively, like a user's `groups.value`, need no folding) and usable
/// as text on both backends.
pub(crate) fn check_id(kind: &str, id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.len() > 255 {
        return Err(StoreError::invalid(format!(
            "{kind} id must have 1 to 255 bytes"
        )));
    }
    if id.contains('\0') || id.to_lowercase() != id {
        return Err(StoreError::invalid(format!(
            "{kind} id '{id}' must be lowercase and free of NUL characters"
        )));
    }
    Ok(())
}

/// PostgreSQL text cannot hold NUL, and SQLite's string functions stop at it: the
/// store refuses it everywhere, on both backends alike.
pub(crate) fn check_text(field: &str, value: &str) -> Result<(), StoreError> {
    if value.contains('\0') {
        return Err(StoreError::invalid(format!(
            "{field} contains a NUL character"
        )));
    }
    Ok(())
}

/// [`check_text`] for every key and string of a JSON value.
pub(crate) fn check_json(field: &str, value: &Value) -> Result<(), StoreError> {
    match value {
        Value::String(s) => check_text(field, s),
        Value::Array(items) => items.iter().try_for_each(|v| check_json(field, v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            check_text(field, k)?;
            check_json(field, v)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

pub(crate) fn to_json_text(value: &Value) -> String {
    value.to_string()
}

pub(crate) fn parse_json(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Database {
        message: format!("stored JSON does not parse: {e}"),
        source: Some(Box::new(e)),
    })
}
