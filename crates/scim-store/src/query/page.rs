//! Index paging (`LIMIT`/`OFFSET`) and cursor paging (keyset on (key, id), RFC 9865).

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use super::filter::Ty;
use super::opaque;
use super::sort::{KeyValue, Order, Position};
use crate::db::MultiBackend;
use crate::error::StoreError;
use crate::model::Paging;
use crate::rows::CountRow;
use crate::sql::Sql;

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

impl Cursor {
    fn encode(&self) -> String {
        opaque::encode(self)
    }

    fn decode(text: &str, order: &Order) -> Result<Cursor, StoreError> {
        let bad = |why: &str| StoreError::InvalidCursor(why.to_owned());
        let cursor: Cursor = opaque::decode(text)?;
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

/// Runs the statements of a page: the transaction (kept abstract so that this
/// module builds SQL without knowing transactions).
pub(crate) trait Load {
    /// Runs a query and maps its rows.
    fn load<R>(&mut self, sql: Sql) -> Result<Vec<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static;

    /// Runs a query expected to return at most one row.
    fn first<R>(&mut self, sql: Sql) -> Result<Option<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        Ok(self.load::<R>(sql)?.into_iter().next())
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

/// What a list query reads: `columns` `FROM from` (the kind's table, perhaps
/// joined with rows that only add columns).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub(crate) columns: &'a str,
    pub(crate) from: &'a str,
}

/// Runs a list query: the `rows` where `condition` (which selects
/// `tenant_id`'s rows of the kind's table) holds, in `order`, paged as `paging`
/// says; counts read the kind's table alone.
pub(crate) fn fetch_page<R, L: Load>(
    tx: &mut L,
    tenant_id: &str,
    rows: Rows<'_>,
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
        let mut sql = Sql::from(&format!(
            "SELECT {} FROM {} WHERE ",
            rows.columns, rows.from
        ));
        sql.append(condition.clone());
        if let Some(extra) = extra {
            sql.push(" AND ").append(extra);
        }
        sql.append(order.by(reverse)).limit(limit, offset);
        sql
    };
    // Counting costs a second query; a first page that is not full already knows.
    let count_all = |tx: &mut L, known: Option<usize>| -> Result<u64, StoreError> {
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
            let position = |tx: &mut L, row: Option<&R>| -> Result<_, StoreError> {
                match row {
                    Some(row) => position_of(tx, order, tenant_id, id_of(row)).map(Some),
                    None => Ok(cursor.as_ref().map(|c| c.position.clone())),
                }
            };
            let exists = |tx: &mut L, pos: &Position, reverse: bool| {
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
fn position_of<L: Load>(
    tx: &mut L,
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
