//! Attribute projection: the `attributes` and `excludedAttributes` query
//! parameters (RFC 7644 section 3.4.2.5), honouring each attribute's `returned`
//! characteristic (RFC 7643 section 7).
//!
//! - `returned: never` (e.g. `password`) is never in a response;
//! - `returned: always` (e.g. `id`) is in every response, and `schemas` too;
//! - `returned: default` is in a response unless excluded, or unless
//!   `attributes` is given and does not name it;
//! - `returned: request` is in a response only when `attributes` names it.
//!
//! Names are case-insensitive and may be URN-qualified or name sub-attributes
//! (`name.givenName`, `emails.value`). Unknown names are ignored, so a client
//! asking for an attribute this server does not have still gets an answer.
//!
//! ```
//! use scim_proto::project::Projection;
//! use scim_proto::schema::GROUP_RESOURCE;
//! use serde_json::json;
//!
//! let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!                    "id": "g1", "displayName": "Sales", "members": [{"value": "u1"}]});
//! let p = Projection::parse(None, Some("members"), &GROUP_RESOURCE)?;
//! assert!(!p.returns(&GROUP_RESOURCE, None, "members"));
//! assert_eq!(p.apply(&group, &GROUP_RESOURCE),
//!            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
//!                   "id": "g1", "displayName": "Sales"}));
//! # Ok::<(), scim_proto::Error>(())
//! ```

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::filter::AttrPath;
use crate::schema::{AttributeDef, Resolution, ResourceType, Returned, find, is_urn};

/// One resolved entry of `attributes` or `excludedAttributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A whole extension object.
    Extension(String),
    /// An attribute (`extension` = its extension key), optionally one sub-attribute.
    Attribute {
        extension: Option<String>,
        name: String,
        sub: Option<String>,
    },
}

/// A parsed `attributes` / `excludedAttributes` pair.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    include: Option<Vec<Entry>>,
    exclude: Vec<Entry>,
}

fn parse_list(list: &str, rt: &ResourceType) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let path = AttrPath::parse(item).map_err(|e| match e {
            Error::InvalidPath { message, .. } => {
                Error::InvalidValue(format!("'{item}' is not an attribute path: {message}"))
            }
            other => other,
        })?;
        match rt.resolve(path.urn.as_deref(), &path.name) {
            Some(Resolution::WholeExtension(container)) => {
                if let Some(key) = container.extension_key() {
                    entries.push(Entry::Extension(key.to_owned()));
                }
            }
            Some(Resolution::Attribute(resolved)) => {
                let sub = match (&path.sub, resolved.def) {
                    (None, _) => None,
                    (Some(sub), Some(def)) => match def.sub_attribute(sub) {
                        Some(sub_def) => Some(sub_def.name.to_owned()),
                        None => continue,
                    },
                    (Some(sub), None) => Some(sub.clone()),
                };
                entries.push(Entry::Attribute {
                    extension: resolved.container.extension_key().map(str::to_owned),
                    name: resolved.name,
                    sub,
                });
            }
            // Unknown names are ignored.
            None => {}
        }
    }
    Ok(entries)
}

impl Projection {
    /// Everything that is returned by default.
    pub fn all() -> Projection {
        Projection::default()
    }

