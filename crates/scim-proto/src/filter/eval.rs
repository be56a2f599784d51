//! Binding filters to a resource type, and evaluating them against JSON resources.
//!
//! [`compile`] resolves every attribute path against the schema (names are
//! case-insensitive; the result uses canonical names), checks that each operator
//! suits the attribute's type, converts values (date-times become instants,
//! case-insensitive strings are folded once), and rewrites derived forms into a
//! small core:
//!
//! - `a ne v` becomes `not (a eq v)`; `a eq null` becomes `not (a pr)` and
//!   `a ne null` becomes `a pr`;
//! - a comparison on a complex attribute without a sub-attribute compares its
//!   `value` sub-attribute (`emails co "x"` is `emails.value co "x"`);
//! - `emails[type eq "work"].value eq "x"` becomes one element test
//!   `emails[type eq "work" and value eq "x"]`.
//!
//! The compiled tree is public so that a storage layer can translate exactly the
//! semantics implemented here into SQL. Semantics, in one place:
//!
//! - Logic is two-valued: an absent attribute makes every comparison false, so
//!   `not (title eq "x")` and `title ne "x"` match users without a title.
//! - A multi-valued attribute matches if any of its values matches; `ne` is the
//!   negation of that (`emails.value ne "x"`: no address is `x`).
//! - Strings compare by Unicode code point, after [`fold_case`](crate::attr::fold_case) unless the
//!   attribute is `caseExact`. `pr` means "has a value that is not null, not an
//!   empty string, not an empty array and not an object without such values".
//!   How attributes are found in a resource (names, extension URNs, flattening,
//!   presence) is [`crate::attr`]'s.
//! - `dateTime` attributes compare as instants, whatever their UTC offsets; stored
//!   values that do not parse never match.
//! - Operators by type: strings, references and binaries take all operators
//!   except that binaries are not ordered (RFC 7644 section 3.4.2.2 makes `gt`,
//!   `ge`, `lt`, `le` on booleans and binaries an `invalidFilter`); booleans take
//!   `eq` and `ne` only; numbers and date-times take everything but `co`, `sw`
//!   and `ew`. An unquoted integer compared with a string attribute is read as
//!   its text (`employeeNumber eq 42`), and the strings `"true"`/`"false"` in any
//!   case compared with a boolean as booleans (both recorded as leniencies).
//! - `schemas` (RFC 7643 section 3: on every resource, a multi-valued list of
//!   URIs, so `caseExact` like every reference) can be filtered on although no
//!   schema defines it: `schemas eq "urn:...:enterprise:2.0:User"`.
//! - Attributes of unknown extensions have no type: a string literal compares with
//!   string values case-insensitively, a number with numbers, a boolean with booleans.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::{AttrPath, CompValue, CompareOp, Condition, Filter, ValuePath};
use crate::attr::{self, flatten, fold_case, is_present};
use crate::compat::{CompatReport, CompatRule};
use crate::error::{Error, Result};
use crate::schema::{AttributeDef, AttributeType, Container, Resolution, ResourceType};

/// Where the values a test looks at live in a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The extension object's key (its URN), or `None` for top-level attributes.
    pub extension: Option<String>,
    /// Canonical top-level attribute name.
    pub attr: String,
    /// Canonical sub-attribute name, if any.
    pub sub: Option<String>,
    /// Definition of the top-level attribute (`None` in unknown extensions).
    pub attr_def: Option<&'static AttributeDef>,
    /// Definition of the attribute the values belong to: the sub-attribute if any,
    /// else the top-level one.
    pub def: Option<&'static AttributeDef>,
}

impl Located {
    /// Whether string comparisons on these values are case-sensitive.
    pub fn case_exact(&self) -> bool {
        self.def.is_some_and(|d| d.case_exact)
    }

    /// The values' type, if known.
    pub fn ty(&self) -> Option<AttributeType> {
        self.def.map(|d| d.ty)
    }

    /// Whether the top-level attribute is multi-valued.
    pub fn multi_valued(&self) -> bool {
        self.attr_def.is_some_and(|d| d.multi_valued)
    }
}

/// A comparison value converted for the attribute it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A string; lowercased already when the attribute is not `caseExact`.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A decimal.
    Dec(f64),
    /// An instant, for `dateTime` attributes.
    DateTime(DateTime<FixedOffset>),
}

/// One test of a compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The values include a non-empty one.
    Present,
    /// Some value compares as the operator says (never [`CompareOp::Ne`]).
    Compare(CompareOp, Operand),
}

