//! Everything that differs between SQLite and PostgreSQL, in one place.
//!
//! The rest of the crate writes SQL in the dialect both backends share (standard
//! SQL plus `ON CONFLICT DO NOTHING` and `RETURNING`, which both support) and asks
//! this module for the few pieces that differ: connection set-up, transaction
//! starts, migrations, row locks, the tenant write gate, event numbering, text
//! ordering and the JSON operators used by filter translation.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, QueryResult, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use scim_proto::filter::{CompareOp, Operand};

use crate::db::DbConnection;
use crate::error::StoreError;
use crate::sql::Sql;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises concurrent `migrate` calls of several processes on one PostgreSQL database.
const MIGRATION_LOCK_KEY: i64 = 0x5c1a_5707;

/// Which SQL dialect a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub(crate) fn of(conn: &DbConnection) -> Dialect {
        match conn {
            DbConnection::Sqlite(_) => Dialect::Sqlite,
            DbConnection::Pg(_) => Dialect::Postgres,
        }
    }
}

/// What a pooled SQLite connection is for: readers are opened `query_only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Reader,
    Writer,
}

/// Per-connection SQLite settings. WAL with `synchronous=NORMAL` survives a killed
/// process (not a power cut); readers are `query_only` so that only the single
/// writer can ever write. Checkpoints run on a background connection (see
/// [`checkpoint`]); the writer's own automatic checkpoint at 10,000 pages (40 MB)
/// only bounds the WAL should the background checkpoints fall behind.
pub(crate) fn prepare_sqlite(
    conn: &mut DbConnection,
    role: Role,
    busy_timeout: Duration,
) -> QueryResult<()> {
    let mut pragmas = format!(
        "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
         PRAGMA mmap_size = 2147418112; PRAGMA temp_store = MEMORY;",
        busy_timeout.as_millis()
    );
    match role {
        // The writer keeps recently written pages (8 MB) so that it rarely reads
        // them back from the WAL; readers read through the memory map.
        Role::Writer => pragmas.push_str(
            " PRAGMA journal_mode = WAL; PRAGMA journal_size_limit = 67108864; \
             PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -8000;",
        ),
        Role::Reader => pragmas.push_str(" PRAGMA query_only = ON;"),
    }
    conn.batch_execute(&pragmas)
}

/// Copies committed WAL frames into the database file without blocking the
/// writer or readers (`PASSIVE`), so that commits do not pay for it.
pub(crate) fn checkpoint(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)"),
        DbConnection::Pg(_) => Ok(()),
    }
}

/// Whether a read or a write transaction is starting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxKind {
    Read,
    Write,
}

/// Starts a transaction, tracked by diesel's transaction manager (so a connection
/// left inside one counts as broken and is never reused).
///
/// - SQLite writes take the write lock up front (`BEGIN IMMEDIATE`): a second
///   process on the same file waits for it (busy timeout) instead of failing later.
/// - PostgreSQL reads run as one `REPEATABLE READ` snapshot, so a page and its
///   `totalResults` agree; writes run in `READ COMMITTED` and rely on row locks and
///   version checks.
pub(crate) fn begin(conn: &mut DbConnection, kind: TxKind) -> QueryResult<()> {
    match (conn, kind) {
        (DbConnection::Sqlite(c), TxKind::Read) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")
        }
        (DbConnection::Sqlite(c), TxKind::Write) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        (DbConnection::Pg(c), TxKind::Read) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        ),
        (DbConnection::Pg(c), TxKind::Write) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")
        }
    }
}

/// Commits the transaction started by [`begin`].
pub(crate) fn commit(conn: &mut DbConnection) -> QueryResult<()> {
    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
}

/// Rolls back the transaction started by [`begin`].
pub(crate) fn rollback(conn: &mut DbConnection) -> QueryResult<()> {
    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
}

/// Whether the connection is inside a transaction (after a panic in a closure).
pub(crate) fn in_transaction(conn: &mut DbConnection) -> bool {
    <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_or(true, |depth| depth.is_some())
}

