//! Reading what clients send into the canonical form.
//!
//! Canonical form: a JSON object whose attribute names are spelled as the
//! schema spells them; extension attributes inside an object keyed by the
//! extension's URN; values of the schema's types (booleans are JSON booleans);
//! no `null`s and no empty arrays; `schemas` listing the core schema and the
//! extensions present; keys in schema order. Everything else in the crate
//! (evaluation, PATCH, projection) and the storage layer assume this form.
//!
//! Client deviations that are accepted are recorded as
//! [`CompatRule`]s in a [`CompatReport`]; deviations that are not accepted are
//! [`Error::InvalidValue`] or [`Error::InvalidSyntax`].

use serde_json::{Map, Value};

use crate::compat::{CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::filter::{AttrPath, excerpt, parse_bool_str};
use crate::schema::{
    AttributeDef, AttributeType, Container, Mutability, Resolution, ResourceType, is_urn,
};

/// What to do with attributes no schema defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAttributes {
    /// Drop them and record [`CompatRule::UnknownAttributeIgnored`] (what Microsoft's
    /// own test suite expects for a misspelled attribute).
    #[default]
    Ignore,
    /// Reject the request with `invalidValue`.
    Reject,
}

/// Options for [`normalize_resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NormalizeOptions {
    /// Policy for attributes no schema defines.
    pub unknown_attributes: UnknownAttributes,
}

/// Reads a client-sent resource (a POST or PUT body) into canonical form.
///
/// Read-only attributes (`id`, `meta`, `groups`, ...) are dropped, as RFC 7643
/// section 7 allows; write-only ones (`password`) are kept for the caller to
/// handle. Required attributes are checked.
///
/// ```
/// use scim_proto::normalize::{normalize_resource, NormalizeOptions};
/// use scim_proto::schema::USER_RESOURCE;
/// use scim_proto::CompatReport;
/// use serde_json::json;
///
/// let mut report = CompatReport::new();
/// let user = normalize_resource(
///     &json!({"UserName": "bjensen", "active": "False", "title": null}),
///     &USER_RESOURCE,
///     &NormalizeOptions::default(),
///     &mut report,
/// )?;
/// assert_eq!(user["userName"], "bjensen");
/// assert_eq!(user["active"], false);
/// assert!(user.get("title").is_none());
/// assert_eq!(report.names(), ["boolean-string", "null-as-absent", "missing-schemas"]);
/// # Ok::<(), scim_proto::Error>(())
/// ```
pub fn normalize_resource(
    input: &Value,
    rt: &ResourceType,
    options: &NormalizeOptions,
    report: &mut CompatReport,
) -> Result<Value> {
    let Some(object) = input.as_object() else {
        return Err(Error::InvalidSyntax(format!(
            "a {} resource must be a JSON object",
            rt.name
        )));
    };
    check_client_json(input)?;
    let mut out = Map::new();
    let mut saw_schemas = false;
    for (key, value) in object {
        if key.eq_ignore_ascii_case("schemas") {
            check_schemas(value, rt, report)?;
            saw_schemas = true;
            continue;
        }
        // The core schema URN used as a key: its attributes belong at the top.
        if rt.schema.id.eq_ignore_ascii_case(key) {
            if let Some(inner) = value.as_object() {
                for (k, v) in inner {
                    put_attribute(&mut out, rt, None, k, v, options, report)?;
                }
            }
            continue;
        }
        put_attribute(&mut out, rt, None, key, value, options, report)?;
    }
    if !saw_schemas {
        report.note(CompatRule::MissingSchemas);
    }
    check_required(&Value::Object(out.clone()), rt)?;
    Ok(finish(Value::Object(out), rt))
}

fn check_schemas(value: &Value, rt: &ResourceType, report: &mut CompatReport) -> Result<()> {
    let list: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::String(_) => vec![value],
        Value::Null => return Ok(()),
        _ => {
            return Err(Error::InvalidValue(
                "'schemas' must be an array of URIs".into(),
            ));
        }
    };
    let mut has_core = false;
    for item in list {
        let Some(uri) = item.as_str() else {
            return Err(Error::InvalidValue(
                "'schemas' must be an array of URIs".into(),
            ));
        };
        if rt.schema.id.eq_ignore_ascii_case(uri) {
            has_core = true;
        } else if rt.extension(uri).is_none() {
            report.note(CompatRule::UnknownSchemaIgnored);
        }
    }
    if !has_core {
        return Err(Error::InvalidValue(format!(
            "'schemas' must include {} for a {} resource",
            rt.schema.id, rt.name
        )));
    }
    Ok(())
}