/// A node of a compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Both hold.
    And(Box<Node>, Box<Node>),
    /// Either holds.
    Or(Box<Node>, Box<Node>),
    /// The inner node does not hold.
    Not(Box<Node>),
    /// A test of the values at a location.
    Test(Located, Check),
    /// Some element of a (multi-valued) complex attribute satisfies the inner node,
    /// whose tests all address sub-attributes of this attribute.
    Elements(Located, Box<Node>),
}

/// A filter bound to a resource type, ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledFilter {
    root: Node,
}

impl CompiledFilter {
    /// The compiled tree, for translation into other query languages.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Whether the resource matches.
    pub fn matches(&self, resource: &Value) -> bool {
        eval(&self.root, resource, None)
    }
}

/// Binds `filter` to `rt`. Unknown attributes and unsuitable operator/type pairs
/// are [`Error::InvalidFilter`].
pub fn compile(filter: &Filter, rt: &ResourceType) -> Result<CompiledFilter> {
    compile_with(filter, rt, &mut CompatReport::new())
}

/// Like [`compile`], recording leniencies in `report`.
pub fn compile_with(
    filter: &Filter,
    rt: &ResourceType,
    report: &mut CompatReport,
) -> Result<CompiledFilter> {
    let mut compiler = Compiler { rt, report };
    Ok(CompiledFilter {
        root: compiler.node(filter, None)?,
    })
}

fn invalid(message: impl Into<String>) -> Error {
    Error::filter(0, message)
}

/// `schemas`, which RFC 7643 section 3 puts on every resource outside any schema:
/// a required, multi-valued list of URIs (references, hence `caseExact`).
static SCHEMAS_ATTRIBUTE: AttributeDef = AttributeDef::reference(
    "schemas",
    "URIs of the schemas the resource conforms to.",
    &["uri"],
)
.multi()
.required();

struct Compiler<'a> {
    rt: &'a ResourceType,
    report: &'a mut CompatReport,
}

