//! The PostgreSQL client is built with TLS (issue 16: libpq and OpenSSL come
//! from source, not from the system), so a store reaches a server that requires
//! it: opened with `sslmode=require`, it works and its connections are
//! encrypted. The test server must serve TLS, as a Debian cluster does by
//! default (`ssl = on` with the snakeoil certificate).

use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use scim_store::Store;
use scim_store::testing::{Backend, TestDatabase};

use crate::harness::options;

#[derive(QueryableByName)]
struct Connections {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    encrypted: i64,
}

#[derive(QueryableByName)]
struct Own {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

#[test]
fn a_store_opened_with_sslmode_require_connects_over_tls() {
    let database = TestDatabase::create(Backend::Postgres);
    // The URL of a test database already has a query (its search_path).
    let checker_url = format!("{}&sslmode=require", database.url);
    let application = format!("scim-tls-test-{}", std::process::id());
    let store_url = format!("{checker_url}&application_name={application}");

    let store = Store::open(&store_url, options()).unwrap_or_else(|e| {
        panic!("open with sslmode=require (the test PostgreSQL must serve TLS): {e}")
    });
    store.migrate().expect("migrate over TLS");

    let mut checker = PgConnection::establish(&checker_url).expect("connect with sslmode=require");
    let own: Own = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut checker)
        .expect("own TLS state");
    assert!(
        own.ssl,
        "a connection with sslmode=require is not encrypted"
    );

    // The store's pooled connections, as the server sees them.
    let seen: Connections = diesel::sql_query(
        "SELECT count(*) AS total, count(*) FILTER (WHERE s.ssl) AS encrypted \
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) \
         WHERE a.application_name = $1",
    )
    .bind::<Text, _>(&application)
    .get_result(&mut checker)
    .expect("the store's connections");
    assert!(seen.total >= 1, "the store keeps no connection open");
    assert_eq!(
        seen.encrypted, seen.total,
        "some of the store's connections are not encrypted"
    );
    drop(store);
}
