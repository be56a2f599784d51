//! Groups and memberships.

use scim_store::{GroupUpdate, MemberRef, ResourceKind, StoreError, Visibility};
use serde_json::json;

use crate::contract;
use crate::fixtures::{add_group, add_user, ids, user_body};
use crate::harness::{Backend, at, fresh, tenant};

fn group_create_rename_delete(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let g = add_group(&db.store, &t.id, "g1", "Employees");
    assert_eq!(g.version, 1);
    let found = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().by_display_name("EMPLOYEES"))
        .unwrap();
    assert_eq!(found, Some(g));
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).groups().insert(&scim_store::NewGroup {
                id: "g2".into(),
                resource: json!({"displayName": "employees"}),
                now: at(2),
            })
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                attribute: "displayName"
            }
        ),
        "{err:?}"
    );
    add_group(&db.store, &t.id, "g2", "Admins");
    let rename = |expected, name: &str| GroupUpdate {
        id: "g1".into(),
        expected_version: expected,
        resource: json!({"displayName": name, "externalId": "ext-1"}),
        now: at(5),
    };
    let renamed = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().update(&rename(Some(1), "Staff")))
        .unwrap();
    assert_eq!(
        (renamed.version, renamed.display_name.as_str()),
        (2, "Staff")
    );
    assert_eq!(renamed.external_id.as_deref(), Some("ext-1"));
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().update(&rename(Some(1), "Staff2")))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::PreconditionFailed {
                expected: 1,
                actual: 2
            }
        ),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().update(&rename(None, "ADMINS")))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                attribute: "displayName"
            }
        ),
        "{err:?}"
    );
    // Changing only the case of one's own name is fine.
    db.store
        .write(|tx| tx.tenant(&t.id).groups().update(&rename(None, "STAFF")))
        .unwrap();

    add_user(&db.store, &t.id, "u1", user_body("alice"));
    add_user(&db.store, &t.id, "u2", user_body("bob"));
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u2", "u1"]), at(6))
        })
        .unwrap();
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().delete("g1", Some(1)))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::PreconditionFailed { .. }),
        "{err:?}"
    );
    // What an update returns is the stored group, member count and times included.
    let updated = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().update(&rename(None, "Staff")))
        .unwrap();
    assert_eq!((updated.member_count, updated.created), (2, at(1)));
    assert_eq!(
        Some(&updated),
        db.store
            .read(|tx| tx.tenant(&t.id).groups().by_id("g1"))
            .unwrap()
            .as_ref()
    );
    let former = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().delete("g1", None))
        .unwrap();
    assert_eq!(former, ids(&["u1", "u2"]));
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().by_id("g1"))
            .unwrap(),
        None
    );
    assert!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().of_user("u1"))
            .unwrap()
            .is_empty()
    );
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().delete("g1", None))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Group,
                ..
            }
        ),
        "{err:?}"
    );
}

fn membership_changes_are_idempotent_and_versioned(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    for i in 1..=5 {
        add_user(
            &db.store,
            &t.id,
            &format!("u{i}"),
            user_body(&format!("user{i}")),
        );
    }
    add_user(&db.store, &other.id, "x1", user_body("stranger"));
    add_group(&db.store, &t.id, "g1", "Employees");

    let change = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u3", "u1", "u1"]), at(2))
        })
        .unwrap();
    assert_eq!((change.added, change.version), (ids(&["u1", "u3"]), 2));
    let change = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1", "u2"]), at(3))
        })
        .unwrap();
    assert_eq!((change.added, change.version), (ids(&["u2"]), 3));
    // Nothing new: no version bump.
    let change = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u2"]), at(4))
        })
        .unwrap();
    assert_eq!((change.added.len(), change.version), (0, 3));
    let group = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().by_id("g1"))
        .unwrap()
        .unwrap();
    assert_eq!((group.version, group.last_modified), (3, at(3)));

    // Unknown, foreign or repeated-with-unknown ids change nothing.
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u4", "nobody", "x1"]), at(5))
        })
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownMembers(m) if m == &ids(&["nobody", "x1"])),
        "{err:?}"
    );
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().member_ids("g1"))
            .unwrap(),
        ids(&["u1", "u2", "u3"])
    );
    // The same members walked two at a time.
    let walk = |after: Option<&str>| {
        db.store
            .read(|tx| tx.tenant(&t.id).groups().member_ids_after("g1", after, 2))
            .unwrap()
    };
    assert_eq!(walk(None), ids(&["u1", "u2"]));
    assert_eq!(walk(Some("u2")), ids(&["u3"]));
    assert_eq!(walk(Some("u3")), ids(&[]));
    let unknown = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().member_ids_after("nope", None, 2))
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::NotFound { .. }),
        "{unknown:?}"
    );

    let change = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .remove_members("g1", &ids(&["u2", "u5", "nobody"]), at(6))
        })
        .unwrap();
    assert_eq!((change.removed, change.version), (ids(&["u2"]), 4));
    let change = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .replace_members("g1", &ids(&["u3", "u4", "u5"]), at(7))
        })
        .unwrap();
    assert_eq!(change.added, ids(&["u4", "u5"]));
    assert_eq!(change.removed, ids(&["u1"]));
    assert_eq!(change.version, 5);
    let group = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().by_id("g1"))
        .unwrap()
        .unwrap();
    assert_eq!(group.member_count, 3);
    assert!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().is_member("g1", "u4"))
            .unwrap()
    );
    assert!(
        !db.store
            .read(|tx| tx.tenant(&t.id).groups().is_member("g1", "u1"))
            .unwrap()
    );
    assert!(
        !db.store
            .read(|tx| tx.tenant(&other.id).groups().is_member("g1", "u4"))
            .unwrap()
    );

    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("nope", &ids(&["u1"]), at(8))
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Group,
                ..
            }
        ),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&other.id)
                .groups()
                .add_members("g1", &ids(&["x1"]), at(8))
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Group,
                ..
            }
        ),
        "{err:?}"
    );
}