impl Compiler<'_> {
    /// `parent` is the complex attribute whose elements a value filter tests.
    fn node(&mut self, filter: &Filter, parent: Option<&Located>) -> Result<Node> {
        Ok(match filter {
            Filter::And(..) | Filter::Or(..) => self.chain(filter, parent)?,
            Filter::Not(inner) => Node::Not(Box::new(self.node(inner, parent)?)),
            Filter::Attr { path, cond } => self.attribute_test(path, cond, parent)?,
            Filter::ValuePath(vp) => self.value_filter(vp, parent)?,
        })
    }

    /// `and`s and `or`s: the parser nests a chain to the left (`a or b or c`
    /// is `(a or b) or c`), as deep as it is long (up to
    /// [`MAX_TERMS`](super::MAX_TERMS)); it is compiled along that spine in a
    /// loop, so the recursion is only as deep as the parentheses.
    fn chain(&mut self, filter: &Filter, parent: Option<&Located>) -> Result<Node> {
        let mut rights = Vec::new();
        let mut left = filter;
        loop {
            let (l, r, and) = match left {
                Filter::And(l, r) => (l, r, true),
                Filter::Or(l, r) => (l, r, false),
                _ => break,
            };
            rights.push((and, &**r));
            left = l;
        }
        let mut node = self.node(left, parent)?;
        for (and, right) in rights.into_iter().rev() {
            let (l, r) = (Box::new(node), Box::new(self.node(right, parent)?));
            node = if and { Node::And(l, r) } else { Node::Or(l, r) };
        }
        Ok(node)
    }

    #[inline(never)]
    fn attribute_test(
        &mut self,
        path: &AttrPath,
        cond: &Condition,
        parent: Option<&Located>,
    ) -> Result<Node> {
        let at = match parent {
            None => self.locate(path)?,
            Some(parent) => relative(parent, path)?,
        };
        self.test(at, cond)
    }

    #[inline(never)]
    fn value_filter(&mut self, vp: &ValuePath, parent: Option<&Located>) -> Result<Node> {
        if parent.is_some() {
            return Err(invalid("value filters cannot be nested"));
        }
        if vp.attr.sub.is_some() {
            return Err(invalid(format!(
                "'{}': a value filter must follow a top-level attribute",
                vp.attr
            )));
        }
        let at = self.locate(&vp.attr)?;
        if at.ty().is_some_and(|t| t != AttributeType::Complex) {
            return Err(invalid(format!(
                "'{}' is not a complex attribute and cannot take a value filter",
                vp.attr
            )));
        }
        let mut inner = self.node(&vp.filter, Some(&at))?;
        if let Some((sub, cond)) = &vp.then {
            let sub_at = relative(&at, &AttrPath::new(sub.clone()))?;
            let then = self.test(sub_at, cond)?;
            inner = Node::And(Box::new(inner), Box::new(then));
        }
        Ok(Node::Elements(at, Box::new(inner)))
    }

    fn locate(&mut self, path: &AttrPath) -> Result<Located> {
        if path.urn.is_none() && path.name.eq_ignore_ascii_case(SCHEMAS_ATTRIBUTE.name) {
            let at = Located {
                extension: None,
                attr: SCHEMAS_ATTRIBUTE.name.to_owned(),
                sub: None,
                attr_def: Some(&SCHEMAS_ATTRIBUTE),
                def: Some(&SCHEMAS_ATTRIBUTE),
            };
            return match &path.sub {
                Some(sub) => with_sub(at, sub, path),
                None => Ok(at),
            };
        }
        let resolution = self
            .rt
            .resolve(path.urn.as_deref(), &path.name)
            .ok_or_else(|| invalid(format!("unknown attribute '{path}'")))?;
        let resolved = match resolution {
            Resolution::Attribute(resolved) => resolved,
            Resolution::WholeExtension(_) => {
                return Err(invalid(format!(
                    "'{path}' names a whole schema extension, not an attribute"
                )));
            }
        };
        if path.urn.is_none() && matches!(resolved.container, Container::Extension(_)) {
            self.report.note(CompatRule::UnqualifiedExtensionAttribute);
        }
        let mut at = Located {
            extension: resolved.container.extension_key().map(str::to_owned),
            attr: resolved.name,
            sub: None,
            attr_def: resolved.def,
            def: resolved.def,
        };
        if let Some(sub) = &path.sub {
            at = with_sub(at, sub, path)?;
        }
        Ok(at)
    }

    fn test(&mut self, mut at: Located, cond: &Condition) -> Result<Node> {
        let (op, value) = match cond {
            Condition::Present => return Ok(Node::Test(at, Check::Present)),
            Condition::Compare(op, value) => (*op, value),
        };
        if *value == CompValue::Null {
            let present = Node::Test(at, Check::Present);
            return match op {
                CompareOp::Eq => Ok(Node::Not(Box::new(present))),
                CompareOp::Ne => Ok(present),
                _ => Err(invalid(format!(
                    "'{}' cannot be used with null",
                    op.as_str()
                ))),
            };
        }
        // A comparison with a complex attribute compares its `value` sub-attribute.
        if at.sub.is_none() && at.ty() == Some(AttributeType::Complex) {
            let name = at.attr.clone();
            if at.def.and_then(|d| d.sub_attribute("value")).is_none() {
                return Err(invalid(format!(
                    "'{name}' is complex; compare one of its sub-attributes"
                )));
            }
            at = with_sub(at, "value", &AttrPath::new(name))?;
        }
        let operand = self.operand(&at, op, value)?;
        let (op, negate) = match op {
            CompareOp::Ne => (CompareOp::Eq, true),
            op => (op, false),
        };
        let node = Node::Test(at, Check::Compare(op, operand));
        Ok(if negate {
            Node::Not(Box::new(node))
        } else {
            node
        })
    }

    fn operand(&mut self, at: &Located, op: CompareOp, value: &CompValue) -> Result<Operand> {
        let name = display_name(at);
        let Some(ty) = at.ty() else {
            // Unknown extension: no type to check against.
            return Ok(match value {
                CompValue::Str(s) => Operand::Str(fold_case(s).into_owned()),
                CompValue::Bool(b) => Operand::Bool(*b),
                CompValue::Int(i) => Operand::Int(*i),
                CompValue::Dec(d) => Operand::Dec(*d),
                CompValue::Null => return Err(invalid("null is not comparable")),
            });
        };
        let mismatch = || {
            invalid(format!(
                "'{name}' is of type {} and cannot be compared with {value}",
                type_name(ty)
            ))
        };
        match ty {
            AttributeType::String | AttributeType::Reference | AttributeType::Binary => {
                if ty == AttributeType::Binary && op.is_ordering() {
                    return Err(invalid(format!(
                        "'{name}' is binary; {} does not apply",
                        op.as_str()
                    )));
                }
                let text = match value {
                    CompValue::Str(s) => s.clone(),
                    // An unquoted number where a string is expected (`employeeNumber eq 42`).
                    CompValue::Int(i) => {
                        self.report.note(CompatRule::UnquotedFilterValue);
                        i.to_string()
                    }
                    _ => return Err(mismatch()),
                };
                Ok(Operand::Str(if at.case_exact() {
                    text
                } else {
                    fold_case(&text).into_owned()
                }))
            }
            AttributeType::Boolean => {
                if op != CompareOp::Eq && op != CompareOp::Ne {
                    return Err(invalid(format!(
                        "'{name}' is boolean; only eq and ne apply, not {}",
                        op.as_str()
                    )));
                }
                match value {
                    CompValue::Bool(b) => Ok(Operand::Bool(*b)),
                    CompValue::Str(s) => match parse_bool_str(s) {
                        Some(b) => {
                            self.report.note(CompatRule::BooleanString);
                            Ok(Operand::Bool(b))
                        }
                        None => Err(mismatch()),
                    },
                    _ => Err(mismatch()),
                }
            }
            AttributeType::Integer | AttributeType::Decimal => {
                if op.is_substring() {
                    return Err(invalid(format!(
                        "'{name}' is numeric; {} does not apply",
                        op.as_str()
                    )));
                }
                match value {
                    CompValue::Int(i) => Ok(Operand::Int(*i)),
                    CompValue::Dec(d) if ty == AttributeType::Decimal => Ok(Operand::Dec(*d)),
                    _ => Err(mismatch()),
                }
            }
            AttributeType::DateTime => {
                if op.is_substring() {
                    return Err(invalid(format!(
                        "'{name}' is a dateTime; {} does not apply",
                        op.as_str()
                    )));
                }
                match value {
                    CompValue::Str(s) => DateTime::parse_from_rfc3339(s)
                        .map(Operand::DateTime)
                        .map_err(|_| {
                            invalid(format!("'{s}' is not an RFC 3339 date-time for '{name}'"))
                        }),
                    _ => Err(mismatch()),
                }
            }
            AttributeType::Complex => Err(mismatch()),
        }
    }
}

