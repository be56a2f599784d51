//! The admin user search at scale: pages of 50 with a text, filters and each
//! order, first and deep in the list.
//!
//! ```text
//! cargo bench -p scim-store --bench admin_users -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! `SCIM_BENCH_USERS` (default 100000) sets the population, `SCIM_BENCH_BACKENDS`
//! (default `sqlite,postgres`) the backends, as for the `store` bench; the users
//! are written through the store. `SCIM_BENCH_SQLITE_FILE=/path/bench.db` keeps
//! the SQLite database (and a later run reuses it).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stderr, reason = "setup times are part of the report")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::Criterion;
use diesel::{Connection, PgConnection, RunQueryDsl};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{
    NewTenant, NewUser, RoleLock, Store, StoreError, StoreOptions, UserOrder, UserSearch,
    UserStatus, Visibility,
};
use serde_json::{Value, json};

const TENANT: &str = "bench-tenant";
const PAGE: u64 = 50;

fn id(i: usize) -> String {
    let mut x = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    format!("{x:016x}-{i:012x}")
}

fn user_name(i: usize) -> String {
    format!("user{i:07}@contoso.example")
}

fn body(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name(i),
        "externalId": format!("0f8c{i:08x}-5b1e-4a8e-9d3c-2a7b6c5d4e3f"),
        "active": !i.is_multiple_of(10),
        "displayName": format!("Given{i} Example"),
        "name": {"givenName": format!("Given{i}"), "familyName": "Example"},
        "emails": [{"value": format!("g{i}@mail.example"), "type": "work", "primary": true}],
    })
}

/// Roles as a rule set leaves them: mostly the default, a few privileged.
fn role(i: usize) -> &'static str {
    match i % 100 {
        0 => "Admin",
        1..=9 => "Loanee",
        _ => "Viewer",
    }
}

fn open(backend: &str) -> (Store, Option<TestDatabase>) {
    let options = StoreOptions {
        max_connections: 4,
        ..StoreOptions::default()
    };
    if backend == "sqlite"
        && let Ok(kept) = std::env::var("SCIM_BENCH_SQLITE_FILE")
    {
        let url = format!("sqlite://{kept}");
        return (Store::open(&url, options).unwrap(), None);
    }
    let database = TestDatabase::create(match backend {
        "sqlite" => Backend::Sqlite,
        _ => Backend::Postgres,
    });
    (database.open(options), Some(database))
}

fn populate(backend: &str, users: usize) -> (Store, Option<TestDatabase>) {
    let (store, database) = open(backend);
    store.migrate().unwrap();
    let filled = store
        .read(|tx| {
            tx.tenant(TENANT)
                .users()
                .by_user_name(&user_name(users - 1), Visibility::IncludeDeleted)
        })
        .is_ok_and(|u| u.is_some());
    if filled {
        return (store, database);
    }
    let started = Instant::now();
    let now = Utc::now();
    store
        .write(|tx| {
            tx.insert_tenant(&NewTenant {
                id: TENANT.into(),
                slug: "bench".into(),
                display_name: "Bench".into(),
                settings: json!({}),
                role_catalogue: json!([]),
                rule_set: json!([]),
                now,
            })
            .map(|_| ())
        })
        .unwrap();
    for start in (0..users).step_by(5_000) {
        store
            .write(|tx| {
                for i in start..(start + 5_000).min(users) {
                    tx.tenant(TENANT).users().insert(&NewUser {
                        id: id(i),
                        resource: body(i),
                        role: Some(role(i).into()),
                        role_reason: None,
                        now: now + chrono::Duration::milliseconds(i as i64),
                    })?;
                    if i % 1000 == 1 {
                        tx.tenant(TENANT).users().set_lock(
                            &id(i),
                            Some(&RoleLock {
                                role: "Admin".into(),
                                by: "bench".into(),
                                at: now,
                                reason: None,
                            }),
                        )?;
                    }
                    if i % 500 == 7 {
                        tx.tenant(TENANT).users().soft_delete(&id(i), None, now)?;
                    }
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    if let Some(db) = database.as_ref().filter(|d| d.backend == Backend::Postgres) {
        // Statistics, as autovacuum would leave them after a bulk load.
        let mut conn = PgConnection::establish(&db.url).unwrap();
        diesel::sql_query("VACUUM ANALYZE users, user_emails")
            .execute(&mut conn)
            .unwrap();
    }
    eprintln!(
        "setup {backend}: {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (store, database)
}

/// The searches measured, by name.
fn searches() -> Vec<(&'static str, UserSearch)> {
    let page = |s: UserSearch| UserSearch { limit: PAGE, ..s };
    vec![
        ("first page by userName", page(UserSearch::default())),
        (
            "q=user00123 (100 users)",
            page(UserSearch {
                q: Some("USER00123".into()),
                ..UserSearch::default()
            }),
        ),
        (
            "q=given5 (11,111 users) by lastChange desc",
            page(UserSearch {
                q: Some("given5".into()),
                order: UserOrder::LastChange,
                descending: true,
                ..UserSearch::default()
            }),
        ),
        (
            "role=Admin (1%) by displayName",
            page(UserSearch {
                role: Some("Admin".into()),
                order: UserOrder::DisplayName,
                ..UserSearch::default()
            }),
        ),
        (
            "status=inactive locked=false by role desc",
            page(UserSearch {
                status: Some(UserStatus::Inactive),
                locked: Some(false),
                order: UserOrder::Role,
                descending: true,
                ..UserSearch::default()
            }),
        ),
        (
            "locked=true (0.1%) by userName",
            page(UserSearch {
                locked: Some(true),
                ..UserSearch::default()
            }),
        ),
        (
            "q=g4 role=Loanee status=active by displayName desc",
            page(UserSearch {
                q: Some("g4".into()),
                role: Some("Loanee".into()),
                status: Some(UserStatus::Active),
                order: UserOrder::DisplayName,
                descending: true,
                ..UserSearch::default()
            }),
        ),
    ]
}

fn main() {
    let users: usize = std::env::var("SCIM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends =
        std::env::var("SCIM_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let mut criterion = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    for backend in backends.split(',') {
        let (store, _database) = populate(backend, users);
        let mut group =
            criterion.benchmark_group(format!("admin_users/{backend}-{}k", users / 1000));
        for (name, search) in searches() {
            group.bench_function(name, |b| {
                b.iter(|| {
                    black_box(
                        store
                            .read(|tx| tx.tenant(TENANT).users().search(&search))
                            .unwrap(),
                    )
                });
            });
        }
        // Deep in the list: the cursor of the page at the middle.
        let middle = UserSearch {
            cursor: store
                .read(|tx| {
                    tx.tenant(TENANT).users().search(&UserSearch {
                        limit: (users / 2) as u64,
                        ..UserSearch::default()
                    })
                })
                .unwrap()
                .next_cursor,
            limit: PAGE,
            ..UserSearch::default()
        };
        group.bench_function("page at the middle by userName", |b| {
            b.iter(|| {
                black_box(
                    store
                        .read(|tx| tx.tenant(TENANT).users().search(&middle))
                        .unwrap(),
                )
            });
        });
        group.finish();
    }
    criterion.final_summary();
}
