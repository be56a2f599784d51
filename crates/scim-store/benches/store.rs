//! Store benchmarks at scale: `userName eq` lookups, creates (one transaction
//! each), PATCH-size updates, adding 1,000 members to a group of 100,000 and
//! reading pages of 100 members.
//!
//! ```text
//! cargo bench -p scim-store --bench store -- --warm-up-time 1 --measurement-time 3
//! SCIM_BENCH_USERS=1000000 SCIM_BENCH_BACKENDS=sqlite cargo bench -p scim-store --bench store -- ...
//! ```
//!
//! `SCIM_BENCH_USERS` (default 100000) sets the population, `SCIM_BENCH_BACKENDS`
//! (default `sqlite,postgres`) the backends. SQLite lives in a temporary directory
//! and PostgreSQL (`SCIM_TEST_POSTGRES_URL`, as for the tests) in a temporary
//! schema; both are removed afterwards. Setup times go to stderr.
//! `SCIM_BENCH_SQLITE_FILE=/path/bench.db` keeps the SQLite database instead, and
//! a later run on the same file skips the set-up (filling 1,000,000 users takes
//! minutes).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::print_stderr, reason = "setup times are part of the report")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{BatchSize, Criterion};
use diesel::{Connection, PgConnection, RunQueryDsl};
use scim_proto::filter::{Filter, compile};
use scim_proto::schema::USER_RESOURCE;
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{
    EventKind, ListQuery, NewEvent, NewGroup, NewTenant, NewUser, Paging, Store, StoreError,
    StoreOptions, TenantUpdate, UserUpdate, Visibility,
};
use serde_json::{Value, json};

const TENANT: &str = "bench-tenant";
const GROUP: &str = "bench-group";
const GROUP_SIZE: usize = 100_000;
const BATCH: usize = 1_000;

