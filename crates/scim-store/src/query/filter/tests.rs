//! Unit tests of filter translation, and proof that core lookups use indexes.

use std::time::Duration;

use diesel::{QueryableByName, RunQueryDsl};
use scim_proto::filter::{Filter, compile};
use scim_proto::schema::{GROUP_RESOURCE, USER_RESOURCE};

use super::*;
use crate::conn::{Manager, Target};
use crate::db::DbConnection;
use crate::dialect::{Role, prefix_upper_bound};

#[test]
fn prefix_upper_bounds_close_the_range() {
    let check = |prefix: &str, expected: Option<&str>| {
        assert_eq!(
            prefix_upper_bound(prefix).as_deref(),
            expected,
            "{prefix:?}"
        );
    };
    check("abc", Some("abd"));
    check("", None);
    check("a\u{10FFFF}", Some("b"));
    check("\u{10FFFF}\u{10FFFF}", None);
    check("x\u{D7FF}", Some("x\u{E000}"));
    check("é", Some("ê"));
}

#[test]
fn constant_strings_compare_like_the_evaluator() {
    use CompareOp::*;
    let cases = [
        ("direct", Eq, "direct", true),
        ("direct", Sw, "dir", true),
        ("direct", Ew, "ect", true),
        ("direct", Co, "rec", true),
        ("direct", Gt, "d", true),
        ("direct", Lt, "d", false),
        ("direct", Ge, "direct", true),
        ("direct", Le, "dirt", true),
        ("user", Eq, "User", false),
    ];
    for (hay, op, needle, expected) in cases {
        assert_eq!(
            compare_strings(hay, op, needle),
            expected,
            "{hay} {op:?} {needle}"
        );
    }
}

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

fn plan(conn: &mut DbConnection, kind: Kind, filter: &str) -> String {
    let rt = match kind {
        Kind::User => &USER_RESOURCE,
        Kind::Group => &GROUP_RESOURCE,
    };
    let compiled = compile(&Filter::parse(filter).unwrap(), rt).unwrap();
    let dialect = Dialect::of(conn);
    let a = kind.alias();
    let mut sql = Sql::from(match dialect {
        Dialect::Sqlite => "EXPLAIN QUERY PLAN ",
        Dialect::Postgres => "EXPLAIN ",
    });
    sql.push(&format!("SELECT {a}.id FROM {} {a} WHERE ", kind.table()))
        .append(base_where(kind, "t1", true))
        .push(" AND ")
        .append(filter_where(kind, dialect, "t1", None, &compiled, &[]).unwrap());
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

/// Filter, and the index its plan must use.
const INDEXED: &[(Kind, &str, &str)] = &[
    (Kind::User, r#"userName eq "Alice""#, "users_user_name"),
    (Kind::User, r#"userName sw "al""#, "users_user_name"),
    (Kind::User, r#"externalId eq "x""#, "users_external_id"),
    (
        Kind::User,
        r#"displayName eq "Alice""#,
        "users_display_name",
    ),
    (
        Kind::User,
        r#"emails.value eq "a@b.c""#,
        "ue USING PRIMARY KEY|user_emails_pkey",
    ),
    (
        Kind::User,
        r#"emails[type eq "work" and value eq "a@b.c"]"#,
        "ue USING PRIMARY KEY|user_emails_pkey",
    ),
    (Kind::User, r#"active eq true"#, "users_active"),
    (
        Kind::User,
        r#"meta.lastModified gt "2026-01-03T00:00:00Z""#,
        "users_last_modified",
    ),
    (
        Kind::User,
        r#"groups.value eq "g1""#,
        "m USING PRIMARY KEY|memberships_pkey",
    ),
    (
        Kind::Group,
        r#"displayName eq "Admins""#,
        "groups_display_name",
    ),
    (Kind::Group, r#"externalId eq "x""#, "groups_external_id"),
    (Kind::Group, r#"members.value eq "u1""#, "memberships_user"),
    (
        Kind::Group,
        r#"meta.lastModified gt "2026-12-31T00:00:00Z""#,
        "groups_last_modified",
    ),
];

fn assert_indexed(conn: &mut DbConnection) {
    for (kind, filter, index) in INDEXED {
        let plan = plan(conn, *kind, filter);
        assert!(
            index.split('|').any(|i| plan.contains(i)),
            "{filter}: expected {index} in\n{plan}"
        );
    }
    // And `id eq` is a key lookup (primary key, or the (tenant, id) index).
    let plan = plan(conn, Kind::User, r#"id eq "u1""#);
    assert!(
        ["sqlite_autoindex_users_1", "users_pkey"]
            .iter()
            .any(|index| plan.contains(index)),
        "{plan}"
    );
}

#[test]
fn sqlite_core_lookups_use_indexes() {
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
    assert_indexed(&mut conn);
}

#[test]
fn postgres_core_lookups_can_use_indexes() {
    let admin = std::env::var("SCIM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let schema = format!("scim_t_{}_plans", std::process::id());
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
        // Some data and statistics, so the planner chooses between indexes on
        // evidence; sequential scans are forbidden to ask "can an index serve it".
        for statement in [
            "INSERT INTO tenants VALUES ('t1', 't1', 'T', '{}', '[]', '[]', now(), now())",
            "INSERT INTO users (id, tenant_id, user_name, user_name_folded, external_id, \
             display_name, display_name_folded, active, resource, filter_doc, filter_exact, \
             version, created, last_modified) SELECT 'u' || i, 't1', 'user' || i, 'user' || i, \
             'ext' || i, 'Name ' || i, 'name ' || i, i % 2 = 0, '{}', '{}', true, 1, now(), \
             timestamp '2026-01-01' + i * interval '1 minute' \
             FROM generate_series(1, 3000) i",
            "INSERT INTO user_emails SELECT 't1', 'user' || i || '@x', 'u' || i \
             FROM generate_series(1, 3000) i",
            "INSERT INTO groups (id, tenant_id, display_name, display_name_folded, resource, \
             filter_doc, filter_exact, version, created, last_modified) SELECT 'g' || i, 't1', \
             'Group ' || i, 'group ' || i, '{}', '{}', true, 1, now(), now() \
             FROM generate_series(1, 30) i",
            "INSERT INTO memberships SELECT 't1', 'g' || (i % 30 + 1), 'u' || i \
             FROM generate_series(1, 3000) i",
            "ANALYZE",
            "SET enable_seqscan = off",
        ] {
            diesel::sql_query(statement).execute(&mut conn).unwrap();
        }
        assert_indexed(&mut conn);
    });
    diesel::sql_query(format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut setup)
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
