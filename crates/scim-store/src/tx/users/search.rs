//! The admin API's user search: a prefix over the names people type, filters on
//! app-side state, four orders and keyset pages.
//!
//! Each order is a sort key plus a tie-break that together are unique in the
//! tenant, walked along an index of (tenant, key, tie-break) (migration
//! `admin_users`): a page reads its rows and one more, whatever its depth, and a
//! cursor is the position of the page's last row, so users inserted or changed
//! meanwhile are seen or not by their own position, never shifting others.
//! Nullable keys sort as `''`, which keeps them in the index order.
//!
//! The text search is a prefix (not a substring) so that it is a range in the
//! folded columns' indexes: the candidates are the union of four index ranges.

use chrono::DateTime;
use scim_proto::filter::{CompareOp, Operand};
use serde::{Deserialize, Serialize};

use super::rows_to_users;
use crate::dialect::{self, Dialect, prefix_upper_bound};
use crate::doc::fold;
use crate::error::StoreError;
use crate::model::{KeysetPage, User, UserOrder, UserSearch, UserStatus};
use crate::query::opaque;
use crate::rows::{CountRow, USER_COLUMNS, USER_ROWS, UserRow};
use crate::sql::Sql;
use crate::time::to_db;
use crate::tx::Tx;

/// Longest search text, in characters: longer ones cannot be a prefix of a name.
pub(crate) const MAX_Q_CHARS: usize = 256;

/// A sort key's value in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Key {
    #[serde(rename = "t")]
    Text(String),
    #[serde(rename = "m")]
    Micros(i64),
}

/// Where a page ended, under which order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "o")]
    order: String,
    #[serde(rename = "k")]
    key: Key,
    #[serde(rename = "t")]
    tie: String,
}

/// The SQL of an order: key and tie-break expressions, as the indexes name them.
fn columns(order: UserOrder) -> (&'static str, &'static str) {
    match order {
        // (user_name_folded, deletion_key) is the unique users_user_name.
        UserOrder::UserName => ("u.user_name_folded", "u.deletion_key"),
        UserOrder::DisplayName => ("COALESCE(u.display_name_folded, '')", "u.id"),
        // Along user_roles_role: the role row's own id column.
        UserOrder::Role => ("COALESCE(r.role, '')", "r.user_id"),
        UserOrder::LastChange => ("u.last_modified", "u.id"),
    }
}

fn fingerprint(order: UserOrder, descending: bool) -> String {
    let name = match order {
        UserOrder::UserName => "user_name",
        UserOrder::DisplayName => "display_name",
        UserOrder::Role => "role",
        UserOrder::LastChange => "last_change",
    };
    format!("{name}:{}", if descending { "d" } else { "a" })
}

/// The position of `user` in `order`: the values [`columns`] reads, computed
/// from the model as the writes compute the columns.
fn position(order: UserOrder, user: &User) -> (Key, String) {
    let id = user.id.clone();
    match order {
        UserOrder::UserName => {
            // deletion_key: '' while live, the id once soft-deleted.
            let tie = if user.deleted_at.is_some() {
                id
            } else {
                String::new()
            };
            (Key::Text(fold(&user.user_name)), tie)
        }
        UserOrder::DisplayName => (
            Key::Text(user.display_name.as_deref().map(fold).unwrap_or_default()),
            id,
        ),
        UserOrder::Role => (Key::Text(user.role.clone().unwrap_or_default()), id),
        UserOrder::LastChange => (Key::Micros(user.last_modified.timestamp_micros()), id),
    }
}

/// `column` starts with `lo` (folded): a range of the column's index.
fn starts_with(sql: &mut Sql, column: &str, lo: &str, hi: Option<&str>) {
    sql.push(column).push(" >= ").text(lo);
    if let Some(hi) = hi {
        sql.push(" AND ").push(column).push(" < ").text(hi);
    }
}

/// The ids of the tenant's users with a name, e-mail or externalId starting
/// with `q` (a user may appear more than once): four index ranges.
fn text_matches(tenant_id: &str, q: &str) -> Sql {
    let lo = fold(q);
    let hi = prefix_upper_bound(&lo);
    let mut sql = Sql::new();
    for (i, column) in [
        "user_name_folded",
        "display_name_folded",
        "external_id_folded",
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT x.id AS id FROM users x WHERE x.tenant_id = ")
            .text(tenant_id)
            .push(" AND ");
        starts_with(&mut sql, &format!("x.{column}"), &lo, hi.as_deref());
    }
    sql.push(" UNION ALL SELECT e.user_id AS id FROM user_emails e WHERE e.tenant_id = ")
        .text(tenant_id)
        .push(" AND ");
    starts_with(&mut sql, "e.value_folded", &lo, hi.as_deref());
    sql
}

