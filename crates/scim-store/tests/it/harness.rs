//! Fresh stores for tests: a temporary SQLite file, or a fresh PostgreSQL schema.
//!
//! PostgreSQL comes from `SCIM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Every test gets its own schema
//! `scim_t_<pid>_<n>` (selected through libpq's `options=-csearch_path=...`),
//! migrated from scratch and dropped afterwards; schemas left behind by killed
//! runs are dropped at the next run. If PostgreSQL cannot be reached, tests fail:
//! they never skip.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use scim_store::{NewTenant, Store, StoreOptions, Tenant};
use serde_json::json;

/// The two backends every contract test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

pub(crate) fn postgres_url() -> String {
    std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A store on a fresh database, removed when dropped.
pub(crate) struct TestDb {
    pub(crate) store: Store,
    pub(crate) url: String,
    pub(crate) backend: Backend,
    _guard: Guard,
}

enum Guard {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Schema(String),
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Schema(schema) = self {
            if let Ok(mut conn) = PgConnection::establish(&postgres_url()) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn);
            }
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

/// Drops schemas of test runs whose process is gone.
fn drop_stale_schemas(conn: &mut PgConnection) {
    let names: Vec<SchemaName> =
        diesel::sql_query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'scim\\_t\\_%'")
            .load(conn)
            .expect("list test schemas");
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

pub(crate) fn options() -> StoreOptions {
    StoreOptions {
        max_connections: 4,
        ..StoreOptions::default()
    }
}

/// A migrated store on a fresh database of `backend`.
pub(crate) fn fresh(backend: Backend) -> TestDb {
    fresh_with(backend, options())
}

pub(crate) fn fresh_with(backend: Backend, options: StoreOptions) -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let (url, guard) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("store.db").display());
            (url, Guard::Dir(dir))
        }
        Backend::Postgres => {
            let admin = postgres_url();
            let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for the store tests ({admin}): {e}. Start it, or set \
                     SCIM_TEST_POSTGRES_URL."
                )
            });
            CLEANUP.call_once(|| drop_stale_schemas(&mut conn));
            let schema = format!("scim_t_{}_{n}", std::process::id());
            diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .expect("create schema");
            let sep = if admin.contains('?') { '&' } else { '?' };
            let url = format!("{admin}{sep}options=-csearch_path%3D{schema}");
            (url, Guard::Schema(schema))
        }
    };
    let store = Store::open(&url, options).expect("open store");
    store.migrate().expect("migrate");
    TestDb {
        store,
        url,
        backend,
        _guard: guard,
    }
}

/// A fixed instant plus `seconds`, so tests do not depend on the clock.
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time")
        + chrono::Duration::seconds(seconds)
}

/// Creates tenant `slug` (id `t-<slug>`).
pub(crate) fn tenant(store: &Store, slug: &str) -> Tenant {
    store
        .write(|tx| {
            tx.insert_tenant(&NewTenant {
                id: format!("t-{slug}"),
                slug: slug.to_owned(),
                display_name: format!("Tenant {slug}"),
                settings: json!({}),
                role_catalogue: json!([]),
                rule_set: json!([]),
                now: at(0),
            })
        })
        .expect("create tenant")
}

/// Instantiates contract tests, written once as `fn name(backend: Backend)`, for
/// both backends: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::harness::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::harness::Backend::Postgres) } )*
        }
    };
}
