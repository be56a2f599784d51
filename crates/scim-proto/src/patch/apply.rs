//! Applying PatchOp operations to a canonical resource, atomically: all of
//! them to a copy, which replaces the resource only when every one succeeded.

use serde_json::{Map, Value};

use super::{OpKind, PatchOperation, PatchRequest};
use crate::attr::fold_case;
use crate::compat::{CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::filter::{AttrPath, CompValue, ElementFilter, Filter, locate};
use crate::normalize::{
    NormalizeOptions, UnknownAttributes, check_required, check_single_primary, container_mut,
    finish, normalize_simple, normalize_single, normalize_value, object_mut, set_or_remove,
};
use crate::schema::{
    AttributeDef, AttributeType, Container, Mutability, Resolution, ResourceType, is_urn,
};

/// Applies `request` to a canonical `resource` and returns the new canonical
/// resource. Atomic: on error nothing is changed (the input is never modified).
pub fn apply(
    resource: &Value,
    request: &PatchRequest,
    rt: &ResourceType,
    options: &NormalizeOptions,
    report: &mut CompatReport,
) -> Result<Value> {
    let mut working = resource.clone();
    let mut patcher = Patcher {
        rt,
        options,
        report,
    };
    for (i, op) in request.operations.iter().enumerate() {
        patcher
            .operation(object_mut(&mut working), op)
            .map_err(|e| e.context(&format!("Operations[{i}]")))?;
    }
    check_required(&working, rt)?;
    Ok(finish(working, rt))
}

/// Like [`apply`], replacing `resource` only when every operation succeeded.
pub fn apply_in_place(
    resource: &mut Value,
    request: &PatchRequest,
    rt: &ResourceType,
    options: &NormalizeOptions,
    report: &mut CompatReport,
) -> Result<()> {
    *resource = apply(resource, request, rt, options, report)?;
    Ok(())
}

struct Patcher<'a> {
    rt: &'a ResourceType,
    options: &'a NormalizeOptions,
    report: &'a mut CompatReport,
}

/// Where an operation lands, once its path is resolved.
struct Target {
    extension: Option<String>,
    name: String,
    def: Option<&'static AttributeDef>,
    sub: Option<String>,
}

