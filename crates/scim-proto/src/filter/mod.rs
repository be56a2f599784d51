//! The SCIM filter language (RFC 7644 section 3.4.2.2): syntax tree, parser,
//! printer and in-memory evaluation.
//!
//! ```
//! use scim_proto::filter::Filter;
//!
//! let f = Filter::parse(r#"emails[type eq "work" and primary eq true].value co "@example.com""#)?;
//! assert_eq!(Filter::parse(&f.to_string())?, f);
//! # Ok::<(), scim_proto::Error>(())
//! ```
//!
//! Parsing is purely syntactic; [`compile`] binds a filter
//! to a [`ResourceType`](crate::schema::ResourceType), checking attribute names,
//! operator/type combinations and values, and gives a [`CompiledFilter`] that
//! evaluates against JSON resources.

mod eval;
mod lexer;
pub(crate) mod parser;
mod print;

pub(crate) use eval::parse_bool_str;
pub use eval::{
    Check, CompiledFilter, ElementFilter, Located, Node, Operand, compile, compile_with, locate,
};
pub(crate) use lexer::excerpt;

/// The case fold of every case-insensitive comparison; see [`crate::attr::fold_case`].
pub use crate::attr::fold_case;

use crate::error::Result;

/// Maximum filter length in bytes: longer input is rejected before parsing.
pub const MAX_FILTER_LEN: usize = 8 * 1024;
/// Maximum nesting of parentheses, `not` and value filters.
pub const MAX_DEPTH: usize = 32;
/// Maximum number of attribute expressions in one filter.
pub const MAX_TERMS: usize = 256;

/// An attribute path: `[urn:]name[.subAttribute]`.
///
/// Names are kept as written; [`compile`] resolves them case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN qualifying the attribute, if written.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name, if written.
    pub sub: Option<String>,
}

impl AttrPath {
    /// A plain attribute path without URN or sub-attribute.
    pub fn new(name: impl Into<String>) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    /// The same path with a sub-attribute.
    #[must_use]
    pub fn with_sub(mut self, sub: impl Into<String>) -> AttrPath {
        self.sub = Some(sub.into());
        self
    }

    /// The same path with a schema URN.
    #[must_use]
    pub fn with_urn(mut self, urn: impl Into<String>) -> AttrPath {
        self.urn = Some(urn.into());
        self
    }

    /// Parses a bare attribute path such as `name.givenName` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub fn parse(input: &str) -> Result<AttrPath> {
        parser::parse_attr_path(input, 0)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal; defined here as exactly `not (... eq ...)`.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// Every operator.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator as written in filters (lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Parses an operator, ignoring ASCII case.
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether the operator orders values (`gt`, `ge`, `lt`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// Whether the operator matches substrings (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A comparison value: `false`, `null`, `true`, a number or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number without fraction or exponent that fits an `i64`.
    Int(i64),
    /// Any other (finite) number.
    Dec(f64),
    /// A string; date-times are strings too and are ordered as instants when the
    /// attribute's type is `dateTime`.
    Str(String),
}

/// The test applied to an attribute's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `pr`: the attribute has a non-empty value.
    Present,
    /// `op value`.
    Compare(CompareOp, CompValue),
}

/// A value filter on a multi-valued complex attribute: `emails[type eq "work"]`,
/// optionally followed by a test on one sub-attribute of the same element,
/// `emails[type eq "work"].value eq "a@b.c"`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValuePath {
    /// The complex attribute (no sub-attribute).
    pub attr: AttrPath,
    /// The filter each element is tested with; its paths are sub-attributes.
    pub filter: Filter,
    /// A further test on a sub-attribute of a matching element.
    pub then: Option<(String, Condition)>,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path pr` or `path op value`.
    Attr {
        /// The attribute tested.
        path: AttrPath,
        /// The test.
        cond: Condition,
    },
    /// `attr[filter]` with an optional `.sub op value`.
    ValuePath(Box<ValuePath>),
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (inner)`.
    Not(Box<Filter>),
}

impl Filter {
    /// Parses a filter. Bounded by [`MAX_FILTER_LEN`], [`MAX_DEPTH`] and [`MAX_TERMS`];
    /// errors are [`Error::InvalidFilter`](crate::Error::InvalidFilter) with a byte position.
    /// The grammar is RFC 7644's, with no leniency: a value is a double-quoted
    /// string, a number, `true`, `false` or `null`.
    pub fn parse(input: &str) -> Result<Filter> {
        parser::parse_filter(input)
    }

    /// `left and right`.
    #[must_use]
    pub fn and(self, right: Filter) -> Filter {
        Filter::And(Box::new(self), Box::new(right))
    }

    /// `left or right`.
    #[must_use]
    pub fn or(self, right: Filter) -> Filter {
        Filter::Or(Box::new(self), Box::new(right))
    }

    /// `not (self)`.
    #[must_use]
    pub fn negate(self) -> Filter {
        Filter::Not(Box::new(self))
    }

    /// `path op value` shorthand.
    pub fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Attr {
            path,
            cond: Condition::Compare(op, value),
        }
    }

    /// The `eq` terms of a conjunction, e.g. `type eq "work" and primary eq true`.
    ///
    /// Used to create the element a filtered PATCH path refers to when none exists;
    /// `None` if the filter is anything but a conjunction of `eq` terms.
    pub fn equality_terms(&self) -> Option<Vec<(&AttrPath, &CompValue)>> {
        match self {
            Filter::Attr {
                path,
                cond: Condition::Compare(CompareOp::Eq, value),
            } => Some(vec![(path, value)]),
            Filter::And(l, r) => {
                let mut terms = l.equality_terms()?;
                terms.extend(r.equality_terms()?);
                Some(terms)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
