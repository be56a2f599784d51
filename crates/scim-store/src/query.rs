//! SCIM queries in SQL: filter translation, sorting, and index and cursor paging.
//!
//! # Filters
//!
//! [`Translator`] turns the compiled filter tree of `scim_proto` (whose semantics
//! are documented in `scim_proto::filter::eval`) into one SQL boolean expression
//! that never evaluates to NULL, so `NOT` is plain negation as in the evaluator.
//! Attributes are read from where the store keeps them:
//!
//! - columns: `id`, `externalId`, `userName` and `displayName` (folded in Rust),
//!   `active`, and `meta` (`created`, `lastModified`, `version`, `resourceType`, and
//!   `location` when a base URL is given);
//! - membership rows: a user's `groups`, a group's `members`;
//! - the filter document (see `crate::doc`) for everything else, including value
//!   paths, sub-attributes and extension attributes. `emails.value` tests are also
//!   narrowed through the indexed `user_emails` table.
//!
//! Nothing in a filter over the built-in schemas needs Rust evaluation. What does
//! is data the SQL encoding cannot represent exactly: resources stored with
//! `filter_exact = false` (see `crate::doc`). For those, and only those, the
//! filter runs in Rust (`CompiledFilter::matches` on the rendered resource); the
//! candidate set is exactly the tenant's inexact rows (listed in the small
//! `inexact_resources` table; canonical resources never are inexact), and the ids
//! that match are added to
//! the SQL result with `OR id IN (...)`, so totals, order and paging stay exact.
//!
//! # Sorting and paging
//!
//! Results are ordered by the sort key, then id; a missing value sorts last in
//! ascending and first in descending order (RFC 7644 section 3.4.2.3), and the
//! descending order is exactly the reverse of the ascending one. Index paging uses
//! `LIMIT`/`OFFSET`; cursor paging (RFC 9865) is keyset paging on (key, id), with
//! the position encoded in an opaque cursor.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
use scim_proto::filter::{Check, CompareOp, CompiledFilter, Located, Node, Operand};
use scim_proto::schema::{
    AttributeDef, AttributeType, GROUP_RESOURCE, Resolution, ResourceType, USER_RESOURCE,
};
use serde::{Deserialize, Serialize};

use crate::conn::MultiBackend;
use crate::dialect::{self, Dialect};
use crate::doc::{doc_key, encode_key, fold};
use crate::error::StoreError;
use crate::model::{Paging, SortBy};
use crate::sql::Sql;
use crate::tx::Tx;
use crate::tx::rows::CountRow;

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    /// The table alias used in every query.
    pub(crate) fn alias(self) -> &'static str {
        match self {
            Kind::User => "u",
            Kind::Group => "g",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Group => "groups",
        }
    }

    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    pub(crate) fn rt(self) -> &'static ResourceType {
        match self {
            Kind::User => &USER_RESOURCE,
            Kind::Group => &GROUP_RESOURCE,
        }
    }
}

/// The type of a column value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Text,
    Bool,
    Time,
}

/// One value a test looks at, in the context of a row.
#[derive(Debug, Clone)]
enum Scalar {
    /// An SQL expression; NULL means "absent".
    Expr(Sql, Ty),
    /// A fixed string (such as `meta.resourceType`).
    Const(&'static str),
    /// Never present (for example `meta.location` without a base URL).
    Absent,
}

/// Where a top-level attribute is kept.
enum Place {
    Scalar(Scalar),
    Meta,
    Relation,
    Doc { key: String, emails: bool },
}

/// What the tests inside a value filter (`attr[...]`) look at.
enum Inner<'e> {
    Meta,
    Relation,
    Doc(&'e str),
}

fn column(expr: &str, ty: Ty) -> Scalar {
    Scalar::Expr(Sql::from(expr), ty)
}

fn paren(sql: Sql) -> Sql {
    let mut out = Sql::from("(");
    out.append(sql).push(")");
    out
}

fn constant(value: bool) -> Sql {
    Sql::from(if value { "TRUE" } else { "FALSE" })
}

/// Translates compiled filters of one resource kind into SQL over alias
/// [`Kind::alias`].
pub(crate) struct Translator<'a> {
    kind: Kind,
    dialect: Dialect,
    tenant_id: &'a str,
    base_url: Option<&'a str>,
    aliases: usize,
}

