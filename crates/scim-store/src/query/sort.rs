//! Sorting: `sortBy` resolved to an SQL order on (key, id), and positions in it.

use chrono::DateTime;
use scim_proto::schema::{AttributeDef, AttributeType, Resolution};
use serde::{Deserialize, Serialize};

use super::filter::Ty;
use crate::dialect::{self, Dialect};
use crate::doc::{doc_key, encode_key};
use crate::error::StoreError;
use crate::kind::Kind;
use crate::model::SortBy;
use crate::sql::Sql;

/// What results are ordered by, besides the id.
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    pub(super) expr: Sql,
    pub(super) ty: Ty,
    pub(super) nullable: bool,
}

/// A resolved sort order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub(super) kind: Kind,
    pub(super) key: Option<SortKey>,
    pub(super) descending: bool,
    /// Identifies the order in cursors, so a cursor is not used with another one.
    pub(super) fingerprint: String,
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
    pub(super) fn by(&self, reverse: bool) -> Sql {
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
    pub(super) fn after(&self, pos: &Position, reverse: bool) -> Sql {
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

/// A sort-key value in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) enum KeyValue {
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "b")]
    Bool(bool),
    #[serde(rename = "m")]
    Micros(i64),
}

impl KeyValue {
    pub(super) fn bind(&self, sql: &mut Sql) {
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
pub(super) struct Position {
    #[serde(rename = "k")]
    pub(super) key: Option<KeyValue>,
    #[serde(rename = "i")]
    pub(super) id: String,
}
