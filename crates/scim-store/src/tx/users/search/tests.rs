//! The search's statements walk the indexes of migration `admin_users`: every
//! order without a sort step, the text as index ranges (query plans on both
//! backends).

use std::time::Duration;

use diesel::{QueryableByName, RunQueryDsl};

use super::*;
use crate::conn::{Manager, Target};
use crate::db::DbConnection;
use crate::dialect::{Dialect, Role};

#[derive(QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

fn plan(conn: &mut DbConnection, statement: Sql) -> String {
    let dialect = Dialect::of(conn);
    let mut sql = Sql::from(match dialect {
        Dialect::Sqlite => "EXPLAIN QUERY PLAN ",
        Dialect::Postgres => "EXPLAIN ",
    });
    sql.append(statement);
    match dialect {
        Dialect::Sqlite => sql
            .load::<SqlitePlan>(conn)
            .unwrap()
            .into_iter()
            .map(|p| p.detail)
            .collect::<Vec<_>>()
            .join("\n"),
        Dialect::Postgres => sql
            .load::<PgPlan>(conn)
            .unwrap()
            .into_iter()
            .map(|p| p.line)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Each order, the index its pages walk.
const ORDERS: [(UserOrder, &str); 4] = [
    (UserOrder::UserName, "users_user_name"),
    (UserOrder::DisplayName, "users_admin_display_name"),
    (UserOrder::Role, "user_roles_role"),
    (UserOrder::LastChange, "users_last_modified"),
];

fn condition() -> Sql {
    let mut sql = Sql::from("u.tenant_id = ");
    sql.text("t1");
    sql
}

fn some_user() -> User {
    User {
        id: "u1".into(),
        tenant_id: "t1".into(),
        user_name: "user1".into(),
        external_id: None,
        display_name: None,
        active: Some(true),
        resource: serde_json::json!({}),
        version: 1,
        created: DateTime::UNIX_EPOCH,
        last_modified: DateTime::UNIX_EPOCH,
        deleted_at: None,
        role: None,
        role_reason: None,
        lock: None,
    }
}

fn assert_index_backed(conn: &mut DbConnection, sort_step: &str) {
    let dialect = Dialect::of(conn);
    for (order, index) in ORDERS {
        for descending in [false, true] {
            let search = UserSearch {
                order,
                descending,
                limit: 50,
                ..UserSearch::default()
            };
            let (key, tie) = position(order, &some_user());
            let cursor = Cursor {
                order: fingerprint(order, descending),
                key,
                tie,
            };
            for cursor in [None, Some(&cursor)] {
                let plan = plan(conn, page_query(&condition(), &search, cursor).unwrap());
                assert!(
                    plan.contains(index) && !plan.contains(sort_step),
                    "{order:?} descending {descending}, cursor {}: \
                     expected {index} without {sort_step} in\n{plan}",
                    cursor.is_some()
                );
            }
        }
    }
    let mut text = condition();
    text.push(" AND u.id IN (")
        .append(text_matches("t1", "ali"))
        .push(")");
    let search = UserSearch {
        limit: 50,
        ..UserSearch::default()
    };
    let few = plan(conn, page_query(&text, &search, None).unwrap());
    for index in [
        "users_user_name",
        "users_display_name",
        "users_external_id_folded",
    ] {
        assert!(few.contains(index), "q: expected {index} in\n{few}");
    }
    assert!(
        few.contains("e USING PRIMARY KEY") || few.contains("user_emails_pkey"),
        "q: expected the e-mail index in\n{few}"
    );
    // A rare role (few users, the probe found): read through the role's index.
    let mut rare = condition();
    rare.push(" AND COALESCE(r.role, '') = ").text("Technician");
    let mut sparse = condition();
    sparse
        .push(" AND r.role = ")
        .text("Technician")
        .push(&format!(
            " AND u.id IN (SELECT u.id FROM {USER_ROWS} WHERE "
        ))
        .append(rare)
        .push(")");
    let by_role = plan(conn, page_query(&sparse, &search, None).unwrap());
    assert!(
        by_role.contains("user_roles_role"),
        "a rare role: expected user_roles_role in\n{by_role}"
    );
    // Users deleted by the IdP (often none): counted and read through the
    // partial index of them, not by reading the tenant.
    let mut deleted = condition();
    deleted.push(" AND u.deleted_at IS NOT NULL");
    let mut sparse = condition();
    sparse
        .push(" AND u.deleted_at IS NOT NULL AND u.id IN (SELECT u.id FROM users u WHERE ")
        .append(deleted)
        .push(")");
    let by_deletion = plan(conn, page_query(&sparse, &search, None).unwrap());
    assert!(
        by_deletion.contains("users_deleted"),
        "deleted users: expected users_deleted in\n{by_deletion}"
    );
    // With many matches, SQLite walks the order's index and tests each row
    // (PostgreSQL chooses by its statistics).
    if dialect == Dialect::Postgres {
        return;
    }
    let mut many = condition();
    many.push(" AND (u.id || '') IN (")
        .append(text_matches("t1", "u"))
        .push(")");
    let walked = plan(conn, page_query(&many, &search, None).unwrap());
    assert!(
        walked.contains("users_user_name") && !walked.contains(sort_step),
        "many matches: expected users_user_name without {sort_step} in\n{walked}"
    );
}

#[test]
fn sqlite_pages_walk_the_order_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    crate::Store::open(&url, crate::StoreOptions::default())
        .unwrap()
        .migrate()
        .unwrap();
    let mut conn = Manager::new(
        Target::parse(&url).unwrap(),
        Role::Writer,
        Duration::from_secs(1),
    )
    .open()
    .unwrap();
    assert_index_backed(&mut conn, "TEMP B-TREE");
}

#[test]
fn postgres_pages_walk_the_order_indexes() {
    let admin = std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let schema = format!("scim_t_{}_search_plans", std::process::id());
    let mut setup = Manager::new(
        Target::parse(&admin).unwrap(),
        Role::Writer,
        Duration::from_secs(1),
    )
    .open()
    .unwrap();
    diesel::sql_query(format!("CREATE SCHEMA {schema}"))
        .execute(&mut setup)
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    let url = format!("{admin}{sep}options=-csearch_path%3D{schema}");
    let result = std::panic::catch_unwind(|| {
        crate::Store::open(&url, crate::StoreOptions::default())
            .unwrap()
            .migrate()
            .unwrap();
        let mut conn = Manager::new(
            Target::parse(&url).unwrap(),
            Role::Writer,
            Duration::from_secs(1),
        )
        .open()
        .unwrap();
        // Enough rows and statistics that the planner weighs its options.
        for statement in [
            "INSERT INTO tenants VALUES ('t1', 't1', 'T', '{}', '[]', '[]', now(), now())",
            "INSERT INTO users (id, tenant_id, user_name, user_name_folded, external_id, \
             external_id_folded, display_name, display_name_folded, active, resource, \
             filter_doc, filter_exact, version, created, last_modified) \
             SELECT 'u' || i, 't1', 'user' || i, 'user' || i, 'ext' || i, 'ext' || i, \
             'Name ' || i, 'name ' || i, i % 2 = 0, '{}', '{}', true, 1, now(), \
             timestamp '2026-01-01' + i * interval '1 minute' \
             FROM generate_series(1, 5000) i",
            "INSERT INTO user_roles SELECT 't1', 'u' || i, 'R' || (i % 5), NULL \
             FROM generate_series(1, 5000) i",
            "INSERT INTO user_emails SELECT 't1', 'user' || i || '@x', 'u' || i \
             FROM generate_series(1, 5000) i",
            "ANALYZE",
        ] {
            diesel::sql_query(statement).execute(&mut conn).unwrap();
        }
        assert_index_backed(&mut conn, "Sort");
    });
    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut setup)
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
