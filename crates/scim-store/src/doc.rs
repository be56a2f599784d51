//! Preparing a resource body for storage: the indexed columns, the e-mail side
//! table, and the *filter document* that filter SQL reads.
//!
//! The filter document is the resource re-shaped so that SQL can reproduce
//! `scim_proto`'s evaluator exactly with nothing but "iterate an array" and
//! "compare a scalar":
//!
//! ```text
//! { "<key>": [ { "p": <is_present(element)>,
//!                "v": [ <the element, if scalar> ],
//!                "s": { "<sub key>": [ <scalar values of element.sub, flattened> ] } } ] }
//! ```
//!
//! - `<key>` is the attribute's name, or `<extension urn>:<name>`, ASCII-lowercased
//!   (names are matched ASCII-case-insensitively) and percent-encoded outside
//!   `[a-z0-9:._$-]`, so it can sit inside a SQLite JSON path.
//! - Keys are found, values flattened and presence decided by `scim_proto::attr`,
//!   the evaluator's own lookup (an array gives its items, a single value itself).
//! - Strings are folded in Rust (`scim_proto::attr::fold_case`, the evaluator's fold)
//!   unless the schema says `caseExact`, so SQL never folds case.
//! - Numbers become `{"i": <i64>, "f": <f64>}` (integers) or `{"f": <f64>}`, so both
//!   backends compare them as the evaluator does (integer or float comparison).
//! - Sub-values that are objects or arrays become `{}` when present and are
//!   dropped otherwise; `null`s are dropped: neither can match anything but `pr`.
//!
//! Attributes kept in columns (`id`, `externalId`, `userName`, `displayName`,
//! `active`, `meta`) or rows (`groups`, `members`) are not in the document.
//!
//! A few shapes cannot be represented exactly: keys that differ only in ASCII case
//! inside one object (the evaluator prefers an exact-case match, which depends on
//! the filter's spelling), and column attributes of the wrong JSON type. Such a
//! resource is stored with `filter_exact = false`, and filters are evaluated for
//! it in Rust over its rendered form (see `crate::query`).

use std::collections::HashSet;

use scim_proto::attr::{flatten, fold_case, get, is_present};
use scim_proto::schema::{AttributeDef, AttributeType, ResourceType, is_urn};
use serde_json::{Map, Value, json};

use crate::check::check_json;
use crate::error::StoreError;
use crate::kind::Kind;

/// The evaluator's case fold ([`fold_case`]), owned, so folded documents and
/// indexes agree with the in-memory evaluator.
pub(crate) fn fold(s: &str) -> String {
    fold_case(s).into_owned()
}

/// A body ready to be stored.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// The body without `id`, `meta` and `groups`/`members`.
    pub(crate) body: Value,
    /// `userName` (users) or `displayName` (groups).
    pub(crate) name: String,
    /// Whether the users' `displayName` column has a value.
    pub(crate) display_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) active: Option<bool>,
    /// Folded `emails.value` strings.
    pub(crate) emails: Vec<String>,
    pub(crate) doc: String,
    pub(crate) exact: bool,
}

/// Whether some keys of the object are equal ignoring ASCII case.
fn has_case_collision(map: &Map<String, Value>) -> bool {
    let mut seen = HashSet::with_capacity(map.len());
    map.keys().any(|k| !seen.insert(k.to_ascii_lowercase()))
}

/// The document key of a top-level attribute or of an extension attribute.
pub(crate) fn doc_key(extension: Option<&str>, attr: &str) -> String {
    let raw = match extension {
        Some(urn) => format!("{urn}:{attr}"),
        None => attr.to_owned(),
    };
    encode_key(&raw)
}

/// ASCII-lowercase, then percent-encode everything outside `[a-z0-9:._$-]`.
pub(crate) fn encode_key(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || ":._$-".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Prepares a user or group body. Fails on what the store never accepts: a
/// non-object, NUL characters, a missing or non-string `userName` / `displayName`.
pub(crate) fn prepare(kind: Kind, resource: &Value) -> Result<Prepared, StoreError> {
    let Value::Object(input) = resource else {
        return Err(StoreError::invalid("a resource must be a JSON object"));
    };
    check_json("resource", resource)?;
    let rt = kind.rt();
    let (name_attr, relation) = match kind {
        Kind::User => ("userName", "groups"),
        Kind::Group => ("displayName", "members"),
    };
    let body: Map<String, Value> = input
        .iter()
        .filter(|(k, _)| {
            !(k.eq_ignore_ascii_case("id")
                || k.eq_ignore_ascii_case("meta")
                || k.eq_ignore_ascii_case(relation))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    let mut exact = !has_case_collision(&body);
    let name = match get(&body, name_attr) {
        Some(Value::String(s)) => s.clone(),
        _ => {
            return Err(StoreError::invalid(format!(
                "{name_attr} is required and must be a string"
            )));
        }
    };
    let mut text = |attr: &str| match get(&body, attr) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            exact = false;
            None
        }
    };
    let external_id = text("externalId");
    let display_name = match kind {
        Kind::User => text("displayName"),
        Kind::Group => None,
    };
    let active = match kind {
        Kind::User => match get(&body, "active") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                exact = false;
                None
            }
        },
        Kind::Group => None,
    };
    let emails = match kind {
        Kind::User => email_values(&body),
        Kind::Group => Vec::new(),
    };
    let columns: &[&str] = match kind {
        Kind::User => &[
            "id",
            "externalId",
            "userName",
            "displayName",
            "active",
            "meta",
        ],
        Kind::Group => &["id", "externalId", "displayName", "meta"],
    };
    let doc = build_doc(&body, rt, columns, &mut exact);
    Ok(Prepared {
        body: Value::Object(body),
        name,
        display_name,
        external_id,
        active,
        emails,
        doc: Value::Object(doc).to_string(),
        exact,
    })
}

