//! The connection status: hourly counts that add up across writers, latest
//! requests that only move forward, pruning, and deletion with the tenant.

use chrono::{DateTime, Duration, Utc};
use scim_proto::ClientKind;
use scim_store::{ConnectionBatch, HourCount, LatestRequests, RequestNote, Store, StoreError};

use crate::contract;
use crate::harness::{Backend, at, fresh, options, tenant};

fn hour(n: i64) -> DateTime<Utc> {
    at(0) + Duration::hours(n)
}

fn note(at: DateTime<Utc>, status: u16, client: ClientKind) -> RequestNote {
    RequestNote {
        at,
        method: "GET".into(),
        route: "/Users".into(),
        status,
        client,
        request_id: format!("req-{}", at.timestamp()),
        scim_type: (status >= 400).then(|| "invalidFilter".to_owned()),
        detail: (status >= 400).then(|| "The filter is malformed".to_owned()),
    }
}

fn counts(hours: &[(i64, i64, i64)]) -> Vec<HourCount> {
    hours
        .iter()
        .map(|&(n, requests, errors)| HourCount {
            hour: hour(n),
            requests,
            errors,
        })
        .collect()
}

fn add(store: &Store, tenant_id: &str, batch: &ConnectionBatch) {
    store
        .write(|tx| tx.tenant(tenant_id).connection().add(batch))
        .unwrap();
}

fn stored(store: &Store, tenant_id: &str) -> (Vec<HourCount>, LatestRequests) {
    store
        .read(|tx| {
            let mut scope = tx.tenant(tenant_id);
            let hours = scope.connection().hours_since(hour(-1000))?;
            Ok::<_, StoreError>((hours, scope.connection().latest()?))
        })
        .unwrap()
}

fn batches_add_to_the_hours_rows(backend: Backend) {
    let db = fresh(backend);
    let id = tenant(&db.store, "acme").id;
    let other = tenant(&db.store, "beta").id;
    let first = ConnectionBatch {
        hours: counts(&[(3, 5, 1), (2, 4, 0)]),
        latest: LatestRequests {
            request: Some(note(hour(3), 400, ClientKind::EntraId)),
            error: Some(note(hour(3), 400, ClientKind::EntraId)),
            recognised: Some(note(hour(3), 400, ClientKind::EntraId)),
        },
        prune_before: hour(-100),
    };
    add(&db.store, &id, &first);
    // A second batch: adds to hour 3, starts hour 4; its latest request is
    // later (replaces), its error earlier (kept: the stored one is later).
    let second = ConnectionBatch {
        hours: counts(&[(3, 2, 2), (4, 1, 0)]),
        latest: LatestRequests {
            request: Some(note(hour(4), 200, ClientKind::Other)),
            error: Some(note(hour(2), 500, ClientKind::Okta)),
            recognised: None,
        },
        prune_before: hour(-100),
    };
    add(&db.store, &id, &second);
    let (hours, latest) = stored(&db.store, &id);
    assert_eq!(hours, counts(&[(2, 4, 0), (3, 7, 3), (4, 1, 0)]));
    assert_eq!(latest.request, Some(note(hour(4), 200, ClientKind::Other)));
    assert_eq!(latest.error, Some(note(hour(3), 400, ClientKind::EntraId)));
    assert_eq!(
        latest.recognised,
        Some(note(hour(3), 400, ClientKind::EntraId))
    );
    // Only the hours from `since` on.
    let recent = db
        .store
        .read(|tx| tx.tenant(&id).connection().hours_since(hour(3)))
        .unwrap();
    assert_eq!(recent, counts(&[(3, 7, 3), (4, 1, 0)]));
    // Another tenant sees nothing of it.
    assert_eq!(
        stored(&db.store, &other),
        (vec![], LatestRequests::default())
    );

    // Pruning drops the hours before the bound, and nothing else.
    add(
        &db.store,
        &id,
        &ConnectionBatch {
            hours: counts(&[(5, 1, 1)]),
            latest: LatestRequests::default(),
            prune_before: hour(4),
        },
    );
    assert_eq!(stored(&db.store, &id).0, counts(&[(4, 1, 0), (5, 1, 1)]));

    // Deleting the tenant deletes its connection status.
    db.store.write(|tx| tx.tenant(&id).delete()).unwrap();
    assert_eq!(stored(&db.store, &id), (vec![], LatestRequests::default()));
}

/// Two stores (two server processes) flushing into the same hours at once:
/// every count arrives, none is overwritten.
fn two_writers_add_up(backend: Backend) {
    let db = fresh(backend);
    let id = tenant(&db.store, "acme").id;
    const FLUSHES: i64 = 25;
    std::thread::scope(|s| {
        for writer in 0..2_i64 {
            let store = db.database.open(options());
            let id = id.clone();
            s.spawn(move || {
                for flush in 0..FLUSHES {
                    let at = hour(1) + Duration::seconds(flush * 2 + writer);
                    let batch = ConnectionBatch {
                        hours: counts(&[(1, 3, 1), (2, 1 + writer, writer)]),
                        latest: LatestRequests {
                            request: Some(note(at, 200, ClientKind::Okta)),
                            ..LatestRequests::default()
                        },
                        prune_before: hour(-100),
                    };
                    add(&store, &id, &batch);
                }
            });
        }
    });
    let (hours, latest) = stored(&db.store, &id);
    assert_eq!(
        hours,
        counts(&[(1, 2 * 3 * FLUSHES, 2 * FLUSHES), (2, 3 * FLUSHES, FLUSHES)])
    );
    // The latest of all, whichever writer committed last.
    let last = hour(1) + Duration::seconds((FLUSHES - 1) * 2 + 1);
    assert_eq!(latest.request.map(|r| r.at), Some(last));
}

fn text_with_nul_is_refused_and_nothing_is_written(backend: Backend) {
    let db = fresh(backend);
    let id = tenant(&db.store, "acme").id;
    let mut bad = note(hour(1), 400, ClientKind::Other);
    bad.detail = Some("a\0b".into());
    let batch = ConnectionBatch {
        hours: counts(&[(1, 1, 1)]),
        latest: LatestRequests {
            error: Some(bad),
            ..LatestRequests::default()
        },
        prune_before: hour(-100),
    };
    let err = db
        .store
        .write(|tx| tx.tenant(&id).connection().add(&batch))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidData(_)), "{err:?}");
    assert_eq!(stored(&db.store, &id), (vec![], LatestRequests::default()));
}

contract!(
    batches_add_to_the_hours_rows,
    two_writers_add_up,
    text_with_nul_is_refused_and_nothing_is_written,
);
