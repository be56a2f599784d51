//! The admin API's queries: the user search (text, filters, orders, keyset
//! pages), the group pages and the filtered event log.

use chrono::{DateTime, Utc};
use scim_store::{
    EventKind, EventSearch, NewEvent, NewUser, RoleLock, Store, StoreError, UserOrder, UserSearch,
    UserStatus,
};
use serde_json::{Value, json};

use crate::contract;
use crate::fixtures::{add_group, ids};
use crate::harness::{Backend, at, fresh, tenant};

fn body(user_name: &str, display_name: Option<&str>, email: &str, external_id: &str) -> Value {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": true,
        "emails": [{"value": email, "type": "work"}],
    });
    if let Some(name) = display_name {
        body["displayName"] = json!(name);
    }
    if !external_id.is_empty() {
        body["externalId"] = json!(external_id);
    }
    body
}

fn add(
    store: &Store,
    tenant_id: &str,
    id: &str,
    body: Value,
    role: Option<&str>,
    now: DateTime<Utc>,
) {
    store
        .write(|tx| {
            tx.tenant(tenant_id).users().insert(&NewUser {
                id: id.into(),
                resource: body.clone(),
                role: role.map(str::to_owned),
                role_reason: None,
                now,
            })
        })
        .unwrap_or_else(|e| panic!("create user {id}: {e}"));
}

fn search(
    store: &Store,
    tenant_id: &str,
    search: &UserSearch,
) -> Result<(Vec<String>, Option<String>), StoreError> {
    let page = store.read(|tx| tx.tenant(tenant_id).users().search(search))?;
    Ok((
        page.items.into_iter().map(|u| u.id).collect(),
        page.next_cursor,
    ))
}

/// Every page of `query`: the ids in order, and the size of each page.
fn all_pages(store: &Store, tenant_id: &str, query: &UserSearch) -> (Vec<String>, Vec<usize>) {
    let (mut seen, mut sizes) = (Vec::new(), Vec::new());
    let mut query = query.clone();
    loop {
        let (page, next) = search(store, tenant_id, &query).unwrap();
        sizes.push(page.len());
        seen.extend(page);
        match next {
            Some(cursor) => query.cursor = Some(cursor),
            None => return (seen, sizes),
        }
    }
}

fn text_search_matches_prefixes_of_names_emails_and_external_ids(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    let s = &db.store;
    add(
        s,
        &t.id,
        "u1",
        body("alice", Some("Alice A"), "a@x.example", "EXT-Abc"),
        Some("Member"),
        at(1),
    );
    add(
        s,
        &t.id,
        "u2",
        body("bob", Some("Zed Builder"), "bob@x.example", ""),
        Some("Member"),
        at(1),
    );
    add(
        s,
        &t.id,
        "u3",
        body("carol", None, "Ally@y.example", ""),
        Some("Member"),
        at(1),
    );
    add(
        s,
        &t.id,
        "u4",
        body("ÉMILE", None, "e@x.example", ""),
        Some("Member"),
        at(1),
    );
    add(
        s,
        &t.id,
        "u5",
        body("dave", None, "d@x.example", "ext-zzz"),
        Some("Member"),
        at(1),
    );
    add(
        s,
        &other.id,
        "o1",
        body("alfred", None, "al@x.example", ""),
        None,
        at(1),
    );
    // Keys that differ only in case make the row's filter document inexact:
    // its e-mail is then found through the side table alone.
    add(
        s,
        &t.id,
        "u6",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "frank",
            "emails": [{"value": "Inexact@x.example", "VALUE": "other@x.example"}],
        }),
        Some("Member"),
        at(1),
    );
    s.write(|tx| tx.tenant(&t.id).users().soft_delete("u5", None, at(2)))
        .unwrap();
    // The same matches whether the search gathers the text's matches (no
    // filter) or tests the text on each of the few users a filter selects.
    let found = |q: &str| {
        let run = |role: Option<&str>| {
            let query = UserSearch {
                q: Some(q.to_owned()),
                role: role.map(str::to_owned),
                limit: 10,
                ..UserSearch::default()
            };
            let (mut found, next) = search(s, &t.id, &query).unwrap();
            assert_eq!(next, None, "{q}");
            found.sort();
            found
        };
        let gathered = run(None);
        assert_eq!(run(Some("Member")), gathered, "{q} with a role filter");
        gathered
    };
    // userName and displayName (u1), an e-mail (u3); never another tenant's.
    assert_eq!(found("AL"), ids(&["u1", "u3"]));
    assert_eq!(found("zed b"), ids(&["u2"]));
    // externalId, folded; users deleted by the IdP are found too.
    assert_eq!(found("ext-"), ids(&["u1", "u5"]));
    assert_eq!(found("émi"), ids(&["u4"]));
    // A prefix, not a substring.
    assert_eq!(found("lice"), ids(&[]));
    assert_eq!(found("inexact@"), ids(&["u6"]));
    assert_eq!(found("other@"), ids(&[]));
    assert_eq!(found("  "), ids(&["u1", "u2", "u3", "u4", "u5", "u6"]));
    let long = UserSearch {
        q: Some("x".repeat(300)),
        limit: 10,
        ..UserSearch::default()
    };
    let err = search(s, &t.id, &long).unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
    let empty = UserSearch::default();
    let err = search(s, &t.id, &empty).unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
}

