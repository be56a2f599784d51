//! Sorting, index paging and RFC 9865 cursor paging.

use scim_proto::filter::AttrPath;
use scim_store::{ListQuery, NewUser, Page, Paging, SortBy, Store, StoreError, User};
use serde_json::{Value, json};

use crate::contract;
use crate::fixtures::{add_group, user_filter};
use crate::harness::{Backend, at, fresh, tenant};

const N: usize = 23;

/// Users whose sort keys collide, are missing, differ in case, and whose ids are
/// not in name order.
fn body(i: usize) -> Value {
    let family = ["smith", "Jones", "SMITH", "brown"][i % 4];
    let mut body = json!({
        "userName": format!("User{:02}", (i * 7) % N),
        "active": !i.is_multiple_of(3),
        "name": {"familyName": family},
        "emails": [
            {"value": format!("a{:02}@x.org", N - i), "primary": i.is_multiple_of(2)},
            {"value": format!("b{:02}@x.org", i), "primary": i % 2 == 1}
        ],
    });
    if i % 4 != 1 {
        let display = ["Émile", "bob", "Zoë", "ana", "bob"][i % 5];
        body["displayName"] = json!(display);
    }
    body
}

fn load(backend: Backend) -> (crate::harness::TestDb, String) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for i in 0..N {
        db.store
            .write(|tx| {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: format!("id-{:02}", (i * 11) % N),
                    resource: body(i),
                    role: None,
                    role_reason: None,
                    now: at(i64::try_from((i * 5) % 7).unwrap()),
                })
            })
            .unwrap();
    }
    (db, t.id)
}

fn sort(path: &str, descending: bool) -> SortBy {
    SortBy {
        path: AttrPath::parse(path).unwrap(),
        descending,
    }
}

fn query_page(
    store: &Store,
    tenant: &str,
    filter: Option<&str>,
    sort: Option<&SortBy>,
    paging: &Paging,
) -> Result<Page<User>, StoreError> {
    let filter = filter.map(user_filter);
    let query = ListQuery {
        filter: filter.as_ref(),
        sort,
        paging,
        base_url: None,
    };
    store.read(|tx| tx.tenant(tenant).users().list(&query))
}

fn ids_of(page: &Page<User>) -> Vec<String> {
    page.items.iter().map(|u| u.id.clone()).collect()
}

/// The order RFC 7644 asks for, computed here from the stored users: by the key
/// (missing keys last when ascending, first when descending), then by id.
fn expected_order(
    users: &[User],
    key: impl Fn(&User) -> Option<String>,
    descending: bool,
) -> Vec<String> {
    let mut keyed: Vec<(Option<String>, String)> =
        users.iter().map(|u| (key(u), u.id.clone())).collect();
    keyed.sort_by(|(ka, ia), (kb, ib)| {
        let by_key = match (ka, kb) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_key.then_with(|| ia.cmp(ib))
    });
    let mut out: Vec<String> = keyed.into_iter().map(|(_, id)| id).collect();
    if descending {
        out.reverse();
    }
    out
}

fn all_users(store: &Store, tenant: &str) -> Vec<User> {
    query_page(
        store,
        tenant,
        None,
        None,
        &Paging::Index {
            start_index: 1,
            count: 1000,
        },
    )
    .unwrap()
    .items
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_lowercase)
}

fn primary_email(u: &User) -> Option<String> {
    let emails = u.resource["emails"].as_array()?;
    let primary = emails
        .iter()
        .find(|e| e["primary"] == json!(true))
        .or(emails.first())?;
    text(&primary["value"])
}

fn sorting_follows_rfc_7644(backend: Backend) {
    let (db, t) = load(backend);
    let users = all_users(&db.store, &t);
    assert_eq!(
        ids_of(
            &query_page(
                &db.store,
                &t,
                None,
                None,
                &Paging::Index {
                    start_index: 1,
                    count: 100
                }
            )
            .unwrap()
        ),
        expected_order(&users, |_| None, false),
        "default order is by id"
    );
    type Key = fn(&User) -> Option<String>;
    let keys: &[(&str, Key)] = &[
        ("userName", |u| text(&u.resource["userName"])),
        ("displayName", |u| text(&u.resource["displayName"])),
        ("name.familyName", |u| {
            text(&u.resource["name"]["familyName"])
        }),
        ("emails", primary_email),
        ("emails.value", primary_email),
        ("id", |u| Some(u.id.clone())),
    ];
    for (path, key) in keys {
        for descending in [false, true] {
            let s = sort(path, descending);
            let page = query_page(
                &db.store,
                &t,
                None,
                Some(&s),
                &Paging::Index {
                    start_index: 1,
                    count: 100,
                },
            )
            .unwrap();
            assert_eq!(
                ids_of(&page),
                expected_order(&users, key, descending),
                "{path} desc={descending}"
            );
        }
    }
    // Non-text keys: booleans (false < true) and times.
    let by_active = |u: &User| u.active.map(|a| if a { "1" } else { "0" }.to_owned());
    let page = query_page(
        &db.store,
        &t,
        None,
        Some(&sort("active", false)),
        &Paging::Index {
            start_index: 1,
            count: 100,
        },
    )
    .unwrap();
    assert_eq!(ids_of(&page), expected_order(&users, by_active, false));
    let by_time = |u: &User| Some(u.last_modified.to_rfc3339());
    let page = query_page(
        &db.store,
        &t,
        None,
        Some(&sort("meta.lastModified", true)),
        &Paging::Index {
            start_index: 1,
            count: 100,
        },
    )
    .unwrap();
    assert_eq!(ids_of(&page), expected_order(&users, by_time, true));
}