/// ` AND` the text `q` matches the row itself: for a page that starts from a
/// few users ([`sparse_state_condition`]), testing each of them is cheaper
/// than gathering every match of the text (a common prefix matches most of the
/// tenant). The e-mails are read from the row's filter document (`crate::doc`,
/// folded as the side table is) and, for the rare rows whose document is
/// inexact, from the side table.
fn text_in_row(dialect: Dialect, tenant_id: &str, q: &str) -> Result<Sql, StoreError> {
    let lo = fold(q);
    let in_document =
        dialect::value_compare(dialect, "v", CompareOp::Sw, &Operand::Str(lo.clone()))
            .ok_or_else(|| StoreError::invalid("the search text is not a string"))?;
    let hi = prefix_upper_bound(&lo);
    let mut sql = Sql::from(" AND (");
    for column in [
        "u.user_name_folded",
        "u.display_name_folded",
        "u.external_id_folded",
    ] {
        sql.push("(");
        starts_with(&mut sql, column, &lo, hi.as_deref());
        sql.push(") OR ");
    }
    sql.push("(u.filter_exact AND EXISTS (SELECT 1 FROM ")
        .append(dialect::doc_elements(dialect, "u", "emails", "e"))
        .push(", ")
        .append(dialect::element_values(dialect, "e", Some("value"), "v"))
        .push(" WHERE ")
        .append(in_document)
        .push(")) OR (NOT u.filter_exact AND u.id IN (SELECT e.user_id FROM user_emails e WHERE e.tenant_id = ")
        .text(tenant_id)
        .push(" AND ");
    starts_with(&mut sql, "e.value_folded", &lo, hi.as_deref());
    sql.push(")))");
    Ok(sql)
}

/// Up to this many matches of a text are read first and sorted; with more, a
/// page fills quickly along the order's index, testing each row.
const FEW_MATCHES: u64 = 2_000;

/// ` AND ... IN (matches)`, in the form that suits how many `matches` there
/// are: `u.id IN` lets the planner start from the matches; where the dialect
/// needs it ([`dialect::hides_ids_from_planner`]), `(u.id || '') IN` makes it
/// walk the order's index instead when there are many.
fn text_condition(tx: &mut Tx<'_>, matches: Sql) -> Result<Sql, StoreError> {
    let many = dialect::hides_ids_from_planner(tx.dialect()) && {
        let mut probe = Sql::from("SELECT COUNT(*) AS n FROM (");
        probe
            .append(matches.clone())
            .push(&format!(" LIMIT {}) m", FEW_MATCHES + 1));
        let found = tx.first::<CountRow>(probe)?.map_or(0, |r| r.n);
        u64::try_from(found).unwrap_or(u64::MAX) > FEW_MATCHES
    };
    let mut sql = Sql::from(if many {
        " AND (u.id || '') IN ("
    } else {
        " AND u.id IN ("
    });
    sql.append(matches).push(")");
    Ok(sql)
}

/// ` AND u.id IN (the users the app-state filters select)` when those are few,
/// so the page starts from them (through `user_roles_role`, `users_locked`)
/// instead of walking the order's index and testing every row of the tenant
/// for a filter that matches almost nobody; nothing when the filters select
/// many (a page then fills quickly along the order's index).
fn sparse_state_condition(
    tx: &mut Tx<'_>,
    conditions: &StateConditions,
) -> Result<Option<Sql>, StoreError> {
    let mut probe = Sql::from(&format!(
        "SELECT COUNT(*) AS n FROM (SELECT u.id FROM {USER_ROWS} WHERE "
    ));
    probe
        .append(conditions.indexed.clone())
        .push(&format!(" LIMIT {}) m", FEW_MATCHES + 1))
        .no_cache();
    let found = tx.first::<CountRow>(probe)?.map_or(0, |r| r.n);
    if u64::try_from(found).unwrap_or(u64::MAX) > FEW_MATCHES {
        return Ok(None);
    }
    let mut sql = Sql::from(&format!(
        " AND u.id IN (SELECT u.id FROM {USER_ROWS} WHERE "
    ));
    sql.append(conditions.indexed.clone()).push(")");
    Ok(Some(sql))
}

