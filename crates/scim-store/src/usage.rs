//! What the store holds of its resources right now, for an operator's gauges:
//! each connection pool's use and, on SQLite, the size of the write-ahead log.
//! Reading them takes no connection and runs no statement, so a scrape costs
//! nothing and answers even while the database does not.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::conn::Pool;

/// One connection pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Which pool: `sqlite_readers`, `sqlite_writer` (the one writer
    /// connection, a pool of one) or `postgres`.
    pub pool: &'static str,
    /// Connections checked out (running a transaction or waiting for one).
    pub in_use: u32,
    /// Connections open and waiting in the pool.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl PoolUse {
    pub(crate) fn of(pool: &'static str, of: &Pool) -> PoolUse {
        let (state, max) = of.state();
        PoolUse {
            pool,
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
            max,
        }
    }
}

/// The write-ahead log beside the SQLite database at `database`: SQLite names
/// it after the database file with `-wal` appended.
pub(crate) fn wal_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The size of the file at `path` in bytes, 0 when there is none (SQLite
/// removes the log when the last connection closes cleanly).
pub(crate) fn file_size(path: &Path) -> std::io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(meta.len()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_named_after_the_database_file() {
        assert_eq!(
            wal_path(Path::new("/var/lib/scim/data.db")),
            Path::new("/var/lib/scim/data.db-wal")
        );
    }

    #[test]
    fn a_missing_file_has_size_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent-wal");
        assert_eq!(file_size(&path).unwrap(), 0);
        std::fs::write(&path, [0u8; 12]).unwrap();
        assert_eq!(file_size(&path).unwrap(), 12);
    }
}
