//! [`Store`]: opening, migrating, and running read and write transactions.

use std::collections::{BTreeSet, HashMap};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::conn::{DbConnection, Manager, Role, Target};
use crate::dialect::{self, TxKind};
use crate::error::StoreError;
use crate::model::{
    AdminUserQuery, Event, EventKind, Group, GroupRef, GroupUpdate, ListQuery, MemberPage,
    MemberRef, MembershipChange, NewEvent, NewGroup, NewTenant, NewToken, NewUser, Page, RoleLock,
    RoleUpdate, Tenant, TenantUpdate, Token, User, UserUpdate, UserWithGroups, Visibility,
};
use crate::tx::{TenantCache, Tx};

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
            connection_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

type Pool = r2d2::Pool<Manager>;

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
        let manager = |role| Manager {
            target: target.clone(),
            role,
            busy_timeout: options.busy_timeout,
        };
        let pool = |role| -> Result<Pool, StoreError> {
            let pool = r2d2::Pool::builder()
                .max_size(options.max_connections.max(1))
                .min_idle(Some(0))
                // No ping per checkout: a connection that broke fails its
                // transaction, is marked broken and is then dropped by the pool.
                .test_on_check_out(false)
                .connection_timeout(options.connection_timeout)
                .build(manager(role))?;
            Ok(pool)
        };
        let backend = match &target {
            Target::Sqlite(_) => {
                let writer_manager = manager(Role::Writer);
                let writer = writer_manager.open().map_err(unavailable)?;
                let checkpointer = Checkpointer::start(&manager(Role::Writer))?;
                Backend::Sqlite(Box::new(SqliteBackend {
                    readers: pool(Role::Reader)?,
                    writer: Mutex::new(writer),
                    writer_manager,
                    _checkpointer: checkpointer,
                }))
            }
            Target::Postgres(_) => {
                let pool = pool(Role::Writer)?;
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

    /// Runs `f` in a read-only transaction that sees one consistent snapshot.
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut dyn ReadTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = match &self.backend {
            Backend::Sqlite(sqlite) => sqlite.readers.get().map_err(StoreError::from)?,
            Backend::Postgres(pg) => pg.pool.get().map_err(StoreError::from)?,
        };
        run(&mut conn, &self.tenant_cache, TxKind::Read, |tx| f(tx))
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
        mut f: impl FnMut(&mut dyn WriteTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut f = |tx: &mut Tx<'_>| f(tx);
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
    /// sequencer, see [`ReadTx::events`]) and returns how many it numbered. Readers
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
    /// ([`Store::number_events`]), then reads ([`ReadTx::events`]).
    pub fn events(
        &self,
        tenant_id: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        self.number_events(tenant_id)?;
        self.read(|tx| tx.events(tenant_id, after, limit))
    }

    /// The SQLite writer, cleaned up if a previous closure panicked inside it.
    fn writer(&self) -> Result<MutexGuard<'_, DbConnection>, StoreError> {
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

/// How often the background connection checkpoints the SQLite WAL. Often enough
/// that the writer's own (blocking) checkpoint rarely has anything left to copy;
/// an idle check costs next to nothing.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(10);

/// A thread that checkpoints the SQLite WAL every `CHECKPOINT_INTERVAL` on its
/// own connection, so that the writer's commits never wait for a checkpoint's
/// copying and `fsync`s; it stops when the store is dropped.
struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(manager: &Manager) -> Result<Checkpointer, StoreError> {
        let mut conn = manager.open().map_err(unavailable)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("scim-store-checkpoint".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_INTERVAL)
                {
                    // A failed checkpoint (e.g. busy) is retried at the next tick.
                    let _ = dialect::checkpoint(&mut conn);
                }
            })
            .map_err(|e| StoreError::Unavailable {
                message: format!("cannot start the checkpoint thread: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn unavailable(error: diesel::r2d2::Error) -> StoreError {
    StoreError::Unavailable {
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}

fn run<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    tenant_cache: &TenantCache,
    kind: TxKind,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
) -> Result<T, E> {
    dialect::begin(conn, kind).map_err(StoreError::from)?;
    let result = f(&mut Tx::new(conn, tenant_cache));
    match result {
        Ok(value) => {
            dialect::commit(conn).map_err(StoreError::from)?;
            Ok(value)
        }
        Err(error) => {
            // A failed rollback leaves the connection marked broken; it is then
            // discarded (pool) or replaced (SQLite writer) before its next use.
            let _ = dialect::rollback(conn);
            Err(error)
        }
    }
}

/// Most runs of one write transaction that lost a conflict (see [`Store::write`]).
const MAX_ATTEMPTS: u32 = 8;

/// How one run of a write transaction ended.
enum Attempt<T, E> {
    /// Committed (`Ok`) or given up (`Err`); with the tenants whose events the
    /// commit left unnumbered.
    Finished(Result<T, E>, Vec<String>),
    /// The database gave the transaction up (deadlock, serialization failure):
    /// nothing of it was committed, and running it again may succeed. Holds what `f`
    /// returned.
    Conflicted(Result<T, E>),
}

/// Runs `attempt` until it finishes, at most [`MAX_ATTEMPTS`] times, pausing a
/// little longer after each conflict so that the winner can commit first.
fn retrying<T, E: From<StoreError>>(
    mut attempt: impl FnMut() -> Result<Attempt<T, E>, StoreError>,
) -> (Result<T, E>, Vec<String>) {
    let mut runs = 1;
    loop {
        match attempt() {
            Err(e) => return (Err(e.into()), Vec::new()),
            Ok(Attempt::Finished(result, appended)) => return (result, appended),
            Ok(Attempt::Conflicted(result)) if runs >= MAX_ATTEMPTS => {
                let error = match result {
                    Err(e) => e,
                    Ok(_) => StoreError::Unavailable {
                        message: format!("gave up after {runs} conflicting runs"),
                        source: None,
                    }
                    .into(),
                };
                return (Err(error), Vec::new());
            }
            Ok(Attempt::Conflicted(_)) => {
                std::thread::sleep(backoff(runs));
                runs += 1;
            }
        }
    }
}

/// A pause that grows with the number of runs and varies between threads, so that
/// two transactions that deadlocked do not meet again in lockstep.
fn backoff(runs: u32) -> Duration {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros() % 1000);
    Duration::from_micros(u64::from(runs.min(6)) * 1000 + u64::from(jitter))
}

/// One run of a write transaction on `conn`.
fn run_write<T, E: From<StoreError>>(
    conn: &mut DbConnection,
    tenant_cache: &TenantCache,
    f: &mut impl FnMut(&mut Tx<'_>) -> Result<T, E>,
) -> Attempt<T, E> {
    if let Err(e) = dialect::begin(conn, TxKind::Write) {
        return Attempt::Finished(Err(StoreError::from(e).into()), Vec::new());
    }
    let mut tx = Tx::new(conn, tenant_cache);
    let result = f(&mut tx);
    let conflicted = tx.conflicted();
    let appended = tx.into_appended();
    if conflicted {
        // Whatever `f` made of the failed statement, nothing of it may commit.
        let _ = dialect::rollback(conn);
        return Attempt::Conflicted(result);
    }
    match result {
        Ok(value) => match dialect::commit(conn) {
            Ok(()) => Attempt::Finished(Ok(value), appended),
            Err(e) => Attempt::Finished(Err(StoreError::from(e).into()), Vec::new()),
        },
        Err(error) => {
            // A failed rollback leaves the connection marked broken; it is then
            // discarded (pool) or replaced (SQLite writer) before its next use.
            let _ = dialect::rollback(conn);
            Attempt::Finished(Err(error), Vec::new())
        }
    }
}

/// One sequencer run (see `tx::events`) for one tenant, in its own transaction.
fn number_events_with(pool: &Pool, tenant_id: &str) -> Result<u64, StoreError> {
    retrying(|| {
        let mut conn = pool.get()?;
        // Numbering does not enter the tenant: no cache to share.
        Ok(run_write(
            &mut conn,
            &TenantCache::default(),
            &mut |tx: &mut Tx<'_>| crate::tx::events::number_pending(tx, tenant_id),
        ))
    })
    .0
}

/// How long after a commit that appended events the background sequencer numbers
/// them, at the latest.
const SEQUENCER_INTERVAL: Duration = Duration::from_millis(100);

/// A thread that numbers, every [`SEQUENCER_INTERVAL`], the events that this
/// process's committed transactions appended, so that the log stays close behind
/// the commits without waiting for a reader. Other processes number their own; a
/// process that dies first leaves its events to the next reader's run. Stops when
/// the store is dropped.
struct Sequencer {
    pending: Arc<Mutex<BTreeSet<String>>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sequencer {
    fn start(pool: Pool) -> Result<Sequencer, StoreError> {
        let pending: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let (stop, stopped) = mpsc::channel::<()>();
        let queue = Arc::clone(&pending);
        let thread = std::thread::Builder::new()
            .name("scim-store-sequencer".to_owned())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(SEQUENCER_INTERVAL)
                {
                    let tenants =
                        std::mem::take(&mut *queue.lock().unwrap_or_else(PoisonError::into_inner));
                    for tenant in tenants {
                        if number_events_with(&pool, &tenant).is_err() {
                            // Retried at the next tick (a reader's run covers it too).
                            queue
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .insert(tenant);
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Unavailable {
                message: format!("cannot start the sequencer thread: {e}"),
                source: Some(Box::new(e)),
            })?;
        Ok(Sequencer {
            pending,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Queues tenants whose events a commit left unnumbered.
    fn note(&self, tenants: Vec<String>) {
        if !tenants.is_empty() {
            self.pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(tenants);
        }
    }
}

impl Drop for Sequencer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads, inside a transaction opened by [`Store::read`] or [`Store::write`].
///
/// Every method is scoped to one tenant: ids of another tenant are not found.
pub trait ReadTx {
    /// The tenant with this id.
    fn tenant(&mut self, id: &str) -> Result<Option<Tenant>, StoreError>;
    /// The tenant with this slug.
    fn tenant_by_slug(&mut self, slug: &str) -> Result<Option<Tenant>, StoreError>;
    /// All tenants, by slug.
    fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError>;

    /// All tokens of the tenant, newest first.
    fn tokens(&mut self, tenant_id: &str) -> Result<Vec<Token>, StoreError>;
    /// The tokens that may authenticate at `now` (not revoked, not expired).
    fn usable_tokens(
        &mut self,
        tenant_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Token>, StoreError>;

    /// The user with this id.
    fn user(
        &mut self,
        tenant_id: &str,
        id: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError>;
    /// The users with these ids, in id order (unknown ids are skipped).
    fn users_by_ids(
        &mut self,
        tenant_id: &str,
        ids: &[String],
        visibility: Visibility,
    ) -> Result<Vec<User>, StoreError>;
    /// The user whose `userName` equals `user_name` case-insensitively (the same
    /// comparison as the filter `userName eq`). With [`Visibility::IncludeDeleted`]
    /// a live user wins over soft-deleted ones, then the newest.
    fn user_by_user_name(
        &mut self,
        tenant_id: &str,
        user_name: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError>;
    /// Live users matching a SCIM query.
    fn users(&mut self, tenant_id: &str, query: &ListQuery<'_>) -> Result<Page<User>, StoreError>;
    /// Users for the admin list, including soft-deleted ones unless filtered out;
    /// ordered by folded `userName`, then id.
    fn admin_users(
        &mut self,
        tenant_id: &str,
        query: &AdminUserQuery,
    ) -> Result<Page<User>, StoreError>;
    /// Up to `limit` users with ids greater than `after`, in id order, with their
    /// group ids: call repeatedly with the last id to stream a whole tenant.
    fn user_batch(
        &mut self,
        tenant_id: &str,
        after: Option<&str>,
        limit: u64,
        visibility: Visibility,
    ) -> Result<Vec<UserWithGroups>, StoreError>;

    /// The group with this id.
    fn group(&mut self, tenant_id: &str, id: &str) -> Result<Option<Group>, StoreError>;
    /// The group whose `displayName` equals `display_name` case-insensitively.
    fn group_by_display_name(
        &mut self,
        tenant_id: &str,
        display_name: &str,
    ) -> Result<Option<Group>, StoreError>;
    /// Groups matching a SCIM query (members are not loaded).
    fn groups(&mut self, tenant_id: &str, query: &ListQuery<'_>)
    -> Result<Page<Group>, StoreError>;

    /// A page of a group's members in user-id order: `offset` is 0-based.
    fn members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        offset: u64,
        count: u64,
    ) -> Result<MemberPage, StoreError>;
    /// All members of several groups at once, keyed by group id, each in user-id
    /// order (groups without members, or unknown, are absent).
    fn members_of_groups(
        &mut self,
        tenant_id: &str,
        group_ids: &[String],
    ) -> Result<HashMap<String, Vec<MemberRef>>, StoreError>;
    /// Ids of all members of a group (sorted): the users whose role may depend on it.
    fn member_ids(&mut self, tenant_id: &str, group_id: &str) -> Result<Vec<String>, StoreError>;
    /// Whether the user is a member of the group.
    fn is_member(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> Result<bool, StoreError>;
    /// The groups of a user, by group id.
    fn groups_of_user(
        &mut self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Vec<GroupRef>, StoreError>;
    /// The groups of several users at once, keyed by user id (users without groups
    /// are absent).
    fn groups_of_users(
        &mut self,
        tenant_id: &str,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>, StoreError>;

    /// Up to `limit` events with sequence numbers greater than `after`, in order.
    ///
    /// Only numbered events are read. On PostgreSQL events are numbered by the
    /// sequencer after their transaction commits, so this can lag behind the
    /// commits; [`Store::events`] numbers everything committed first. Either way a
    /// consumer that has read up to N and asks for "after N" never misses an event:
    /// numbers are handed out gaplessly and in commit order, never below one already
    /// visible.
    fn events(&mut self, tenant_id: &str, after: i64, limit: u64)
    -> Result<Vec<Event>, StoreError>;
    /// The latest `limit` numbered events about one resource, newest first.
    fn events_of_resource(
        &mut self,
        tenant_id: &str,
        resource_id: &str,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError>;
    /// The latest numbered event of one of `kinds` about each of `resource_ids`,
    /// keyed by resource id (resources without one are absent).
    fn latest_events_of_resources(
        &mut self,
        tenant_id: &str,
        resource_ids: &[String],
        kinds: &[EventKind],
    ) -> Result<HashMap<String, Event>, StoreError>;
}

/// Writes, inside a transaction opened by [`Store::write`]; reads see the
/// transaction's own writes.
///
/// On PostgreSQL one tenant's write transactions run concurrently (see the crate
/// docs, *Writers*): the first tenant-scoped write of a transaction takes the
/// tenant's write gate in shared mode, changes to the tenant itself take it
/// exclusively, and rows are locked as they are changed.
pub trait WriteTx: ReadTx {
    /// The tenant, read after taking its write gate in shared mode: no change to the
    /// tenant (rules, settings, catalogue) can commit between this read and this
    /// transaction's commit, so what is decided with it stays valid. Read the rules
    /// a write decides with through this, never through [`ReadTx::tenant`].
    fn tenant_for_write(&mut self, id: &str) -> Result<Tenant, StoreError>;
    /// Creates a tenant (and its `tenant.created`-free empty event log).
    fn insert_tenant(&mut self, tenant: &NewTenant) -> Result<Tenant, StoreError>;
    /// Changes a tenant. Takes the tenant's write gate exclusively: waits for the
    /// tenant's write transactions in flight and holds back new ones until commit.
    fn update_tenant(
        &mut self,
        id: &str,
        update: &TenantUpdate,
        now: DateTime<Utc>,
    ) -> Result<Tenant, StoreError>;
    /// Deletes a tenant and everything it owns (taking the gate exclusively).
    fn delete_tenant(&mut self, id: &str) -> Result<(), StoreError>;

    /// Stores a token.
    fn insert_token(&mut self, token: &NewToken) -> Result<Token, StoreError>;
    /// Revokes a token (idempotent: an earlier revocation time is kept).
    fn revoke_token(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Token, StoreError>;
    /// Records that a token authenticated a request.
    fn touch_token(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Sets or clears a token's expiry (rotation overlap).
    fn set_token_expiry(
        &mut self,
        tenant_id: &str,
        id: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Token, StoreError>;

    /// Creates a user. [`StoreError::Conflict`] if a live user of the tenant has the
    /// same `userName` (case-insensitively) or the id exists.
    fn insert_user(&mut self, user: &NewUser) -> Result<User, StoreError>;
    /// Replaces a live user's SCIM body, incrementing its version.
    fn update_user(&mut self, update: &UserUpdate) -> Result<User, StoreError>;
    /// Sets the app-side role and its explanation; the SCIM version does not change.
    fn set_user_role(
        &mut self,
        tenant_id: &str,
        id: &str,
        role: Option<&str>,
        reason: Option<&serde_json::Value>,
    ) -> Result<(), StoreError>;
    /// [`WriteTx::set_user_role`] for many users (distinct ids), in one statement per
    /// few hundred: what a rule change or a large group change stores. Fails with
    /// `NotFound` if one of the users does not exist (abandon the transaction then).
    fn set_user_roles(&mut self, tenant_id: &str, roles: &[RoleUpdate]) -> Result<(), StoreError>;
    /// The user with this id, its row locked until commit: what
    /// [`WriteTx::lock_users`] and [`ReadTx::user`] do for one user, in one statement.
    fn user_for_update(
        &mut self,
        tenant_id: &str,
        id: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError>;
    /// Sets or clears the role lock; the SCIM version does not change.
    fn set_user_lock(
        &mut self,
        tenant_id: &str,
        id: &str,
        lock: Option<&RoleLock>,
    ) -> Result<(), StoreError>;
    /// Soft-deletes a live user: it leaves SCIM views and all groups, and keeps its
    /// row, role state and history. Returns the ids of the groups it left.
    fn soft_delete_user(
        &mut self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;
    /// Removes a user (live or soft-deleted) for good. Returns the ids of the groups
    /// it left.
    fn hard_delete_user(
        &mut self,
        tenant_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;
    /// Locks the users' rows until commit (PostgreSQL `FOR NO KEY UPDATE`, in id
    /// order; a no-op on SQLite, whose single writer already serialises writes).
    /// Ids that name no user of the tenant are ignored.
    ///
    /// Lock order, to keep concurrent transactions from deadlocking: groups before
    /// users, each set in id order and in as few calls as possible. Anything else
    /// stays correct, but may be resolved by a deadlock and a re-run.
    fn lock_users(&mut self, tenant_id: &str, ids: &[String]) -> Result<(), StoreError>;
    /// Locks the groups' rows until commit, like [`WriteTx::lock_users`].
    fn lock_groups(&mut self, tenant_id: &str, ids: &[String]) -> Result<(), StoreError>;

    /// Creates a group. [`StoreError::Conflict`] on a duplicate `displayName`
    /// (case-insensitively) or id.
    fn insert_group(&mut self, group: &NewGroup) -> Result<Group, StoreError>;
    /// Replaces a group's SCIM body (not its members), incrementing its version.
    fn update_group(&mut self, update: &GroupUpdate) -> Result<Group, StoreError>;
    /// Deletes a group and its memberships. Returns the former member ids.
    fn delete_group(
        &mut self,
        tenant_id: &str,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<Vec<String>, StoreError>;

    /// Adds members (idempotent). All ids must be live users of the tenant, else
    /// [`StoreError::UnknownMembers`] and nothing changes. Bumps the group's version
    /// when something was added. Locks the group, then the users (they stay live
    /// until commit).
    fn add_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError>;
    /// Removes members (idempotent; ids that are not members are ignored).
    fn remove_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError>;
    /// Makes `user_ids` the exact member set.
    fn replace_members(
        &mut self,
        tenant_id: &str,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError>;
    /// Removes a user from every group. Returns the ids of the groups it left.
    fn remove_user_from_groups(
        &mut self,
        tenant_id: &str,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError>;

    /// Appends an event to the tenant's log. Its sequence number is given when it is
    /// inserted (SQLite) or by the sequencer after commit (PostgreSQL; see
    /// [`Store::number_events`]); either way it follows commit order.
    fn append_event(&mut self, event: &NewEvent) -> Result<(), StoreError>;
    /// Appends events in order, as [`WriteTx::append_event`] one by one would, in one
    /// statement per few hundred (a group change with many members, a rule change
    /// with many role changes). None is written unless all are valid.
    fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError>;
}
