//! Reading a PatchOp message: member and op names in any case, paths parsed up
//! front so a bad path is reported before anything is applied.

use serde_json::Value;

use super::{MAX_OPERATIONS, OpKind, PATCH_OP_URN, PatchOperation, PatchRequest};
use crate::attr::get;
use crate::compat::{CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::normalize::check_client_json;
use crate::path::PatchPath;

impl PatchRequest {
    /// Reads a PatchOp message. Member names and op names are matched
    /// case-insensitively (`Operations`, `Replace`); paths are parsed here, so a
    /// bad path is reported before anything is applied.
    pub fn from_json(body: &Value, report: &mut CompatReport) -> Result<PatchRequest> {
        let Some(object) = body.as_object() else {
            return Err(Error::InvalidSyntax(
                "a PatchOp request must be a JSON object".into(),
            ));
        };
        check_client_json(body)?;
        // RFC 7644 section 3.5.2 requires the URN, and both identity providers send it.
        match get(object, "schemas") {
            Some(Value::Array(uris))
                if uris.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_URN))
                }) => {}
            _ => {
                return Err(Error::InvalidSyntax(format!(
                    "a PatchOp request needs 'schemas': [\"{PATCH_OP_URN}\"]"
                )));
            }
        }
        let Some(Value::Array(ops)) = get(object, "Operations") else {
            return Err(Error::InvalidSyntax(
                "a PatchOp request needs an 'Operations' array".into(),
            ));
        };
        if ops.len() > MAX_OPERATIONS {
            return Err(Error::TooMany(format!(
                "{} operations; at most {MAX_OPERATIONS} are accepted",
                ops.len()
            )));
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                parse_operation(op, report).map_err(|e| e.context(&format!("Operations[{i}]")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PatchRequest { operations })
    }
}

fn parse_operation(op: &Value, report: &mut CompatReport) -> Result<PatchOperation> {
    let Some(object) = op.as_object() else {
        return Err(Error::InvalidSyntax(
            "an operation must be a JSON object".into(),
        ));
    };
    let name = get(object, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::InvalidSyntax("an operation needs an 'op' string".into()))?;
    let kind = [OpKind::Add, OpKind::Remove, OpKind::Replace]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(name))
        .ok_or_else(|| Error::InvalidSyntax(format!("'{name}' is not add, remove or replace")))?;
    if kind.as_str() != name {
        report.note(CompatRule::CaseInsensitiveOp);
    }
    let path = match get(object, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(PatchPath::parse(p)?),
        Some(_) => return Err(Error::path(0, "'path' must be a string")),
    };
    let value = get(object, "value").cloned();
    if kind == OpKind::Remove && path.is_none() {
        return Err(Error::NoTarget("'remove' needs a path".into()));
    }
    if kind != OpKind::Remove && value.is_none() {
        return Err(Error::InvalidValue(format!(
            "'{}' needs a value",
            kind.as_str()
        )));
    }
    Ok(PatchOperation {
        op: kind,
        path,
        value,
    })
}