/// Applies pending migrations; idempotent.
pub(crate) fn migrate(conn: &mut DbConnection) -> Result<(), StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(failed)?;
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            result.map_err(failed)?;
        }
    }
    Ok(())
}

/// Appends the clause that locks the selected rows until commit, for a change that
/// keeps their keys: `FOR NO KEY UPDATE`, which does not conflict with the key-share
/// locks PostgreSQL takes for foreign-key checks, so adding a membership row does not
/// wait for (or deadlock with) a transaction that holds the user or group it names.
/// SQLite has no row locks and needs none: its single writer serialises every write
/// transaction. Only the rows of the table aliased `alias` are locked (a user is
/// read with its role row, which role writes change without locking the user).
pub(crate) fn lock_rows(dialect: Dialect, sql: &mut Sql, alias: &str) {
    match dialect {
        Dialect::Sqlite => {}
        Dialect::Postgres => {
            sql.push(" FOR NO KEY UPDATE OF ").push(alias);
        }
    }
}

/// How a transaction holds a tenant's write gate (see `Tx::enter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gate {
    /// Changes to the tenant's data: any number at once.
    Shared,
    /// Changes to the tenant itself (rules, settings, deletion): alone.
    Exclusive,
}

/// Seeds that derive a tenant's advisory-lock keys from its id: one key for its
/// write gate, another for its event sequencer (PostgreSQL `hashtextextended`, stable
/// across versions since hash partitioning depends on it).
const GATE_SEED: i64 = 0x5c1a_0001;
const SEQUENCER_SEED: i64 = 0x5c1a_0002;

fn advisory_lock(function: &str, tenant_id: &str, seed: i64) -> Sql {
    let mut sql = Sql::from(&format!("SELECT {function}(hashtextextended("));
    sql.text(tenant_id).push(&format!(", {seed}))"));
    sql
}

/// The statement that takes the tenant's write gate until the transaction ends, or
/// `None` where none is needed (SQLite: one writer).
///
/// PostgreSQL advisory locks rather than row locks on the tenant row: the lock
/// manager queues requests fairly, so a rule edit waiting for the gate holds back
/// writers that arrive after it, whereas share locks on a row let newcomers overtake
/// a waiting `FOR UPDATE` for as long as their stream lasts. They also write nothing
/// (no tuple header change, no WAL, no multixact).
pub(crate) fn tenant_gate(dialect: Dialect, tenant_id: &str, gate: Gate) -> Option<Sql> {
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some(advisory_lock(
            match gate {
                Gate::Shared => "pg_advisory_xact_lock_shared",
                Gate::Exclusive => "pg_advisory_xact_lock",
            },
            tenant_id,
            GATE_SEED,
        )),
    }
}

/// Whether events get their sequence number when inserted (SQLite: the single writer
/// commits in insertion order) rather than from the sequencer after commit
/// (PostgreSQL).
pub(crate) fn numbers_events_on_insert(dialect: Dialect) -> bool {
    dialect == Dialect::Sqlite
}

/// The highest number given to an event of `tenant_id` (0 for none): where
/// numbering on insert and the sequencer both continue from, so they agree.
pub(crate) fn last_event_seq(tenant_id: &str) -> Sql {
    let mut sql = Sql::from("COALESCE((SELECT seq FROM events WHERE tenant_id = ");
    sql.text(tenant_id)
        .push(" AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1), 0)");
    sql
}

/// The `seq` value of a new event of `tenant_id`: the next number where events are
/// numbered on insert, else `NULL` (numbered later by the sequencer).
pub(crate) fn new_event_seq(dialect: Dialect, tenant_id: &str) -> Sql {
    if numbers_events_on_insert(dialect) {
        let mut sql = last_event_seq(tenant_id);
        sql.push(" + 1");
        sql
    } else {
        Sql::from("NULL")
    }
}

/// The statement that makes this transaction the tenant's only sequencer until it
/// ends, or `None` where events are numbered on insert.
pub(crate) fn sequencer_lock(dialect: Dialect, tenant_id: &str) -> Option<Sql> {
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some(advisory_lock(
            "pg_advisory_xact_lock",
            tenant_id,
            SEQUENCER_SEED,
        )),
    }
}