impl<'a> Translator<'a> {
    pub(crate) fn new(
        kind: Kind,
        dialect: Dialect,
        tenant_id: &'a str,
        base_url: Option<&'a str>,
    ) -> Translator<'a> {
        Translator {
            kind,
            dialect,
            tenant_id,
            base_url,
            aliases: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    /// The boolean SQL expression equivalent to `node`.
    pub(crate) fn node(&mut self, node: &Node) -> Result<Sql, StoreError> {
        Ok(match node {
            Node::And(l, r) => self.binary(l, "AND", r, None)?,
            Node::Or(l, r) => self.binary(l, "OR", r, None)?,
            Node::Not(inner) => {
                let mut sql = Sql::from("NOT ");
                sql.append(paren(self.node(inner)?));
                sql
            }
            Node::Test(at, check) => self.test(at, check)?,
            Node::Elements(at, inner) => self.elements(at, inner)?,
        })
    }

    fn binary(
        &mut self,
        l: &Node,
        op: &str,
        r: &Node,
        inner: Option<&Inner<'_>>,
    ) -> Result<Sql, StoreError> {
        let (l, r) = match inner {
            None => (self.node(l)?, self.node(r)?),
            Some(ctx) => (self.inner(l, ctx)?, self.inner(r, ctx)?),
        };
        let mut sql = paren(l);
        sql.push(" ").push(op).push(" ").append(paren(r));
        Ok(sql)
    }

    fn place(&self, at: &Located) -> Place {
        let a = self.kind.alias();
        if at.extension.is_none() {
            match (self.kind, at.attr.as_str()) {
                (_, "id") => return Place::Scalar(column(&format!("{a}.id"), Ty::Text)),
                (_, "externalId") => {
                    return Place::Scalar(column(&format!("{a}.external_id"), Ty::Text));
                }
                (Kind::User, "userName") => {
                    return Place::Scalar(column(&format!("{a}.user_name_folded"), Ty::Text));
                }
                (_, "displayName") => {
                    return Place::Scalar(column(&format!("{a}.display_name_folded"), Ty::Text));
                }
                (Kind::User, "active") => {
                    return Place::Scalar(column(&format!("{a}.active"), Ty::Bool));
                }
                (_, "meta") => return Place::Meta,
                (Kind::User, "groups") | (Kind::Group, "members") => return Place::Relation,
                _ => {}
            }
        }
        Place::Doc {
            key: doc_key(at.extension.as_deref(), &at.attr),
            emails: self.kind == Kind::User && at.extension.is_none() && at.attr == "emails",
        }
    }

    /// `<base>/<endpoint>/<id column>`, or absent without a base URL.
    fn location(&self, endpoint: &str, id: &str) -> Scalar {
        match self.base_url {
            Some(base) => {
                let mut sql = Sql::new();
                sql.push("(")
                    .text(base)
                    .push(&format!(" || '/{endpoint}/' || {id})"));
                Scalar::Expr(sql, Ty::Text)
            }
            None => Scalar::Absent,
        }
    }

    fn meta(&self, sub: &str) -> Scalar {
        let a = self.kind.alias();
        match sub {
            "resourceType" => Scalar::Const(self.kind.resource_type()),
            "created" => column(&format!("{a}.created"), Ty::Time),
            "lastModified" => column(&format!("{a}.last_modified"), Ty::Time),
            "version" => column(&dialect::version_text(self.dialect, a), Ty::Text),
            "location" => {
                let endpoint = match self.kind {
                    Kind::User => "Users",
                    Kind::Group => "Groups",
                };
                self.location(endpoint, &format!("{a}.id"))
            }
            _ => Scalar::Absent,
        }
    }

    /// Sub-attributes of a membership element, inside [`Translator::relation`].
    fn relation_sub(&self, sub: &str) -> Scalar {
        match (self.kind, sub) {
            // Group ids are lowercase, so `groups.value` needs no folding.
            (Kind::User, "value") => column("rg.id", Ty::Text),
            (Kind::User, "display") => column("rg.display_name_folded", Ty::Text),
            (Kind::User, "type") => Scalar::Const("direct"),
            (Kind::User, "$ref") => self.location("Groups", "rg.id"),
            (Kind::Group, "value") => column("m.user_id", Ty::Text),
            (Kind::Group, "display") => column("ru.display_name_folded", Ty::Text),
            (Kind::Group, "type") => Scalar::Const("User"),
            (Kind::Group, "$ref") => self.location("Users", "m.user_id"),
            _ => Scalar::Absent,
        }
    }

    /// Rows whose memberships have an element satisfying `element`.
    fn relation(&self, element: Sql) -> Sql {
        let mut sql = Sql::from(match self.kind {
            Kind::User => {
                "u.id IN (SELECT m.user_id FROM memberships m JOIN groups rg \
                 ON rg.tenant_id = m.tenant_id AND rg.id = m.group_id WHERE m.tenant_id = "
            }
            Kind::Group => {
                "g.id IN (SELECT m.group_id FROM memberships m JOIN users ru \
                 ON ru.tenant_id = m.tenant_id AND ru.id = m.user_id WHERE m.tenant_id = "
            }
        });
        sql.text(self.tenant_id)
            .push(" AND ")
            .append(paren(element))
            .push(")");
        sql
    }

    fn test(&mut self, at: &Located, check: &Check) -> Result<Sql, StoreError> {
        match self.place(at) {
            Place::Scalar(scalar) => Ok(self.scalar_test(scalar, check, at.case_exact())),
            Place::Meta => self.inner(&Node::Test(at.clone(), check.clone()), &Inner::Meta),
            Place::Relation => {
                let element =
                    self.inner(&Node::Test(at.clone(), check.clone()), &Inner::Relation)?;
                Ok(self.relation(element))
            }
            Place::Doc { key, emails } => {
                let e = self.fresh("e");
                let v = self.fresh("v");
                let mut sql = Sql::from("EXISTS (SELECT 1 FROM ");
                sql.append(dialect::doc_elements(
                    self.dialect,
                    self.kind.alias(),
                    &key,
                    &e,
                ));
                let condition = match (check, &at.sub) {
                    (Check::Present, None) => dialect::element_present(self.dialect, &e),
                    (Check::Present, Some(sub)) => {
                        sql.push(", ").append(dialect::element_values(
                            self.dialect,
                            &e,
                            Some(&encode_key(sub)),
                            &v,
                        ));
                        dialect::value_present(self.dialect, &v)
                    }
                    (Check::Compare(op, operand), sub) => {
                        let sub = sub.as_deref().map(encode_key);
                        sql.push(", ").append(dialect::element_values(
                            self.dialect,
                            &e,
                            sub.as_deref(),
                            &v,
                        ));
                        self.value_compare(at, &v, *op, operand)?
                    }
                };
                sql.push(" WHERE ").append(condition).push(")");
                if emails {
                    if let Some(narrow) = self.email_prefilter(at, check) {
                        let mut both = paren(narrow);
                        both.push(" AND ").append(sql);
                        return Ok(both);
                    }
                }
                Ok(sql)
            }
        }
    }

    fn elements(&mut self, at: &Located, inner: &Node) -> Result<Sql, StoreError> {
        match self.place(at) {
            Place::Scalar(_) => Err(StoreError::UnsupportedFilter(format!(
                "'{}' is not a complex attribute",
                at.attr
            ))),
            Place::Meta => self.inner(inner, &Inner::Meta),
            Place::Relation => {
                let element = self.inner(inner, &Inner::Relation)?;
                Ok(self.relation(element))
            }
            Place::Doc { key, emails } => {
                let e = self.fresh("e");
                let mut sql = Sql::from("EXISTS (SELECT 1 FROM ");
                sql.append(dialect::doc_elements(
                    self.dialect,
                    self.kind.alias(),
                    &key,
                    &e,
                ))
                .push(" WHERE ")
                .append(self.inner(inner, &Inner::Doc(&e))?)
                .push(")");
                if emails {
                    let mut narrowed = Sql::new();
                    for (at, check) in conjuncts(inner) {
                        if let Some(narrow) = self.email_prefilter(at, check) {
                            narrowed.append(paren(narrow)).push(" AND ");
                        }
                    }
                    narrowed.append(sql);
                    return Ok(narrowed);
                }
                Ok(sql)
            }
        }
    }

    /// A test inside a value filter (or on a sub-attribute of `meta` / memberships).
    fn inner(&mut self, node: &Node, ctx: &Inner<'_>) -> Result<Sql, StoreError> {
        match node {
            Node::And(l, r) => self.binary(l, "AND", r, Some(ctx)),
            Node::Or(l, r) => self.binary(l, "OR", r, Some(ctx)),
            Node::Not(inner) => {
                let mut sql = Sql::from("NOT ");
                sql.append(paren(self.inner(inner, ctx)?));
                Ok(sql)
            }
            Node::Elements(at, _) => Err(StoreError::UnsupportedFilter(format!(
                "nested value filter on '{}'",
                at.attr
            ))),
            Node::Test(at, check) => match (ctx, at.sub.as_deref()) {
                // The element itself: a `meta` object or a membership is always present,
                // and comparing a whole complex value never matches.
                (Inner::Meta | Inner::Relation, None) => {
                    Ok(constant(matches!(check, Check::Present)))
                }
                (Inner::Meta, Some(sub)) => {
                    Ok(self.scalar_test(self.meta(sub), check, at.case_exact()))
                }
                (Inner::Relation, Some(sub)) => {
                    Ok(self.scalar_test(self.relation_sub(sub), check, at.case_exact()))
                }
                (Inner::Doc(e), sub) => {
                    if let (Check::Present, None) = (check, sub) {
                        return Ok(dialect::element_present(self.dialect, e));
                    }
                    let v = self.fresh("v");
                    let sub = sub.map(encode_key);
                    let mut sql = Sql::from("EXISTS (SELECT 1 FROM ");
                    sql.append(dialect::element_values(self.dialect, e, sub.as_deref(), &v))
                        .push(" WHERE ");
                    let condition = match check {
                        Check::Present => dialect::value_present(self.dialect, &v),
                        Check::Compare(op, operand) => self.value_compare(at, &v, *op, operand)?,
                    };
                    sql.append(condition).push(")");
                    Ok(sql)
                }
            },
        }
    }

    fn value_compare(
        &self,
        at: &Located,
        v: &str,
        op: CompareOp,
        operand: &Operand,
    ) -> Result<Sql, StoreError> {
        dialect::value_compare(self.dialect, v, op, operand).ok_or_else(|| {
            StoreError::UnsupportedFilter(format!(
                "'{}' is a dateTime attribute outside the built-in schemas",
                at.attr
            ))
        })
    }

    /// A necessary condition for an `emails.value` test that the indexed side table
    /// can check: the tested string is one of the user's e-mail values.
    fn email_prefilter(&self, at: &Located, check: &Check) -> Option<Sql> {
        let Check::Compare(op @ (CompareOp::Eq | CompareOp::Sw), Operand::Str(needle)) = check
        else {
            return None;
        };
        if at.sub.as_deref() != Some("value") {
            return None;
        }
        let mut sql =
            Sql::from("u.id IN (SELECT ue.user_id FROM user_emails ue WHERE ue.tenant_id = ");
        sql.text(self.tenant_id)
            .push(" AND ")
            .append(dialect::text_compare(
                self.dialect,
                &Sql::from("ue.value_folded"),
                *op,
                needle,
            ))
            .push(")");
        Some(sql)
    }

    fn scalar_test(&self, scalar: Scalar, check: &Check, case_exact: bool) -> Sql {
        match (scalar, check) {
            (Scalar::Const(value), Check::Present) => constant(!value.is_empty()),
            (Scalar::Const(value), Check::Compare(op, Operand::Str(needle))) => {
                let hay = if case_exact {
                    value.to_owned()
                } else {
                    fold(value)
                };
                constant(compare_strings(&hay, *op, needle))
            }
            (Scalar::Absent, _) | (Scalar::Const(_), Check::Compare(..)) => constant(false),
            (Scalar::Expr(expr, ty), Check::Present) => {
                let mut sql = Sql::from("(");
                sql.append(expr.clone()).push(" IS NOT NULL");
                if ty == Ty::Text {
                    sql.push(" AND ").append(expr).push(" <> ''");
                }
                sql.push(")");
                sql
            }
            (Scalar::Expr(expr, ty), Check::Compare(op, operand)) => {
                let test = match (ty, operand) {
                    (Ty::Text, Operand::Str(needle)) => {
                        dialect::text_compare(self.dialect, &expr, *op, needle)
                    }
                    (Ty::Bool, Operand::Bool(b)) if !op.is_substring() => {
                        let mut sql = expr.clone();
                        sql.push(" ")
                            .push(dialect::sql_op(*op))
                            .push(" ")
                            .boolean(*b);
                        sql
                    }
                    (Ty::Time, Operand::DateTime(t)) => time_compare(&expr, *op, t),
                    _ => return constant(false),
                };
                let mut sql = Sql::from("(");
                sql.append(expr)
                    .push(" IS NOT NULL AND ")
                    .append(test)
                    .push(")");
                sql
            }
        }
    }
}

/// The tests that a value filter's condition requires (its top-level `and` terms).
fn conjuncts(node: &Node) -> Vec<(&Located, &Check)> {
    match node {
        Node::And(l, r) => {
            let mut terms = conjuncts(l);
            terms.extend(conjuncts(r));
            terms
        }
        Node::Test(at, check) => vec![(at, check)],
        _ => Vec::new(),
    }
}

/// The evaluator's string comparison, for constants.
fn compare_strings(hay: &str, op: CompareOp, needle: &str) -> bool {
    match op {
        CompareOp::Eq | CompareOp::Ne => hay == needle,
        CompareOp::Gt => hay > needle,
        CompareOp::Ge => hay >= needle,
        CompareOp::Lt => hay < needle,
        CompareOp::Le => hay <= needle,
        CompareOp::Co => hay.contains(needle),
        CompareOp::Sw => hay.starts_with(needle),
        CompareOp::Ew => hay.ends_with(needle),
    }
}

/// A stored time (whole microseconds) against an instant of any precision.
///
/// The operand is reduced to microseconds without changing any outcome: for a
/// stored `t` and an operand `x` strictly between microseconds `f` and `f + 1`,
/// `t > x` is `t > f` and `t < x` is `t <= f`, and `t = x` never holds.
fn time_compare(expr: &Sql, op: CompareOp, t: &DateTime<FixedOffset>) -> Sql {
    let utc = t.with_timezone(&Utc);
    let nanos = utc.nanosecond();
    // A leap second lies after every microsecond of its minute's last second.
    let (floor, exact) = if nanos >= 1_000_000_000 {
        (utc.with_nanosecond(999_999_000).unwrap_or(utc), false)
    } else {
        (
            utc.with_nanosecond(nanos / 1_000 * 1_000).unwrap_or(utc),
            nanos % 1_000 == 0,
        )
    };
    let floor = floor.naive_utc();
    // Beyond the years 1 to 9999 the stored text form would not order correctly;
    // nothing stored lies out there, so such operands are below or above everything.
    let min = NaiveDateTime::new(
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
        chrono::NaiveTime::MIN,
    );
    let max = NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .unwrap_or(NaiveDateTime::MAX);
    if floor < min {
        return constant(matches!(op, CompareOp::Gt | CompareOp::Ge));
    }
    if floor > max {
        return constant(matches!(op, CompareOp::Lt | CompareOp::Le));
    }
    let sql_op = match (op, exact) {
        (CompareOp::Eq, true) => "=",
        (CompareOp::Gt, _) | (CompareOp::Ge, false) => ">",
        (CompareOp::Ge, true) => ">=",
        (CompareOp::Lt, true) => "<",
        (CompareOp::Lt | CompareOp::Le, false) | (CompareOp::Le, true) => "<=",
        _ => return constant(false),
    };
    let mut sql = expr.clone();
    sql.push(" ").push(sql_op).push(" ").time(floor);
    sql
}

/// The condition selecting a tenant's rows (live ones only, for users, if asked).
pub(crate) fn base_where(kind: Kind, tenant_id: &str, live_only: bool) -> Sql {
    let a = kind.alias();
    let mut sql = Sql::from(&format!("{a}.tenant_id = "));
    sql.text(tenant_id);
    if live_only && kind == Kind::User {
        sql.push(" AND u.deleted_at IS NULL");
    }
    sql
}

/// The filter as a condition: SQL for exactly-encoded rows, plus the ids of the
/// inexact rows that matched in Rust.
pub(crate) fn filter_where(
    kind: Kind,
    dialect: Dialect,
    tenant_id: &str,
    base_url: Option<&str>,
    filter: &CompiledFilter,
    rust_matches: &[String],
) -> Result<Sql, StoreError> {
    let a = kind.alias();
    let condition = Translator::new(kind, dialect, tenant_id, base_url).node(filter.root())?;
    let mut sql = Sql::from(&format!("(({a}.filter_exact AND "));
    // Single tests (the lookups clients repeat) make a bounded set of statement
    // texts; anything larger is prepared afresh rather than cached forever.
    if !matches!(filter.root(), Node::Test(..)) {
        sql.no_cache();
    }
    sql.append(paren(condition)).push(")");
    if !rust_matches.is_empty() {
        sql.push(&format!(" OR {a}.id IN ")).text_list(rust_matches);
    }
    sql.push(")");
    Ok(sql)
}

/// The condition selecting the live ones of a tenant's inexact rows `ids` (see
/// `crate::doc`).
pub(crate) fn inexact_where(kind: Kind, tenant_id: &str, ids: &[String]) -> Sql {
    let mut sql = Sql::from(&format!("{}.id IN ", kind.alias()));
    sql.text_list(ids)
        .push(" AND ")
        .append(base_where(kind, tenant_id, true));
    sql
}

// ---------------------------------------------------------------------------
// Sorting

/// What results are ordered by, besides the id.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    expr: Sql,
    ty: Ty,
    nullable: bool,
}

