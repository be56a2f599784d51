//! `Store::pool_use` and `Store::wal_size`, the figures behind the server's
//! gauges: a pool counts the connection a running transaction holds as in use
//! and gives it back as idle, never more than its size; a SQLite store's WAL
//! is the `-wal` file beside the database, which writes grow; a PostgreSQL
//! store has no WAL of its own to report.

use scim_store::{PoolUse, StoreError};

use crate::contract;
use crate::fixtures::{add_user, user_body};
use crate::harness::{Backend, fresh, options, tenant};

fn pool(uses: &[PoolUse], name: &str) -> PoolUse {
    *uses
        .iter()
        .find(|u| u.pool == name)
        .unwrap_or_else(|| panic!("no pool {name} in {uses:?}"))
}

fn pool_use_counts_checked_out_connections(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("ada@example.com"));
    let shared = match backend {
        Backend::Sqlite => "sqlite_readers",
        Backend::Postgres => "postgres",
    };
    let names: Vec<_> = db.store.pool_use().iter().map(|u| u.pool).collect();
    let expected: &[&str] = match backend {
        Backend::Sqlite => &["sqlite_readers", "sqlite_writer"],
        Backend::Postgres => &["postgres"],
    };
    assert_eq!(names, expected);

    let during = db
        .store
        .read(|_| Ok::<_, StoreError>(db.store.pool_use()))
        .unwrap();
    let during = pool(&during, shared);
    assert!(during.in_use >= 1, "{during:?}");
    assert_eq!(during.max, options().max_connections);

    let after = pool(&db.store.pool_use(), shared);
    // The read's connection went back to the pool, open.
    assert!(after.idle >= 1, "{after:?}");
    assert!(after.in_use + after.idle <= after.max, "{after:?}");

    if backend == Backend::Sqlite {
        let writing = db
            .store
            .write(|_| Ok::<_, StoreError>(db.store.pool_use()))
            .unwrap();
        let writer = pool(&writing, "sqlite_writer");
        assert_eq!((writer.in_use, writer.idle, writer.max), (1, 0, 1));
        let writer = pool(&db.store.pool_use(), "sqlite_writer");
        assert_eq!((writer.in_use, writer.idle, writer.max), (0, 1, 1));
    }
}

fn wal_size_is_the_sqlite_log_file(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for i in 0..20 {
        let name = format!("user{i}@example.com");
        add_user(&db.store, &t.id, &format!("u{i}"), user_body(&name));
    }
    let size = db.store.wal_size();
    if backend == Backend::Postgres {
        assert!(size.is_none());
        return;
    }
    let size = size.expect("a SQLite store has a WAL").unwrap();
    let path = db.database.url.trim_start_matches("sqlite://").to_owned() + "-wal";
    // Checkpoints copy the log back without shrinking the file, so what was
    // written stays counted.
    assert!(size > 0);
    assert_eq!(size, std::fs::metadata(&path).unwrap().len());
}

contract!(
    pool_use_counts_checked_out_connections,
    wal_size_is_the_sqlite_log_file
);
