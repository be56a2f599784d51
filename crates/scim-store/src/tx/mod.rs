//! One open transaction ([`Tx`]) and the API over it.
//!
//! `handle` is the public face: [`ReadTx`], [`WriteTx`] and the tenant-scoped
//! [`TenantScope`] / [`Scoped`] handles. Each query is a method of a handle,
//! written once for both backends in the module of its subject (`tenants`,
//! `tokens`, `users`, `groups`, `events`, `connection`, `webhooks`); `list` is the SCIM list query users
//! and groups share, `gate` entering a tenant for write, `run` the running of a
//! closure in a transaction (commit, rollback, re-runs).

mod connection;
mod emails;
pub(crate) mod events;
mod gate;
mod groups;
mod handle;
mod list;
pub(crate) mod run;
mod tenants;
mod tokens;
mod users;
mod webhooks;

use diesel::RunQueryDsl;
use diesel::deserialize::QueryableByName;

pub(crate) use gate::TenantCache;
pub use handle::{
    Connection, Events, Groups, Read, ReadTx, Scoped, TenantScope, Tokens, Users, Webhooks, Write,
    WriteTx,
};

use crate::db::{DbConnection, MultiBackend};
use crate::dialect::{self, Dialect};
use crate::error::{ResourceKind, StoreError};
use crate::kind::Kind;
use crate::query::page::Load;
use crate::rows::IdRow;
use crate::sql::Sql;

/// Bind-list chunk size: well below SQLite's 32766 and PostgreSQL's 65535 binds.
pub(crate) const CHUNK: usize = 5_000;

/// One open transaction.
pub(crate) struct Tx<'c> {
    conn: &'c mut DbConnection,
    dialect: Dialect,
    tenant_cache: &'c TenantCache,
    /// Tenants whose write gate this transaction holds (PostgreSQL), with the
    /// strongest mode taken.
    entered: Vec<gate::Entered>,
    /// Tenants this transaction appended events to: once it commits, their events
    /// wait for the sequencer (PostgreSQL).
    appended: Vec<String>,
    /// A statement failed with a deadlock or a serialization failure: the database
    /// has given up this transaction, and the whole of it may be run again.
    conflicted: bool,
}

impl<'c> Tx<'c> {
    pub(crate) fn new(conn: &'c mut DbConnection, tenant_cache: &'c TenantCache) -> Tx<'c> {
        let dialect = Dialect::of(conn);
        Tx {
            conn,
            dialect,
            tenant_cache,
            entered: Vec::new(),
            appended: Vec::new(),
            conflicted: false,
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Whether a statement failed with a transient conflict (see [`crate::error::is_conflict`]).
    pub(crate) fn conflicted(&self) -> bool {
        self.conflicted
    }

    /// The tenants this transaction appended events to.
    pub(crate) fn into_appended(self) -> Vec<String> {
        self.appended
    }

    pub(crate) fn note_appended(&mut self, tenant_id: &str) {
        if !self.appended.iter().any(|t| t == tenant_id) {
            self.appended.push(tenant_id.to_owned());
        }
    }

    /// Converts a failed statement's error, remembering conflicts.
    fn failed(&mut self, error: diesel::result::Error) -> StoreError {
        if crate::error::is_conflict(&error) {
            self.conflicted = true;
        }
        error.into()
    }

    /// Runs a query and maps its rows.
    pub(crate) fn load<R>(&mut self, sql: Sql) -> Result<Vec<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        sql.load::<R>(self.conn).map_err(|e| self.failed(e))
    }

    /// Runs a query expected to return at most one row.
    pub(crate) fn first<R>(&mut self, sql: Sql) -> Result<Option<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        Ok(self.load::<R>(sql)?.into_iter().next())
    }

    /// Runs a statement, returning the number of affected rows.
    pub(crate) fn execute(&mut self, sql: Sql) -> Result<usize, StoreError> {
        sql.execute(self.conn).map_err(|e| self.failed(e))
    }

    /// Runs an INSERT or UPDATE whose only expected unique violation is a
    /// duplicate of `attribute`: the checks before it already rule out the others
    /// (row locks or the single writer keep them true), so this only maps what a
    /// bug or a caller reusing an id would hit.
    pub(crate) fn execute_unique(
        &mut self,
        sql: Sql,
        attribute: &'static str,
    ) -> Result<usize, StoreError> {
        use diesel::result::{DatabaseErrorKind, Error};
        match sql.execute(self.conn) {
            Ok(n) => Ok(n),
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)) => {
                let what = format!(
                    "{} {}",
                    info.message(),
                    info.constraint_name().unwrap_or("")
                );
                let attribute = if what.contains("user_name") {
                    "userName"
                } else if what.contains("display_name") {
                    "displayName"
                } else {
                    attribute
                };
                Err(StoreError::Conflict { attribute })
            }
            Err(e) => Err(self.failed(e)),
        }
    }
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("dialect", &self.dialect())
            .finish_non_exhaustive()
    }
}

impl Load for Tx<'_> {
    fn load<R>(&mut self, sql: Sql) -> Result<Vec<R>, StoreError>
    where
        R: QueryableByName<MultiBackend> + 'static,
    {
        Tx::load(self, sql)
    }
}

/// Fails with `PreconditionFailed` unless `expected` is absent or `actual`.
pub(crate) fn check_version(expected: Option<i64>, actual: i64) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != actual => {
            Err(StoreError::PreconditionFailed { expected, actual })
        }
        _ => Ok(()),
    }
}

/// Locks the tenant's rows of `kind` with these ids, in id order (PostgreSQL; on
/// SQLite the single writer already excludes everyone), after entering the
/// tenant.
pub(super) fn lock_rows(
    tx: &mut Tx<'_>,
    kind: Kind,
    tenant_id: &str,
    ids: &[String],
) -> Result<(), StoreError> {
    tx.enter(tenant_id)?;
    if tx.dialect() == Dialect::Sqlite {
        return Ok(());
    }
    let (table, a) = (kind.table(), kind.alias());
    for chunk in sorted_unique(ids).chunks(CHUNK) {
        let mut sql = Sql::from(&format!(
            "SELECT {a}.id FROM {table} {a} WHERE {a}.tenant_id = "
        ));
        sql.text(tenant_id)
            .push(&format!(" AND {a}.id IN "))
            .text_list(chunk)
            .push(&format!(" ORDER BY {a}.id"));
        dialect::lock_rows(tx.dialect(), &mut sql, a);
        tx.load::<IdRow>(sql)?;
    }
    Ok(())
}

/// `UPDATE {table} SET {set}` for one tenant-scoped row whose `key` column is
/// `id` (after entering the tenant); `NotFound` naming `what` when there is no
/// such row.
pub(crate) fn update_row(
    tx: &mut Tx<'_>,
    (table, key): (&str, &str),
    what: ResourceKind,
    tenant_id: &str,
    id: &str,
    set: Sql,
) -> Result<(), StoreError> {
    tx.enter(tenant_id)?;
    let mut sql = Sql::from(&format!("UPDATE {table} SET "));
    sql.append(set)
        .push(" WHERE tenant_id = ")
        .text(tenant_id)
        .push(&format!(" AND {key} = "))
        .text(id);
    if tx.execute(sql)? == 0 {
        return Err(StoreError::not_found(what, id));
    }
    Ok(())
}

/// Sorted, deduplicated copy of a list of ids.
pub(crate) fn sorted_unique(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}
