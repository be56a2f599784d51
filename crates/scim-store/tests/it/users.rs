//! Users: creation, uniqueness, versions, role state, deletion, admin lists.

use chrono::Timelike;
use scim_store::{
    AdminUserQuery, BodyRead, NewUser, ResourceKind, RoleLock, RoleUpdate, StoreError, UserStatus,
    UserUpdate, Visibility,
};
use serde_json::json;

use crate::contract;
use crate::fixtures::{add_group, add_user, ids, user_body, user_ids};
use crate::harness::{Backend, at, fresh, tenant};

fn create_and_read(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let mut body = user_body("Alice");
    // The store owns id, meta and groups: whatever the body says about them is dropped.
    body["id"] = json!("bogus");
    body["meta"] = json!({"version": "W/\"9\""});
    body["groups"] = json!([{"value": "g"}]);
    let now = at(3).with_nanosecond(123_456_789).unwrap();
    let created = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).users().insert(&NewUser {
                id: "u1".into(),
                resource: body.clone(),
                role: Some("Loanee".into()),
                role_reason: Some(json!({"rule": 1})),
                now,
            })
        })
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.user_name, "Alice");
    assert_eq!(created.display_name.as_deref(), Some("Alice Display"));
    assert_eq!(created.active, Some(true));
    assert_eq!(
        created.created.nanosecond(),
        123_456_000,
        "kept to the microsecond"
    );
    assert!(created.resource.get("id").is_none());
    assert!(created.resource.get("meta").is_none());
    assert!(created.resource.get("groups").is_none());
    let read = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap();
    assert_eq!(read.as_ref(), Some(&created));
    for spelling in ["alice", "ALICE", "aLiCe"] {
        let found = db
            .store
            .read(|tx| {
                tx.tenant(&t.id)
                    .users()
                    .by_user_name(spelling, Visibility::Live)
            })
            .unwrap();
        assert_eq!(found.map(|u| u.id), Some("u1".to_owned()), "{spelling}");
    }
    // Another tenant sees nothing, and may use the same id.
    let other = tenant(&db.store, "beta");
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&other.id).users().by_id("u1", Visibility::Live))
            .unwrap(),
        None
    );
    add_user(&db.store, &other.id, "u1", user_body("Alice"));
    let mine = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap();
    assert_eq!(mine.map(|u| u.version), Some(1));
}

fn user_name_is_unique_per_tenant_case_insensitively(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    add_user(&db.store, &t.id, "u1", user_body("Alice@Example.com"));
    // Unicode folding is Rust's to_lowercase, as in the filter evaluator.
    add_user(&db.store, &t.id, "u2", user_body("ǅemal"));
    add_user(&db.store, &other.id, "u3", user_body("alice@example.com"));
    for (id, name) in [
        ("u4", "alice@EXAMPLE.com"),
        ("u5", "ǆemal"),
        ("u6", "ǄEMAL"),
    ] {
        let err = db
            .store
            .write(|tx| {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: id.into(),
                    resource: user_body(name),
                    role: None,
                    role_reason: None,
                    now: at(2),
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
            "{name}: {err:?}"
        );
        // A 409 is always findable with the filter a client uses next.
        let found = user_ids(&db.store, &t.id, &format!("userName eq \"{name}\""));
        assert_eq!(found.len(), 1, "{name}");
    }
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).users().insert(&NewUser {
                id: "u1".into(),
                resource: user_body("someone else"),
                role: None,
                role_reason: None,
                now: at(2),
            })
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { attribute: "id" }),
        "{err:?}"
    );
}

fn invalid_input_is_refused(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let cases = [
        ("u1", json!({"displayName": "no userName"})),
        ("u1", json!({"userName": 42})),
        ("u1", json!(["not an object"])),
        ("u1", json!({"userName": "nul\u{0}inside"})),
        ("u1", json!({"userName": "a", "title": {"k\u{0}": 1}})),
        ("UPPER", user_body("a")),
        ("", user_body("a")),
    ];
    for (id, body) in cases {
        let err = db
            .store
            .write(|tx| {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: id.into(),
                    resource: body.clone(),
                    role: None,
                    role_reason: None,
                    now: at(2),
                })
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidData(_)), "{body}: {err:?}");
    }
    let err = db
        .store
        .write(|tx| {
            tx.tenant("t-missing").users().insert(&NewUser {
                id: "u1".into(),
                resource: user_body("a"),
                role: None,
                role_reason: None,
                now: at(2),
            })
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Tenant,
                ..
            }
        ),
        "{err:?}"
    );
}

fn update(id: &str, expected: Option<i64>, body: serde_json::Value) -> UserUpdate {
    UserUpdate {
        id: id.into(),
        expected_version: expected,
        resource: body,
        now: at(10),
    }
}