fn members_are_read_in_pages(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let mut all = Vec::new();
    for i in 0..25 {
        let id = format!("u{i:02}");
        let mut body = user_body(&format!("user{i}"));
        if i % 5 == 0 {
            body.as_object_mut().unwrap().remove("displayName");
        }
        add_user(&db.store, &t.id, &id, body);
        all.push(id);
    }
    add_group(&db.store, &t.id, "g1", "Big");
    db.store
        .write(|tx| tx.tenant(&t.id).groups().add_members("g1", &all, at(2)))
        .unwrap();
    let mut paged = Vec::new();
    for offset in (0..25).step_by(10) {
        let page = db
            .store
            .read(|tx| tx.tenant(&t.id).groups().members("g1", offset, 10))
            .unwrap();
        assert_eq!(page.total, 25);
        paged.extend(page.members);
    }
    let ids: Vec<&str> = paged.iter().map(|m| m.user_id.as_str()).collect();
    assert_eq!(ids, all.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        paged[1],
        MemberRef {
            user_id: "u01".into(),
            display_name: Some("user1 Display".into())
        }
    );
    assert_eq!(paged[0].display_name, None);
    let err = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().members("nope", 0, 10))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Group,
                ..
            }
        ),
        "{err:?}"
    );
}

fn groups_of_users_both_directions(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for id in ["u1", "u2", "u3"] {
        add_user(&db.store, &t.id, id, user_body(id));
    }
    add_group(&db.store, &t.id, "g1", "One");
    add_group(&db.store, &t.id, "g2", "Two");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1", "u2"]), at(2))?;
            tx.tenant(&t.id)
                .groups()
                .add_members("g2", &ids(&["u1"]), at(2))
        })
        .unwrap();
    let groups = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().of_user("u1"))
        .unwrap();
    let names: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.group_id.as_str(), g.display_name.as_str()))
        .collect();
    assert_eq!(names, [("g1", "One"), ("g2", "Two")]);
    let map = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .groups()
                .of_users(&ids(&["u1", "u2", "u3"]))
        })
        .unwrap();
    assert_eq!(map.len(), 2);
    assert_eq!(map["u2"].len(), 1);
    let left = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().remove_user_from_all("u1", at(3)))
        .unwrap();
    assert_eq!(left, ids(&["g1", "g2"]));
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().member_ids("g1"))
            .unwrap(),
        ids(&["u2"])
    );
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().by_id("g2"))
            .unwrap()
            .unwrap()
            .version,
        3
    );
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).groups().remove_user_from_all("zz", at(3)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::User,
                ..
            }
        ),
        "{err:?}"
    );
    // Users are untouched by membership changes.
    let u1 = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(u1.version, 1);
}

fn lock_users_is_harmless(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    db.store
        .write(|tx| {
            tx.tenant(&t.id).users().lock(&ids(&["u1", "missing"]))?;
            tx.tenant(&t.id)
                .users()
                .set_role("u1", Some("Loanee"), None)
        })
        .unwrap();
}

contract!(
    group_create_rename_delete,
    membership_changes_are_idempotent_and_versioned,
    members_are_read_in_pages,
    groups_of_users_both_directions,
    lock_users_is_harmless,
);
