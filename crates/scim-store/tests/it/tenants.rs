//! Tenants, tokens and the event log.

use scim_store::{
    EventKind, NewEvent, NewTenant, NewToken, ResourceKind, Store, StoreError, TenantUpdate,
    TokenKind,
};
use serde_json::json;

use crate::contract;
use crate::harness::{Backend, at, fresh, options, tenant};

fn new_tenant(id: &str, slug: &str) -> NewTenant {
    NewTenant {
        id: id.into(),
        slug: slug.into(),
        display_name: "x".into(),
        settings: json!({}),
        role_catalogue: json!([]),
        rule_set: json!([]),
        now: at(1),
    }
}

fn tenant_roundtrip(backend: Backend) {
    let db = fresh(backend);
    let created = tenant(&db.store, "acme");
    assert_eq!(created.slug, "acme");
    assert_eq!(created.created, at(0));
    let read = db.store.read(|tx| tx.tenant_by_slug("acme")).unwrap();
    assert_eq!(read, Some(created.clone()));
    let by_id = db.store.read(|tx| tx.tenant(&created.id).get()).unwrap();
    assert_eq!(by_id, Some(created.clone()));
    tenant(&db.store, "beta");
    let all = db
        .store
        .read(|tx| {
            let all = tx.tenants()?;
            Ok::<_, StoreError>(all)
        })
        .unwrap();
    let slugs: Vec<&str> = all.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["acme", "beta"]);

    let err = db
        .store
        .write(|tx| tx.insert_tenant(&new_tenant("t-other", "acme")))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { attribute: "slug" }),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| tx.insert_tenant(&new_tenant("t-acme", "other")))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { attribute: "id" }),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| tx.insert_tenant(&new_tenant("T-Upper", "upper")))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
}

fn tenant_update_and_delete(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let rules = json!([{"group": "Employees", "role": "Loanee"}]);
    let updated = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).update(
                &TenantUpdate {
                    display_name: Some("Acme Inc".into()),
                    rule_set: Some(rules.clone()),
                    ..TenantUpdate::default()
                },
                at(5),
            )
        })
        .unwrap();
    assert_eq!(updated.display_name, "Acme Inc");
    assert_eq!(updated.rule_set, rules);
    assert_eq!(updated.settings, json!({}));
    assert_eq!(updated.updated, at(5));
    tenant(&db.store, "beta");
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).update(
                &TenantUpdate {
                    slug: Some("beta".into()),
                    ..TenantUpdate::default()
                },
                at(6),
            )
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { attribute: "slug" }),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| {
            tx.tenant("t-missing")
                .update(&TenantUpdate::default(), at(6))
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
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserCreated, "u1"))
        })
        .unwrap();
    assert_eq!(db.store.events(&t.id, 0, 10).unwrap().len(), 1);
    db.store.write(|tx| tx.tenant(&t.id).delete()).unwrap();
    assert_eq!(db.store.read(|tx| tx.tenant(&t.id).get()).unwrap(), None);
    // Its log went with it (PostgreSQL's events have no foreign key to cascade).
    assert_eq!(db.store.events(&t.id, 0, 10).unwrap(), Vec::new());
}

