//! Concurrency on both backends. Each test shares the database between two
//! `Store` instances, as two server processes would (on SQLite: two writers on one
//! file), and starts its threads together behind a barrier.
//!
//! The `postgres_*` tests pin down how PostgreSQL lets one tenant's write
//! transactions run at once: event numbering after commit, the tenant write gate,
//! and the re-run of deadlock victims. (SQLite runs one write transaction at a time,
//! so none of those situations can arise there.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use scim_store::{
    Event, EventKind, NewEvent, NewUser, Store, StoreError, TenantUpdate, UserUpdate, Visibility,
};
use serde_json::json;

use crate::contract;
use crate::fixtures::{add_group, add_user, user_body};
use crate::harness::{Backend, TestDb, at, fresh, options, tenant};

const THREADS: usize = 20;

/// Two independent stores on one database.
fn two_stores(db: &TestDb) -> [Arc<Store>; 2] {
    let second = Store::open(&db.database.url, options()).expect("second store");
    let first = Store::open(&db.database.url, options()).expect("first store");
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
                tx.tenant(&t).users().insert(&NewUser {
                    id: format!("u{i:04}"),
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
            .map(|chunk| {
                store.write(|tx| {
                    tx.tenant(&tenant_id)
                        .groups()
                        .add_members("g1", chunk, at(2))
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
    });
    let mut added = 0;
    for result in results {
        let changes = result.expect("no write may fail");
        added += changes.iter().map(|c| c.added.len()).sum::<usize>();
    }
    assert_eq!(added, THREADS * PER_THREAD);
    let members = db
        .store
        .read(|tx| tx.tenant(&t).groups().member_ids("g1"))
        .unwrap();
    let expected: Vec<String> = (0..THREADS * PER_THREAD)
        .map(|u| format!("u{u:04}"))
        .collect();
    assert_eq!(members, expected);
    let group = db
        .store
        .read(|tx| tx.tenant(&t).groups().by_id("g1"))
        .unwrap()
        .unwrap();
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
            tx.tenant(&tenant_id).users().update(&UserUpdate {
                id: "u1".into(),
                expected_version: Some(1),
                resource: body.clone(),
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
        .read(|tx| tx.tenant(&t).users().by_id("u1", Visibility::Live))
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
            tx.tenant(&tenant_id).users().insert(&NewUser {
                id: format!("u{i:02}"),
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
        .read(|tx| {
            tx.tenant(&t)
                .users()
                .by_user_name("jörg@example.com", Visibility::Live)
        })
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
                for event in store.events(&tenant_id, last, 7)? {
                    seen.push(event.seq);
                    last = event.seq;
                }
            }
            return Ok(seen);
        }
        for n in 0..PER_THREAD {
            let id = format!("u{i:02}-{n}");
            store.write(|tx| {
                let user = tx.tenant(&tenant_id).users().insert(&NewUser {
                    id: id.clone(),
                    resource: user_body(&id),
                    role: None,
                    role_reason: None,
                    now: at(4),
                })?;
                tx.tenant(&tenant_id).events().append(&NewEvent {
                    time: at(4),
                    kind: EventKind::UserCreated,
                    resource_type: Some("User".into()),
                    resource_id: Some(user.id),
                    before: None,
                    after: None,
                    cause: None,
                    request_id: None,
                    user_id: None,
                })
            })?;
            // Reads in between, as a server would serve them.
            store.read(|tx| tx.tenant(&tenant_id).users().by_id(&id, Visibility::Live))?;
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

fn tagged_event(tag: String) -> NewEvent {
    NewEvent {
        time: at(6),
        kind: EventKind::UserUpdated,
        resource_type: Some("User".into()),
        resource_id: Some(tag),
        before: None,
        after: None,
        cause: None,
        request_id: None,
        user_id: None,
    }
}

/// A short pause that differs between transactions, so that the order in which
/// transactions insert their events and the order in which they commit differ.
fn jitter(i: usize, n: usize) {
    thread::sleep(Duration::from_micros(((i * 7 + n * 13) % 5) as u64 * 400));
}

/// Many transactions appending three events each, with pauses between the appends
/// and before commit, and three consumers reading "after the last number seen" all
/// along. Every consumer must see the same log: numbers 1, 2, 3, ... without a gap
/// or a repeat, each event once, a transaction's events in the order it appended
/// them, and an event keeps its number.
fn concurrent_committers_and_consumers_agree_on_one_log(backend: Backend) {
    const WRITERS: usize = 12;
    const CONSUMERS: usize = 3;
    const PER_WRITER: usize = 8;
    const PER_TX: usize = 3;
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    let stores = two_stores(&db);
    let total = WRITERS * PER_WRITER * PER_TX;
    let tenant_id = t.clone();
    let results = race(&stores, move |i, store| -> Result<Vec<Event>, StoreError> {
        if i < CONSUMERS {
            let mut seen: Vec<Event> = Vec::new();
            while seen.len() < total {
                let last = seen.last().map_or(0, |e| e.seq);
                let page = store.events(&tenant_id, last, 5)?;
                if page.is_empty() {
                    thread::sleep(Duration::from_millis(1));
                }
                seen.extend(page);
            }
            return Ok(seen);
        }
        if i >= CONSUMERS + WRITERS {
            return Ok(Vec::new());
        }
        for n in 0..PER_WRITER {
            store.write(|tx| {
                for k in 0..PER_TX {
                    tx.tenant(&tenant_id)
                        .events()
                        .append(&tagged_event(format!("w{i:02}-t{n}-e{k}")))?;
                    jitter(i + k, n);
                }
                Ok::<_, StoreError>(())
            })?;
        }
        Ok(Vec::new())
    });
    let mut logs = Vec::new();
    for (i, result) in results.into_iter().enumerate() {
        let seen = result.unwrap_or_else(|e| panic!("thread {i}: {e}"));
        if i < CONSUMERS {
            logs.push(seen);
        }
    }
    let expected: Vec<i64> = (1..=i64::try_from(total).unwrap()).collect();
    let first: Vec<(i64, String)> = logs[0]
        .iter()
        .map(|e| (e.seq, e.resource_id.clone().unwrap()))
        .collect();
    for log in &logs {
        let seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, expected, "gapless, in order, each once");
        let tagged: Vec<(i64, String)> = log
            .iter()
            .map(|e| (e.seq, e.resource_id.clone().unwrap()))
            .collect();
        assert_eq!(tagged, first, "every consumer sees the same numbering");
    }
    let tags: BTreeSet<&str> = first.iter().map(|(_, tag)| tag.as_str()).collect();
    assert_eq!(tags.len(), total, "each event exactly once");
    // Within a transaction, append order.
    let mut by_tx: BTreeMap<&str, Vec<(&str, i64)>> = BTreeMap::new();
    for (seq, tag) in &first {
        let (tx, event) = tag.rsplit_once('-').unwrap();
        by_tx.entry(tx).or_default().push((event, *seq));
    }
    for (tx, events) in by_tx {
        let order: Vec<&str> = events.iter().map(|(e, _)| *e).collect();
        assert_eq!(order, ["e0", "e1", "e2"], "events of {tx}");
    }
    assert_eq!(db.store.number_events(&t).unwrap(), 0);
}

/// `user_for_update` reads as `user` does and keeps the row from other writers
/// (another store, as another process would be) until its transaction ends.
fn user_for_update_reads_and_locks(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme").id;
    let created = add_user(&db.store, &t, "u1", user_body("alice"));
    add_user(&db.store, &t, "u2", user_body("bob"));
    db.store
        .write(|tx| tx.tenant(&t).users().soft_delete("u2", None, at(3)))
        .unwrap();
    let read = |id: &str, visibility| {
        db.store
            .write(|tx| tx.tenant(&t).users().for_update(id, visibility))
            .unwrap()
    };
    assert_eq!(read("u1", Visibility::Live), Some(created));
    assert_eq!(read("u2", Visibility::Live), None);
    assert!(read("u2", Visibility::IncludeDeleted).is_some());
    assert_eq!(read("nobody", Visibility::IncludeDeleted), None);

    let [first, second] = two_stores(&db);
    let (locked, on_locked) = mpsc::channel::<()>();
    let holder = {
        let (store, t) = (Arc::clone(&first), t.clone());
        thread::spawn(move || {
            store
                .write(|tx| {
                    let user = tx.tenant(&t).users().for_update("u1", Visibility::Live)?;
                    locked.send(()).unwrap();
                    thread::sleep(Duration::from_millis(300));
                    let mut resource = user.map(|u| u.resource).unwrap_or_default();
                    resource["title"] = json!("first");
                    tx.tenant(&t).users().update(&UserUpdate {
                        id: "u1".into(),
                        expected_version: Some(1),
                        resource,
                        now: at(4),
                    })
                })
                .unwrap()
        })
    };
    on_locked.recv().unwrap();
    // Waits for the holder's commit, then sees its version.
    let after_holder = second.write(|tx| {
        let user = tx.tenant(&t).users().for_update("u1", Visibility::Live)?;
        Ok::<_, StoreError>(user.map(|u| u.version))
    });
    assert_eq!(holder.join().unwrap().version, 2);
    assert_eq!(
        after_holder.unwrap(),
        Some(2),
        "read after the holder committed"
    );
}

contract!(
    user_for_update_reads_and_locks,
    disjoint_member_sets_give_the_union,
    stale_versions_lose,
    one_create_per_user_name,
    event_consumers_never_miss_an_event,
    concurrent_committers_and_consumers_agree_on_one_log,
);

/// A second store on the same PostgreSQL database, shareable with threads.
fn other_store(db: &TestDb) -> Arc<Store> {
    Arc::new(Store::open(&db.database.url, options()).expect("second store"))
}

/// Ids are handed out on insert, numbers after commit: an event inserted first but
/// committed last gets the next number then, never a smaller one than an event a
/// consumer has already seen.
#[test]
fn postgres_numbers_follow_commits_not_inserts() {
    let db = fresh(Backend::Postgres);
    let t = tenant(&db.store, "acme").id;
    let store = other_store(&db);
    let (inserted, on_inserted) = mpsc::channel::<()>();
    let (go, on_go) = mpsc::channel::<()>();
    let slow = {
        let (store, t) = (Arc::clone(&store), t.clone());
        thread::spawn(move || {
            store.write(|tx| {
                tx.tenant(&t)
                    .events()
                    .append(&tagged_event("inserted first".into()))?;
                inserted.send(()).unwrap();
                on_go.recv().unwrap();
                Ok::<_, StoreError>(())
            })
        })
    };
    on_inserted.recv().unwrap();
    db.store
        .write(|tx| {
            tx.tenant(&t)
                .events()
                .append(&tagged_event("inserted second".into()))
        })
        .unwrap();
    let tags = |events: Vec<Event>| -> Vec<(i64, String)> {
        events
            .into_iter()
            .map(|e| (e.seq, e.resource_id.unwrap()))
            .collect()
    };
    // The uncommitted event is invisible and unnumbered; the committed one is first.
    assert_eq!(
        tags(db.store.events(&t, 0, 10).unwrap()),
        [(1, "inserted second".to_owned())]
    );
    go.send(()).unwrap();
    slow.join().unwrap().unwrap();
    // A consumer that read up to 1 finds the late committer after it.
    assert_eq!(
        tags(db.store.events(&t, 1, 10).unwrap()),
        [(2, "inserted first".to_owned())]
    );
    assert_eq!(
        tags(store.events(&t, 0, 10).unwrap()),
        [
            (1, "inserted second".to_owned()),
            (2, "inserted first".to_owned())
        ]
    );
}

/// The write gate: a tenant update waits for the tenant's write transactions in
/// flight, and writes that arrive while it waits queue behind it (so a stream of
/// writes cannot starve it), then read what it committed.
#[test]
fn postgres_tenant_updates_wait_for_writers_and_go_before_later_ones() {
    let db = fresh(Backend::Postgres);
    let t = tenant(&db.store, "acme").id;
    let store = other_store(&db);
    let (entered, on_entered) = mpsc::channel::<()>();
    let (go, on_go) = mpsc::channel::<()>();
    let writer = {
        let (store, t) = (Arc::clone(&store), t.clone());
        thread::spawn(move || {
            store.write(|tx| {
                let tenant = tx.tenant(&t).for_write()?;
                entered.send(()).unwrap();
                on_go.recv().unwrap();
                tx.tenant(&t).users().insert(&NewUser {
                    id: "u1".into(),
                    resource: user_body("alice"),
                    role: Some("decided with the old rules".into()),
                    role_reason: None,
                    now: at(7),
                })?;
                Ok::<_, StoreError>(tenant.rule_set)
            })
        })
    };
    on_entered.recv().unwrap();
    let updated = Arc::new(AtomicBool::new(false));
    let updater = {
        let (store, t, updated) = (Arc::clone(&store), t.clone(), Arc::clone(&updated));
        thread::spawn(move || {
            let result = store.write(|tx| {
                tx.tenant(&t).update(
                    &TenantUpdate {
                        rule_set: Some(json!(["new rules"])),
                        ..TenantUpdate::default()
                    },
                    at(8),
                )
            });
            updated.store(true, Ordering::SeqCst);
            result
        })
    };
    thread::sleep(Duration::from_millis(300));
    assert!(
        !updated.load(Ordering::SeqCst),
        "the update waits for the write in flight"
    );
    let late_read = Arc::new(AtomicBool::new(false));
    let late = {
        let (store, t, late_read) = (Arc::clone(&store), t.clone(), Arc::clone(&late_read));
        thread::spawn(move || {
            let rules = store.write(|tx| Ok::<_, StoreError>(tx.tenant(&t).for_write()?.rule_set));
            late_read.store(true, Ordering::SeqCst);
            rules
        })
    };
    thread::sleep(Duration::from_millis(300));
    assert!(
        !late_read.load(Ordering::SeqCst),
        "a write arriving after the update queues behind it"
    );
    go.send(()).unwrap();
    assert_eq!(writer.join().unwrap().unwrap(), json!([]));
    assert_eq!(
        updater.join().unwrap().unwrap().rule_set,
        json!(["new rules"])
    );
    assert_eq!(late.join().unwrap().unwrap(), json!(["new rules"]));
}

/// Two transactions that lock the same rows in opposite orders deadlock; PostgreSQL
/// gives one up, and `write` runs it again: both succeed, one of them twice.
#[test]
fn postgres_deadlock_victims_are_run_again() {
    let db = fresh(Backend::Postgres);
    let t = tenant(&db.store, "acme").id;
    add_user(&db.store, &t, "u1", user_body("alice"));
    add_user(&db.store, &t, "u2", user_body("bob"));
    let stores = [
        Arc::new(Store::open(&db.database.url, options()).unwrap()),
        other_store(&db),
    ];
    let barrier = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = [("u1", "u2"), ("u2", "u1")]
        .into_iter()
        .zip(stores)
        .map(|((first, second), store)| {
            let (barrier, runs, t) = (Arc::clone(&barrier), Arc::clone(&runs), t.clone());
            thread::spawn(move || {
                let mut first_run = true;
                store.write(|tx| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tx.tenant(&t).users().lock(&[first.to_owned()])?;
                    if std::mem::take(&mut first_run) {
                        // Both hold their first row before either asks for its second.
                        barrier.wait();
                    }
                    tx.tenant(&t).users().lock(&[second.to_owned()])?;
                    tx.tenant(&t).users().set_role(second, Some(first), None)
                })
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().expect("the victim is run again");
    }
    // One deadlock, one re-run. Under a loaded machine (a parallel workspace
    // build) a second re-run has been seen once; what matters is that both
    // transactions end committed, which the joins above check.
    let runs = runs.load(Ordering::SeqCst);
    assert!(
        (3..=4).contains(&runs),
        "one deadlock, one re-run: {runs} runs"
    );
}

/// Errors that are the caller's, not the database's conflicts, are never re-run.
#[test]
fn postgres_other_errors_are_not_run_again() {
    let db = fresh(Backend::Postgres);
    let t = tenant(&db.store, "acme").id;
    add_user(&db.store, &t, "u1", user_body("alice"));
    let runs = AtomicUsize::new(0);
    let err = db
        .store
        .write(|tx| {
            runs.fetch_add(1, Ordering::SeqCst);
            tx.tenant(&t).users().insert(&NewUser {
                id: "u2".into(),
                resource: user_body("ALICE"),
                role: None,
                role_reason: None,
                now: at(9),
            })
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                attribute: "userName"
            }
        ),
        "{err:?}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