/// A UUID-looking id whose order is unrelated to `i`, like real random ids.
fn id(i: usize) -> String {
    let mut x = (i as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    format!(
        "{:08x}-{:04x}-4{:03x}-8000-{i:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff
    )
}

fn user_name(i: usize) -> String {
    format!("user{i:07}@contoso.example")
}

/// A user as Entra ID provisions one: about 850 bytes of JSON.
fn body(i: usize) -> Value {
    let department = ["IT", "Sales", "HR", "Operations"][i % 4];
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "userName": user_name(i),
        "externalId": format!("0f8c{i:08x}-5b1e-4a8e-9d3c-2a7b6c5d4e3f"),
        "active": true,
        "displayName": format!("Given{i} Example"),
        "title": "Senior Software Engineer",
        "preferredLanguage": "en-US",
        "name": {"givenName": format!("Given{i}"), "familyName": "Example",
                 "formatted": format!("Given{i} Example")},
        "emails": [{"value": user_name(i), "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "work"},
                         {"value": "+1 555 0199", "type": "mobile"}],
        "addresses": [{"type": "work", "streetAddress": "1 Main Street",
                       "locality": "Springfield", "postalCode": "12345",
                       "country": "US", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"), "department": department,
            "costCenter": "CC-100", "manager": {"value": id(i / 100)}
        }
    })
}

/// A tenant's configuration of a realistic size (twenty group rules, six roles):
/// every write transaction reads the tenant row, so its size is part of a create.
fn tenant_config() -> TenantUpdate {
    let rules: Vec<Value> = (0..20)
        .map(|r| {
            let role = ["Admin", "Manager", "Editor", "Loanee"][r % 4];
            json!({
                "name": format!("rule {r}"),
                "group": {"id": id(900_000_000 + r), "label": format!("Asset team {r}")},
                "role": role,
            })
        })
        .collect();
    TenantUpdate {
        slug: None,
        display_name: None,
        settings: Some(json!({"user_delete": "soft", "compat": {"entra": true}})),
        role_catalogue: Some(json!([
            {"name": "Admin"}, {"name": "Manager"}, {"name": "Editor"},
            {"name": "Loanee"}, {"name": "Viewer"}, {"name": "Disabled"}
        ])),
        rule_set: Some(json!({"default_role": "Viewer", "rules": rules})),
    }
}

struct Fixture {
    name: String,
    store: Store,
    users: usize,
    /// The fresh database (removed afterwards), unless a kept SQLite file is used.
    _database: Option<TestDatabase>,
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

fn populate(backend: &str, users: usize) -> Fixture {
    let (store, database) = open(backend);
    store.migrate().unwrap();
    let name = format!("{backend}-{}k", users / 1000);
    let filled = store
        .read(|tx| {
            tx.tenant(TENANT)
                .users()
                .by_user_name(&user_name(users - 1), Visibility::Live)
        })
        .is_ok_and(|u| u.is_some());
    if filled {
        eprintln!("setup {backend}: reusing the {users} users already in SCIM_BENCH_SQLITE_FILE");
        store
            .write(|tx| tx.tenant(TENANT).update(&tenant_config(), Utc::now()))
            .unwrap();
        return Fixture {
            name,
            store,
            users,
            _database: database,
        };
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
            })?;
            tx.tenant(TENANT).update(&tenant_config(), now)
        })
        .unwrap();
    // Batched commits for the set-up only.
    for start in (0..users).step_by(5_000) {
        store
            .write(|tx| {
                for i in start..(start + 5_000).min(users) {
                    tx.tenant(TENANT).users().insert(&NewUser {
                        id: id(i),
                        resource: body(i),
                        role: Some("Loanee".into()),
                        role_reason: None,
                        now,
                    })?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    let users_done = started.elapsed();
    store
        .write(|tx| {
            tx.tenant(TENANT).groups().insert(&NewGroup {
                id: GROUP.into(),
                resource: json!({"displayName": "Everyone"}),
                now,
            })
        })
        .unwrap();
    let members: Vec<String> = (0..GROUP_SIZE.min(users)).map(id).collect();
    for chunk in members.chunks(10_000) {
        store
            .write(|tx| tx.tenant(TENANT).groups().add_members(GROUP, chunk, now))
            .unwrap();
    }
    if let Some(db) = database.as_ref().filter(|d| d.backend == Backend::Postgres) {
        // Statistics and visibility maps, as autovacuum would leave them after a
        // bulk load (it is off on the machine these figures come from). The URL
        // selects the bench's schema.
        let mut conn = PgConnection::establish(&db.url).unwrap();
        diesel::sql_query("VACUUM ANALYZE users, user_emails, groups, memberships, events")
            .execute(&mut conn)
            .unwrap();
    }
    eprintln!(
        "setup {backend} {users} users: users {:.1} s, group of {} members {:.1} s",
        users_done.as_secs_f64(),
        members.len(),
        (started.elapsed() - users_done).as_secs_f64()
    );
    Fixture {
        name,
        store,
        users,
        _database: database,
    }
}

/// Creates user `i` with `id` in one transaction, with its event if asked.
fn create(store: &Store, id: String, i: usize, with_event: bool) {
    store
        .write(|tx| {
            let user = tx.tenant(TENANT).users().insert(&NewUser {
                id: id.clone(),
                resource: body(i),
                role: None,
                role_reason: None,
                now: Utc::now(),
            })?;
            if with_event {
                tx.tenant(TENANT).events().append(&NewEvent {
                    time: Utc::now(),
                    kind: EventKind::UserCreated,
                    resource_type: Some("User".into()),
                    resource_id: Some(user.id),
                    before: None,
                    after: None,
                    cause: Some(json!({"request": "POST /Users"})),
                    request_id: None,
                    user_id: None,
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
}

fn bench(c: &mut Criterion, f: &Fixture) {
    let mut group = c.benchmark_group(&f.name);
    let mut n = 0_usize;
    let mut next = |modulus: usize| {
        n = n.wrapping_add(7_919);
        n % modulus
    };

    // What Entra ID sends before every create: parse, compile and run the filter.
    group.bench_function("lookup userName eq (filter query)", |b| {
        let paging = Paging::Index {
            start_index: 1,
            count: 100,
        };
        b.iter(|| {
            let i = next(f.users);
            let filter = Filter::parse(&format!("userName eq \"{}\"", user_name(i))).unwrap();
            let filter = compile(&filter, &USER_RESOURCE).unwrap();
            let query = ListQuery {
                filter: Some(&filter),
                sort: None,
                paging: &paging,
                base_url: None,
            };
            let page = f
                .store
                .read(|tx| tx.tenant(TENANT).users().list(&query))
                .unwrap();
            assert_eq!(page.total, 1);
            black_box(page);
        });
    });
    group.bench_function("lookup userName (direct)", |b| {
        b.iter(|| {
            let i = next(f.users);
            let user = f
                .store
                .read(|tx| {
                    tx.tenant(TENANT)
                        .users()
                        .by_user_name(&user_name(i), Visibility::Live)
                })
                .unwrap();
            black_box(user.unwrap());
        });
    });

    // Ids no earlier run on a kept file used.
    let mut created = usize::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 100_000,
    )
    .unwrap()
        * 1_000_000;
    // Ids as the server makes them (UUIDv7: later ids sort later), and random ids
    // (UUIDv4-like, as a host app choosing its own ids might), which land on
    // random pages of every index ending in the id.
    let mut next_create = || {
        created += 1;
        1_000_000_000 + created
    };
    group.bench_function("create (one transaction each)", |b| {
        b.iter(|| {
            create(
                &f.store,
                uuid::Uuid::now_v7().to_string(),
                next_create(),
                false,
            );
        });
    });
    group.bench_function("create, random ids (one transaction each)", |b| {
        b.iter(|| {
            let i = next_create();
            create(&f.store, id(i), i, false);
        });
    });
    group.bench_function("create + event (one transaction each)", |b| {
        b.iter(|| {
            create(
                &f.store,
                uuid::Uuid::now_v7().to_string(),
                next_create(),
                true,
            );
        });
    });

    // A PATCH: read the user, change one attribute, write it back with If-Match.
    group.bench_function("PATCH-size update", |b| {
        b.iter(|| {
            let i = next(f.users);
            f.store
                .write(|tx| {
                    let user = tx
                        .tenant(TENANT)
                        .users()
                        .by_id(&id(i), Visibility::Live)?
                        .unwrap();
                    let mut resource = user.resource;
                    resource["title"] = json!(format!("Title {}", user.version));
                    tx.tenant(TENANT).users().update(&UserUpdate {
                        id: user.id,
                        expected_version: Some(user.version),
                        resource,
                        now: Utc::now(),
                    })
                })
                .unwrap();
        });
    });

    // The group holds 100,000 members; each iteration takes 1,000 out (untimed)
    // and adds them back (timed).
    let size = GROUP_SIZE.min(f.users);
    let mut round = 0_usize;
    group.bench_function("add 1000 members to a group of 100000", |b| {
        b.iter_batched(
            || {
                round += 1;
                let start = (round * BATCH) % (size - BATCH);
                let batch: Vec<String> = (start..start + BATCH).map(id).collect();
                let change = f
                    .store
                    .write(|tx| {
                        tx.tenant(TENANT)
                            .groups()
                            .remove_members(GROUP, &batch, Utc::now())
                    })
                    .unwrap();
                assert_eq!(change.removed.len(), BATCH);
                batch
            },
            |batch| {
                let change = f
                    .store
                    .write(|tx| {
                        tx.tenant(TENANT)
                            .groups()
                            .add_members(GROUP, &batch, Utc::now())
                    })
                    .unwrap();
                assert_eq!(change.added.len(), BATCH);
            },
            BatchSize::PerIteration,
        );
    });

    let middle = (size / 2) as u64;
    for (label, offset) in [
        ("first".to_owned(), 0_u64),
        (format!("at offset {middle}"), middle),
    ] {
        group.bench_function(format!("page of 100 members ({label})"), |b| {
            b.iter(|| {
                let page = f
                    .store
                    .read(|tx| tx.tenant(TENANT).groups().members(GROUP, offset, 100))
                    .unwrap();
                assert_eq!(page.members.len(), 100);
                black_box(page);
            });
        });
    }
    group.finish();
}

fn main() {
    let users: usize = std::env::var("SCIM_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let backends =
        std::env::var("SCIM_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    for backend in backends.split(',').map(str::trim).filter(|b| !b.is_empty()) {
        let fixture = populate(backend, users);
        bench(&mut criterion, &fixture);
    }
    criterion.final_summary();
}
