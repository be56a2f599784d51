//! Fresh databases for tests, for this crate and the crates built on it
//! (feature `testing`): a temporary SQLite file, or a fresh PostgreSQL schema.
//!
//! PostgreSQL comes from `SCIM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each database is a schema
//! `scim_t_<pid>_<n>` selected through libpq's `options=-csearch_path=...`,
//! migrated from scratch and dropped when the [`TestDatabase`] is dropped;
//! schemas of test processes that died are dropped at the next run. When
//! PostgreSQL cannot be reached, creating one panics: tests fail, never skip.

#![allow(clippy::expect_used, clippy::panic)]

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::{Store, StoreError, StoreOptions};

/// A backend to test on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema on the test PostgreSQL.
    Postgres,
}

impl Backend {
    /// Both backends, SQLite first.
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
}

/// The PostgreSQL the tests use.
pub fn postgres_url() -> String {
    std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

enum Guard {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema(String),
    None,
}

/// A fresh, empty database; removed when dropped.
pub struct TestDatabase {
    /// The URL to open it with (`Store::open`).
    pub url: String,
    /// Its backend.
    pub backend: Backend,
    guard: Guard,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Guard::Schema(schema) = &self.guard
            && let Ok(mut conn) = PgConnection::establish(&postgres_url())
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static CLEANUP: Once = Once::new();

#[derive(diesel::QueryableByName)]
struct SchemaName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    nspname: String,
}

/// One text column: a table's name, or a row as text.
#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// Drops schemas of test processes that are gone.
fn drop_stale_schemas(conn: &mut PgConnection) {
    let Ok(names) =
        diesel::sql_query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'scim\\_t\\_%'")
            .load::<SchemaName>(conn)
    else {
        return;
    };
    for name in names {
        let pid = name
            .nspname
            .split('_')
            .nth(2)
            .and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {} CASCADE", name.nspname))
                .execute(conn);
        }
    }
}

impl TestDatabase {
    /// Creates an empty database on `backend`.
    pub fn create(backend: Backend) -> TestDatabase {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("store.db").display());
                TestDatabase {
                    url,
                    backend,
                    guard: Guard::Dir(dir),
                }
            }
            Backend::Postgres => {
                let admin = postgres_url();
                let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for these tests ({admin}): {e}. Start it, or set SCIM_TEST_POSTGRES_URL.")
                });
                CLEANUP.call_once(|| drop_stale_schemas(&mut conn));
                let schema = format!("scim_t_{}_{n}", std::process::id());
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .expect("create schema");
                let sep = if admin.contains('?') { '&' } else { '?' };
                let url = format!("{admin}{sep}options=-csearch_path%3D{schema}");
                TestDatabase {
                    url,
                    backend,
                    guard: Guard::Schema(schema),
                }
            }
        }
    }

    /// The database at `url`, created elsewhere, without taking over its removal
    /// (for a second store on the same database).
    pub fn attach(url: &str, backend: Backend) -> TestDatabase {
        TestDatabase {
            url: url.to_owned(),
            backend,
            guard: Guard::None,
        }
    }

    /// Runs `sql` on this database over a connection of its own (tests that
    /// damage the database on purpose, e.g. readiness checks).
    pub fn execute(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut conn =
                    diesel::SqliteConnection::establish(path).expect("connect to SQLite");
                conn.batch_execute(sql).expect("execute");
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url).expect("connect to PostgreSQL");
                conn.batch_execute(sql).expect("execute");
            }
        }
    }

    /// Everything the database holds, as bytes to search: on SQLite every file
    /// of the database (the main file, its write-ahead log and shared memory),
    /// read raw; on PostgreSQL every row of every table of its schema, as
    /// text. For tests that check what is never stored (token secrets).
    pub fn dump(&self) -> Vec<u8> {
        match (&self.backend, &self.guard) {
            (Backend::Sqlite, _) => {
                let path = std::path::Path::new(self.url.trim_start_matches("sqlite://"));
                let dir = path.parent().expect("the database's folder");
                let mut bytes = Vec::new();
                for entry in std::fs::read_dir(dir).expect("list the database's folder") {
                    let file = entry.expect("a file of the database").path();
                    bytes.extend(std::fs::read(&file).expect("read a file of the database"));
                }
                bytes
            }
            (Backend::Postgres, Guard::Schema(schema)) => {
                let mut conn = PgConnection::establish(&self.url).expect("connect to PostgreSQL");
                let tables = diesel::sql_query(format!(
                    "SELECT tablename AS text FROM pg_tables WHERE schemaname = '{schema}'"
                ))
                .load::<TextRow>(&mut conn)
                .expect("list tables");
                assert!(!tables.is_empty(), "no tables in {schema}");
                let mut bytes = Vec::new();
                for table in tables {
                    let rows = diesel::sql_query(format!(
                        "SELECT t::text AS text FROM {schema}.{} t",
                        table.text
                    ))
                    .load::<TextRow>(&mut conn)
                    .expect("read a table");
                    for row in rows {
                        bytes.extend(row.text.into_bytes());
                        bytes.push(b'\n');
                    }
                }
                bytes
            }
            (Backend::Postgres, _) => panic!("dump needs the database's own TestDatabase"),
        }
    }

    /// Opens and migrates a store on it.
    pub fn open(&self, options: StoreOptions) -> Store {
        let store = Store::open(&self.url, options).expect("open store");
        store.migrate().expect("migrate");
        store
    }

    /// SQLite's `PRAGMA integrity_check` answer for this database: `ok` for a
    /// sound file, else the problems, one per line (backup tests).
    pub fn sqlite_integrity(&self) -> String {
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        assert_eq!(self.backend, Backend::Sqlite, "integrity_check is SQLite's");
        let path = self.url.trim_start_matches("sqlite://");
        let mut conn = diesel::SqliteConnection::establish(path).expect("connect to SQLite");
        diesel::sql_query("PRAGMA integrity_check")
            .load::<Check>(&mut conn)
            .expect("integrity_check")
            .into_iter()
            .map(|c| c.integrity_check)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A fault of a SQLite database, as the writer sees it. Tests run as root too,
/// where file modes stop nothing, so the fault is set on the writer's
/// connection: SQLite then answers writes with the result code a full disk
/// (`SQLITE_FULL`) or a read-only file (`SQLITE_READONLY`) gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteFault {
    /// No page may be added beyond those the database has (`max_page_count`).
    Full,
    /// No write at all (`query_only`).
    ReadOnly,
}

/// SQLite's largest `max_page_count`, its default.
const SQLITE_MAX_PAGES: u32 = 0xffff_fffe;

impl Store {
    /// Sets (`Some`) or lifts (`None`) a fault of this SQLite store's writer
    /// connection. It lasts until lifted or until the writer is reopened (after a
    /// closure panicked in a transaction that could not be rolled back).
    pub fn set_sqlite_fault(&self, fault: Option<SqliteFault>) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        let sql = match fault {
            // Page counts below the current one mean the current one.
            Some(SqliteFault::Full) => {
                "PRAGMA query_only = OFF; PRAGMA max_page_count = 1;".to_owned()
            }
            Some(SqliteFault::ReadOnly) => "PRAGMA query_only = ON;".to_owned(),
            None => format!("PRAGMA query_only = OFF; PRAGMA max_page_count = {SQLITE_MAX_PAGES};"),
        };
        let mut writer = self.writer()?;
        writer.batch_execute(&sql)?;
        Ok(())
    }
}
