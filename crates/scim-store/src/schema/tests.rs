//! The schema as diesel sees it, the SQLite migrations and the PostgreSQL
//! migrations must agree.

use std::collections::BTreeMap;
use std::path::Path;

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::*;
use crate::{Store, StoreOptions};

type Columns = BTreeMap<String, Vec<String>>;

/// Column names per table, read from diesel's own SQL for `SELECT all_columns`.
fn diesel_columns() -> Columns {
    use diesel::query_dsl::QueryDsl;
    let queries = [
        (
            "tenants",
            diesel::debug_query::<diesel::pg::Pg, _>(&tenants::table.select(tenants::all_columns))
                .to_string(),
        ),
        (
            "tokens",
            diesel::debug_query::<diesel::pg::Pg, _>(&tokens::table.select(tokens::all_columns))
                .to_string(),
        ),
        (
            "users",
            diesel::debug_query::<diesel::pg::Pg, _>(&users::table.select(users::all_columns))
                .to_string(),
        ),
        (
            "user_roles",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &user_roles::table.select(user_roles::all_columns),
            )
            .to_string(),
        ),
        (
            "user_emails",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &user_emails::table.select(user_emails::all_columns),
            )
            .to_string(),
        ),
        (
            "groups",
            diesel::debug_query::<diesel::pg::Pg, _>(&groups::table.select(groups::all_columns))
                .to_string(),
        ),
        (
            "memberships",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &memberships::table.select(memberships::all_columns),
            )
            .to_string(),
        ),
        (
            "inexact_resources",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &inexact_resources::table.select(inexact_resources::all_columns),
            )
            .to_string(),
        ),
        (
            "events",
            diesel::debug_query::<diesel::pg::Pg, _>(&events::table.select(events::all_columns))
                .to_string(),
        ),
        (
            "connection_hours",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &connection_hours::table.select(connection_hours::all_columns),
            )
            .to_string(),
        ),
        (
            "connection_requests",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &connection_requests::table.select(connection_requests::all_columns),
            )
            .to_string(),
        ),
        (
            "webhook_endpoints",
            diesel::debug_query::<diesel::pg::Pg, _>(
                &webhook_endpoints::table.select(webhook_endpoints::all_columns),
            )
            .to_string(),
        ),
    ];
    queries
        .into_iter()
        .map(|(table, sql)| {
            let prefix = format!("\"{table}\".\"");
            let mut columns: Vec<String> = sql
                .split(&prefix)
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
                .collect();
            columns.sort();
            (table.to_owned(), columns)
        })
        .collect()
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

fn group(rows: Vec<Column>) -> Columns {
    let mut out = Columns::new();
    for row in rows {
        if row.table_name.starts_with("__diesel")
            || row.table_name.starts_with("sqlite_stat")
            || row.column_name == "filter_jsonb"
        {
            continue;
        }
        out.entry(row.table_name).or_default().push(row.column_name);
    }
    for columns in out.values_mut() {
        columns.sort();
    }
    out
}

#[test]
fn sqlite_migrations_match_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let store = Store::open(
        &format!("sqlite://{}", path.display()),
        StoreOptions::default(),
    )
    .unwrap();
    store.migrate().unwrap();
    store.migrate().unwrap(); // idempotent
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    let rows: Vec<Column> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(group(rows), diesel_columns());
}

#[test]
fn postgres_migrations_match_the_schema() {
    let admin = std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut conn = PgConnection::establish(&admin).unwrap();
    let schema = format!("scim_t_{}_schema", std::process::id());
    diesel::sql_query(format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .unwrap();
    let result = std::panic::catch_unwind(|| {
        let sep = if admin.contains('?') { '&' } else { '?' };
        let url = format!("{admin}{sep}options=-csearch_path%3D{schema}");
        let store = Store::open(&url, StoreOptions::default()).unwrap();
        store.migrate().unwrap();
        store.migrate().unwrap(); // idempotent
        let mut conn = PgConnection::establish(&url).unwrap();
        let rows: Vec<Column> = diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = current_schema()",
        )
        .load(&mut conn)
        .unwrap();
        assert_eq!(group(rows), diesel_columns());
    });
    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn migration_folders_have_the_same_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |backend: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}
