//! Placeholders: `{{name}}` in paths, header values, bodies (keys and string
//! values) and expected values is replaced by what an earlier step captured
//! (`{{user:alice}}`, the id the server gave Alice) or by a repeat's counter
//! (`{{n}}`). `{{any}}` and `{{absent}}` are matchers, left for
//! [`crate::expect`]. A name nothing captured is an error, so a conversation
//! cannot quietly send `{{user:alcie}}`.
//!
//! In a request body, `{"$each": "members", "skip": 0, "take": 100, "item":
//! {"value": "{{item}}"}}` becomes an array: `item` filled once per element of
//! the captured list `members` (from `skip`, at most `take`), so that a PATCH
//! of a hundred members is one line of the file.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// What the conversation has captured so far, and the repeat counter.
#[derive(Debug, Default, Clone)]
pub(crate) struct Vars {
    scalars: HashMap<String, String>,
    lists: HashMap<String, Vec<String>>,
}

/// A placeholder or `$each` the conversation cannot fill.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{name}}` names nothing captured before.
    #[error("{{{{{0}}}}} names nothing an earlier step captured")]
    Unknown(String),
    /// `{{` without its `}}`.
    #[error("unclosed placeholder in '{0}'")]
    Unclosed(String),
    /// `$each` names no captured list, or is not spelled as documented.
    #[error("bad $each: {0}")]
    Each(String),
}

/// Matcher tokens, which are not variables.
pub(crate) const ANY: &str = "{{any}}";
pub(crate) const ABSENT: &str = "{{absent}}";
const MATCHERS: [&str; 2] = ["any", "absent"];
/// The element `$each` is filling.
const ITEM: &str = "item";

impl Vars {
    pub(crate) fn set(&mut self, name: &str, value: String) {
        self.scalars.insert(name.to_owned(), value);
    }

    pub(crate) fn push(&mut self, list: &str, value: String) {
        self.lists.entry(list.to_owned()).or_default().push(value);
    }

    /// `text` with its placeholders filled.
    pub(crate) fn fill(&self, text: &str) -> Result<String, TemplateError> {
        fill(text, &|name| self.scalars.get(name).cloned())
    }

    /// `value` with every string (and key) filled and `$each` expanded.
    pub(crate) fn fill_value(&self, value: &Value) -> Result<Value, TemplateError> {
        self.fill_in(value, None)
    }

    fn fill_in(&self, value: &Value, item: Option<&str>) -> Result<Value, TemplateError> {
        let lookup = |name: &str| match item {
            Some(item) if name == ITEM => Some(item.to_owned()),
            _ => self.scalars.get(name).cloned(),
        };
        Ok(match value {
            Value::String(s) => Value::String(fill(s, &lookup)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.fill_in(v, item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(object) if object.contains_key("$each") => self.each(object)?,
            Value::Object(object) => {
                let mut out = Map::new();
                for (key, v) in object {
                    out.insert(fill(key, &lookup)?, self.fill_in(v, item)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn each(&self, spec: &Map<String, Value>) -> Result<Value, TemplateError> {
        let bad = |what: &str| TemplateError::Each(what.to_owned());
        if let Some(key) = spec
            .keys()
            .find(|k| !["$each", "skip", "take", "item"].contains(&k.as_str()))
        {
            return Err(bad(&format!("unknown key '{key}'")));
        }
        let name = spec["$each"]
            .as_str()
            .ok_or_else(|| bad("$each names a captured list"))?;
        let list = self
            .lists
            .get(name)
            .ok_or_else(|| bad(&format!("no list '{name}' was captured")))?;
        let count = |key: &str, default: usize| match spec.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| bad(&format!("{key} is a count"))),
        };
        let (skip, take) = (count("skip", 0)?, count("take", usize::MAX)?);
        let template = spec.get("item").ok_or_else(|| bad("item is missing"))?;
        list.iter()
            .skip(skip)
            .take(take)
            .map(|element| self.fill_in(template, Some(element)))
            .collect::<Result<_, _>>()
            .map(Value::Array)
    }
}

fn fill(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
        let name = after[..end].trim();
        match lookup(name) {
            Some(value) => out.push_str(&value),
            None if MATCHERS.contains(&name) => out.push_str(&rest[start..start + 2 + end + 2]),
            None => return Err(TemplateError::Unknown(name.to_owned())),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn vars() -> Vars {
        let mut vars = Vars::default();
        vars.set("user:alice", "u-1".to_owned());
        vars.push("members", "m-1".to_owned());
        vars.push("members", "m-2".to_owned());
        vars.push("members", "m-3".to_owned());
        vars
    }

    #[test]
    fn placeholders_are_filled_and_matchers_kept() {
        let vars = vars();
        assert_eq!(vars.fill("/Users/{{user:alice}}").unwrap(), "/Users/u-1");
        assert_eq!(vars.fill("{{ user:alice }}{{any}}").unwrap(), "u-1{{any}}");
        assert_eq!(
            vars.fill("/Users/{{user:bob}}"),
            Err(TemplateError::Unknown("user:bob".to_owned()))
        );
        assert!(matches!(
            vars.fill("/Users/{{user"),
            Err(TemplateError::Unclosed(_))
        ));
    }

    #[test]
    fn each_expands_a_captured_list_in_bodies() {
        let body = json!({"Operations": [{"op": "Add", "path": "members", "value":
            {"$each": "members", "skip": 1, "take": 5, "item": {"value": "{{item}}", "by": "{{user:alice}}"}}}]});
        assert_eq!(
            vars().fill_value(&body).unwrap(),
            json!({"Operations": [{"op": "Add", "path": "members", "value": [
                {"value": "m-2", "by": "u-1"}, {"value": "m-3", "by": "u-1"}
            ]}]})
        );
        let unknown = json!({"$each": "nobody", "item": "{{item}}"});
        assert!(matches!(
            vars().fill_value(&unknown),
            Err(TemplateError::Each(_))
        ));
        let typo = json!({"$each": "members", "items": "{{item}}"});
        assert!(matches!(
            vars().fill_value(&typo),
            Err(TemplateError::Each(_))
        ));
        // `{{item}}` means nothing outside `$each`.
        assert!(vars().fill_value(&json!("{{item}}")).is_err());
    }

    #[test]
    fn keys_are_filled_too() {
        let body = json!({"{{user:alice}}": true});
        assert_eq!(vars().fill_value(&body).unwrap(), json!({"u-1": true}));
    }
}