/// A resolved sort order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    kind: Kind,
    key: Option<SortKey>,
    descending: bool,
    /// Identifies the order in cursors, so a cursor is not used with another one.
    fingerprint: String,
}

fn invalid_sort(sort: &SortBy, why: &str) -> StoreError {
    StoreError::InvalidSort(format!("'{}': {why}", sort.path))
}

/// Resolves `sortBy` against the kind's schema.
pub(crate) fn order(
    kind: Kind,
    dialect: Dialect,
    sort: Option<&SortBy>,
) -> Result<Order, StoreError> {
    let Some(sort) = sort else {
        return Ok(Order {
            kind,
            key: None,
            descending: false,
            fingerprint: kind.resource_type().to_owned(),
        });
    };
    let path = &sort.path;
    let resolved = match kind.rt().resolve(path.urn.as_deref(), &path.name) {
        Some(Resolution::Attribute(resolved)) => resolved,
        Some(Resolution::WholeExtension(_)) => {
            return Err(invalid_sort(sort, "names a whole extension"));
        }
        None => return Err(invalid_sort(sort, "unknown attribute")),
    };
    let attr: &AttributeDef = resolved
        .def
        .ok_or_else(|| invalid_sort(sort, "attributes of unknown extensions have no type"))?;
    let sub: Option<&AttributeDef> = match &path.sub {
        Some(name) => Some(
            attr.sub_attribute(name)
                .ok_or_else(|| invalid_sort(sort, "unknown sub-attribute"))?,
        ),
        // A multi-valued complex attribute sorts by its (primary) `value`.
        None if attr.ty == AttributeType::Complex && attr.multi_valued => Some(
            attr.sub_attribute("value")
                .ok_or_else(|| invalid_sort(sort, "complex attribute without a value"))?,
        ),
        None if attr.ty == AttributeType::Complex => {
            return Err(invalid_sort(sort, "name one of its sub-attributes"));
        }
        None => None,
    };
    let a = kind.alias();
    let extension = resolved.container.extension_key();
    let key = match (extension, attr.name, sub.map(|s| s.name)) {
        (None, "id", None) => Some((format!("{a}.id"), Ty::Text, false)),
        (None, "externalId", None) => Some((format!("{a}.external_id"), Ty::Text, true)),
        (None, "userName", None) => Some((format!("{a}.user_name_folded"), Ty::Text, false)),
        (None, "displayName", None) => Some((
            format!("{a}.display_name_folded"),
            Ty::Text,
            kind == Kind::User,
        )),
        (None, "active", None) => Some((format!("{a}.active"), Ty::Bool, true)),
        (None, "meta", Some("created")) => Some((format!("{a}.created"), Ty::Time, false)),
        (None, "meta", Some("lastModified")) => {
            Some((format!("{a}.last_modified"), Ty::Time, false))
        }
        (None, "meta", Some("version")) => {
            Some((dialect::version_text(dialect, a), Ty::Text, false))
        }
        // The same for every row, or the id behind a common prefix: id order.
        (None, "meta", Some("resourceType" | "location")) => None,
        (None, "meta", _) => return Err(invalid_sort(sort, "unknown sub-attribute")),
        (None, "groups" | "members", _) => {
            return Err(invalid_sort(sort, "memberships are not sortable"));
        }
        _ => {
            let leaf = sub.unwrap_or(attr);
            if !matches!(
                leaf.ty,
                AttributeType::String | AttributeType::Reference | AttributeType::Binary
            ) {
                return Err(invalid_sort(
                    sort,
                    "only string attributes of the resource body are sortable",
                ));
            }
            let primary_first = attr.multi_valued && attr.sub_attribute("primary").is_some();
            let key = doc_key(extension, attr.name);
            let sub_key = sub.map(|s| encode_key(s.name));
            return Ok(Order {
                kind,
                key: Some(SortKey {
                    expr: dialect::doc_sort_key(
                        dialect,
                        a,
                        &key,
                        sub_key.as_deref(),
                        primary_first,
                    ),
                    ty: Ty::Text,
                    nullable: true,
                }),
                descending: sort.descending,
                fingerprint: fingerprint(kind, sort),
            });
        }
    };
    Ok(Order {
        kind,
        key: key.map(|(expr, ty, nullable)| SortKey {
            expr: Sql::from(&expr),
            ty,
            nullable,
        }),
        descending: sort.descending,
        fingerprint: fingerprint(kind, sort),
    })
}