impl Patcher<'_> {
    fn operation(&mut self, res: &mut Map<String, Value>, op: &PatchOperation) -> Result<()> {
        match &op.path {
            Some(path) => self.at_path(
                res,
                op.op,
                &path.attr,
                path.filter.as_ref(),
                op.value.as_ref(),
                true,
            ),
            None => self.pathless(res, op.op, op.value.as_ref()),
        }
    }

    /// A path-less add/replace: each key of the value object is a target.
    fn pathless(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        value: Option<&Value>,
    ) -> Result<()> {
        let Some(Value::Object(values)) = value else {
            return Err(Error::InvalidValue(format!(
                "a '{}' without a path needs an object value",
                op.as_str()
            )));
        };
        for (key, v) in values {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            // `{"urn:...:enterprise:2.0:User": {...}}` or the core URN as a key.
            if is_urn(key)
                && (self.rt.extension(key).is_some() || self.rt.schema.id.eq_ignore_ascii_case(key))
            {
                let urn = self.rt.extension(key).map_or(self.rt.schema.id, |s| s.id);
                let Value::Object(inner) = v else {
                    if v.is_null() && op == OpKind::Replace {
                        res.remove(urn);
                        continue;
                    }
                    return Err(Error::InvalidValue(format!("'{key}' must be an object")));
                };
                for (k, v) in inner {
                    let Ok(path) = AttrPath::parse(k) else {
                        self.unknown(k)?;
                        continue;
                    };
                    if path.urn.is_some() {
                        self.unknown(k)?;
                        continue;
                    }
                    let path = path.with_urn(urn);
                    self.at_path(res, op, &path, None, Some(v), false)?;
                }
                continue;
            }
            let Ok(path) = AttrPath::parse(key) else {
                self.unknown(key)?;
                continue;
            };
            if path.urn.is_some() {
                self.report.note(CompatRule::UrnPathlessKey);
            }
            if path.sub.is_some() {
                self.report.note(CompatRule::DottedPathlessKey);
            }
            self.at_path(res, op, &path, None, Some(v), false)?;
        }
        Ok(())
    }

    fn unknown(&mut self, key: &str) -> Result<()> {
        match self.options.unknown_attributes {
            UnknownAttributes::Ignore => {
                self.report.note(CompatRule::UnknownAttributeIgnored);
                Ok(())
            }
            UnknownAttributes::Reject => Err(Error::path(
                0,
                format!("'{key}' is not an attribute of {}", self.rt.name),
            )),
        }
    }

    /// `explicit`: the target was named by the operation's `path` (not a key of a
    /// path-less value object).
    fn at_path(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        attr: &AttrPath,
        filter: Option<&Filter>,
        value: Option<&Value>,
        explicit: bool,
    ) -> Result<()> {
        let resolution = self.rt.resolve(attr.urn.as_deref(), &attr.name);
        let resolved = match resolution {
            None => {
                if explicit {
                    return Err(Error::path(
                        0,
                        format!("'{attr}' is not an attribute of {}", self.rt.name),
                    ));
                }
                return self.unknown(&attr.to_string());
            }
            Some(Resolution::WholeExtension(container)) => {
                let key = container.extension_key().unwrap_or_default().to_owned();
                return self.whole_extension(res, op, &key, attr, filter, value);
            }
            Some(Resolution::Attribute(resolved)) => resolved,
        };
        if attr.urn.is_none() && matches!(resolved.container, Container::Extension(_)) {
            self.report.note(CompatRule::UnqualifiedExtensionAttribute);
        }
        let target = Target {
            extension: resolved.container.extension_key().map(str::to_owned),
            name: resolved.name,
            def: resolved.def,
            sub: attr.sub.clone(),
        };
        let Some(def) = target.def else {
            return self.schemaless(res, op, &target, filter, value);
        };
        if def.mutability == Mutability::ReadOnly {
            if explicit {
                return Err(Error::Mutability(format!("'{}' is read-only", def.name)));
            }
            self.report.note(CompatRule::ReadOnlyIgnored);
            return Ok(());
        }
        let sub_def = match &target.sub {
            None => None,
            Some(sub) => {
                let sub_def = def.sub_attribute(sub).ok_or_else(|| {
                    Error::path(0, format!("'{}' has no sub-attribute '{sub}'", def.name))
                })?;
                if sub_def.mutability == Mutability::ReadOnly {
                    if explicit {
                        return Err(Error::Mutability(format!(
                            "'{}.{}' is read-only",
                            def.name, sub_def.name
                        )));
                    }
                    self.report.note(CompatRule::ReadOnlyIgnored);
                    return Ok(());
                }
                Some(sub_def)
            }
        };
        let container = container_mut(res, target.extension.as_deref());
        let result = match filter {
            Some(filter) => self.filtered(container, op, def, sub_def, attr, filter, value),
            None => match sub_def {
                Some(sub_def) => self.sub_attribute(container, op, def, sub_def, value),
                None => self.attribute(container, op, def, value),
            },
        };
        drop_empty_extension(res, target.extension.as_deref());
        result
    }

    fn whole_extension(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        key: &str,
        attr: &AttrPath,
        filter: Option<&Filter>,
        value: Option<&Value>,
    ) -> Result<()> {
        if filter.is_some() || attr.sub.is_some() {
            return Err(Error::path(0, format!("'{attr}' is not a valid target")));
        }
        match op {
            OpKind::Remove => {
                res.remove(key);
                Ok(())
            }
            OpKind::Add | OpKind::Replace => {
                let Some(Value::Object(inner)) = value else {
                    return Err(Error::InvalidValue(format!(
                        "'{key}' needs an object value"
                    )));
                };
                for (k, v) in inner {
                    let path = AttrPath::parse(k)
                        .map_err(|_| Error::path(0, format!("'{k}' is not an attribute name")))?
                        .with_urn(key);
                    self.at_path(res, op, &path, None, Some(v), false)?;
                }
                Ok(())
            }
        }
    }

    /// Attributes of extensions without a schema: kept as JSON.
    fn schemaless(
        &mut self,
        res: &mut Map<String, Value>,
        op: OpKind,
        target: &Target,
        filter: Option<&Filter>,
        value: Option<&Value>,
    ) -> Result<()> {
        if filter.is_some() {
            return Err(Error::path(
                0,
                format!(
                    "'{}' has no schema here, so value filters cannot apply",
                    target.name
                ),
            ));
        }
        let container = container_mut(res, target.extension.as_deref());
        let (map, key) = match &target.sub {
            None => (container, target.name.as_str()),
            Some(sub) => {
                let parent = container
                    .entry(target.name.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                (object_mut(parent), sub.as_str())
            }
        };
        match (op, value) {
            (OpKind::Remove, _) | (_, None | Some(Value::Null)) => {
                map.remove(key);
            }
            (_, Some(v)) => {
                map.insert(key.to_owned(), v.clone());
            }
        }
        drop_empty_extension(res, target.extension.as_deref());
        Ok(())
    }

    /// A whole attribute: `path: "emails"`, `path: "name"`, `path: "active"`.
    fn attribute(
        &mut self,
        container: &mut Map<String, Value>,
        op: OpKind,
        def: &'static AttributeDef,
        value: Option<&Value>,
    ) -> Result<()> {
        if def.multi_valued {
            return self.multi_valued(container, op, def, value);
        }
        match op {
            OpKind::Remove => {
                container.remove(def.name);
            }
            OpKind::Add | OpKind::Replace => {
                let value = value.unwrap_or(&Value::Null);
                let new = normalize_value(def, value, self.report)?;
                match (def.ty, new, container.get_mut(def.name)) {
                    (
                        AttributeType::Complex,
                        Some(Value::Object(new)),
                        Some(Value::Object(old)),
                    ) if !replaces_identity(old, &new) => {
                        // RFC 7644: sub-attributes not specified are left unchanged.
                        old.extend(new);
                    }
                    (_, new, _) => set_or_remove(container, def.name, new),
                }
            }
        }
        Ok(())
    }

    fn multi_valued(
        &mut self,
        container: &mut Map<String, Value>,
        op: OpKind,
        def: &'static AttributeDef,
        value: Option<&Value>,
    ) -> Result<()> {
        match (op, value) {
            (OpKind::Remove, None) => {
                container.remove(def.name);
                Ok(())
            }
            (OpKind::Remove, Some(value)) => {
                // Entra's legacy member removal: `remove members` with the values to remove.
                self.report.note(CompatRule::RemoveByValueArray);
                let doomed = normalize_value(def, value, self.report)?;
                let doomed = doomed
                    .as_ref()
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                if let Some(Value::Array(items)) = container.get_mut(def.name) {
                    items.retain(|item| !doomed.iter().any(|d| same_value(def, item, d)));
                    if items.is_empty() {
                        container.remove(def.name);
                    }
                }
                Ok(())
            }
            (OpKind::Replace, value) => {
                let new = normalize_value(def, value.unwrap_or(&Value::Null), self.report)?;
                set_or_remove(container, def.name, new);
                Ok(())
            }
            (OpKind::Add, value) => {
                let Some(Value::Array(new)) =
                    normalize_value(def, value.unwrap_or(&Value::Null), self.report)?
                else {
                    return Ok(());
                };
                let sets_primary = new.iter().any(is_primary);
                let entry = container
                    .entry(def.name.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !entry.is_array() {
                    *entry = Value::Array(Vec::new());
                }
                if let Value::Array(items) = entry {
                    if sets_primary {
                        clear_primary(items);
                    }
                    for item in new {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                    check_single_primary(def, items)?;
                }
                Ok(())
            }
        }
    }

    /// `name.givenName`, `manager.value`, or (rarely) `emails.value` without a filter.
    fn sub_attribute(
        &mut self,
        container: &mut Map<String, Value>,
        op: OpKind,
        def: &'static AttributeDef,
        sub_def: &'static AttributeDef,
        value: Option<&Value>,
    ) -> Result<()> {
        let new = match op {
            OpKind::Remove => None,
            OpKind::Add | OpKind::Replace => normalize_simple(
                sub_def,
                value.unwrap_or(&Value::Null),
                def.name,
                self.report,
            )?,
        };
        if def.name == "manager" && sub_def.name == "value" && new.as_ref().is_some_and(|v| v == "")
        {
            self.report.note(CompatRule::ManagerEmptyRemoves);
            container.remove(def.name);
            return Ok(());
        }
        if def.multi_valued {
            let items = match container.get_mut(def.name) {
                Some(Value::Array(items)) if !items.is_empty() => items,
                _ => {
                    if let Some(new) = new {
                        let mut element = Map::new();
                        element.insert(sub_def.name.to_owned(), new);
                        container.insert(
                            def.name.to_owned(),
                            Value::Array(vec![Value::Object(element)]),
                        );
                    }
                    return Ok(());
                }
            };
            for item in items.iter_mut() {
                set_or_remove(object_mut(item), sub_def.name, new.clone());
            }
            items.retain(|i| i.as_object().is_some_and(|m| !m.is_empty()));
            check_single_primary(def, items)?;
            if items.is_empty() {
                container.remove(def.name);
            }
            return Ok(());
        }
        let parent = container
            .entry(def.name.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        set_or_remove(object_mut(parent), sub_def.name, new);
        if parent.as_object().is_some_and(Map::is_empty) {
            container.remove(def.name);
        }
        Ok(())
    }

    /// `emails[type eq "work"]` and `emails[type eq "work"].value`.
    #[allow(clippy::too_many_arguments)]
    fn filtered(
        &mut self,
        container: &mut Map<String, Value>,
        op: OpKind,
        def: &'static AttributeDef,
        sub_def: Option<&'static AttributeDef>,
        attr: &AttrPath,
        filter: &Filter,
        value: Option<&Value>,
    ) -> Result<()> {
        if !(def.multi_valued && def.ty == AttributeType::Complex) {
            return Err(Error::path(
                0,
                format!(
                    "value filters apply to multi-valued complex attributes, not '{}'",
                    def.name
                ),
            ));
        }
        let base = AttrPath {
            urn: attr.urn.clone(),
            name: attr.name.clone(),
            sub: None,
        };
        let located = locate(&base, self.rt, self.report).map_err(as_path_error)?;
        let element_filter = ElementFilter::compile(&located, filter, self.rt, self.report)
            .map_err(as_path_error)?;
        let mut items = match container.remove(def.name) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let matching: Vec<usize> = (0..items.len())
            .filter(|i| element_filter.matches(&items[*i]))
            .collect();
        let outcome = self.filtered_change(&mut items, &matching, op, def, sub_def, filter, value);
        items.retain(|i| i.as_object().is_some_and(|m| !m.is_empty()));
        if !items.is_empty() {
            container.insert(def.name.to_owned(), Value::Array(items));
        }
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    fn filtered_change(
        &mut self,
        items: &mut Vec<Value>,
        matching: &[usize],
        op: OpKind,
        def: &'static AttributeDef,
        sub_def: Option<&'static AttributeDef>,
        filter: &Filter,
        value: Option<&Value>,
    ) -> Result<()> {
        if sub_def.is_some_and(|s| s.mutability == Mutability::Immutable)
            && op != OpKind::Add
            && !matching.is_empty()
        {
            return Err(Error::Mutability(format!(
                "'{}' of existing '{}' values cannot change",
                sub_def.map_or("", |s| s.name),
                def.name
            )));
        }
        if op == OpKind::Remove {
            let mut position = 0;
            items.retain_mut(|item| {
                let hit = matching.contains(&position);
                position += 1;
                match (hit, sub_def) {
                    (false, _) => true,
                    (true, None) => false,
                    (true, Some(sub)) => {
                        object_mut(item).remove(sub.name);
                        true
                    }
                }
            });
            return Ok(());
        }
        let value = value.unwrap_or(&Value::Null);
        // The new sub-attribute value, or the new element.
        let new = match sub_def {
            Some(sub) => normalize_simple(sub, value, def.name, self.report)?,
            None => normalize_single(def, value, self.report)?,
        };
        let sets_primary = match (sub_def, &new) {
            (Some(sub), Some(v)) => sub.name == "primary" && *v == Value::Bool(true),
            (None, Some(v)) => is_primary(v),
            _ => false,
        };
        if sets_primary {
            clear_primary(items);
        }
        if matching.is_empty() {
            let Some(new) = new else {
                return Ok(());
            };
            let mut element = self.element_from_filter(def, filter)?;
            match (sub_def, new) {
                (Some(sub), v) => {
                    element.insert(sub.name.to_owned(), v);
                }
                (None, Value::Object(fields)) => element.extend(fields),
                (None, _) => {}
            }
            self.report.note(CompatRule::CreateFilteredElement);
            items.push(Value::Object(element));
        } else {
            for &i in matching {
                match (sub_def, op) {
                    (Some(sub), _) => {
                        set_or_remove(object_mut(&mut items[i]), sub.name, new.clone());
                    }
                    (None, OpKind::Add) => {
                        if let Some(Value::Object(fields)) = &new {
                            object_mut(&mut items[i]).extend(fields.clone());
                        }
                    }
                    (None, _) => items[i] = new.clone().unwrap_or(Value::Null),
                }
            }
        }
        check_single_primary(def, items)
    }

    /// The element a filter such as `type eq "work" and primary eq true` describes.
    fn element_from_filter(
        &mut self,
        def: &'static AttributeDef,
        filter: &Filter,
    ) -> Result<Map<String, Value>> {
        let terms = filter.equality_terms().ok_or_else(|| {
            Error::NoTarget(format!(
                "no value of '{}' matches [{filter}], and the filter does not describe one to create",
                def.name
            ))
        })?;
        let mut element = Map::new();
        for (path, value) in terms {
            let sub = def
                .sub_attribute(&path.name)
                .filter(|_| path.urn.is_none() && path.sub.is_none())
                .ok_or_else(|| {
                    Error::path(
                        0,
                        format!("'{path}' is not a sub-attribute of '{}'", def.name),
                    )
                })?;
            let json = match value {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Int(i) => Value::from(*i),
                CompValue::Dec(d) => Value::from(*d),
                CompValue::Null => continue,
            };
            if let Some(v) = normalize_simple(sub, &json, def.name, self.report)? {
                element.insert(sub.name.to_owned(), v);
            }
        }
        Ok(element)
    }
}

/// Removes the extension object `ext` once an operation has left it empty.
fn drop_empty_extension(res: &mut Map<String, Value>, ext: Option<&str>) {
    if let Some(ext) = ext
        && res
            .get(ext)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        res.remove(ext);
    }
}

fn as_path_error(e: Error) -> Error {
    match e {
        Error::InvalidFilter { position, message } => Error::InvalidPath { position, message },
        other => other,
    }
}

fn is_primary(v: &Value) -> bool {
    v.get("primary") == Some(&Value::Bool(true))
}

fn clear_primary(items: &mut [Value]) {
    for item in items {
        if let Some(p) = item.get_mut("primary") {
            *p = Value::Bool(false);
        }
    }
}

/// Whether a new complex value names a different thing than the old one (a new
/// manager), so it replaces the old value instead of merging into it.
fn replaces_identity(old: &Map<String, Value>, new: &Map<String, Value>) -> bool {
    match (old.get("value"), new.get("value")) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}

/// Whether an existing element is the one a remove-by-value names.
fn same_value(def: &AttributeDef, item: &Value, doomed: &Value) -> bool {
    if def.ty != AttributeType::Complex {
        return item == doomed;
    }
    match (item.get("value"), doomed.get("value")) {
        (Some(Value::String(a)), Some(Value::String(b))) => {
            let exact = def.sub_attribute("value").is_some_and(|d| d.case_exact);
            if exact {
                a == b
            } else {
                fold_case(a) == fold_case(b)
            }
        }
        (Some(a), Some(b)) => a == b,
        _ => item == doomed,
    }
}