fn index_pages_partition_the_result(backend: Backend) {
    let (db, t) = load(backend);
    let s = sort("displayName", false);
    let filter = Some(r#"not (userName eq "user05")"#);
    let full = query_page(
        &db.store,
        &t,
        filter,
        Some(&s),
        &Paging::Index {
            start_index: 1,
            count: 100,
        },
    )
    .unwrap();
    assert_eq!(full.total, (N - 1) as u64);
    let mut paged = Vec::new();
    let mut start = 1;
    while start <= N as u64 {
        let page = query_page(
            &db.store,
            &t,
            filter,
            Some(&s),
            &Paging::Index {
                start_index: start,
                count: 5,
            },
        )
        .unwrap();
        assert_eq!(page.total, full.total);
        assert!(page.next_cursor.is_none() && page.previous_cursor.is_none());
        paged.extend(ids_of(&page));
        start += 5;
    }
    assert_eq!(paged, ids_of(&full));
    let first = query_page(
        &db.store,
        &t,
        filter,
        Some(&s),
        &Paging::Index {
            start_index: 0,
            count: 3,
        },
    )
    .unwrap();
    assert_eq!(ids_of(&first), ids_of(&full)[..3]);
    let none = query_page(
        &db.store,
        &t,
        filter,
        Some(&s),
        &Paging::Index {
            start_index: 1,
            count: 0,
        },
    )
    .unwrap();
    assert_eq!((none.items.len(), none.total), (0, full.total));
    let past = query_page(
        &db.store,
        &t,
        filter,
        Some(&s),
        &Paging::Index {
            start_index: 500,
            count: 10,
        },
    )
    .unwrap();
    assert_eq!((past.items.len(), past.total), (0, full.total));
}

fn cursor(cursor: Option<String>, count: u64) -> Paging {
    Paging::Cursor { cursor, count }
}

fn cursors_walk_both_ways(backend: Backend) {
    let (db, t) = load(backend);
    let filter = Some(r#"userName ne "user07""#);
    for s in [
        None,
        Some(sort("displayName", false)),
        Some(sort("name.familyName", true)),
        Some(sort("meta.created", false)),
        Some(sort("active", true)),
    ] {
        let s = s.as_ref();
        let full = ids_of(
            &query_page(
                &db.store,
                &t,
                filter,
                s,
                &Paging::Index {
                    start_index: 1,
                    count: 100,
                },
            )
            .unwrap(),
        );
        // Forward.
        let mut seen = Vec::new();
        let mut page = query_page(&db.store, &t, filter, s, &cursor(None, 4)).unwrap();
        assert_eq!(page.previous_cursor, None);
        assert_eq!(page.total, full.len() as u64);
        let mut pages = vec![ids_of(&page)];
        seen.extend(ids_of(&page));
        while let Some(next) = page.next_cursor.clone() {
            page = query_page(&db.store, &t, filter, s, &cursor(Some(next), 4)).unwrap();
            assert!(page.previous_cursor.is_some());
            seen.extend(ids_of(&page));
            pages.push(ids_of(&page));
        }
        assert_eq!(seen, full, "forward, sort {s:?}");
        // Backward from the last page, page by page, the same pages.
        let mut back = vec![ids_of(&page)];
        while let Some(previous) = page.previous_cursor.clone() {
            page = query_page(&db.store, &t, filter, s, &cursor(Some(previous), 4)).unwrap();
            assert!(page.next_cursor.is_some());
            back.push(ids_of(&page));
        }
        back.reverse();
        assert_eq!(back, pages, "backward, sort {s:?}");
    }
}

fn bad_cursors_and_sorts_are_refused(backend: Backend) {
    let (db, t) = load(backend);
    add_group(&db.store, &t, "g1", "G");
    let first = query_page(
        &db.store,
        &t,
        None,
        Some(&sort("userName", false)),
        &cursor(None, 2),
    )
    .unwrap();
    let next = first.next_cursor.unwrap();
    let err = query_page(
        &db.store,
        &t,
        None,
        Some(&sort("userName", true)),
        &cursor(Some(next), 2),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::InvalidCursor(_)), "{err:?}");
    for garbage in ["", "zz", "7b7d", &"ab".repeat(5000)] {
        let err = query_page(
            &db.store,
            &t,
            None,
            None,
            &cursor(Some(garbage.to_owned()), 2),
        )
        .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidCursor(_)),
            "{garbage:.10}: {err:?}"
        );
    }
    for path in [
        "groups",
        "groups.display",
        "name",
        "nosuch",
        "urn:x:y:z",
        "emails.primary",
        "meta.nosuch",
    ] {
        let err = query_page(
            &db.store,
            &t,
            None,
            Some(&sort(path, false)),
            &Paging::Index {
                start_index: 1,
                count: 5,
            },
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::InvalidSort(_)), "{path}: {err:?}");
    }
}

contract!(
    sorting_follows_rfc_7644,
    index_pages_partition_the_result,
    cursors_walk_both_ways,
    bad_cursors_and_sorts_are_refused,
);
