//! Fresh stores for tests, on the databases of `scim_store::testing` (a temporary
//! SQLite file, or a fresh PostgreSQL schema dropped afterwards; if PostgreSQL
//! cannot be reached, tests fail: they never skip).

use chrono::{DateTime, TimeZone, Utc};
use scim_store::testing::TestDatabase;
use scim_store::{NewTenant, Store, StoreOptions, Tenant};
use serde_json::json;

/// The two backends every contract test runs on.
pub(crate) use scim_store::testing::Backend;

/// A store on a fresh database, removed when dropped (the store first).
pub(crate) struct TestDb {
    pub(crate) store: Store,
    pub(crate) database: TestDatabase,
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
    let database = TestDatabase::create(backend);
    TestDb {
        store: database.open(options),
        database,
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