/// The users the app-state filters select, written twice: `scanned` for a page
/// that walks the order's index testing each row, `indexed` for reading the
/// selected users through the filters' own indexes.
#[derive(Debug)]
pub(super) struct StateConditions {
    pub(super) scanned: Sql,
    pub(super) indexed: Sql,
}

/// The statement of one page: the users where `condition` holds, after the
/// cursor's position, in the search's order, one more than the page holds.
fn page_query(
    condition: &Sql,
    search: &UserSearch,
    cursor: Option<&Cursor>,
) -> Result<Sql, StoreError> {
    let (key, tie) = columns(search.order);
    let dir = if search.descending { " DESC" } else { "" };
    let mut sql = Sql::select(USER_COLUMNS, &format!(" FROM {USER_ROWS} WHERE "));
    sql.append(condition.clone());
    if let Some(cursor) = cursor {
        let foreign = || StoreError::InvalidCursor("not a cursor of this server".to_owned());
        if cursor.order != fingerprint(search.order, search.descending) {
            return Err(StoreError::InvalidCursor(
                "the cursor belongs to a list in another order".to_owned(),
            ));
        }
        let op = if search.descending { "<" } else { ">" };
        sql.push(&format!(" AND ({key}, {tie}) {op} ("));
        match (&cursor.key, search.order) {
            (Key::Micros(m), UserOrder::LastChange) => {
                let at = DateTime::from_timestamp_micros(*m).ok_or_else(foreign)?;
                sql.time(to_db(at));
            }
            (Key::Text(t), UserOrder::UserName | UserOrder::DisplayName | UserOrder::Role) => {
                sql.text(t.as_str());
            }
            _ => return Err(foreign()),
        }
        sql.push(", ").text(cursor.tie.as_str()).push(")");
    }
    sql.push(&format!(" ORDER BY {key}{dir}, {tie}{dir}"))
        .limit(search.limit.saturating_add(1), 0);
    // Planned for its own values each time: PostgreSQL's generic plan of a
    // cached statement cannot tell a filter that selects 1% from one that
    // selects 99% (the `inactive` page: 67-87 ms cached, 4-8 ms uncached;
    // docs/benchmarks.md).
    sql.no_cache();
    Ok(sql)
}

/// One page of the search; `condition` selects the tenant's users by app state.
pub(super) fn search(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    conditions: StateConditions,
    search: &UserSearch,
) -> Result<KeysetPage<User>, StoreError> {
    if search.limit == 0 {
        return Err(StoreError::invalid("a page holds at least one user"));
    }
    let mut condition = conditions.scanned.clone();
    // Only filters an index serves (the role, `active`, the partial indexes
    // of the locked and of the deleted users): for the others (active,
    // unlocked) the probe itself would read most of the tenant, and they match
    // most users, so the walk fills a page at once.
    let indexed = search.role.is_some()
        || search.locked == Some(true)
        || matches!(
            search.status,
            Some(UserStatus::Inactive | UserStatus::Deleted)
        );
    let narrowed = if indexed {
        sparse_state_condition(tx, &conditions)?
    } else {
        None
    };
    let few_rows = narrowed.is_some();
    if let Some(narrow) = narrowed {
        condition.append(narrow);
    }
    let q = search.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = q {
        if q.chars().count() > MAX_Q_CHARS {
            return Err(StoreError::invalid(format!(
                "the search text is longer than {MAX_Q_CHARS} characters"
            )));
        }
        condition.append(if few_rows {
            text_in_row(tx.dialect(), tenant_id, q)?
        } else {
            text_condition(tx, text_matches(tenant_id, q))?
        });
    }
    let cursor = search
        .cursor
        .as_deref()
        .map(opaque::decode::<Cursor>)
        .transpose()?;
    let sql = page_query(&condition, search, cursor.as_ref())?;
    let mut users = rows_to_users(tx.load::<UserRow>(sql)?)?;
    let more = users.len() as u64 > search.limit;
    users.truncate(usize::try_from(search.limit).unwrap_or(usize::MAX));
    let next_cursor = match users.last() {
        Some(last) if more => {
            let (key, tie) = position(search.order, last);
            Some(opaque::encode(&Cursor {
                order: fingerprint(search.order, search.descending),
                key,
                tie,
            }))
        }
        _ => None,
    };
    Ok(KeysetPage {
        items: users,
        next_cursor,
    })
}

#[cfg(test)]
mod tests;