fn updates_check_versions(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    add_user(&db.store, &t.id, "u2", user_body("bob"));
    let mut body = user_body("Alice");
    body["title"] = json!("Engineer");
    let updated = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", Some(1), body.clone()))
        })
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.last_modified, at(10));
    assert_eq!(updated.created, at(1));
    assert_eq!(updated.resource["title"], "Engineer");
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", Some(1), body.clone()))
        })
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
    // Without an expected version the update applies.
    let updated = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", None, body.clone()))
        })
        .unwrap();
    assert_eq!(updated.version, 3);
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", None, user_body("BOB")))
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
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("nobody", None, user_body("x")))
        })
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
    // Renaming frees the old name.
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u2", None, user_body("robert")))
        })
        .unwrap();
    add_user(&db.store, &t.id, "u3", user_body("BOB"));
}

fn updates_keep_filters_in_step(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    let before = [
        r#"userName eq "alice""#,
        r#"displayName eq "alice display""#,
        r#"emails.value eq "alice@example.com""#,
        r#"active eq true"#,
    ];
    for filter in before {
        assert_eq!(user_ids(&db.store, &t.id, filter), ids(&["u1"]), "{filter}");
    }
    let changed = json!({
        "userName": "Alicia", "displayName": "Ms Alicia", "externalId": "E-9",
        "active": false, "title": "Boss",
        "emails": [{"value": "ALICIA@example.org"}],
    });
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", Some(1), changed.clone()))
        })
        .unwrap();
    for filter in before {
        assert!(user_ids(&db.store, &t.id, filter).is_empty(), "{filter}");
    }
    let after = [
        r#"userName eq "alicia""#,
        r#"displayName eq "ms alicia""#,
        r#"externalId eq "E-9""#,
        r#"emails.value eq "alicia@example.org""#,
        r#"active eq false"#,
        r#"title eq "boss""#,
    ];
    for filter in after {
        assert_eq!(user_ids(&db.store, &t.id, filter), ids(&["u1"]), "{filter}");
    }
    // Only the title changes: the other columns keep their values.
    let mut title_only = json!({
        "userName": "Alicia", "displayName": "Ms Alicia", "externalId": "E-9",
        "active": false, "emails": [{"value": "ALICIA@example.org"}],
    });
    title_only["title"] = json!("Chief");
    let user = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .update(&update("u1", Some(2), title_only.clone()))
        })
        .unwrap();
    assert_eq!(
        (user.version, user.external_id.as_deref()),
        (3, Some("E-9"))
    );
    for filter in &after[..5] {
        assert_eq!(user_ids(&db.store, &t.id, filter), ids(&["u1"]), "{filter}");
    }
    assert_eq!(
        user_ids(&db.store, &t.id, r#"title eq "chief""#),
        ids(&["u1"])
    );
    let read = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(read, user);
}

/// Roles stored for many users at once: each user gets its own, across statement
/// chunks; a missing or repeated user is refused.
fn roles_set_in_batches(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let ids: Vec<String> = (0..520).map(|i| format!("u{i:03}")).collect();
    db.store
        .write(|tx| {
            for id in &ids {
                tx.tenant(&t.id).users().insert(&NewUser {
                    id: id.clone(),
                    resource: user_body(id),
                    role: Some("Viewer".into()),
                    role_reason: None,
                    now: at(1),
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .unwrap();
    let update = |id: &str, i: usize| RoleUpdate {
        user_id: id.to_owned(),
        role: (!i.is_multiple_of(3)).then(|| format!("Role{}", i % 7)),
        reason: (i.is_multiple_of(2)).then(|| json!({"rule": i})),
    };
    // Not in id order, so that chunks do not follow the index.
    let updates: Vec<RoleUpdate> = ids
        .iter()
        .enumerate()
        .rev()
        .map(|(i, id)| update(id, i))
        .collect();
    db.store
        .write(|tx| tx.tenant(&t.id).users().set_roles(&updates))
        .unwrap();
    let users = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_ids(&ids, Visibility::Live))
        .unwrap();
    assert_eq!(users.len(), 520);
    for user in &users {
        let i: usize = user.id[1..].parse().unwrap();
        let want = update(&user.id, i);
        assert_eq!(
            (&user.role, &user.role_reason),
            (&want.role, &want.reason),
            "{}",
            user.id
        );
        assert_eq!(user.version, 1, "the SCIM version does not change");
    }

    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .set_roles(&[update("u001", 1), update("nobody", 2)])
        })
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound { kind: ResourceKind::User, id } if id == "nobody"),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .set_roles(&[update("u001", 1), update("u001", 2)])
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
    let untouched = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u001", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(untouched.role, update("u001", 1).role);
}

fn role_state_does_not_change_the_version(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    let lock = RoleLock {
        role: "Admin".into(),
        by: "root@acme".into(),
        at: at(7),
        reason: Some("app admin".into()),
    };
    db.store
        .write(|tx| {
            tx.tenant(&t.id).users().set_role(
                "u1",
                Some("Technician"),
                Some(&json!({"rule": "dept"})),
            )?;
            tx.tenant(&t.id).users().set_lock("u1", Some(&lock))
        })
        .unwrap();
    let user = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(user.version, 1);
    assert_eq!(user.last_modified, at(1));
    assert_eq!(user.role.as_deref(), Some("Technician"));
    assert_eq!(user.role_reason, Some(json!({"rule": "dept"})));
    assert_eq!(user.lock, Some(lock));
    db.store
        .write(|tx| tx.tenant(&t.id).users().set_lock("u1", None))
        .unwrap();
    let user = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!(user.lock, None);
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).users().set_role("nobody", None, None))
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
}