fn display_name(at: &Located) -> String {
    match &at.sub {
        Some(sub) => format!("{}.{sub}", at.attr),
        None => at.attr.clone(),
    }
}

fn type_name(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::String => "string",
        AttributeType::Boolean => "boolean",
        AttributeType::Decimal => "decimal",
        AttributeType::Integer => "integer",
        AttributeType::DateTime => "dateTime",
        AttributeType::Binary => "binary",
        AttributeType::Reference => "reference",
        AttributeType::Complex => "complex",
    }
}

/// "true"/"false" in any ASCII case.
pub(crate) fn parse_bool_str(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn with_sub(mut at: Located, sub: &str, path: &AttrPath) -> Result<Located> {
    match at.attr_def {
        Some(def) if def.ty != AttributeType::Complex => Err(invalid(format!(
            "'{path}': '{}' has no sub-attributes",
            def.name
        ))),
        Some(def) => {
            let sub_def = def.sub_attribute(sub).ok_or_else(|| {
                invalid(format!(
                    "'{path}': '{}' has no sub-attribute '{sub}'",
                    def.name
                ))
            })?;
            at.sub = Some(sub_def.name.to_owned());
            at.def = Some(sub_def);
            Ok(at)
        }
        None => {
            at.sub = Some(sub.to_owned());
            Ok(at)
        }
    }
}

/// A path inside a value filter, relative to the filtered attribute.
fn relative(parent: &Located, path: &AttrPath) -> Result<Located> {
    if path.urn.is_some() || path.sub.is_some() {
        return Err(invalid(format!(
            "'{path}' inside a value filter must be a sub-attribute of '{}'",
            parent.attr
        )));
    }
    let mut at = parent.clone();
    at.def = parent.attr_def;
    with_sub(at, &path.name, path)
}

// ---------------------------------------------------------------------------
// Evaluation

/// The top-level attribute's value(s): the elements of a multi-valued attribute,
/// or the single value.
fn attribute_values<'v>(resource: &'v Value, at: &Located) -> &'v [Value] {
    attr::values(
        resource,
        at.extension.as_deref(),
        &at.attr,
        at.attr_def.is_some(),
    )
}

/// Calls `f` on every value addressed by `at`; stops at the first `true`.
/// `element` is the element a value filter is testing, if any.
fn any_value(
    resource: &Value,
    at: &Located,
    element: Option<&Value>,
    mut f: impl FnMut(&Value) -> bool,
) -> bool {
    let exact = at.attr_def.is_some();
    match (&at.sub, element) {
        (Some(sub), Some(element)) => {
            attr::get_in(element, sub, exact).is_some_and(|v| flatten(v).iter().any(f))
        }
        (Some(sub), None) => attribute_values(resource, at)
            .iter()
            .filter_map(|e| attr::get_in(e, sub, exact))
            .any(|v| flatten(v).iter().any(&mut f)),
        (None, _) => attribute_values(resource, at).iter().any(f),
    }
}