// ---------------------------------------------------------------------------
// Filter SQL. The filter document's shape is described in `crate::doc`.

/// The JSON path of a document key (SQLite); keys are percent-encoded, so they
/// never contain `"`.
fn sqlite_key_path(key: &str) -> String {
    format!("$.\"{key}\"")
}

/// `FROM`-list item: the elements of attribute `key` of row `row`, as alias `e`.
pub(crate) fn doc_elements(dialect: Dialect, row: &str, key: &str, e: &str) -> Sql {
    let mut sql = Sql::new();
    match dialect {
        Dialect::Sqlite => {
            sql.push(&format!("json_each({row}.filter_doc, "))
                .text(sqlite_key_path(key))
                .push(&format!(") AS {e}"));
        }
        Dialect::Postgres => {
            sql.push(&format!("jsonb_array_elements({row}.filter_jsonb -> "))
                .text(key)
                .push(&format!(") AS {e}(j)"));
        }
    }
    sql
}

/// `FROM`-list item: the scalar values of element `e` itself (`sub` = `None`) or of
/// its sub-attribute `sub`, as alias `v`.
pub(crate) fn element_values(dialect: Dialect, e: &str, sub: Option<&str>, v: &str) -> Sql {
    let mut sql = Sql::new();
    match (dialect, sub) {
        (Dialect::Sqlite, None) => {
            sql.push(&format!("json_each({e}.value, '$.v') AS {v}"));
        }
        (Dialect::Sqlite, Some(sub)) => {
            sql.push(&format!("json_each({e}.value, "))
                .text(format!("$.s.\"{sub}\""))
                .push(&format!(") AS {v}"));
        }
        (Dialect::Postgres, None) => {
            sql.push(&format!("jsonb_array_elements({e}.j -> 'v') AS {v}(j)"));
        }
        (Dialect::Postgres, Some(sub)) => {
            sql.push(&format!("jsonb_array_elements({e}.j -> 's' -> "))
                .text(sub)
                .push(&format!(") AS {v}(j)"));
        }
    }
    sql
}

/// Whether element `e` is present (`pr` on the attribute itself).
pub(crate) fn element_present(dialect: Dialect, e: &str) -> Sql {
    Sql::from(&match dialect {
        Dialect::Sqlite => format!("({e}.value ->> '$.p') = 1"),
        Dialect::Postgres => format!("({e}.j -> 'p') = 'true'::jsonb"),
    })
}

/// Whether value `v` is present: every stored value is, except the empty string.
pub(crate) fn value_present(dialect: Dialect, v: &str) -> Sql {
    Sql::from(&match dialect {
        Dialect::Sqlite => format!("NOT ({v}.type = 'text' AND {v}.value = '')"),
        Dialect::Postgres => {
            format!("NOT (jsonb_typeof({v}.j) = 'string' AND ({v}.j #>> '{{}}') = '')")
        }
    })
}

/// The SQL comparison operator of an ordering or equality test.
pub(crate) fn sql_op(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Eq | CompareOp::Ne | CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "=",
    }
}