/// Puts one client key/value into `out`. `urn` is set while reading inside an
/// extension object.
fn put_attribute(
    out: &mut Map<String, Value>,
    rt: &ResourceType,
    urn: Option<&str>,
    key: &str,
    value: &Value,
    options: &NormalizeOptions,
    report: &mut CompatReport,
) -> Result<()> {
    let top_level_urn = urn.is_none() && is_urn(key);
    if top_level_urn && let Some(schema) = rt.extension(key) {
        return put_extension_object(out, rt, schema.id, key, value, options, report);
    }
    let Ok(mut path) = AttrPath::parse(key) else {
        if top_level_urn && value.is_object() {
            return keep_unknown_extension(out, key, value, report);
        }
        return unknown(key, options, report);
    };
    if let Some(urn) = urn {
        if path.urn.is_some() {
            return unknown(key, options, report);
        }
        path.urn = Some(urn.to_owned());
    }
    let resolved = match rt.resolve(path.urn.as_deref(), &path.name) {
        Some(Resolution::Attribute(resolved)) => resolved,
        Some(Resolution::WholeExtension(_)) | None => return unknown(key, options, report),
    };
    if let Container::UnknownExtension(ext) = &resolved.container {
        // `urn:...:Ext` with an object is a whole unknown extension; a non-object
        // value is one attribute of the unknown extension named by the prefix.
        if value.is_object() && path.sub.is_none() {
            return keep_unknown_extension(out, key, value, report);
        }
        let ext = ext.clone();
        report.note(CompatRule::UrnPathlessKey);
        let target = container_mut(out, Some(&ext));
        set_or_remove(target, &resolved.name, strip_nulls(value, report));
        return Ok(());
    }
    if top_level_urn {
        report.note(CompatRule::UrnPathlessKey);
    } else if urn.is_none() && matches!(resolved.container, Container::Extension(_)) {
        report.note(CompatRule::UnqualifiedExtensionAttribute);
    }
    if path.sub.is_some() {
        report.note(CompatRule::DottedPathlessKey);
    }
    let Some(def) = resolved.def else {
        return unknown(key, options, report);
    };
    if def.mutability == Mutability::ReadOnly {
        report.note(CompatRule::ReadOnlyIgnored);
        return Ok(());
    }
    let container = container_mut(out, resolved.container.extension_key());
    let Some(sub) = &path.sub else {
        let normalized = normalize_value(def, value, report)?;
        set_or_remove(container, def.name, normalized);
        return Ok(());
    };
    let Some(sub_def) = def.sub_attribute(sub) else {
        return unknown(key, options, report);
    };
    if def.multi_valued {
        return Err(Error::InvalidValue(format!(
            "'{key}' addresses a sub-attribute of the multi-valued '{}'; use a PATCH value filter",
            def.name
        )));
    }
    if sub_def.mutability == Mutability::ReadOnly {
        report.note(CompatRule::ReadOnlyIgnored);
        return Ok(());
    }
    let normalized = normalize_simple(sub_def, value, def.name, report)?;
    let parent = container
        .entry(def.name.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(parent) = parent {
        set_or_remove(parent, sub_def.name, normalized);
    }
    if parent.as_object().is_some_and(Map::is_empty) {
        container.remove(def.name);
    }
    Ok(())
}

fn put_extension_object(
    out: &mut Map<String, Value>,
    rt: &ResourceType,
    schema_id: &str,
    key: &str,
    value: &Value,
    options: &NormalizeOptions,
    report: &mut CompatReport,
) -> Result<()> {
    match value {
        Value::Null => {
            report.note(CompatRule::NullAsAbsent);
            Ok(())
        }
        Value::Object(inner) => {
            for (k, v) in inner {
                put_attribute(out, rt, Some(schema_id), k, v, options, report)?;
            }
            Ok(())
        }
        _ => Err(Error::InvalidValue(format!(
            "'{key}' must be an object of extension attributes"
        ))),
    }
}

/// An object under the URN of an extension this server has no schema for: kept as
/// sent (without `null`s), so host applications can read it later.
fn keep_unknown_extension(
    out: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    report: &mut CompatReport,
) -> Result<()> {
    set_or_remove(out, key, strip_nulls(value, report));
    Ok(())
}

fn unknown(key: &str, options: &NormalizeOptions, report: &mut CompatReport) -> Result<()> {
    match options.unknown_attributes {
        UnknownAttributes::Ignore => {
            report.note(CompatRule::UnknownAttributeIgnored);
            Ok(())
        }
        UnknownAttributes::Reject => Err(Error::InvalidValue(format!(
            "'{key}' is not an attribute of this resource type"
        ))),
    }
}

/// The object attributes of `extension` live in (created on demand), or the top level.
pub(crate) fn container_mut<'m>(
    out: &'m mut Map<String, Value>,
    extension: Option<&str>,
) -> &'m mut Map<String, Value> {
    let Some(key) = extension else {
        return out;
    };
    let entry = out
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    object_mut(entry)
}