/// Past a couple of thousand matches the search tests rows along the order
/// instead of sorting the matches: the same pages either way.
fn text_search_with_many_matches(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    db.store
        .write(|tx| {
            for i in 0..2_100 {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: format!("u{i:04}"),
                    resource: body(&format!("user{i}"), None, &format!("m{i}@x"), ""),
                    role: None,
                    role_reason: None,
                    now: at(i),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let pages = |q: &str| {
        let query = UserSearch {
            q: Some(q.to_owned()),
            order: UserOrder::LastChange,
            descending: true,
            limit: 700,
            ..UserSearch::default()
        };
        all_pages(&db.store, &t.id, &query)
    };
    // 2,100 matches, all users: newest first.
    let all: Vec<String> = (0..2_100).rev().map(|i| format!("u{i:04}")).collect();
    assert_eq!(pages("USER"), (all, vec![700, 700, 700]));
    // user1, user10..19, user100..199, user1000..1999: 1,111 matches.
    let (few, sizes) = pages("user1");
    assert_eq!(sizes, vec![700, 411]);
    assert_eq!(few.first().map(String::as_str), Some("u1999"));
    assert_eq!(few.last().map(String::as_str), Some("u0001"));
}

fn search_filters_on_app_state(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let s = &db.store;
    add(
        s,
        &t.id,
        "u1",
        body("ann", None, "ann@x", ""),
        Some("Admin"),
        at(1),
    );
    add(
        s,
        &t.id,
        "u2",
        body("andy", None, "andy@x", ""),
        Some("Admin"),
        at(1),
    );
    let mut inactive = body("anton", None, "anton@x", "");
    inactive["active"] = json!(false);
    add(s, &t.id, "u3", inactive, Some("Disabled"), at(1));
    add(
        s,
        &t.id,
        "u4",
        body("bert", None, "bert@x", ""),
        Some("Admin"),
        at(1),
    );
    s.write(|tx| {
        tx.tenant(&t.id).users().set_lock(
            "u2",
            Some(&RoleLock {
                role: "Admin".into(),
                by: "root".into(),
                at: at(3),
                reason: None,
            }),
        )?;
        tx.tenant(&t.id)
            .users()
            .soft_delete("u1", None, at(4))
            .map(|_| ())
    })
    .unwrap();
    let found = |query: UserSearch| {
        search(s, &t.id, &UserSearch { limit: 10, ..query })
            .unwrap()
            .0
    };
    let q = || Some("an".to_owned());
    assert_eq!(
        found(UserSearch {
            q: q(),
            role: Some("Admin".into()),
            ..UserSearch::default()
        }),
        ids(&["u2", "u1"])
    );
    assert_eq!(
        found(UserSearch {
            q: q(),
            status: Some(UserStatus::Active),
            ..UserSearch::default()
        }),
        ids(&["u2"])
    );
    assert_eq!(
        found(UserSearch {
            q: q(),
            status: Some(UserStatus::Inactive),
            ..UserSearch::default()
        }),
        ids(&["u3"])
    );
    assert_eq!(
        found(UserSearch {
            q: q(),
            status: Some(UserStatus::Deleted),
            ..UserSearch::default()
        }),
        ids(&["u1"])
    );
    assert_eq!(
        found(UserSearch {
            locked: Some(true),
            ..UserSearch::default()
        }),
        ids(&["u2"])
    );
    assert_eq!(
        found(UserSearch {
            role: Some("Admin".into()),
            locked: Some(false),
            ..UserSearch::default()
        }),
        ids(&["u1", "u4"])
    );
}

fn search_pages_follow_each_order_and_survive_inserts(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let s = &db.store;
    add(
        s,
        &t.id,
        "u1",
        body("carol", Some("Carol C"), "c@x", ""),
        Some("Viewer"),
        at(10),
    );
    add(
        s,
        &t.id,
        "u2",
        body("alice", None, "a@x", ""),
        Some("Admin"),
        at(30),
    );
    add(
        s,
        &t.id,
        "u3",
        body("Bob", Some("bob b"), "b@x", ""),
        None,
        at(20),
    );
    add(
        s,
        &t.id,
        "u4",
        body("dave", Some("Alpha"), "d@x", ""),
        Some("Viewer"),
        at(20),
    );
    add(
        s,
        &t.id,
        "u5",
        body("eve", None, "e@x", ""),
        Some("Admin"),
        at(5),
    );
    for (order, expected) in [
        (UserOrder::UserName, ["u2", "u3", "u1", "u4", "u5"]),
        // Users without a display name or role first, ties by id.
        (UserOrder::DisplayName, ["u2", "u5", "u4", "u3", "u1"]),
        (UserOrder::Role, ["u3", "u2", "u5", "u1", "u4"]),
        (UserOrder::LastChange, ["u5", "u1", "u3", "u4", "u2"]),
    ] {
        for descending in [false, true] {
            let query = UserSearch {
                order,
                descending,
                limit: 2,
                ..UserSearch::default()
            };
            let mut expected = ids(&expected);
            if descending {
                expected.reverse();
            }
            assert_eq!(
                all_pages(s, &t.id, &query),
                (expected, vec![2, 2, 1]),
                "{order:?} descending {descending}"
            );
        }
    }

    // Users inserted between pages before the cursor stay out; after it, come in.
    let query = UserSearch {
        limit: 2,
        ..UserSearch::default()
    };
    let (first, cursor) = search(s, &t.id, &query).unwrap();
    assert_eq!(first, ids(&["u2", "u3"]));
    add(
        s,
        &t.id,
        "u6",
        body("aaron", None, "aa@x", ""),
        None,
        at(40),
    );
    add(s, &t.id, "u7", body("zoe", None, "z@x", ""), None, at(40));
    let rest = all_pages(
        s,
        &t.id,
        &UserSearch {
            cursor,
            ..query.clone()
        },
    );
    assert_eq!(rest, (ids(&["u1", "u4", "u5", "u7"]), vec![2, 2]));

    // A user deleted by the IdP and a live one of the same userName both have
    // their place: the live one first.
    s.write(|tx| {
        tx.tenant(&t.id)
            .users()
            .soft_delete("u4", None, at(50))
            .map(|_| ())
    })
    .unwrap();
    add(s, &t.id, "u8", body("DAVE", None, "d2@x", ""), None, at(60));
    let one_by_one = UserSearch {
        limit: 1,
        ..UserSearch::default()
    };
    assert_eq!(
        all_pages(s, &t.id, &one_by_one).0,
        ids(&["u6", "u2", "u3", "u1", "u8", "u4", "u5", "u7"])
    );

    // A cursor only continues the order it was made in.
    let cursor = search(s, &t.id, &one_by_one).unwrap().1;
    for bad in [
        UserSearch {
            order: UserOrder::Role,
            cursor: cursor.clone(),
            ..one_by_one.clone()
        },
        UserSearch {
            descending: true,
            cursor,
            ..one_by_one.clone()
        },
        UserSearch {
            cursor: Some("not-a-cursor".into()),
            ..one_by_one.clone()
        },
    ] {
        let err = search(s, &t.id, &bad).unwrap_err();
        assert!(matches!(err, StoreError::InvalidCursor(_)), "{err:?}");
    }
}

fn groups_page_by_name(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for (id, name) in [
        ("g1", "Sales"),
        ("g2", "admins"),
        ("g3", "Berlin"),
        ("g4", "zeta"),
    ] {
        add_group(&db.store, &t.id, id, name);
    }
    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = db
            .store
            .read(|tx| tx.tenant(&t.id).groups().by_name_page(cursor.as_deref(), 3))
            .unwrap();
        assert_eq!(page.total, 4);
        seen.extend(page.items.into_iter().map(|g| g.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ids(&["g2", "g3", "g1", "g4"]));
    let err = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().by_name_page(Some("zz"), 3))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidCursor(_)), "{err:?}");
}

fn event(kind: EventKind, resource: &str, time: DateTime<Utc>) -> NewEvent {
    NewEvent {
        time,
        kind,
        resource_type: Some("User".into()),
        resource_id: Some(resource.into()),
        before: None,
        after: None,
        cause: None,
        request_id: None,
        user_id: Some(resource.into()),
    }
}

fn events_filter_by_kind_resource_and_time(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let head = |store: &Store| {
        store.number_events(&t.id).unwrap();
        store.read(|tx| tx.tenant(&t.id).events().head()).unwrap()
    };
    assert_eq!(head(&db.store), 0);
    let events = [
        event(EventKind::UserCreated, "u1", at(1)),
        event(EventKind::RoleChanged, "u1", at(2)),
        event(EventKind::UserCreated, "u2", at(3)),
        event(EventKind::LockSet, "u2", at(4)),
        event(EventKind::RoleChanged, "u2", at(5)),
        event(EventKind::Other("guard.violated".into()), "u2", at(6)),
    ];
    db.store
        .write(|tx| tx.tenant(&t.id).events().append_all(&events))
        .unwrap();
    assert_eq!(head(&db.store), 6);
    let page = |q: EventSearch| {
        let page = db
            .store
            .read(|tx| tx.tenant(&t.id).events().search(&q))
            .unwrap();
        (
            page.events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            page.next_after_seq,
        )
    };
    let all = || EventSearch {
        limit: 10,
        ..EventSearch::default()
    };
    assert_eq!(page(all()), (vec![1, 2, 3, 4, 5, 6], 6));
    let kinds = vec![
        EventKind::RoleChanged,
        EventKind::Other("guard.violated".into()),
    ];
    assert_eq!(
        page(EventSearch {
            kinds: kinds.clone(),
            ..all()
        }),
        (vec![2, 5, 6], 6)
    );
    // A full page continues after its last event; one that is not continues
    // after everything it looked at, matching or not.
    assert_eq!(
        page(EventSearch {
            kinds: kinds.clone(),
            limit: 2,
            ..all()
        }),
        (vec![2, 5], 5)
    );
    assert_eq!(
        page(EventSearch {
            kinds: vec![EventKind::UserCreated],
            after_seq: 3,
            ..all()
        }),
        (vec![], 6)
    );
    assert_eq!(
        page(EventSearch {
            resource_id: Some("u1".into()),
            ..all()
        }),
        (vec![1, 2], 6)
    );
    assert_eq!(
        page(EventSearch {
            since: Some(at(2)),
            until: Some(at(4)),
            ..all()
        }),
        (vec![2, 3], 6)
    );
    assert_eq!(
        page(EventSearch {
            after_seq: 9,
            ..all()
        }),
        (vec![], 9)
    );
    let err = db
        .store
        .read(|tx| tx.tenant(&t.id).events().search(&EventSearch::default()))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
}

/// A reader going back in time: newest first, each page before the last one
/// seen; a user's events include its membership changes (events of the group).
fn events_newest_first_and_by_user(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let joined = NewEvent {
        resource_type: Some("Group".into()),
        resource_id: Some("g1".into()),
        user_id: Some("u1".into()),
        ..event(EventKind::MemberAdded, "g1", at(3))
    };
    let events = [
        event(EventKind::UserCreated, "u1", at(1)),
        event(EventKind::UserCreated, "u2", at(2)),
        joined,
        event(EventKind::RoleChanged, "u1", at(4)),
        event(EventKind::RoleChanged, "u2", at(5)),
        event(EventKind::LockSet, "u1", at(6)),
    ];
    db.store
        .write(|tx| tx.tenant(&t.id).events().append_all(&events))
        .unwrap();
    db.store.number_events(&t.id).unwrap();
    let page = |q: &EventSearch, before: Option<i64>| {
        db.store
            .read(|tx| tx.tenant(&t.id).events().newest_first(q, before))
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    let all = EventSearch {
        limit: 4,
        ..EventSearch::default()
    };
    assert_eq!(page(&all, None), vec![6, 5, 4, 3]);
    assert_eq!(page(&all, Some(3)), vec![2, 1]);
    assert_eq!(page(&all, Some(1)), Vec::<i64>::new());
    let u1 = EventSearch {
        user_id: Some("u1".into()),
        ..all.clone()
    };
    assert_eq!(page(&u1, None), vec![6, 4, 3, 1], "the membership included");
    let by_resource = EventSearch {
        resource_id: Some("u1".into()),
        ..all.clone()
    };
    assert_eq!(
        page(&by_resource, None),
        vec![6, 4, 1],
        "the group's event is not the user's resource"
    );
    let roles = EventSearch {
        kinds: vec![EventKind::RoleChanged],
        since: Some(at(5)),
        ..all.clone()
    };
    assert_eq!(page(&roles, None), vec![5]);
    let none = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .events()
                .newest_first(&EventSearch::default(), None)
        })
        .unwrap_err();
    assert!(matches!(none, StoreError::InvalidData(_)), "{none:?}");
}

contract!(
    text_search_matches_prefixes_of_names_emails_and_external_ids,
    text_search_with_many_matches,
    search_filters_on_app_state,
    search_pages_follow_each_order_and_survive_inserts,
    groups_page_by_name,
    events_filter_by_kind_resource_and_time,
    events_newest_first_and_by_user,
);