fn fingerprint(kind: Kind, sort: &SortBy) -> String {
    format!(
        "{}|{}|{}",
        kind.resource_type(),
        sort.path.to_string().to_ascii_lowercase(),
        if sort.descending { "d" } else { "a" }
    )
}

impl Order {
    fn by(&self, reverse: bool) -> Sql {
        let a = self.kind.alias();
        let dir = if self.descending != reverse {
            " DESC"
        } else {
            ""
        };
        let mut sql = Sql::from(" ORDER BY ");
        if let Some(key) = &self.key {
            if key.nullable {
                sql.push("(")
                    .append(key.expr.clone())
                    .push(" IS NULL)")
                    .push(dir)
                    .push(", ");
            }
            sql.append(key.expr.clone()).push(dir).push(", ");
        }
        sql.push(&format!("{a}.id{dir}"));
        sql
    }

    /// Rows after `pos` in this order (or before it, when `reverse`).
    fn after(&self, pos: &Position, reverse: bool) -> Sql {
        let a = self.kind.alias();
        let desc = self.descending != reverse;
        let gt = if desc { "<" } else { ">" };
        let mut sql = Sql::from("(");
        let Some(key) = &self.key else {
            sql.push(&format!("{a}.id {gt} ")).text(&pos.id).push(")");
            return sql;
        };
        let k = &key.expr;
        match &pos.key {
            Some(value) => {
                let mut core = Sql::from("(");
                core.append(k.clone()).push(&format!(" {gt} "));
                value.bind(&mut core);
                core.push(" OR (").append(k.clone()).push(" = ");
                value.bind(&mut core);
                core.push(&format!(" AND {a}.id {gt} "))
                    .text(&pos.id)
                    .push("))");
                if !key.nullable {
                    sql.append(core);
                } else if desc {
                    sql.append(k.clone()).push(" IS NOT NULL AND ").append(core);
                } else {
                    sql.push("(")
                        .append(k.clone())
                        .push(" IS NOT NULL AND ")
                        .append(core)
                        .push(") OR ")
                        .append(k.clone())
                        .push(" IS NULL");
                }
            }
            None => {
                sql.push("(")
                    .append(k.clone())
                    .push(&format!(" IS NULL AND {a}.id {gt} "))
                    .text(&pos.id)
                    .push(")");
                if desc {
                    sql.push(" OR ").append(k.clone()).push(" IS NOT NULL");
                }
            }
        }
        sql.push(")");
        sql
    }
}