    /// Parses the comma-separated `attributes` and `excludedAttributes` values.
    /// A malformed name is `invalidValue`; an unknown one is ignored.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        rt: &ResourceType,
    ) -> Result<Projection> {
        let include = match attributes.map(|a| parse_list(a, rt)).transpose()? {
            // `attributes=` with nothing usable means no restriction.
            Some(entries) if entries.is_empty() => None,
            other => other,
        };
        let exclude = excluded
            .map(|e| parse_list(e, rt))
            .transpose()?
            .unwrap_or_default();
        Ok(Projection { include, exclude })
    }

    /// Whether any part of the attribute `name` (in `extension`, if given) is returned.
    /// Lets a caller skip loading data nobody asked for (a big group's members).
    pub fn returns(&self, rt: &ResourceType, extension: Option<&str>, name: &str) -> bool {
        let def = match extension {
            None => rt.core_attribute(name),
            Some(ext) => rt.extension(ext).and_then(|s| s.attribute(name)),
        };
        let returned = def.map_or(Returned::Default, |d| d.returned);
        match self.decide(extension, name, returned) {
            Decision::Drop => false,
            Decision::Keep | Decision::Only(_) => true,
        }
    }

    /// Projects a canonical resource.
    pub fn apply(&self, resource: &Value, rt: &ResourceType) -> Value {
        let Value::Object(map) = resource else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in map {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            // Known extensions have definitions; unknown ones are projected untyped.
            let extension = rt.extension(key).map(|s| (s.attributes, s.id)).or_else(|| {
                (is_urn(key) && !rt.schema.id.eq_ignore_ascii_case(key))
                    .then_some((&[][..], key.as_str()))
            });
            if let Some((attributes, ext_key)) = extension {
                if let Value::Object(inner) = value {
                    let projected = self.project_object(inner, attributes, Some(ext_key));
                    if !projected.is_empty() {
                        out.insert(key.clone(), Value::Object(projected));
                    }
                }
                continue;
            }
            let def = rt.core_attribute(key);
            if let Some(v) = self.project_attribute(None, key, def, value) {
                out.insert(key.clone(), v);
            }
        }
        Value::Object(out)
    }

    fn project_object(
        &self,
        inner: &Map<String, Value>,
        attributes: &'static [AttributeDef],
        extension: Option<&str>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, value) in inner {
            let def = find(attributes, name);
            if let Some(v) = self.project_attribute(extension, name, def, value) {
                out.insert(name.clone(), v);
            }
        }
        out
    }

    fn project_attribute(
        &self,
        extension: Option<&str>,
        name: &str,
        def: Option<&'static AttributeDef>,
        value: &Value,
    ) -> Option<Value> {
        let returned = def.map_or(Returned::Default, |d| d.returned);
        let value = without_never_subs(def, value);
        match self.decide(extension, name, returned) {
            Decision::Drop => None,
            Decision::Keep => {
                let excluded_subs = self.excluded_subs(extension, name);
                if excluded_subs.is_empty() {
                    Some(value)
                } else {
                    keep_subs(&value, |sub| {
                        !excluded_subs.iter().any(|e| e.eq_ignore_ascii_case(sub))
                    })
                }
            }
            Decision::Only(subs) => keep_subs(&value, |sub| {
                subs.iter().any(|s| s.eq_ignore_ascii_case(sub))
            }),
        }
    }

    fn decide(&self, extension: Option<&str>, name: &str, returned: Returned) -> Decision {
        match returned {
            Returned::Never => return Decision::Drop,
            Returned::Always => return Decision::Keep,
            Returned::Default | Returned::Request => {}
        }
        let same = |e: &Entry| match e {
            Entry::Extension(key) => extension.is_some_and(|x| x.eq_ignore_ascii_case(key)),
            Entry::Attribute {
                extension: ext,
                name: n,
                ..
            } => {
                n.eq_ignore_ascii_case(name)
                    && match (ext, extension) {
                        (None, None) => true,
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => false,
                    }
            }
        };
        let whole = |e: &Entry| same(e) && !matches!(e, Entry::Attribute { sub: Some(_), .. });
        if self.exclude.iter().any(whole) {
            return Decision::Drop;
        }
        match &self.include {
            None if returned == Returned::Request => Decision::Drop,
            None => Decision::Keep,
            Some(include) => {
                if include.iter().any(whole) {
                    return Decision::Keep;
                }
                let subs: Vec<String> = include
                    .iter()
                    .filter(|e| same(e))
                    .filter_map(|e| match e {
                        Entry::Attribute { sub: Some(sub), .. } => Some(sub.clone()),
                        _ => None,
                    })
                    .collect();
                if subs.is_empty() {
                    Decision::Drop
                } else {
                    Decision::Only(subs)
                }
            }
        }
    }

    fn excluded_subs(&self, extension: Option<&str>, name: &str) -> Vec<&str> {
        self.exclude
            .iter()
            .filter_map(|e| match e {
                Entry::Attribute {
                    extension: ext,
                    name: n,
                    sub: Some(sub),
                } if n.eq_ignore_ascii_case(name)
                    && ext.as_deref().map(str::to_ascii_lowercase)
                        == extension.map(str::to_ascii_lowercase) =>
                {
                    Some(sub.as_str())
                }
                _ => None,
            })
            .collect()
    }
}

enum Decision {
    Drop,
    Keep,
    Only(Vec<String>),
}

/// Removes sub-attributes whose `returned` is `never`.
fn without_never_subs(def: Option<&'static AttributeDef>, value: &Value) -> Value {
    let Some(def) = def else {
        return value.clone();
    };
    if !def
        .sub_attributes
        .iter()
        .any(|s| s.returned == Returned::Never)
    {
        return value.clone();
    }
    keep_subs(value, |sub| {
        def.sub_attribute(sub)
            .is_none_or(|s| s.returned != Returned::Never)
    })
    .unwrap_or(Value::Null)
}

/// Keeps the sub-attributes `keep` accepts, in an object or in each element of an
/// array of objects; `None` if nothing is left.
fn keep_subs(value: &Value, keep: impl Fn(&str) -> bool + Copy) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(|i| keep_subs(i, keep)).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        // A simple value has no sub-attributes to choose from.
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests;
