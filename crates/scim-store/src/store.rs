//! [`Store`]: opening, migrating, and running read and write transactions.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use diesel::connection::SimpleConnection;

use crate::checkpoint::Checkpointer;
use crate::conn::{Manager, Pool, Target, unavailable};
use crate::db::DbConnection;
use crate::dialect::{self, Role};
use crate::error::StoreError;
use crate::model::Event;
use crate::sequencer::Sequencer;
use crate::tx::run::{number_events_with, retrying, run_read, run_write};
use crate::tx::{ReadTx, TenantCache, WriteTx};
use crate::usage::{PoolUse, file_size, wal_path};

/// Connection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Pool size: SQLite readers, or PostgreSQL connections of this process.
    pub max_connections: u32,
    /// How long to wait for a pooled connection before giving up with
    /// [`StoreError::Unavailable`].
    pub connection_timeout: Duration,
    /// SQLite: how long a statement waits for a lock held by another process.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            max_connections: 8,
            connection_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

enum Backend {
    /// Many readers, exactly one writer connection: SQLite allows one writer at a
    /// time anyway, and queueing writers here (instead of in SQLite's busy loop)
    /// keeps latency flat and the WAL bounded.
    Sqlite(Box<SqliteBackend>),
    /// Every transaction takes a pooled connection; correctness across processes
    /// comes from the database (gates, row locks, version checks), never from this
    /// process.
    Postgres(Box<PostgresBackend>),
}

struct PostgresBackend {
    pool: Pool,
    sequencer: Sequencer,
}

struct SqliteBackend {
    readers: Pool,
    writer: Mutex<DbConnection>,
    writer_manager: Manager,
    _checkpointer: Checkpointer,
}

/// How long [`Store::ping`] waits for a pooled connection.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The storage of users, groups, memberships, tenants, tokens and events, on SQLite
/// or PostgreSQL. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Store {
    backend: Backend,
    tenant_cache: TenantCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        };
        f.debug_struct("Store").field("backend", &backend).finish()
    }
}

impl Store {
    /// Opens the database at `url`: `sqlite://path/to/file.db` (the file is created
    /// if missing; `sqlite:///abs/path` for absolute paths) or `postgres://...` /
    /// `postgresql://...`. Does not migrate; see [`Store::migrate`].
    pub fn open(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let target = Target::parse(url)?;
        let manager = |role| Manager::new(target.clone(), role, options.busy_timeout);
        let pool = |role| {
            Pool::new(
                manager(role),
                options.max_connections,
                options.connection_timeout,
            )
        };
        let backend = match &target {
            Target::Sqlite(_) => {
                let writer_manager = manager(Role::Writer);
                let writer = writer_manager.open().map_err(unavailable)?;
                let checkpointer = Checkpointer::start(&manager(Role::Writer))?;
                Backend::Sqlite(Box::new(SqliteBackend {
                    readers: pool(Role::Reader),
                    writer: Mutex::new(writer),
                    writer_manager,
                    _checkpointer: checkpointer,
                }))
            }
            Target::Postgres(_) => {
                let pool = pool(Role::Writer);
                // Fail now, not at the first request, when the server is unreachable.
                drop(pool.get()?);
                let sequencer = Sequencer::start(pool.clone())?;
                Backend::Postgres(Box::new(PostgresBackend { pool, sequencer }))
            }
        };
        Ok(Store {
            backend,
            tenant_cache: TenantCache::default(),
        })
    }