// ---------------------------------------------------------------------------
// Paging

/// A sort-key value in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum KeyValue {
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "b")]
    Bool(bool),
    #[serde(rename = "m")]
    Micros(i64),
}

impl KeyValue {
    fn bind(&self, sql: &mut Sql) {
        match self {
            KeyValue::Text(s) => {
                sql.text(s.as_str());
            }
            KeyValue::Bool(b) => {
                sql.boolean(*b);
            }
            KeyValue::Micros(m) => {
                let t = DateTime::from_timestamp_micros(*m).unwrap_or_default();
                sql.time(t.naive_utc());
            }
        }
    }
}

/// A place in an ordered result: the sort key (`None` = no value) and the id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Position {
    #[serde(rename = "k")]
    key: Option<KeyValue>,
    #[serde(rename = "i")]
    id: String,
}

/// What a cursor holds: which way to go from which position, under which order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    /// `true` for a `previousCursor`.
    #[serde(rename = "b")]
    backward: bool,
    #[serde(rename = "p")]
    position: Position,
    #[serde(rename = "o")]
    order: String,
}

/// Cursors are hex-encoded JSON: opaque to clients and safe in a URL.
const MAX_CURSOR_LEN: usize = 4_096;

impl Cursor {
    fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn decode(text: &str, order: &Order) -> Result<Cursor, StoreError> {
        let bad = |why: &str| StoreError::InvalidCursor(why.to_owned());
        if text.len() > MAX_CURSOR_LEN || text.len() % 2 != 0 {
            return Err(bad("not a cursor of this server"));
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| bad("not a cursor of this server"))?;
        let cursor: Cursor =
            serde_json::from_slice(&bytes).map_err(|_| bad("not a cursor of this server"))?;
        if cursor.order != order.fingerprint {
            return Err(bad("the cursor belongs to a query with another sort order"));
        }
        let key_matches = match (&order.key, &cursor.position.key) {
            (None | Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(key), Some(value)) => matches!(
                (key.ty, value),
                (Ty::Text, KeyValue::Text(_))
                    | (Ty::Bool, KeyValue::Bool(_))
                    | (Ty::Time, KeyValue::Micros(_))
            ),
        };
        if !key_matches {
            return Err(bad("not a cursor of this server"));
        }
        Ok(cursor)
    }
}