/// Write transactions reuse the tenant row they last read while its version is
/// unchanged: a change seen by another store (another process) or committed here
/// is read, a rolled-back change never is.
fn tenant_versions_guard_the_write_cache(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    assert_eq!(t.version, 1);
    let for_write = |store: &scim_store::Store| {
        store
            .write(|tx| tx.tenant(&t.id).for_write())
            .expect("tenant for write")
    };
    assert_eq!(for_write(&db.store), t);
    let rules = |name: &str| TenantUpdate {
        rule_set: Some(json!({"default_role": name})),
        ..TenantUpdate::default()
    };
    let err = db
        .store
        .write(|tx| {
            let changed = tx.tenant(&t.id).update(&rules("rolled back"), at(5))?;
            assert_eq!(changed.version, 2);
            assert_eq!(tx.tenant(&t.id).for_write()?, changed);
            Err::<(), _>(StoreError::InvalidData("roll back".into()))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
    assert_eq!(for_write(&db.store), t);

    // The same version and time as the rolled-back change, other content.
    let kept = db
        .store
        .write(|tx| tx.tenant(&t.id).update(&rules("kept"), at(5)))
        .unwrap();
    assert_eq!(kept.version, 2);
    assert_eq!(for_write(&db.store), kept);

    let other = Store::open(&db.database.url, options()).expect("second store");
    let by_other = other
        .write(|tx| tx.tenant(&t.id).update(&rules("from elsewhere"), at(6)))
        .unwrap();
    assert_eq!(by_other.version, 3);
    assert_eq!(for_write(&db.store), by_other);
    assert_eq!(
        db.store.read(|tx| tx.tenant(&t.id).get()).unwrap(),
        Some(by_other)
    );
}

fn token(id: &str, expires: Option<i64>) -> NewToken {
    NewToken {
        id: id.into(),
        kind: TokenKind::Scim,
        prefix: format!("scim_{id}"),
        hash: format!("sha256:{id}"),
        label: "Entra".into(),
        expires_at: expires.map(at),
        now: at(10),
    }
}

fn tokens_rotate_and_revoke(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    let old = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().insert(&token("tok1", None)))
        .unwrap();
    assert_eq!(old.hash, "sha256:tok1");
    assert!(old.usable_at(at(11)));
    db.store
        .write(|tx| tx.tenant(&t.id).tokens().insert(&token("tok2", None)))
        .unwrap();
    db.store
        .write(|tx| tx.tenant(&other.id).tokens().insert(&token("tok3", None)))
        .unwrap();

    // Rotation overlap: the old token keeps working until it expires.
    let old = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().set_expiry("tok1", Some(at(100))))
        .unwrap();
    assert_eq!(old.expires_at, Some(at(100)));
    let usable = |now| {
        let mut ids: Vec<String> = db
            .store
            .read(|tx| tx.tenant(&t.id).tokens().usable(TokenKind::Scim, at(now)))
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(usable(99), ["tok1", "tok2"]);
    assert_eq!(usable(100), ["tok2"]);

    db.store
        .write(|tx| tx.tenant(&t.id).tokens().touch("tok2", at(50)))
        .unwrap();
    let revoked = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().revoke("tok2", at(60)))
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at(60)));
    assert_eq!(revoked.last_used, Some(at(50)));
    // Revoking again keeps the first revocation time.
    let again = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().revoke("tok2", at(70)))
        .unwrap();
    assert_eq!(again.revoked_at, Some(at(60)));
    assert_eq!(usable(61), ["tok1"]);
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).tokens().all(TokenKind::Scim))
            .unwrap()
            .len(),
        2
    );

    // Admin tokens are apart from SCIM tokens, and found by identifier across tenants.
    let admin = NewToken {
        kind: TokenKind::Admin,
        ..token("adm1", None)
    };
    db.store
        .write(|tx| tx.tenant(&other.id).tokens().insert(&admin))
        .unwrap();
    let found = db
        .store
        .read(|tx| tx.usable_tokens_with_prefix(TokenKind::Admin, &admin.prefix, at(61)))
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|t| (t.id.as_str(), t.tenant_id.as_str(), t.kind))
            .collect::<Vec<_>>(),
        [("adm1", other.id.as_str(), TokenKind::Admin)]
    );
    assert!(
        db.store
            .read(|tx| tx.usable_tokens_with_prefix(TokenKind::Admin, "scim_tok1", at(61)))
            .unwrap()
            .is_empty(),
        "a SCIM token is no admin token"
    );
    assert_eq!(
        db.store
            .read(|tx| tx
                .tenant(&other.id)
                .tokens()
                .usable(TokenKind::Scim, at(61)))
            .unwrap()
            .len(),
        1,
        "an admin token is no SCIM token"
    );

    // Another tenant's token is not found.
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().revoke("tok3", at(70)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: ResourceKind::Token,
                ..
            }
        ),
        "{err:?}"
    );
    let err = db
        .store
        .write(|tx| tx.tenant(&t.id).tokens().insert(&token("tok3", None)))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { attribute: "id" }),
        "{err:?}"
    );
}

fn event(kind: EventKind, resource: &str) -> NewEvent {
    NewEvent {
        time: at(20),
        kind,
        resource_type: Some("User".into()),
        resource_id: Some(resource.into()),
        before: None,
        after: Some(json!({"active": true})),
        cause: Some(json!({"by": "scim"})),
        request_id: Some("req-1".into()),
        user_id: None,
    }
}

