//! Opening connections: URL parsing, the r2d2 manager and its pools.

use std::path::PathBuf;
use std::time::Duration;

use diesel::Connection;
use diesel::r2d2::R2D2Connection;

use crate::db::DbConnection;
use crate::dialect::{self, Role};
use crate::error::StoreError;

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

/// Opens connections of one backend and prepares them (SQLite pragmas).
#[derive(Debug)]
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) role: Role,
    pub(crate) busy_timeout: Duration,
}

impl Manager {
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
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // An open transaction here means a closure panicked: never reuse that.
        conn.is_broken()
    }
}

/// A pool of connections to one database.
pub(crate) type Pool = r2d2::Pool<Manager>;

/// A connection that could not be opened, as the store reports it.
pub(crate) fn unavailable(error: diesel::r2d2::Error) -> StoreError {
    StoreError::Unavailable {
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}