/// A page of rows of type `R`.
pub(crate) struct RowPage<R> {
    pub(crate) rows: Vec<R>,
    pub(crate) total: u64,
    pub(crate) next: Option<String>,
    pub(crate) previous: Option<String>,
}

#[derive(QueryableByName)]
struct TextKey {
    #[diesel(sql_type = Nullable<Text>)]
    k: Option<String>,
}

#[derive(QueryableByName)]
struct BoolKey {
    #[diesel(sql_type = Nullable<Bool>)]
    k: Option<bool>,
}

#[derive(QueryableByName)]
struct TimeKey {
    #[diesel(sql_type = Nullable<Timestamp>)]
    k: Option<NaiveDateTime>,
}

/// Runs a list query: `columns` of the kind's table where `condition` (which
/// selects `tenant_id`'s rows) holds, in `order`, paged as `paging` says.
pub(crate) fn fetch_page<R>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    columns: &str,
    condition: &Sql,
    order: &Order,
    paging: &Paging,
    id_of: impl Fn(&R) -> &str,
) -> Result<RowPage<R>, StoreError>
where
    R: QueryableByName<MultiBackend> + 'static,
{
    let kind = order.kind;
    let (table, a) = (kind.table(), kind.alias());
    let select = |extra: Option<Sql>, reverse: bool, limit: u64, offset: u64| {
        let mut sql = Sql::from(&format!("SELECT {columns} FROM {table} {a} WHERE "));
        sql.append(condition.clone());
        if let Some(extra) = extra {
            sql.push(" AND ").append(extra);
        }
        sql.append(order.by(reverse)).limit(limit, offset);
        sql
    };
    // Counting costs a second query; a first page that is not full already knows.
    let count_all = |tx: &mut Tx<'_>, known: Option<usize>| -> Result<u64, StoreError> {
        if let Some(n) = known {
            return Ok(n as u64);
        }
        let mut count = Sql::from(&format!("SELECT COUNT(*) AS n FROM {table} {a} WHERE "));
        count.append(condition.clone());
        Ok(tx
            .first::<CountRow>(count)?
            .map_or(0, |row| u64::try_from(row.n).unwrap_or(0)))
    };

    match paging {
        Paging::Index { start_index, count } => {
            let rows = if *count == 0 {
                Vec::new()
            } else {
                tx.load::<R>(select(None, false, *count, start_index.saturating_sub(1)))?
            };
            let complete = *start_index <= 1 && (rows.len() as u64) < *count;
            let total = count_all(tx, complete.then_some(rows.len()))?;
            Ok(RowPage {
                rows,
                total,
                next: None,
                previous: None,
            })
        }
        Paging::Cursor { cursor, count } => {
            let cursor = cursor
                .as_deref()
                .map(|text| Cursor::decode(text, order))
                .transpose()?;
            if *count == 0 {
                return Ok(RowPage {
                    rows: Vec::new(),
                    total: count_all(tx, None)?,
                    next: None,
                    previous: None,
                });
            }
            let backward = cursor.as_ref().is_some_and(|c| c.backward);
            let extra = cursor
                .as_ref()
                .map(|c| order.after(&c.position, c.backward));
            let mut rows = tx.load::<R>(select(extra, backward, count.saturating_add(1), 0))?;
            let more = rows.len() as u64 > *count;
            rows.truncate(usize::try_from(*count).unwrap_or(usize::MAX));
            let total = count_all(tx, (cursor.is_none() && !more).then_some(rows.len()))?;
            if backward {
                rows.reverse();
            }
            // A row's sort position costs a query (with `sortBy`): it is looked up
            // only for the cursors actually made.
            let position = |tx: &mut Tx<'_>, row: Option<&R>| -> Result<_, StoreError> {
                match row {
                    Some(row) => position_of(tx, order, tenant_id, id_of(row)).map(Some),
                    None => Ok(cursor.as_ref().map(|c| c.position.clone())),
                }
            };
            let exists = |tx: &mut Tx<'_>, pos: &Position, reverse: bool| {
                let sql = select(Some(order.after(pos, reverse)), reverse, 1, 0);
                Ok::<_, StoreError>(!tx.load::<R>(sql)?.is_empty())
            };
            let make = |pos: Position, backward: bool| {
                Cursor {
                    backward,
                    position: pos,
                    order: order.fingerprint.clone(),
                }
                .encode()
            };
            let (next, previous) = if backward {
                let previous = if more {
                    position(tx, rows.first())?
                } else {
                    None
                };
                let next = match position(tx, rows.last())? {
                    Some(pos) if exists(tx, &pos, false)? => Some(pos),
                    _ => None,
                };
                (next, previous)
            } else {
                let next = if more {
                    position(tx, rows.last())?
                } else {
                    None
                };
                let previous = match &cursor {
                    Some(_) => match position(tx, rows.first())? {
                        Some(pos) if exists(tx, &pos, true)? => Some(pos),
                        _ => None,
                    },
                    None => None,
                };
                (next, previous)
            };
            Ok(RowPage {
                rows,
                total,
                next: next.map(|p| make(p, false)),
                previous: previous.map(|p| make(p, true)),
            })
        }
    }
}

