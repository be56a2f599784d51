//! Opening connections: URL parsing, the r2d2 manager and its pools.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::r2d2::R2D2Connection;

use crate::db::DbConnection;
use crate::dialect::{self, Role};
use crate::error::{StoreError, Unavailability};

/// Where the data lives, from the database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, passed to libpq as given.
    Postgres(String),
}

impl Target {
    /// `sqlite://path`, `sqlite:path` (absolute paths as `sqlite:///abs/path`), or
    /// `postgres://...` / `postgresql://...`.
    pub(crate) fn parse(url: &str) -> Result<Target, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                StoreError::Config(
                    "database URL must start with sqlite:// or postgres:// (or postgresql://)"
                        .to_owned(),
                )
            })?;
        if path.is_empty() || path == ":memory:" {
            return Err(StoreError::Config(
                "SQLite needs a file path (in-memory databases cannot be shared by a pool)"
                    .to_owned(),
            ));
        }
        Ok(Target::Sqlite(PathBuf::from(path)))
    }
}

/// Whether the last attempt to open a connection failed, shared by a pool's
/// manager (which notes each attempt) and its checkouts (which stop waiting
/// early while it did).
#[derive(Debug, Default)]
pub(crate) struct Reachability {
    unreachable: AtomicBool,
}

impl Reachability {
    fn note(&self, connected: bool) {
        self.unreachable.store(!connected, Ordering::Relaxed);
    }

    fn unreachable(&self) -> bool {
        self.unreachable.load(Ordering::Relaxed)
    }
}

/// Opens connections of one backend and prepares them (SQLite pragmas).
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) role: Role,
    pub(crate) busy_timeout: Duration,
    pub(crate) reachability: Arc<Reachability>,
}

impl Manager {
    pub(crate) fn new(target: Target, role: Role, busy_timeout: Duration) -> Manager {
        Manager {
            target,
            role,
            busy_timeout,
            reachability: Arc::default(),
        }
    }

    pub(crate) fn open(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match &self.target {
            Target::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = DbConnection::Sqlite(
                    diesel::SqliteConnection::establish(&path)
                        .map_err(diesel::r2d2::Error::ConnectionError)?,
                );
                dialect::prepare_sqlite(&mut conn, self.role, self.busy_timeout)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(conn)
            }
            Target::Postgres(url) => Ok(DbConnection::Pg(
                diesel::PgConnection::establish(url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?,
            )),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let opened = self.open();
        self.reachability.note(opened.is_ok());
        opened
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // An open transaction here means a closure panicked: never reuse that.
        conn.is_broken()
    }
}

/// A connection checked out of a [`Pool`].
pub(crate) type PooledConnection = r2d2::PooledConnection<Manager>;

/// How long one wait for a pooled connection lasts before the checkout looks
/// again at whether the database is reachable: r2d2 wakes waiters when a
/// connection arrives, never when an attempt to open one fails.
const WAIT_SLICE: Duration = Duration::from_millis(100);

/// A pool of connections to one database. While the last connection attempt
/// failed, a checkout gives up after one [`WAIT_SLICE`] instead of the whole
/// connection timeout, so that requests during an outage are answered at once;
/// the pool keeps trying to connect in the background (r2d2 retries with a
/// backoff of at most half the connection timeout), so the first checkout after
/// the database returns finds a connection.
#[derive(Clone)]
pub(crate) struct Pool {
    inner: r2d2::Pool<Manager>,
    reachability: Arc<Reachability>,
}

impl Pool {
    /// A pool of `max_size` connections opened by `manager`, lazily.
    pub(crate) fn new(manager: Manager, max_size: u32, connection_timeout: Duration) -> Pool {
        let reachability = Arc::clone(&manager.reachability);
        let inner = r2d2::Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(0))
            // No ping per checkout: a connection that broke fails its
            // transaction, is marked broken and is then dropped by the pool.
            .test_on_check_out(false)
            .connection_timeout(connection_timeout)
            .build_unchecked(manager);
        Pool {
            inner,
            reachability,
        }
    }

    /// How many connections are open and idle now, and the most it opens.
    pub(crate) fn state(&self) -> (r2d2::State, u32) {
        (self.inner.state(), self.inner.max_size())
    }

    /// A connection, waiting at most the pool's connection timeout.
    pub(crate) fn get(&self) -> Result<PooledConnection, StoreError> {
        self.get_timeout(self.inner.connection_timeout())
    }

    /// A connection, waiting at most `timeout` (less while the database is
    /// unreachable).
    pub(crate) fn get_timeout(&self, timeout: Duration) -> Result<PooledConnection, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(WAIT_SLICE);
            match self.inner.get_timeout(wait) {
                Ok(conn) => return Ok(conn),
                Err(e) if self.reachability.unreachable() => {
                    return Err(StoreError::unavailable(Unavailability::Unreachable, e));
                }
                Err(e) if Instant::now() >= deadline => {
                    return Err(StoreError::unavailable(Unavailability::Busy, e));
                }
                Err(_) => {}
            }
        }
    }
}

/// A connection that could not be opened, as the store reports it.
pub(crate) fn unavailable(error: diesel::r2d2::Error) -> StoreError {
    StoreError::unavailable(Unavailability::Unreachable, error)
}