/// Events appended together keep their order and numbers, across tenants and
/// beside events appended one at a time; an invalid one writes none.
fn events_appended_together(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserCreated, "first"))
        })
        .unwrap();
    let batch: Vec<NewEvent> = (0..700)
        .map(|i| event(EventKind::MemberAdded, &format!("m{i}")))
        .collect();
    let (first, rest) = batch.split_at(3);
    db.store
        .write(|tx| {
            tx.tenant(&t.id).events().append_all(first)?;
            tx.tenant(&other.id)
                .events()
                .append(&event(EventKind::GroupCreated, "g"))?;
            tx.tenant(&t.id).events().append_all(rest)?;
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserDeleted, "last"))
        })
        .unwrap();
    let events = db.store.events(&t.id, 0, 1000).unwrap();
    let got: Vec<(i64, &str)> = events
        .iter()
        .map(|e| (e.seq, e.resource_id.as_deref().unwrap_or("")))
        .collect();
    let mut want = vec![(1, "first".to_owned())];
    want.extend((0..700).map(|i| (i + 2, format!("m{i}"))));
    want.push((702, "last".to_owned()));
    let want: Vec<(i64, &str)> = want.iter().map(|(s, r)| (*s, r.as_str())).collect();
    assert_eq!(got, want);
    assert_eq!(db.store.events(&other.id, 0, 10).unwrap().len(), 1);

    // The transaction goes on and commits: the valid event was not written either.
    let bad = event(EventKind::UserCreated, "bad\0id");
    let refused = db
        .store
        .write(|tx| {
            let ok = event(EventKind::UserCreated, "ok");
            Ok::<_, StoreError>(tx.tenant(&t.id).events().append_all(&[ok, bad.clone()]))
        })
        .unwrap();
    assert!(
        matches!(refused, Err(StoreError::InvalidData(_))),
        "{refused:?}"
    );
    assert_eq!(db.store.events(&t.id, 702, 10).unwrap(), []);
}