    /// Applies the embedded migrations that have not been applied yet. Idempotent,
    /// and safe when several processes start at once.
    pub fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => {
                let mut writer = self.writer()?;
                dialect::migrate(&mut writer)
            }
            Backend::Postgres(pg) => dialect::migrate(&mut *pg.pool.get()?),
        }
    }

    /// Refreshes the planner's statistics after a bulk load: PostgreSQL's
    /// `ANALYZE` of the store's tables (autovacuum does the same later on its
    /// own; until then, a freshly loaded tenant is read through poor plans).
    /// SQLite's statistics are written by the migrations and kept fixed (see
    /// the initial migration), so there it does nothing.
    pub fn analyze(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(()),
            Backend::Postgres(pg) => {
                pg.pool.get()?.batch_execute(
                    "ANALYZE users, user_roles, user_emails, groups, memberships, events",
                )?;
                Ok(())
            }
        }
    }

    /// Whether the database answers, for readiness probes: one trivial statement
    /// on a pooled (reader) connection, outside any transaction, waiting at most
    /// `PING_TIMEOUT` for a connection. It reads the tenants table, so an
    /// unmigrated or damaged database fails it too.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.readers.get_timeout(PING_TIMEOUT)?,
            Backend::Postgres(pg) => pg.pool.get_timeout(PING_TIMEOUT)?,
        };
        conn.batch_execute("SELECT 1 FROM tenants LIMIT 1")?;
        Ok(())
    }

    /// Copies a SQLite database to `target` (a new file) while the store is in
    /// use: one consistent snapshot, taken in a read transaction on a
    /// connection of its own, so writers go on. Restoring is replacing the database file with the copy while the
    /// server is stopped. A PostgreSQL store answers [`StoreError::Backup`]
    /// naming `pg_dump`.
    pub fn backup(&self, target: &std::path::Path) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(sqlite) => {
                // A connection of its own: the pooled readers are `query_only`,
                // which refuses `VACUUM INTO` (it writes, if another file).
                let mut conn = sqlite.writer_manager.open().map_err(unavailable)?;
                crate::backup::copy_into(&mut conn, target)
            }
            Backend::Postgres(_) => Err(crate::backup::postgres()),
        }
    }

    /// Each connection pool's use now: on SQLite the readers' pool and the one
    /// writer connection, on PostgreSQL the pool all transactions share.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        match &self.backend {
            Backend::Sqlite(sqlite) => {
                // The writer is checked out while its mutex is held.
                let busy = u32::from(sqlite.writer.try_lock().is_err());
                vec![
                    PoolUse::of("sqlite_readers", &sqlite.readers),
                    PoolUse {
                        pool: "sqlite_writer",
                        in_use: busy,
                        idle: 1 - busy,
                        max: 1,
                    },
                ]
            }
            Backend::Postgres(pg) => vec![PoolUse::of("postgres", &pg.pool)],
        }
    }

    /// The size in bytes of a SQLite database's write-ahead log (0 when there
    /// is none); `None` on PostgreSQL, whose WAL is the server's business.
    pub fn wal_size(&self) -> Option<std::io::Result<u64>> {
        let Backend::Sqlite(sqlite) = &self.backend else {
            return None;
        };
        let Target::Sqlite(database) = &sqlite.writer_manager.target else {
            return None;
        };
        Some(file_size(&wal_path(database)))
    }

    /// Runs `f` in a read-only transaction that sees one consistent snapshot.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut ReadTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.readers.get()?,
            Backend::Postgres(pg) => pg.pool.get()?,
        };
        run_read(&mut conn, &self.tenant_cache, f)
    }

    /// Runs `f` in a write transaction: committed if `f` returns `Ok`, rolled back
    /// if it returns `Err` (or panics).
    ///
    /// On PostgreSQL a tenant's write transactions run concurrently, so one may be
    /// chosen as the victim of a deadlock (or fail with a serialization failure). The
    /// database then undoes all of it, and `write` runs `f` again from the start on a
    /// new transaction, a few times, before giving up with
    /// [`StoreError::Unavailable`]. So `f` may run more than once: it must derive
    /// everything from its arguments and what it reads through the transaction, and
    /// keep side effects outside the database for after `write` returns.
    pub fn write<T, E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&mut WriteTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let (result, appended) = match &self.backend {
            Backend::Sqlite(_) => retrying(|| {
                let mut writer = self.writer()?;
                Ok(run_write(&mut writer, &self.tenant_cache, &mut f))
            }),
            Backend::Postgres(pg) => retrying(|| {
                let mut conn = pg.pool.get()?;
                Ok(run_write(&mut conn, &self.tenant_cache, &mut f))
            }),
        };
        if let Backend::Postgres(pg) = &self.backend {
            pg.sequencer.note(appended);
        }
        result
    }

    /// Numbers the tenant's committed events that have no sequence number yet (the
    /// sequencer, see [`Scoped::after`](crate::Scoped::after) of events) and returns how many it numbered. Readers
    /// of the log call it first, through [`Store::events`]; the store also runs it in
    /// the background shortly after each commit that appended events. Nothing to do
    /// on SQLite, which numbers events as they are inserted.
    pub fn number_events(&self, tenant_id: &str) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(0),
            Backend::Postgres(pg) => number_events_with(&pg.pool, tenant_id),
        }
    }

    /// The tenant's events after sequence number `after`, at most `limit`, in order,
    /// including every event committed before this call: runs the sequencer
    /// ([`Store::number_events`]), then reads ([`Scoped::after`](crate::Scoped::after) of events).
    pub fn events(
        &self,
        tenant_id: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        self.number_events(tenant_id)?;
        self.read(|tx| tx.tenant(tenant_id).events().after(after, limit))
    }

    /// The SQLite writer, cleaned up if a previous closure panicked inside it.
    pub(crate) fn writer(&self) -> Result<MutexGuard<'_, DbConnection>, StoreError> {
        let Backend::Sqlite(sqlite) = &self.backend else {
            return Err(StoreError::Config("not a SQLite store".to_owned()));
        };
        let mut guard = sqlite.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if dialect::in_transaction(&mut guard) {
            // A closure panicked mid-transaction: undo it, or start afresh.
            if dialect::rollback(&mut guard).is_err() || dialect::in_transaction(&mut guard) {
                *guard = sqlite.writer_manager.open().map_err(unavailable)?;
            }
        }
        Ok(guard)
    }
}
