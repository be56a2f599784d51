//! Webhook endpoints: their settings per tenant, the due poll, the lease that
//! lets one worker deliver an endpoint at a time, and attempt outcomes.

use scim_store::{
    DeliveryOutcome, EventKind, NewEvent, NewWebhook, Store, StoreError, Webhook, WebhookState,
};

use crate::contract;
use crate::harness::{Backend, at, fresh, tenant};

fn new_webhook(id: &str, cursor_seq: i64) -> NewWebhook {
    NewWebhook {
        id: id.to_owned(),
        url: "https://hooks.example.com/scim".to_owned(),
        kinds: vec![EventKind::UserCreated, EventKind::MemberAdded],
        secret: "whsec_c2VjcmV0".to_owned(),
        cursor_seq,
        now: at(0),
    }
}

fn append_events(store: &Store, tenant_id: &str, n: usize) {
    let events: Vec<NewEvent> = (0..n)
        .map(|i| NewEvent {
            time: at(1),
            kind: EventKind::UserCreated,
            resource_type: Some("User".into()),
            resource_id: Some(format!("u{i}")),
            before: None,
            after: None,
            cause: None,
            request_id: None,
            user_id: Some(format!("u{i}")),
        })
        .collect();
    store
        .write(|tx| tx.tenant(tenant_id).events().append_all(&events))
        .unwrap();
    store.number_events(tenant_id).unwrap();
}

fn insert(store: &Store, tenant_id: &str, new: &NewWebhook) -> Webhook {
    store
        .write(|tx| tx.tenant(tenant_id).webhooks().insert(new))
        .unwrap()
}

fn get(store: &Store, tenant_id: &str, id: &str) -> Option<Webhook> {
    store
        .read(|tx| tx.tenant(tenant_id).webhooks().get(id))
        .unwrap()
}

fn endpoints_are_kept_per_tenant_and_changed_in_place(backend: Backend) {
    let db = fresh(backend);
    let acme = tenant(&db.store, "acme").id;
    let beta = tenant(&db.store, "beta").id;
    let created = insert(&db.store, &acme, &new_webhook("w1", 7));
    assert_eq!(created.state, WebhookState::Active);
    assert_eq!(created.cursor_seq, 7);
    assert_eq!(created.attempts, 0);
    assert_eq!(created.batch_end_seq, None);
    assert_eq!(
        created.kinds,
        [EventKind::UserCreated, EventKind::MemberAdded]
    );
    assert_eq!(get(&db.store, &acme, "w1"), Some(created.clone()));
    // Another tenant neither sees nor changes it.
    assert_eq!(get(&db.store, &beta, "w1"), None);
    let other = db
        .store
        .write(|tx| tx.tenant(&beta).webhooks().delete("w1"));
    assert!(
        matches!(other, Err(StoreError::NotFound { .. })),
        "{other:?}"
    );
    // The same id twice in a tenant is a conflict; in another tenant it is not.
    let twice = db
        .store
        .write(|tx| tx.tenant(&acme).webhooks().insert(&new_webhook("w1", 0)));
    assert!(
        matches!(twice, Err(StoreError::Conflict { .. })),
        "{twice:?}"
    );
    insert(&db.store, &beta, &new_webhook("w1", 0));

    let changed = db
        .store
        .write(|tx| {
            tx.tenant(&acme).webhooks().set_target(
                "w1",
                "https://other.example.com/in",
                &[EventKind::RoleChanged],
                at(5),
            )
        })
        .unwrap();
    assert_eq!(changed.url, "https://other.example.com/in");
    assert_eq!(changed.kinds, [EventKind::RoleChanged]);
    assert_eq!(changed.updated, at(5));

    let rotated = db
        .store
        .write(|tx| {
            tx.tenant(&acme)
                .webhooks()
                .rotate_secret("w1", "whsec_bmV3", at(100), at(6))
        })
        .unwrap();
    assert_eq!(rotated.secret, "whsec_bmV3");
    assert_eq!(rotated.previous_secret.as_deref(), Some("whsec_c2VjcmV0"));
    assert_eq!(rotated.previous_secret_until, Some(at(100)));

    db.store
        .write(|tx| tx.tenant(&acme).webhooks().delete("w1"))
        .unwrap();
    assert_eq!(get(&db.store, &acme, "w1"), None);
    assert!(get(&db.store, &beta, "w1").is_some());
}

/// The due endpoints as (tenant slug, id).
fn due(store: &Store, seconds: i64) -> Vec<(String, String)> {
    store
        .read(|tx| tx.due_webhooks(at(seconds), 100))
        .unwrap()
        .into_iter()
        .map(|d| {
            assert_eq!(d.tenant_id, format!("t-{}", d.tenant_slug));
            (d.tenant_slug, d.id)
        })
        .collect()
}

fn claim(store: &Store, tenant_id: &str, owner: &str, now: i64) -> Option<Webhook> {
    store
        .write(|tx| {
            tx.tenant(tenant_id)
                .webhooks()
                .claim("w1", owner, at(now), at(now + 30))
        })
        .unwrap()
}