fn events_are_gapless_and_ordered(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    let other = tenant(&db.store, "beta");
    let seqs = |tenant_id: &str, after: i64| -> Vec<i64> {
        let events = db.store.events(tenant_id, after, 100).unwrap();
        events.iter().map(|e| e.seq).collect()
    };
    for i in 0..5 {
        db.store
            .write(|tx| {
                tx.tenant(&t.id)
                    .events()
                    .append(&event(EventKind::UserCreated, &format!("u{i}")))
            })
            .unwrap();
    }
    assert_eq!(seqs(&t.id, 0), [1, 2, 3, 4, 5]);
    // Each tenant has its own sequence.
    db.store
        .write(|tx| {
            tx.tenant(&other.id)
                .events()
                .append(&event(EventKind::RoleChanged, "x"))
        })
        .unwrap();
    assert_eq!(seqs(&other.id, 0), [1]);

    // A rolled-back transaction leaves no gap.
    let err = db
        .store
        .write(|tx| -> Result<(), StoreError> {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserDeleted, "u9"))?;
            Err(StoreError::InvalidData("abort".into()))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)));
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::LockSet, "u1"))
        })
        .unwrap();
    assert_eq!(seqs(&t.id, 5), [6]);

    let page = db.store.events(&t.id, 2, 3).unwrap();
    let got: Vec<i64> = page.iter().map(|e| e.seq).collect();
    assert_eq!(got, [3, 4, 5]);
    assert_eq!(page[0].kind, EventKind::UserCreated);
    assert_eq!(page[0].after, Some(json!({"active": true})));
    assert_eq!(page[0].time, at(20));
    assert_eq!(db.store.events(&t.id, 6, 10).unwrap(), []);
    // Everything is numbered now: reading inside a transaction sees the same.
    assert_eq!(
        db.store
            .read(|tx| tx.tenant(&t.id).events().after(2, 3))
            .unwrap(),
        page
    );
    let history = db
        .store
        .read(|tx| tx.tenant(&t.id).events().of_resource("u1", 10))
        .unwrap();
    let got: Vec<(i64, EventKind)> = history.into_iter().map(|e| (e.seq, e.kind)).collect();
    assert_eq!(got, [(6, EventKind::LockSet), (2, EventKind::UserCreated)]);
    // The latest event of given kinds per resource, for many resources at once.
    let ids: Vec<String> = ["u1", "u2", "x", "nobody"].map(String::from).to_vec();
    let latest = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .events()
                .latest_of_resources(&ids, &[EventKind::UserCreated, EventKind::LockSet])
        })
        .unwrap();
    let mut got: Vec<(String, i64)> = latest.into_iter().map(|(id, e)| (id, e.seq)).collect();
    got.sort();
    assert_eq!(got, [("u1".to_owned(), 6), ("u2".to_owned(), 3)]);
    let created = db
        .store
        .read(|tx| {
            tx.tenant(&t.id)
                .events()
                .latest_of_resources(&ids, &[EventKind::UserCreated])
        })
        .unwrap();
    assert_eq!(created["u1"].seq, 2);
    assert_eq!(db.store.number_events(&t.id).unwrap(), 0, "nothing left");

    let err = db
        .store
        .write(|tx| {
            tx.tenant("t-missing")
                .events()
                .append(&event(EventKind::UserCreated, "u"))
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

fn event_kinds_have_stable_names(_backend: Backend) {
    for kind in EventKind::KNOWN {
        assert_eq!(EventKind::parse(kind.as_str()), kind);
    }
    assert_eq!(EventKind::UserDeactivated.as_str(), "user.deactivated");
    assert_eq!(
        EventKind::parse("future.kind"),
        EventKind::Other("future.kind".into())
    );
}

/// A transaction holding the tenant's gate exclusively (a rule save) numbers
/// its events as it inserts them, after the pending ones and in append order:
/// they are numbered when it commits, with no sequencer run; one rolled back
/// leaves no gap.
fn exclusive_writers_number_their_events(backend: Backend) {
    let db = fresh(backend);
    let t = tenant(&db.store, "acme");
    // An ordinary write (on PostgreSQL, numbered by the sequencer later), then
    // the same inside a transaction that becomes exclusive.
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserCreated, "first"))
        })
        .unwrap();
    let rules = |name: &str| TenantUpdate {
        rule_set: Some(json!({"default_role": name})),
        ..TenantUpdate::default()
    };
    let batch: Vec<NewEvent> = (0..600)
        .map(|i| event(EventKind::RoleChanged, &format!("u{i:03}")))
        .collect();
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserUpdated, "before-rules"))?;
            tx.tenant(&t.id).update(&rules("Loanee"), at(5))?;
            tx.tenant(&t.id).events().append_all(&batch)
        })
        .unwrap();
    // Read without the sequencer (`Store::events` would run it first).
    let seen = db
        .store
        .read(|tx| tx.tenant(&t.id).events().after(0, 1_000))
        .unwrap();
    let resources: Vec<String> = seen
        .iter()
        .map(|e| e.resource_id.clone().unwrap())
        .collect();
    let mut expected = vec!["first".to_owned(), "before-rules".to_owned()];
    expected.extend((0..600).map(|i| format!("u{i:03}")));
    assert_eq!(resources, expected);
    assert_eq!(
        seen.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=602).collect::<Vec<i64>>()
    );
    // Rolled back: its numbers were never seen, the next event takes 603.
    let err = db
        .store
        .write(|tx| {
            tx.tenant(&t.id).update(&rules("Viewer"), at(6))?;
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::RoleChanged, "gone"))?;
            Err::<(), _>(StoreError::InvalidData("abandon".into()))
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
    db.store
        .write(|tx| {
            tx.tenant(&t.id)
                .events()
                .append(&event(EventKind::UserUpdated, "next"))
        })
        .unwrap();
    let tail = db.store.events(&t.id, 600, 10).unwrap();
    assert_eq!(
        tail.iter()
            .map(|e| (e.seq, e.resource_id.clone().unwrap()))
            .collect::<Vec<_>>(),
        vec![
            (601, "u598".to_owned()),
            (602, "u599".to_owned()),
            (603, "next".to_owned())
        ]
    );
}

contract!(
    tenant_roundtrip,
    tenant_update_and_delete,
    tenant_versions_guard_the_write_cache,
    tokens_rotate_and_revoke,
    events_are_gapless_and_ordered,
    events_appended_together,
    exclusive_writers_number_their_events,
    event_kinds_have_stable_names,
);