/// `lhs op needle` for strings, in code-point order. `lhs` must be a text
/// expression that is not NULL where this is evaluated.
pub(crate) fn text_compare(dialect: Dialect, lhs: &Sql, op: CompareOp, needle: &str) -> Sql {
    let collate = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " COLLATE \"C\"",
    };
    let mut sql = Sql::new();
    let ordered = |sql: &mut Sql, op: &str, value: &str| {
        sql.append(lhs.clone())
            .push(collate)
            .push(" ")
            .push(op)
            .push(" ")
            .text(value);
    };
    if let Some(nul) = needle.find('\0') {
        // Stored strings never contain NUL (the store refuses it), so equality and
        // substring tests fail, and ordering against "p\0..." is ordering against
        // "p" with equality counted as "less".
        let prefix = &needle[..nul];
        match op {
            CompareOp::Gt | CompareOp::Ge => ordered(&mut sql, ">", prefix),
            CompareOp::Lt | CompareOp::Le => ordered(&mut sql, "<=", prefix),
            _ => {
                sql.push("FALSE");
            }
        }
        return sql;
    }
    match op {
        CompareOp::Eq | CompareOp::Ne => {
            sql.append(lhs.clone()).push(" = ").text(needle);
        }
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
            ordered(&mut sql, sql_op(op), needle);
        }
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew if needle.is_empty() => {
            sql.push("TRUE");
        }
        CompareOp::Co => {
            let f = match dialect {
                Dialect::Sqlite => "instr(",
                Dialect::Postgres => "strpos(",
            };
            sql.push(f)
                .append(lhs.clone())
                .push(", ")
                .text(needle)
                .push(") > 0");
        }
        CompareOp::Sw => {
            // A range, so that an index on `lhs` can serve it.
            sql.push("(");
            ordered(&mut sql, ">=", needle);
            if let Some(upper) = prefix_upper_bound(needle) {
                sql.push(" AND ");
                ordered(&mut sql, "<", &upper);
            }
            sql.push(")");
        }
        CompareOp::Ew => {
            let chars = i64::try_from(needle.chars().count()).unwrap_or(i64::MAX);
            match dialect {
                Dialect::Sqlite => {
                    sql.push("substr(")
                        .append(lhs.clone())
                        .push(", ")
                        .int(-chars);
                }
                Dialect::Postgres => {
                    sql.push("right(")
                        .append(lhs.clone())
                        .push(", CAST(")
                        .int(chars)
                        .push(" AS INTEGER)");
                }
            }
            sql.push(") = ").text(needle);
        }
    }
    sql
}

/// Whether a search with many matches is written so that the planner walks
/// the query's order and tests each row instead of starting from the matches:
/// SQLite otherwise always starts from the rows of an `IN` list. PostgreSQL
/// weighs both by its statistics, and the opaque `id || ''` that hides the index
/// from SQLite wrecks its estimates (a nested loop over the matches per row).
pub(crate) fn hides_ids_from_planner(dialect: Dialect) -> bool {
    dialect == Dialect::Sqlite
}

/// The smallest string greater than every string starting with `prefix`, in
/// code-point order; `None` if there is none.
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            char::MAX => continue,
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Whether JSON value `v` compares with `operand` as the operator says. `None`
/// means the comparison needs a type the store keeps only in columns.
pub(crate) fn value_compare(
    dialect: Dialect,
    v: &str,
    op: CompareOp,
    operand: &Operand,
) -> Option<Sql> {
    let mut sql = Sql::new();
    let substring = op.is_substring();
    match (dialect, operand) {
        (_, Operand::DateTime(_)) => return None,
        (_, Operand::Bool(_) | Operand::Int(_) | Operand::Dec(_)) if substring => {
            sql.push("FALSE");
        }
        (Dialect::Sqlite, Operand::Str(needle)) => {
            sql.push(&format!("({v}.type = 'text' AND "))
                .append(text_compare(
                    dialect,
                    &Sql::from(&format!("{v}.value")),
                    op,
                    needle,
                ))
                .push(")");
        }
        (Dialect::Postgres, Operand::Str(needle)) => {
            sql.push(&format!("CASE WHEN jsonb_typeof({v}.j) = 'string' THEN "))
                .append(text_compare(
                    dialect,
                    &Sql::from(&format!("({v}.j #>> '{{}}')")),
                    op,
                    needle,
                ))
                .push(" ELSE FALSE END");
        }
        (Dialect::Sqlite, Operand::Bool(b)) => {
            sql.push(&format!(
                "({v}.type IN ('true', 'false') AND {v}.value {} ",
                sql_op(op)
            ))
            .int(i64::from(*b))
            .push(")");
        }
        (Dialect::Postgres, Operand::Bool(b)) => {
            sql.push(&format!(
                "CASE WHEN jsonb_typeof({v}.j) = 'boolean' THEN ({v}.j)::boolean {} ",
                sql_op(op)
            ))
            .boolean(*b)
            .push(" ELSE FALSE END");
        }
        (Dialect::Sqlite, Operand::Int(i)) => {
            let o = sql_op(op);
            sql.push(&format!(
                "({v}.type = 'object' AND CASE WHEN ({v}.value -> '$.i') IS NOT NULL \
                 THEN ({v}.value ->> '$.i') {o} "
            ))
            .int(*i)
            .push(&format!(" ELSE ({v}.value ->> '$.f') {o} "))
            .float(int_as_float(*i))
            .push(" END)");
        }
        (Dialect::Postgres, Operand::Int(i)) => {
            let o = sql_op(op);
            sql.push(&format!(
                "CASE WHEN jsonb_typeof({v}.j) = 'object' THEN CASE WHEN ({v}.j -> 'i') IS NOT NULL \
                 THEN ({v}.j -> 'i')::bigint {o} "
            ))
            .int(*i)
            .push(&format!(" ELSE ({v}.j -> 'f')::float8 {o} "))
            .float(int_as_float(*i))
            .push(" END ELSE FALSE END");
        }
        (Dialect::Sqlite, Operand::Dec(d)) => {
            sql.push(&format!(
                "({v}.type = 'object' AND ({v}.value ->> '$.f') {} ",
                sql_op(op)
            ))
            .float(*d)
            .push(")");
        }
        (Dialect::Postgres, Operand::Dec(d)) => {
            sql.push(&format!(
                "CASE WHEN jsonb_typeof({v}.j) = 'object' THEN ({v}.j -> 'f')::float8 {} ",
                sql_op(op)
            ))
            .float(*d)
            .push(" ELSE FALSE END");
        }
    }
    Some(sql)
}

