//! Group membership operations out of a PATCH request, so that a store applies
//! them as row changes.

use serde_json::{Map, Value};

use super::{OpKind, PatchOperation, PatchRequest};
use crate::attr::get;
use crate::compat::{CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::filter::{AttrPath, CompValue, Filter};
use crate::normalize::json_type;

/// A change to a group's membership, read out of a PATCH request so that a store
/// can apply it as row operations (O(changed members), not O(group size)).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    /// Add these member ids (adding an existing member changes nothing).
    Add(Vec<String>),
    /// Remove these member ids (removing a non-member changes nothing).
    Remove(Vec<String>),
    /// Remove every member whose element `{value, display, type, $ref}` matches.
    RemoveWhere(Filter),
    /// Remove every member.
    RemoveAll,
    /// Make the membership exactly these ids.
    Replace(Vec<String>),
}

/// Splits a Group PATCH into membership changes and the remaining operations
/// (which do not touch `members`), preserving order within each.
///
/// Recognised shapes: `add`/`replace` with path `members`; `remove` with path
/// `members` (with a value array: Entra's legacy removal of the listed members;
/// without: all members); `remove` with path `members[value eq "id"]` (or an `or`
/// of such terms, or any other filter); and `members` inside a path-less value
/// object. Editing an existing member (`members[...].display`) is `mutability`.
pub fn split_member_changes(
    request: &PatchRequest,
    report: &mut CompatReport,
) -> Result<(PatchRequest, Vec<MemberChange>)> {
    let mut rest = Vec::new();
    let mut changes = Vec::new();
    for (i, op) in request.operations.iter().enumerate() {
        split_one(op, &mut rest, &mut changes, report)
            .map_err(|e| e.context(&format!("Operations[{i}]")))?;
    }
    Ok((PatchRequest { operations: rest }, changes))
}

fn is_members(attr: &AttrPath) -> bool {
    attr.name.eq_ignore_ascii_case("members")
        && attr
            .urn
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(crate::schema::GROUP_URN))
}

fn split_one(
    op: &PatchOperation,
    rest: &mut Vec<PatchOperation>,
    changes: &mut Vec<MemberChange>,
    report: &mut CompatReport,
) -> Result<()> {
    let Some(path) = &op.path else {
        let Some(Value::Object(values)) = &op.value else {
            rest.push(op.clone());
            return Ok(());
        };
        let mut others = Map::new();
        for (key, value) in values {
            if key.eq_ignore_ascii_case("members") {
                let ids = member_ids(value)?;
                changes.push(match op.op {
                    OpKind::Replace => MemberChange::Replace(ids),
                    _ => MemberChange::Add(ids),
                });
            } else {
                others.insert(key.clone(), value.clone());
            }
        }
        if !others.is_empty() {
            rest.push(PatchOperation {
                op: op.op,
                path: None,
                value: Some(Value::Object(others)),
            });
        }
        return Ok(());
    };
    if !is_members(&path.attr) {
        rest.push(op.clone());
        return Ok(());
    }
    if path.attr.sub.is_some() {
        return Err(Error::Mutability(
            "members are added or removed; their sub-attributes cannot be edited".into(),
        ));
    }
    let change = match (op.op, &path.filter, &op.value) {
        (OpKind::Add, None, Some(v)) => MemberChange::Add(member_ids(v)?),
        (OpKind::Replace, None, Some(v)) => MemberChange::Replace(member_ids(v)?),
        (OpKind::Remove, None, None | Some(Value::Null)) => MemberChange::RemoveAll,
        (OpKind::Remove, None, Some(v)) => {
            report.note(CompatRule::RemoveByValueArray);
            MemberChange::Remove(member_ids(v)?)
        }
        (OpKind::Remove, Some(filter), _) => match value_eq_ids(filter) {
            Some(ids) => MemberChange::Remove(ids),
            None => MemberChange::RemoveWhere(filter.clone()),
        },
        (_, Some(_), _) => {
            return Err(Error::Mutability(
                "existing members cannot be edited; add or remove them".into(),
            ));
        }
        (_, None, None) => {
            return Err(Error::InvalidValue(format!(
                "'{}' needs a value",
                op.op.as_str()
            )));
        }
    };
    changes.push(change);
    Ok(())
}

/// `value eq "a"` or `value eq "a" or value eq "b"`: the ids, else `None`.
fn value_eq_ids(filter: &Filter) -> Option<Vec<String>> {
    match filter {
        Filter::Attr {
            path,
            cond:
                crate::filter::Condition::Compare(crate::filter::CompareOp::Eq, CompValue::Str(id)),
        } if path.urn.is_none()
            && path.sub.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            Some(vec![id.clone()])
        }
        Filter::Or(l, r) => {
            let mut ids = value_eq_ids(l)?;
            ids.extend(value_eq_ids(r)?);
            Some(ids)
        }
        _ => None,
    }
}

/// Member ids from a `members` value: an array of objects with a `value` (or
/// `null`, no members). A lone object or id string is no client's shape and
/// is refused, as in POST and PUT.
fn member_ids(value: &Value) -> Result<Vec<String>> {
    let items = match value {
        Value::Array(items) => items,
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err(Error::InvalidValue(format!(
                "'members' is multi-valued: an array of member objects is expected, not {}",
                json_type(other)
            )));
        }
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(fields) => match get(fields, "value") {
                Some(Value::String(id)) if !id.is_empty() => Ok(id.clone()),
                _ => Err(Error::InvalidValue(
                    "every member needs a 'value' (the member's id)".into(),
                )),
            },
            other => Err(Error::InvalidValue(format!(
                "a member is an object with a 'value', not {}",
                json_type(other)
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests;