/// The folded string values of `emails.value`, for the indexed side table.
pub(crate) fn email_values(body: &Map<String, Value>) -> Vec<String> {
    let Some(emails) = get(body, "emails") else {
        return Vec::new();
    };
    flatten(emails)
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|e| get(e, "value"))
        .flat_map(flatten)
        .filter_map(Value::as_str)
        .map(fold)
        .collect()
}

fn build_doc(
    body: &Map<String, Value>,
    rt: &ResourceType,
    columns: &[&str],
    exact: &mut bool,
) -> Map<String, Value> {
    let mut doc = Map::new();
    for (key, value) in body {
        if key.contains(':') {
            // An extension object; the core schema's URN is never looked up as one.
            let Value::Object(ext) = value else { continue };
            if !is_urn(key) || rt.schema.id.eq_ignore_ascii_case(key) {
                continue;
            }
            if has_case_collision(ext) {
                *exact = false;
            }
            let schema = rt.extension(key);
            for (attr, v) in ext {
                if attr.contains(':') {
                    continue; // no filter path can name it
                }
                let def = match schema {
                    Some(schema) => match schema.attribute(attr) {
                        Some(def) => Some(def),
                        None => continue, // unknown attribute of a known extension
                    },
                    None => None,
                };
                doc.insert(doc_key(Some(key), attr), elements(v, def, exact));
            }
        } else {
            let Some(def) = rt.core_attribute(key) else {
                continue;
            };
            if columns.contains(&def.name) {
                continue;
            }
            doc.insert(doc_key(None, key), elements(value, Some(def), exact));
        }
    }
    doc
}

fn case_exact(def: Option<&AttributeDef>) -> bool {
    def.is_some_and(|d| d.case_exact)
}

fn elements(value: &Value, def: Option<&'static AttributeDef>, exact: &mut bool) -> Value {
    Value::Array(
        flatten(value)
            .iter()
            .map(|el| element(el, def, exact))
            .collect(),
    )
}

fn element(el: &Value, def: Option<&'static AttributeDef>, exact: &mut bool) -> Value {
    let mut out = Map::new();
    out.insert("p".to_owned(), Value::Bool(is_present(el)));
    match el {
        Value::String(_) | Value::Bool(_) | Value::Number(_) => {
            let scalar = scalar(el, case_exact(def)).map_or_else(Vec::new, |v| vec![v]);
            out.insert("v".to_owned(), Value::Array(scalar));
        }
        Value::Object(map) => {
            if has_case_collision(map) {
                *exact = false;
            }
            let mut subs = Map::new();
            for (k, v) in map {
                let sub_def = match def {
                    Some(d) if d.ty == AttributeType::Complex => match d.sub_attribute(k) {
                        Some(sd) => Some(sd),
                        None => continue,
                    },
                    Some(_) => continue, // a simple attribute has no sub-attributes
                    None => None,
                };
                let exact_case = case_exact(sub_def);
                let values: Vec<Value> = flatten(v)
                    .iter()
                    .filter_map(|x| scalar(x, exact_case))
                    .collect();
                subs.insert(encode_key(k), Value::Array(values));
            }
            out.insert("s".to_owned(), Value::Object(subs));
        }
        Value::Array(_) | Value::Null => {}
    }
    Value::Object(out)
}

/// A value as filter SQL compares it, or `None` when it can never match.
fn scalar(value: &Value, case_exact: bool) -> Option<Value> {
    match value {
        Value::String(s) if case_exact => Some(Value::String(s.clone())),
        Value::String(s) => Some(Value::String(fold(s))),
        Value::Bool(b) => Some(Value::Bool(*b)),
        Value::Number(n) => Some(match n.as_i64() {
            // `as f64` is the evaluator's own conversion for integer operands.
            #[allow(clippy::cast_precision_loss)]
            Some(i) => json!({ "i": i, "f": i as f64 }),
            None => json!({ "f": n.as_f64() }),
        }),
        Value::Null => None,
        Value::Array(_) | Value::Object(_) => is_present(value).then(|| json!({})),
    }
}

#[cfg(test)]
mod tests;