fn record(store: &Store, tenant_id: &str, owner: &str, outcome: &DeliveryOutcome) -> bool {
    store
        .write(|tx| {
            tx.tenant(tenant_id)
                .webhooks()
                .record("w1", owner, outcome, at(10))
        })
        .unwrap()
}

fn one_worker_at_a_time_holds_an_endpoint(backend: Backend) {
    let db = fresh(backend);
    let acme = tenant(&db.store, "acme").id;
    insert(&db.store, &acme, &new_webhook("w1", 0));
    // Nothing after the cursor: not due.
    assert!(due(&db.store, 1).is_empty());
    append_events(&db.store, &acme, 3);
    assert_eq!(due(&db.store, 1), [("acme".to_owned(), "w1".to_owned())]);

    assert!(claim(&db.store, &acme, "a", 1).is_some());
    // Leased: not due, and nobody else can take it until the lease runs out.
    assert!(due(&db.store, 2).is_empty());
    assert!(claim(&db.store, &acme, "b", 2).is_none());
    let taken = claim(&db.store, &acme, "b", 40).unwrap();
    assert_eq!(taken.lease_owner.as_deref(), Some("b"));
    // The worker whose lease ran out can no longer write its outcome.
    assert!(!record(
        &db.store,
        &acme,
        "a",
        &DeliveryOutcome::Delivered { cursor_seq: 3 }
    ));
    assert_eq!(get(&db.store, &acme, "w1").unwrap().cursor_seq, 0);
    assert!(record(
        &db.store,
        &acme,
        "b",
        &DeliveryOutcome::Delivered { cursor_seq: 2 }
    ));
    let after = get(&db.store, &acme, "w1").unwrap();
    assert_eq!((after.cursor_seq, after.lease_owner), (2, None));
    // One event is still after the cursor.
    assert_eq!(due(&db.store, 41).len(), 1);
}

fn failures_are_retried_later_and_then_disabled(backend: Backend) {
    let db = fresh(backend);
    let acme = tenant(&db.store, "acme").id;
    insert(&db.store, &acme, &new_webhook("w1", 0));
    append_events(&db.store, &acme, 2);
    claim(&db.store, &acme, "a", 1).unwrap();
    assert!(record(
        &db.store,
        &acme,
        "a",
        &DeliveryOutcome::Started { batch_end_seq: 2 }
    ));
    assert!(record(
        &db.store,
        &acme,
        "a",
        &DeliveryOutcome::Failed {
            batch_end_seq: 2,
            error: "HTTP 500".into(),
            next_attempt_at: at(20),
            disable: false,
        }
    ));
    let failed = get(&db.store, &acme, "w1").unwrap();
    assert_eq!(failed.attempts, 1);
    assert_eq!(failed.batch_end_seq, Some(2));
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(failed.lease_owner, None);
    // Not due before its next attempt.
    assert!(due(&db.store, 19).is_empty());
    assert!(claim(&db.store, &acme, "a", 19).is_none());
    claim(&db.store, &acme, "a", 20).unwrap();
    assert!(record(
        &db.store,
        &acme,
        "a",
        &DeliveryOutcome::Failed {
            batch_end_seq: 2,
            error: "connection reset".into(),
            next_attempt_at: at(40),
            disable: true,
        }
    ));
    let disabled = get(&db.store, &acme, "w1").unwrap();
    assert_eq!(disabled.state, WebhookState::Disabled);
    assert_eq!(disabled.attempts, 2);
    assert!(due(&db.store, 1000).is_empty());
    assert!(claim(&db.store, &acme, "a", 1000).is_none());

    // Enabled again where it stopped: the same batch, failures forgotten.
    let enabled = db
        .store
        .write(|tx| tx.tenant(&acme).webhooks().reactivate("w1", None, at(50)))
        .unwrap();
    assert_eq!(enabled.state, WebhookState::Active);
    assert_eq!((enabled.attempts, enabled.batch_end_seq), (0, Some(2)));
    assert_eq!(enabled.next_attempt_at, at(50));
    // Redelivery from an event number: a new batch from there.
    let redelivered = db
        .store
        .write(|tx| {
            tx.tenant(&acme)
                .webhooks()
                .reactivate("w1", Some(1), at(60))
        })
        .unwrap();
    assert_eq!(
        (redelivered.cursor_seq, redelivered.batch_end_seq),
        (1, None)
    );
    assert_eq!(due(&db.store, 60).len(), 1);
}

fn endpoints_go_with_their_tenant(backend: Backend) {
    let db = fresh(backend);
    let acme = tenant(&db.store, "acme").id;
    insert(&db.store, &acme, &new_webhook("w1", 0));
    db.store.write(|tx| tx.tenant(&acme).delete()).unwrap();
    assert!(due(&db.store, 1000).is_empty());
    assert_eq!(get(&db.store, &acme, "w1"), None);
}

contract!(
    endpoints_are_kept_per_tenant_and_changed_in_place,
    one_worker_at_a_time_holds_an_endpoint,
    failures_are_retried_later_and_then_disabled,
    endpoints_go_with_their_tenant,
);