/// The position of a row in `order`.
fn position_of(
    tx: &mut Tx<'_>,
    order: &Order,
    tenant_id: &str,
    id: &str,
) -> Result<Position, StoreError> {
    let Some(key) = &order.key else {
        return Ok(Position {
            key: None,
            id: id.to_owned(),
        });
    };
    let kind = order.kind;
    let (table, a) = (kind.table(), kind.alias());
    let mut sql = Sql::from("SELECT ");
    sql.append(key.expr.clone())
        .push(&format!(" AS k FROM {table} {a} WHERE {a}.tenant_id = "))
        .text(tenant_id)
        .push(&format!(" AND {a}.id = "))
        .text(id);
    let value = match key.ty {
        Ty::Text => tx
            .first::<TextKey>(sql)?
            .and_then(|r| r.k)
            .map(KeyValue::Text),
        Ty::Bool => tx
            .first::<BoolKey>(sql)?
            .and_then(|r| r.k)
            .map(KeyValue::Bool),
        Ty::Time => tx
            .first::<TimeKey>(sql)?
            .and_then(|r| r.k)
            .map(|t| KeyValue::Micros(t.and_utc().timestamp_micros())),
    };
    Ok(Position {
        key: value,
        id: id.to_owned(),
    })
}

#[cfg(test)]
mod tests;