fn soft_delete_hides_and_frees_the_user_name(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    add_group(&db.store, &t.id, "g1", "Employees");
    add_group(&db.store, &t.id, "g2", "Admins");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1"]), at(2))?;
            tx.tenant(&t.id)
                .groups()
                .add_members("g2", &ids(&["u1"]), at(2))
        })
        .unwrap();
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).users().soft_delete("u1", Some(7), at(5)))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::PreconditionFailed { .. }),
        "{err:?}"
    );
    let left = db
        .store
        .write(|tx| tx.tenant(&t.id).users().soft_delete("u1", Some(1), at(5)))
        .unwrap();
    assert_eq!(left, ids(&["g1", "g2"]));
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
            .unwrap(),
        None
    );
    let deleted = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .users()
                .by_id("u1", Visibility::IncludeDeleted)
        })
        .unwrap()
        .unwrap();
    assert_eq!(deleted.deleted_at, Some(at(5)));
    assert!(user_ids(&db.store, &t.id, "userName eq \"alice\"").is_empty());
    let group = db
        .store
        .read(|tx| tx.tenant(&t.id).groups().by_id("g1"))
        .unwrap()
        .unwrap();
    assert_eq!(group.version, 3, "created, member added, member left");
    assert!(
        db.store
            .read(|tx| tx.tenant(&t.id).groups().member_ids("g1"))
            .unwrap()
            .is_empty()
    );
    // Deleting twice finds nothing; the name is free again.
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).users().soft_delete("u1", None, at(6)))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    add_user(&db.store, &t.id, "u2", user_body("ALICE"));
    let live_first = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .users()
                .by_user_name("alice", Visibility::IncludeDeleted)
        })
        .unwrap();
    assert_eq!(live_first.map(|u| u.id), Some("u2".to_owned()));
    // A soft-deleted user can still be given the Disabled role, and cannot join groups.
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .set_role("u1", Some("Disabled"), None)
        })
        .unwrap();
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1", "u2"]), at(7))
        })
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::UnknownMembers(m) if m == &ids(&["u1"])),
        "{err:?}"
    );
}

fn hard_delete_removes_the_row(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    add_group(&db.store, &t.id, "g1", "Employees");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1"]), at(2))?;
            tx.tenant(&t.id)
                .users()
                .set_role("u1", Some("Admin"), Some(&json!({"rule": 1})))
        })
        .unwrap();
    let left = db
        .store
        .write(|tx| tx.tenant(&t.id).users().hard_delete("u1", at(3)))
        .unwrap();
    assert_eq!(left, ids(&["g1"]));
    assert_eq!(
        db.store
            .read(|tx| tx
                .tenant(&t.id)
                .users()
                .by_id("u1", Visibility::IncludeDeleted))
            .unwrap(),
        None
    );
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).users().hard_delete("u1", at(3)))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    // The id may be used again, and its role state (a row of its own) went
    // with the old user.
    let again = add_user(&db.store, &t.id, "u1", user_body("alice"));
    let read = db
        .store
        .read(|tx| tx.tenant(&t.id).users().by_id("u1", Visibility::Live))
        .unwrap()
        .unwrap();
    assert_eq!((read.role, read.role_reason), (None, None), "{again:?}");
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .set_role("nobody", Some("Admin"), None)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