fn eval(node: &Node, resource: &Value, element: Option<&Value>) -> bool {
    match node {
        Node::And(l, r) => eval(l, resource, element) && eval(r, resource, element),
        Node::Or(l, r) => eval(l, resource, element) || eval(r, resource, element),
        Node::Not(inner) => !eval(inner, resource, element),
        Node::Test(at, Check::Present) => any_value(resource, at, element, is_present),
        Node::Test(at, Check::Compare(op, operand)) => {
            let case_exact = at.case_exact();
            let date = at.ty() == Some(AttributeType::DateTime);
            any_value(resource, at, element, |v| {
                compare(v, *op, operand, case_exact, date)
            })
        }
        Node::Elements(at, inner) => attribute_values(resource, at)
            .iter()
            .any(|e| eval(inner, resource, Some(e))),
    }
}

fn ordered(ordering: Option<Ordering>, op: CompareOp) -> bool {
    let Some(ordering) = ordering else {
        return false;
    };
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// [`compare`] for an ASCII value against a folded needle, folding the value on
/// the fly instead of allocating its folded copy (the common case, and the hot
/// path of role rules evaluated on every change).
fn compare_ascii_folded(hay: &[u8], needle: &[u8], op: CompareOp) -> bool {
    let folded = |bytes: &[u8]| {
        bytes
            .iter()
            .map(u8::to_ascii_lowercase)
            .eq(needle.iter().copied())
    };
    match op {
        CompareOp::Co => {
            needle.is_empty()
                || (needle.len() <= hay.len() && hay.windows(needle.len()).any(folded))
        }
        CompareOp::Sw => hay.len() >= needle.len() && folded(&hay[..needle.len()]),
        CompareOp::Ew => hay.len() >= needle.len() && folded(&hay[hay.len() - needle.len()..]),
        _ => ordered(
            Some(
                hay.iter()
                    .map(u8::to_ascii_lowercase)
                    .cmp(needle.iter().copied()),
            ),
            op,
        ),
    }
}

fn compare(value: &Value, op: CompareOp, operand: &Operand, case_exact: bool, date: bool) -> bool {
    match (operand, value) {
        (Operand::Str(needle), Value::String(hay)) => {
            if !case_exact && hay.is_ascii() {
                return compare_ascii_folded(hay.as_bytes(), needle.as_bytes(), op);
            }
            let hay = if case_exact {
                Cow::Borrowed(hay.as_str())
            } else {
                fold_case(hay)
            };
            match op {
                CompareOp::Co => hay.contains(needle.as_str()),
                CompareOp::Sw => hay.starts_with(needle.as_str()),
                CompareOp::Ew => hay.ends_with(needle.as_str()),
                _ => ordered(Some(hay.as_ref().cmp(needle.as_str())), op),
            }
        }
        (Operand::DateTime(instant), Value::String(text)) if date => {
            match DateTime::parse_from_rfc3339(text) {
                Ok(t) => ordered(Some(t.cmp(instant)), op),
                Err(_) => false,
            }
        }
        (Operand::Bool(b), Value::Bool(v)) => ordered(Some(v.cmp(b)), op),
        (Operand::Int(i), Value::Number(n)) => match n.as_i64() {
            Some(v) => ordered(Some(v.cmp(i)), op),
            None => ordered(n.as_f64().and_then(|v| v.partial_cmp(&(*i as f64))), op),
        },
        (Operand::Dec(d), Value::Number(n)) => {
            ordered(n.as_f64().and_then(|v| v.partial_cmp(d)), op)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Element filters, for PATCH value paths.

/// Resolves an attribute path against a resource type (names are case-insensitive;
/// the result uses canonical names). Used for PATCH targets and `sortBy`.
pub fn locate(path: &AttrPath, rt: &ResourceType, report: &mut CompatReport) -> Result<Located> {
    Compiler { rt, report }.locate(path)
}

/// A value filter bound to one complex attribute, tested against its elements
/// (`type eq "work"` of `emails[type eq "work"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ElementFilter {
    node: Node,
}

impl ElementFilter {
    /// Compiles `filter` relative to the complex attribute at `attr`.
    pub fn compile(
        attr: &Located,
        filter: &Filter,
        rt: &ResourceType,
        report: &mut CompatReport,
    ) -> Result<ElementFilter> {
        let node = Compiler { rt, report }.node(filter, Some(attr))?;
        Ok(ElementFilter { node })
    }

    /// Whether one element of the attribute matches.
    pub fn matches(&self, element: &Value) -> bool {
        eval(&self.node, &Value::Null, Some(element))
    }
}

#[cfg(test)]
mod tests;