/// The evaluator compares an integer operand with a non-integer number as `f64`.
#[allow(clippy::cast_precision_loss)]
fn int_as_float(i: i64) -> f64 {
    i as f64
}

/// `meta.version` as rendered (`scim_proto::render::resource_etag`:
/// `W/"<id>/<n>"`), for filters and sorting.
pub(crate) fn version_text(dialect: Dialect, row: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("('W/\"' || {row}.id || '/' || {row}.version || '\"')"),
        Dialect::Postgres => {
            format!("(('W/\"' || {row}.id || '/' || {row}.version || '\"') COLLATE \"C\")")
        }
    }
}

/// The sort key of a text attribute kept in the filter document: the first string
/// of the first element, or of the first element whose `primary` is true when
/// `primary_first`. `NULL` when there is none.
pub(crate) fn doc_sort_key(
    dialect: Dialect,
    row: &str,
    key: &str,
    sub: Option<&str>,
    primary_first: bool,
) -> Sql {
    let mut sql = Sql::new();
    match dialect {
        Dialect::Sqlite => {
            sql.push("(SELECT sv.value FROM json_each(")
                .push(row)
                .push(".filter_doc, ")
                .text(sqlite_key_path(key))
                .push(") AS se, json_each(se.value, ");
            match sub {
                Some(sub) => sql.text(format!("$.s.\"{sub}\"")),
                None => sql.push("'$.v'"),
            };
            sql.push(") AS sv WHERE sv.type = 'text' ORDER BY ");
            if primary_first {
                sql.push(
                    "NOT EXISTS (SELECT 1 FROM json_each(se.value, '$.s.\"primary\"') AS sp \
                     WHERE sp.type = 'true'), ",
                );
            }
            sql.push("se.key, sv.key LIMIT 1)");
        }
        Dialect::Postgres => {
            sql.push("((SELECT sv.j #>> '{}' FROM jsonb_array_elements(")
                .push(row)
                .push(".filter_jsonb -> ")
                .text(key)
                .push(") WITH ORDINALITY AS se(j, n), jsonb_array_elements(se.j -> ");
            match sub {
                Some(sub) => sql.push("'s' -> ").text(sub),
                None => sql.push("'v'"),
            };
            sql.push(") WITH ORDINALITY AS sv(j, m) WHERE jsonb_typeof(sv.j) = 'string' ORDER BY ");
            if primary_first {
                sql.push(
                    "NOT EXISTS (SELECT 1 FROM jsonb_array_elements(se.j -> 's' -> 'primary') \
                     AS sp(j) WHERE sp.j = 'true'::jsonb), ",
                );
            }
            sql.push("se.n, sv.m LIMIT 1) COLLATE \"C\")");
        }
    }
    sql
}