fn admin_list_filters_on_app_state(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let mut inactive = user_body("carol");
    inactive["active"] = json!(false);
    add_user(&db.store, &t.id, "u1", user_body("alice"));
    add_user(&db.store, &t.id, "u2", user_body("Bob"));
    add_user(&db.store, &t.id, "u3", inactive);
    add_user(&db.store, &t.id, "u4", user_body("dave"));
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .users()
                .set_role("u1", Some("Admin"), None)?;
            tx.tenant(&t.id)
                .users()
                .set_role("u2", Some("Loanee"), None)?;
            tx.tenant(&t.id)
                .users()
                .set_role("u3", Some("Disabled"), None)?;
            tx.tenant(&t.id).users().set_lock(
                "u1",
                Some(&RoleLock {
                    role: "Admin".into(),
                    by: "root".into(),
                    at: at(3),
                    reason: None,
                }),
            )?;
            tx.tenant(&t.id).users().soft_delete("u4", None, at(4))
        })
        .unwrap();
    let list = |q: AdminUserQuery| -> (Vec<String>, u64) {
        let page = db
            .store
            .read(|tx| tx.tenant(&t.id).users().admin_list(&q))
            .unwrap();
        (page.items.into_iter().map(|u| u.id).collect(), page.total)
    };
    let all = AdminUserQuery {
        count: 10,
        ..AdminUserQuery::default()
    };
    assert_eq!(list(all.clone()), (ids(&["u1", "u2", "u3", "u4"]), 4));
    assert_eq!(
        list(AdminUserQuery {
            offset: 1,
            count: 2,
            ..all.clone()
        }),
        (ids(&["u2", "u3"]), 4)
    );
    assert_eq!(
        list(AdminUserQuery {
            role: Some("Loanee".into()),
            ..all.clone()
        }),
        (ids(&["u2"]), 1)
    );
    let status = |s| {
        list(AdminUserQuery {
            status: Some(s),
            ..all.clone()
        })
        .0
    };
    assert_eq!(status(UserStatus::Active), ids(&["u1", "u2"]));
    assert_eq!(status(UserStatus::Inactive), ids(&["u3"]));
    assert_eq!(status(UserStatus::Deleted), ids(&["u4"]));
    assert_eq!(
        list(AdminUserQuery {
            locked: Some(true),
            ..all.clone()
        })
        .0,
        ids(&["u1"])
    );
    assert_eq!(
        list(AdminUserQuery {
            locked: Some(false),
            ..all
        })
        .0,
        ids(&["u2", "u3", "u4"])
    );
}

fn user_batches_stream_a_tenant(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    for i in 0..7 {
        add_user(
            &db.store,
            &t.id,
            &format!("u{i}"),
            user_body(&format!("user{i}")),
        );
    }
    add_group(&db.store, &t.id, "g1", "One");
    add_group(&db.store, &t.id, "g2", "Two");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .groups()
                .add_members("g1", &ids(&["u1", "u3", "u6"]), at(2))?;
            tx.tenant(&t.id)
                .groups()
                .add_members("g2", &ids(&["u3"]), at(2))?;
            tx.tenant(&t.id).users().soft_delete("u5", None, at(3))
        })
        .unwrap();
    let expected = vec![
        ("u0".to_owned(), vec![]),
        ("u1".to_owned(), ids(&["g1"])),
        ("u2".to_owned(), vec![]),
        ("u3".to_owned(), ids(&["g1", "g2"])),
        ("u4".to_owned(), vec![]),
        ("u6".to_owned(), ids(&["g1"])),
    ];
    for body in [BodyRead::Full, BodyRead::Columns] {
        let mut after: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let batch = db
                .store
                .read(|tx| {
                    tx.tenant(&t.id)
                        .users()
                        .batch(after.as_deref(), 3, Visibility::Live, body)
                })
                .unwrap();
            let Some(last) = batch.last() else { break };
            after = Some(last.user.id.clone());
            for item in batch {
                let stored = db
                    .store
                    .read(|tx| {
                        tx.tenant(&t.id)
                            .users()
                            .by_id(&item.user.id, Visibility::Live)
                    })
                    .unwrap()
                    .unwrap();
                let resource = match body {
                    BodyRead::Full => stored.resource.clone(),
                    // What the columns hold of the body, and nothing else.
                    BodyRead::Columns => {
                        json!({
                            "userName": stored.user_name,
                            "displayName": stored.display_name,
                            "active": stored.active,
                        })
                    }
                };
                assert_eq!(item.user.resource, resource, "{body:?}");
                assert_eq!(item.user.role, stored.role);
                seen.push((item.user.id, item.group_ids));
            }
        }
        assert_eq!(seen, expected, "{body:?}");
    }
}

contract!(
    create_and_read,
    user_name_is_unique_per_tenant_case_insensitively,
    invalid_input_is_refused,
    updates_check_versions,
    updates_keep_filters_in_step,
    role_state_does_not_change_the_version,
    roles_set_in_batches,
    soft_delete_hides_and_frees_the_user_name,
    hard_delete_removes_the_row,
    admin_list_filters_on_app_state,
    user_batches_stream_a_tenant,
);
