//! Filters to SQL: see the module docs of [`crate::query`], *Filters*.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};
use scim_proto::filter::{Check, CompareOp, CompiledFilter, Located, Node, Operand};

use crate::dialect::{self, Dialect};
use crate::doc::{doc_key, encode_key, fold};
use crate::error::StoreError;
use crate::kind::Kind;
use crate::sql::Sql;

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
                if emails && let Some(narrow) = self.email_prefilter(at, check) {
                    let mut both = paren(narrow);
                    both.push(" AND ").append(sql);
                    return Ok(both);
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
            nanos.is_multiple_of(1_000),
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

#[cfg(test)]
mod tests;
