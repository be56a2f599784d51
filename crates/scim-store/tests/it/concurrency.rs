//! Concurrency on both backends. Each test shares the database between two
//! `Store` instances, as two server processes would (on SQLite: two writers on one
//! file), and starts its threads together behind a barrier.

use std::sync::{Arc, Barrier};
use std::thread;

use scim_store::{EventKind, NewEvent, NewUser, Store, StoreError, UserUpdate, Visibility};
use serde_json::json;

use crate::contract;
use crate::fixtures::{add_group, add_user, user_body};
use crate::harness::{Backend, TestDb, at, fresh, options, tenant};

const THREADS: usize = 20;

/// Two independent stores on one database.
fn two_stores(db: &TestDb) -> [Arc<Store>; 2] {
    let second = Store::open(&db.url, options()).expect("second store");
    let first = Store::open(&db.url, options()).expect("first store");
    [Arc::new(first), Arc::new(second)]
}

/// Runs `work(i, store)` on `THREADS` threads, alternating the stores.
fn race<T: Send + 'static>(
    stores: &[Arc<Store>; 2],
    work: impl Fn(usize, &Store) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let work = Arc::new(work);
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (work, barrier, store) = (work.clone(), barrier.clone(), stores[i % 2].clone());
            thread::spawn(move || {
                barrier.wait();
                work(i, &store)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect()
}

fn disjoint_member_sets_give_the_union(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    const PER_THREAD: usize = 25;
    db.store
        .write(|tx| {
            for i in 0..THREADS * PER_THREAD {
                tx.insert_user(&NewUser {
                    id: format!("u{i:04}"),
                    tenant_id: t.clone(),
                    resource: user_body(&format!("user{i}")),
                    role: None,
                    role_reason: None,
                    now: at(1),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    add_group(&db.store, &t, "g1", "Everyone");
    let stores = two_stores(&db);
    let tenant_id = t.clone();
    let results = race(&stores, move |i, store| {
        // Five batches per thread, so that the threads' writes interleave.
        let mine: Vec<String> = (i * PER_THREAD..(i + 1) * PER_THREAD)
            .map(|u| format!("u{u:04}"))
            .collect();
        mine.chunks(5)
            .map(|chunk| store.write(|tx| tx.add_members(&tenant_id, "g1", chunk, at(2))))
            .collect::<Result<Vec<_>, StoreError>>()
    });
    let mut added = 0;
    for result in results {
        let changes = result.expect("no write may fail");
        added += changes.iter().map(|c| c.added.len()).sum::<usize>();
    }
    assert_eq!(added, THREADS * PER_THREAD);
    let members = db.store.read(|tx| tx.member_ids(&t, "g1")).unwrap();
    let expected: Vec<String> = (0..THREADS * PER_THREAD)
        .map(|u| format!("u{u:04}"))
        .collect();
    assert_eq!(members, expected);
    let group = db.store.read(|tx| tx.group(&t, "g1")).unwrap().unwrap();
    assert_eq!(
        group.version,
        1 + (THREADS * PER_THREAD / 5) as i64,
        "one bump per batch"
    );
}

fn stale_versions_lose(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    add_user(&db.store, &t, "u1", user_body("alice"));
    let stores = two_stores(&db);
    let tenant_id = t.clone();
    let results = race(&stores, move |i, store| {
        let mut body = user_body("alice");
        body["title"] = json!(format!("writer {i}"));
        store.write(|tx| {
            tx.update_user(&UserUpdate {
                tenant_id: tenant_id.clone(),
                id: "u1".into(),
                expected_version: Some(1),
                resource: body,
                now: at(5),
            })
        })
    });
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for result in &results {
        match result {
            Ok(user) => assert_eq!(user.version, 2),
            Err(e) => assert!(
                matches!(
                    e,
                    StoreError::PreconditionFailed {
                        expected: 1,
                        actual: 2
                    }
                ),
                "{e:?}"
            ),
        }
    }
    let stored = db
        .store
        .read(|tx| tx.user(&t, "u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.resource["title"], winners[0].resource["title"]);
}

fn one_create_per_user_name(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    let stores = two_stores(&db);
    let tenant_id = t.clone();
    let results = race(&stores, move |i, store| {
        // Every spelling folds to the same name.
        let name = if i % 2 == 0 {
            "Jörg@Example.com"
        } else {
            "JÖRG@example.COM"
        };
        store.write(|tx| {
            tx.insert_user(&NewUser {
                id: format!("u{i:02}"),
                tenant_id: tenant_id.clone(),
                resource: user_body(name),
                role: None,
                role_reason: None,
                now: at(3),
            })
        })
    });
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1, "{results:?}");
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(
                error,
                StoreError::Conflict {
                    attribute: "userName"
                }
            ),
            "{error:?}"
        );
    }
    let found = db
        .store
        .read(|tx| tx.user_by_user_name(&t, "jörg@example.com", Visibility::Live))
        .unwrap();
    assert!(found.is_some());
}

/// Writers (creating users, each with its event) and a consumer reading the log
/// "after the last sequence number seen", all at once: the consumer must see every
/// event exactly once, in order, with no gap, and nothing may fail with "database
/// is locked" or similar.
fn event_consumers_never_miss_an_event(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    let stores = two_stores(&db);
    const PER_THREAD: usize = 10;
    let total = (THREADS - 1) * PER_THREAD;
    let tenant_id = t.clone();
    let results = race(&stores, move |i, store| -> Result<Vec<i64>, StoreError> {
        if i == 0 {
            // The consumer.
            let mut seen = Vec::new();
            let mut last = 0;
            while seen.len() < total {
                for event in store.read(|tx| tx.events(&tenant_id, last, 7))? {
                    seen.push(event.seq);
                    last = event.seq;
                }
            }
            return Ok(seen);
        }
        for n in 0..PER_THREAD {
            let id = format!("u{i:02}-{n}");
            store.write(|tx| {
                let user = tx.insert_user(&NewUser {
                    id: id.clone(),
                    tenant_id: tenant_id.clone(),
                    resource: user_body(&id),
                    role: None,
                    role_reason: None,
                    now: at(4),
                })?;
                tx.append_event(&NewEvent {
                    tenant_id: tenant_id.clone(),
                    time: at(4),
                    kind: EventKind::UserCreated,
                    resource_type: Some("User".into()),
                    resource_id: Some(user.id),
                    before: None,
                    after: None,
                    cause: None,
                    request_id: None,
                })
            })?;
            // Reads in between, as a server would serve them.
            store.read(|tx| tx.user(&tenant_id, &id, Visibility::Live))?;
        }
        Ok(Vec::new())
    });
    let mut results = results.into_iter();
    let seen = results.next().unwrap().expect("consumer");
    let expected: Vec<i64> = (1..=i64::try_from(total).unwrap()).collect();
    assert_eq!(seen, expected);
    for writer in results {
        writer.expect("no write may fail");
    }
}

contract!(
    disjoint_member_sets_give_the_union,
    stale_versions_lose,
    one_create_per_user_name,
    event_consumers_never_miss_an_event,
);