/// The map inside a value known to be an object.
pub(crate) fn object_mut(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    match value {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

pub(crate) fn set_or_remove(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            map.insert(key.to_owned(), v);
        }
        None => {
            map.remove(key);
        }
    }
}

/// Removes `null`s (recursively) from data of unknown extensions; `None` if nothing is left.
fn strip_nulls(value: &Value, report: &mut CompatReport) -> Option<Value> {
    match value {
        Value::Null => {
            report.note(CompatRule::NullAsAbsent);
            None
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|v| strip_nulls(v, report))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| strip_nulls(v, report).map(|v| (k.clone(), v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other.clone()),
    }
}

/// Normalises the value of a top-level attribute. `Ok(None)` means "absent"
/// (a `null`, an empty array, an empty complex value, an empty manager).
pub fn normalize_value(
    def: &AttributeDef,
    value: &Value,
    report: &mut CompatReport,
) -> Result<Option<Value>> {
    if value.is_null() {
        report.note(CompatRule::NullAsAbsent);
        return Ok(None);
    }
    if def.multi_valued {
        // No client sends a lone value here; a named rule would be needed to read one.
        let Value::Array(items) = value else {
            return Err(Error::InvalidValue(format!(
                "'{}' is multi-valued: an array of values is expected, not {}",
                def.name,
                json_type(value)
            )));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(v) = normalize_single(def, item, report)? {
                out.push(v);
            }
        }
        check_single_primary(def, &out)?;
        return Ok((!out.is_empty()).then_some(Value::Array(out)));
    }
    let single = match value {
        Value::Array(items) if items.is_empty() => return Ok(None),
        Value::Array(items) if items.len() == 1 => {
            report.note(if is_manager(def) {
                CompatRule::ManagerArray
            } else {
                CompatRule::SingleElementArray
            });
            &items[0]
        }
        Value::Array(_) => {
            return Err(Error::InvalidValue(format!(
                "'{}' is single-valued but an array of several values was sent",
                def.name
            )));
        }
        other => other,
    };
    normalize_single(def, single, report)
}

fn is_manager(def: &AttributeDef) -> bool {
    def.name == "manager" && def.ty == AttributeType::Complex
}

/// At most one element of a multi-valued attribute may have `primary: true`.
pub(crate) fn check_single_primary(def: &AttributeDef, items: &[Value]) -> Result<()> {
    let primaries = items
        .iter()
        .filter(|v| v.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(Error::InvalidValue(format!(
            "at most one value of '{}' may be primary",
            def.name
        )));
    }
    Ok(())
}

/// One value of an attribute (an element, for multi-valued ones).
pub(crate) fn normalize_single(
    def: &AttributeDef,
    value: &Value,
    report: &mut CompatReport,
) -> Result<Option<Value>> {
    if value.is_null() {
        report.note(CompatRule::NullAsAbsent);
        return Ok(None);
    }
    if def.ty != AttributeType::Complex {
        return normalize_simple(def, value, def.name, report);
    }
    let object = match value {
        Value::Object(object) => object,
        Value::String(s) if is_manager(def) => {
            if s.is_empty() {
                report.note(CompatRule::ManagerEmptyRemoves);
                return Ok(None);
            }
            report.note(CompatRule::ManagerBareString);
            let mut wrapped = Map::new();
            wrapped.insert("value".into(), Value::String(s.clone()));
            return Ok(Some(Value::Object(wrapped)));
        }
        _ => {
            return Err(Error::InvalidValue(format!(
                "'{}' must be an object of sub-attributes, not {}",
                def.name,
                json_type(value)
            )));
        }
    };
    let mut out = Map::new();
    for (key, v) in object {
        let Some(sub) = def.sub_attribute(key) else {
            // Unknown sub-attributes are dropped: clients send extras such as `id`
            // inside Entra's JSON-encoded role objects.
            report.note(CompatRule::UnknownAttributeIgnored);
            continue;
        };
        if sub.mutability == Mutability::ReadOnly {
            if !v.is_null() {
                report.note(CompatRule::ReadOnlyIgnored);
            }
            continue;
        }
        let normalized = normalize_simple(sub, v, def.name, report)?;
        set_or_remove(&mut out, sub.name, normalized);
    }
    if def.name == "roles" {
        decode_json_encoded_role(&mut out, report);
    }
    if is_manager(def) && out.get("value").is_some_and(|v| v == "") {
        report.note(CompatRule::ManagerEmptyRemoves);
        return Ok(None);
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// Entra's legacy dialect sends role objects JSON-encoded into `value`
/// (`{"value": "{\"id\":..,\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`).
fn decode_json_encoded_role(role: &mut Map<String, Value>, report: &mut CompatReport) {
    let Some(Value::String(text)) = role.get("value") else {
        return;
    };
    if !text.trim_start().starts_with('{') {
        return;
    }
    let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let get = |k: &str| {
        inner
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let Some(value) = get("value") else {
        return;
    };
    report.note(CompatRule::JsonEncodedObject);
    role.insert("value".into(), Value::String(value));
    if let Some(display) = get("displayName").or_else(|| get("display")) {
        role.entry("display").or_insert(Value::String(display));
    }
}

/// A value of a non-complex attribute or sub-attribute.
pub(crate) fn normalize_simple(
    def: &AttributeDef,
    value: &Value,
    parent: &str,
    report: &mut CompatReport,
) -> Result<Option<Value>> {
    let name = if parent == def.name {
        def.name.to_owned()
    } else {
        format!("{parent}.{}", def.name)
    };
    let wrong = |expected: &str| {
        Error::InvalidValue(format!(
            "'{name}' must be {expected}, not {}",
            excerpt(&value.to_string())
        ))
    };
    match value {
        Value::Null => {
            report.note(CompatRule::NullAsAbsent);
            Ok(None)
        }
        // One level only: `[["x"]]` is no client's shape.
        Value::Array(items) if items.len() == 1 && !def.multi_valued && !items[0].is_array() => {
            report.note(CompatRule::SingleElementArray);
            normalize_simple(def, &items[0], parent, report)
        }
        _ => match def.ty {
            AttributeType::String | AttributeType::Reference | AttributeType::Binary => match value
            {
                Value::String(_) => Ok(Some(value.clone())),
                _ => Err(wrong("a string")),
            },
            AttributeType::Boolean => match value {
                Value::Bool(_) => Ok(Some(value.clone())),
                Value::String(s) => match parse_bool_str(s.trim()) {
                    Some(b) => {
                        report.note(CompatRule::BooleanString);
                        Ok(Some(Value::Bool(b)))
                    }
                    None => Err(wrong("true or false")),
                },
                _ => Err(wrong("true or false")),
            },
            AttributeType::Integer => match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Some(value.clone())),
                _ => Err(wrong("an integer")),
            },
            AttributeType::Decimal => match value {
                Value::Number(_) => Ok(Some(value.clone())),
                _ => Err(wrong("a number")),
            },
            AttributeType::DateTime => match value {
                Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
                    Ok(Some(value.clone()))
                }
                _ => Err(wrong("an RFC 3339 date-time string")),
            },
            AttributeType::Complex => Err(wrong("a simple value")),
        },
    }
}

/// Checks what no client request may hold, at any depth: two keys of one object
/// equal but for letter case (names are case-insensitive, so
/// `{"userName": "a", "USERNAME": "b"}` names one attribute twice, and which
/// value wins would be a guess), and U+0000 in a key or string (no identity
/// provider sends it, and PostgreSQL text cannot hold it).
pub(crate) fn check_client_json(value: &Value) -> Result<()> {
    let nul = || Error::InvalidValue("U+0000 (NUL) is not accepted in names or values".into());
    match value {
        Value::String(s) if s.contains('\0') => Err(nul()),
        Value::Object(map) => {
            let mut seen = std::collections::HashSet::with_capacity(map.len());
            for key in map.keys() {
                if key.contains('\0') {
                    return Err(nul());
                }
                if !seen.insert(key.to_ascii_lowercase()) {
                    return Err(Error::InvalidValue(format!(
                        "'{}' is given twice (names are case-insensitive)",
                        crate::filter::excerpt(key)
                    )));
                }
            }
            map.values().try_for_each(check_client_json)
        }
        Value::Array(items) => items.iter().try_for_each(check_client_json),
        _ => Ok(()),
    }
}

/// The JSON type of `value`, for error messages (which must not echo huge input).
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks that required attributes are present and non-empty.
pub fn check_required(resource: &Value, rt: &ResourceType) -> Result<()> {
    for def in rt.schema.attributes.iter().filter(|d| d.required) {
        let present = resource.get(def.name).is_some_and(crate::attr::is_present);
        if !present {
            return Err(Error::InvalidValue(format!(
                "'{}' is required for a {} resource",
                def.name, rt.name
            )));
        }
    }
    Ok(())
}

/// Puts a canonical resource's keys in schema order and recomputes `schemas`
/// from the extensions present. Unknown keys keep their relative order at the
/// end (removals shift, never swap, the keys after them).
pub fn finish(resource: Value, rt: &ResourceType) -> Value {
    let Value::Object(mut map) = resource else {
        return resource;
    };
    map.shift_remove("schemas");
    // An extension with nothing left in it (its attributes absent or removed)
    // is not present: neither kept nor listed.
    map.retain(|key, value| !(is_urn(key) && value.as_object().is_some_and(Map::is_empty)));
    let mut out = Map::new();
    let mut schemas = vec![Value::String(rt.schema.id.to_owned())];
    for ext in rt.extensions {
        if map
            .get(ext.schema.id)
            .is_some_and(|v| v.as_object().is_some_and(|m| !m.is_empty()))
        {
            schemas.push(Value::String(ext.schema.id.to_owned()));
        } else {
            map.shift_remove(ext.schema.id);
        }
    }
    for key in map.keys() {
        if is_urn(key) && rt.extension(key).is_none() && !rt.schema.id.eq_ignore_ascii_case(key) {
            schemas.push(Value::String(key.clone()));
        }
    }
    out.insert("schemas".into(), Value::Array(schemas));
    for name in ["id", "externalId"] {
        if let Some(v) = map.shift_remove(name) {
            out.insert(name.into(), v);
        }
    }
    for def in rt.schema.attributes {
        if let Some(v) = map.shift_remove(def.name) {
            out.insert(def.name.into(), v);
        }
    }
    for ext in rt.extensions {
        if let Some(Value::Object(ext_map)) = map.shift_remove(ext.schema.id) {
            let mut ordered = Map::new();
            let mut ext_map = ext_map;
            for def in ext.schema.attributes {
                if let Some(v) = ext_map.shift_remove(def.name) {
                    ordered.insert(def.name.into(), v);
                }
            }
            ordered.extend(ext_map);
            out.insert(ext.schema.id.into(), Value::Object(ordered));
        }
    }
    let meta = map.shift_remove("meta");
    out.extend(map);
    if let Some(meta) = meta {
        out.insert("meta".into(), meta);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests;
