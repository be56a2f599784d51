use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use scim_proto::ClientKind;
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{RequestNote, StoreOptions};

use super::CONNECTION_HOURS;
use crate::context::{Actor, RequestContext};
use crate::{ManualClock, Provisioning};

fn note(p: &Provisioning, status: u16, client: ClientKind, n: u32) -> RequestNote {
    RequestNote {
        at: p.now(),
        method: "GET".into(),
        route: "/Users".into(),
        status,
        client,
        request_id: format!("r{n}"),
        scim_type: (status == 400).then(|| "invalidFilter".to_owned()),
        detail: (status >= 400).then(|| format!("failed\0 {n}")),
    }
}

fn counts_requests_per_hour_and_remembers_the_latest(backend: Backend) {
    let db = TestDatabase::create(backend);
    let store = Arc::new(db.open(StoreOptions::default()));
    let start = Utc
        .with_ymd_and_hms(2026, 3, 1, 10, 20, 0)
        .single()
        .unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let p = Provisioning::new(store).with_clock(clock.clone());
    let ctx = RequestContext::new("r0", "https://x/scim/v2/acme", Actor::Operator);
    p.create_tenant(&ctx, "acme", "Acme").unwrap();
    p.create_tenant(&ctx, "beta", "Beta").unwrap();
    let acme = p.tenant("acme").unwrap();

    // Hour 10: three Entra requests, one failing; a request to a tenant that
    // does not exist is dropped at the flush.
    p.record_request("acme", note(&p, 200, ClientKind::EntraId, 1));
    p.record_request("acme", note(&p, 400, ClientKind::EntraId, 2));
    p.record_request("acme", note(&p, 200, ClientKind::EntraId, 3));
    p.record_request("nobody", note(&p, 401, ClientKind::Other, 4));
    p.flush_connection_log().unwrap();
    // Hour 12: an unrecognised client, then a 500.
    clock.advance(TimeDelta::hours(2));
    p.record_request("acme", note(&p, 200, ClientKind::Other, 5));
    clock.advance(TimeDelta::seconds(1));
    p.record_request("acme", note(&p, 500, ClientKind::Other, 6));
    // Not flushed: the status flushes first.
    let status = p.connection_status(&acme).unwrap();

    assert_eq!(status.hours.len(), CONNECTION_HOURS as usize);
    let last = status.hours.last().unwrap();
    assert_eq!(
        last.hour,
        start + TimeDelta::minutes(100),
        "the current hour, 12:00"
    );
    assert_eq!((last.requests, last.errors), (2, 1));
    let ten = &status.hours[status.hours.len() - 3];
    assert_eq!((ten.requests, ten.errors), (3, 1));
    assert_eq!(
        status.hours.iter().filter(|h| h.requests > 0).count(),
        2,
        "the other hours are zeros"
    );
    assert_eq!((status.totals.requests, status.totals.errors), (5, 2));
    // The client is the latest recognised one, not the latest request's.
    assert_eq!(status.client, Some(ClientKind::EntraId));
    let last_request = status.last_request.unwrap();
    assert_eq!(
        (last_request.request_id.as_str(), last_request.status),
        ("r6", 500)
    );
    let last_error = status.last_error.unwrap();
    assert_eq!(last_error.request_id, "r6");
    assert_eq!(
        last_error.detail.as_deref(),
        Some("failed 6"),
        "NUL removed"
    );
    // Another tenant has nothing.
    let beta = p.connection_status(&p.tenant("beta").unwrap()).unwrap();
    assert_eq!((beta.totals.requests, beta.client), (0, None));
    assert!(beta.last_request.is_none());

    // Eight days on, the hours have left the window (and the table).
    clock.advance(TimeDelta::days(8));
    p.record_request("acme", note(&p, 200, ClientKind::Okta, 7));
    let later = p.connection_status(&acme).unwrap();
    assert_eq!((later.totals.requests, later.totals.errors), (1, 0));
    assert_eq!(later.client, Some(ClientKind::Okta));
    assert_eq!(later.last_error.unwrap().request_id, "r6", "kept");
    let stored = p
        .store()
        .read(|tx| {
            tx.tenant(&acme.id)
                .connection()
                .hours_since(start - TimeDelta::days(1))
        })
        .unwrap();
    assert_eq!(stored.len(), 1, "older hours pruned: {stored:?}");
}

#[test]
fn sqlite_counts_requests_per_hour_and_remembers_the_latest() {
    counts_requests_per_hour_and_remembers_the_latest(Backend::Sqlite);
}

#[test]
fn postgres_counts_requests_per_hour_and_remembers_the_latest() {
    counts_requests_per_hour_and_remembers_the_latest(Backend::Postgres);
}

#[test]
fn a_failed_flush_puts_its_counts_back() {
    let log = super::ConnectionLog::default();
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap();
    let request = |n: i64, status: u16| RequestNote {
        at: at + TimeDelta::seconds(n),
        method: "GET".into(),
        route: "/Users".into(),
        status,
        client: ClientKind::Okta,
        request_id: format!("r{n}"),
        scim_type: None,
        detail: None,
    };
    log.record("acme", request(1, 200));
    log.record("acme", request(3, 404));
    let taken = log.take();
    assert!(log.take().is_empty(), "taken once");
    // Meanwhile a request arrives; then the flush fails and restores.
    log.record("acme", request(2, 200));
    log.restore(taken);
    let pending = &log.take()["acme"];
    let batch = pending.batch(at);
    assert_eq!(batch.hours.len(), 1);
    assert_eq!((batch.hours[0].requests, batch.hours[0].errors), (3, 1));
    let ids = |n: &Option<RequestNote>| n.as_ref().map(|n| n.request_id.clone());
    assert_eq!(
        ids(&batch.latest.request).as_deref(),
        Some("r3"),
        "the later one"
    );
    assert_eq!(ids(&batch.latest.error).as_deref(), Some("r3"));
    assert_eq!(ids(&batch.latest.recognised).as_deref(), Some("r3"));
}
