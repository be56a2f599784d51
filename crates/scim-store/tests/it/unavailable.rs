//! A database that cannot serve for now is `StoreError::Unavailable` with the
//! reason, at once; the store gets over it by itself when the database does.

use std::time::{Duration, Instant};

use scim_store::testing::{Backend, SqliteFault, TestDatabase, postgres_url};
use scim_store::{BodyRead, NewUser, Store, StoreError, StoreOptions, Unavailability, Visibility};
use serde_json::json;

use crate::harness::{at, fresh, options, tenant};

fn reason<T: std::fmt::Debug>(result: Result<T, StoreError>) -> Unavailability {
    match result {
        Err(StoreError::Unavailable { reason, .. }) => reason,
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

fn insert_user(store: &Store, tenant: &str, i: usize, padding: &str) -> Result<(), StoreError> {
    store.write(|tx| {
        tx.tenant(tenant).users().insert(&NewUser {
            id: format!("{i:08x}-0000-7000-8000-000000000000"),
            resource: json!({"userName": format!("u{i}"), "displayName": padding}),
            role: None,
            role_reason: None,
            now: at(0),
        })?;
        Ok(())
    })
}

#[test]
fn an_unreachable_postgres_is_reported_at_once() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let opened = Store::open(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        StoreOptions {
            connection_timeout: Duration::from_secs(10),
            ..options()
        },
    );
    assert_eq!(reason(opened), Unavailability::Unreachable);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered after {:?}, not at the first refused connection",
        started.elapsed()
    );
}

/// A pooled connection whose server process ended (here by
/// `pg_terminate_backend`, as in a failover or a restart) fails one
/// transaction, and is then dropped, not handed out again.
#[test]
fn a_postgres_connection_cut_off_is_not_reused() {
    let database = TestDatabase::create(Backend::Postgres);
    let name = format!("scim_cut_{}", std::process::id());
    let url = format!("{}&application_name={name}", database.url);
    let store = Store::open(
        &url,
        StoreOptions {
            max_connections: 1,
            ..options()
        },
    )
    .unwrap();
    store.migrate().unwrap();
    store.read(|tx| tx.tenant_by_slug("acme")).unwrap();
    let admin = TestDatabase::attach(&postgres_url(), Backend::Postgres);
    admin.execute(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
    ));
    assert_eq!(
        reason(store.read(|tx| tx.tenant_by_slug("acme"))),
        Unavailability::Unreachable
    );
    assert!(
        store.read(|tx| tx.tenant_by_slug("acme")).is_ok(),
        "a new connection"
    );
    assert!(store.ping().is_ok());
}

/// Writes until `fault` refuses them, then lifts it: every write that
/// succeeded is there, and writing works again.
fn sqlite_fault(fault: SqliteFault, expected: Unavailability) {
    let db = fresh(Backend::Sqlite);
    let acme = tenant(&db.store, "acme").id;
    db.store.set_sqlite_fault(Some(fault)).unwrap();
    let padding = "x".repeat(4000);
    let mut committed = 0;
    let refused = loop {
        match insert_user(&db.store, &acme, committed, &padding) {
            Ok(()) => committed += 1,
            Err(e) => break e,
        }
        assert!(committed < 1000, "{fault:?} never refused a write");
    };
    assert_eq!(reason(Err::<(), _>(refused)), expected);
    assert!(
        db.store.read(|tx| tx.tenant_by_slug("acme")).is_ok(),
        "reads go on"
    );
    db.store.set_sqlite_fault(None).unwrap();
    insert_user(&db.store, &acme, committed, &padding).unwrap();
    let stored = db
        .store
        .read(|tx| {
            tx.tenant(&acme)
                .users()
                .batch(None, 10_000, Visibility::Live, BodyRead::Full)
        })
        .unwrap();
    assert_eq!(stored.len(), committed + 1);
}

#[test]
fn a_full_sqlite_database_is_unavailable_not_broken() {
    sqlite_fault(SqliteFault::Full, Unavailability::Full);
}

#[test]
fn a_read_only_sqlite_database_is_unavailable_not_broken() {
    sqlite_fault(SqliteFault::ReadOnly, Unavailability::ReadOnly);
}
