//! Delivery with a scripted transport and a manual clock, on both backends:
//! batches follow the log and skip unsubscribed kinds, a retry sends the same
//! batch under the same id only when its backoff has passed, and repeated
//! failure ends in the dead letter until the endpoint is enabled.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use scim_store::testing::{Backend, TestDatabase};
use scim_store::{EventKind, NewEvent, StoreOptions};

use super::*;
use crate::ManualClock;
use crate::context::{Actor, RequestContext};

/// Answers as scripted (then 2xx) and keeps what it was sent.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<(), DeliveryFailure>>>,
    sent: Mutex<Vec<WebhookRequest>>,
}

impl WebhookTransport for Scripted {
    fn post(&self, request: &WebhookRequest) -> Result<(), DeliveryFailure> {
        self.sent.lock().unwrap().push(request.clone());
        self.answers.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }
}

impl Scripted {
    fn sent(&self) -> Vec<WebhookRequest> {
        self.sent.lock().unwrap().clone()
    }
}

fn options() -> WebhookOptions {
    WebhookOptions {
        batch_size: 2,
        backoff_base: Duration::from_secs(10),
        backoff_cap: Duration::from_secs(60),
        max_attempts: 3,
        ..WebhookOptions::default()
    }
}

struct Setup {
    p: Provisioning,
    clock: Arc<ManualClock>,
    tenant: Arc<TenantContext>,
    ctx: RequestContext,
    _db: TestDatabase,
}

fn setup(backend: Backend) -> Setup {
    let db = TestDatabase::create(backend);
    let store = Arc::new(db.open(StoreOptions::default()));
    let start = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let p = Provisioning::new(store).with_clock(clock.clone());
    let ctx = RequestContext::new("r0", "https://x/scim/v2/acme", Actor::Operator);
    p.create_tenant(&ctx, "acme", "Acme").unwrap();
    let tenant = p.tenant("acme").unwrap();
    Setup {
        p,
        clock,
        tenant,
        ctx,
        _db: db,
    }
}

fn log(s: &Setup, kinds: &[EventKind]) {
    let events: Vec<NewEvent> = kinds
        .iter()
        .map(|kind| NewEvent {
            time: s.p.now(),
            kind: kind.clone(),
            resource_type: Some("User".into()),
            resource_id: Some("u1".into()),
            before: None,
            after: None,
            cause: None,
            request_id: None,
            user_id: Some("u1".into()),
        })
        .collect();
    s.p.store()
        .write(|tx| tx.tenant(&s.tenant.id).events().append_all(&events))
        .unwrap();
    s.p.store().number_events(&s.tenant.id).unwrap();
}

fn event_seqs(request: &WebhookRequest) -> Vec<i64> {
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

fn target(kinds: &[&str]) -> WebhookTarget {
    WebhookTarget {
        url: "https://hooks.example.com/in".into(),
        kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
    }
}

fn batches_follow_the_log_and_retries_repeat_the_batch(backend: Backend) {
    let s = setup(backend);
    let created =
        s.p.create_webhook(&s.tenant, &s.ctx, &target(&["user.created"]))
            .unwrap();
    let head = created.webhook.cursor_seq;
    use EventKind::{RoleChanged as R, UserCreated as U};
    log(&s, &[R, U, U, R, R, R]);
    let transport = Scripted::default();
    transport
        .answers
        .lock()
        .unwrap()
        .push_back(Err(DeliveryFailure::Status(500)));
    let o = options();

    // The first batch (two events, one subscribed) fails.
    assert_eq!(s.p.deliver_due_webhooks("w", &o, &transport).unwrap(), 0);
    let failed = s.p.get_webhook(&s.tenant, &created.webhook.id).unwrap();
    assert_eq!((failed.attempts, failed.cursor_seq), (1, head));
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert!(failed.next_attempt_at <= s.p.now() + TimeDelta::seconds(10));
    // Not again before its backoff has passed.
    s.clock.advance(TimeDelta::seconds(11));
    log(&s, &[U]);
    while s.p.deliver_due_webhooks("w", &o, &transport).unwrap() > 0 {}

    let sent = transport.sent();
    let ids: Vec<&str> = sent
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    let id = |first: i64, last: i64| format!("msg_{}_{first}_{last}", created.webhook.id);
    // The retry is the same batch, under the same id, although more events
    // were logged meanwhile; the range of unsubscribed events sends nothing.
    assert_eq!(
        ids,
        [
            id(head + 1, head + 2),
            id(head + 1, head + 2),
            id(head + 3, head + 4),
            id(head + 7, head + 7)
        ]
    );
    assert_eq!(sent[0].body, sent[1].body);
    let seqs: Vec<i64> = sent[1..].iter().flat_map(event_seqs).collect();
    assert_eq!(seqs, [head + 2, head + 3, head + 7]);
    for request in &sent {
        let timestamp: i64 = request
            .header("webhook-timestamp")
            .unwrap()
            .parse()
            .unwrap();
        let expected = sign(
            &created.secret,
            request.header("webhook-id").unwrap(),
            timestamp,
            &request.body,
        );
        assert_eq!(request.header("webhook-signature"), Some(expected.as_str()));
    }
    let done = s.p.get_webhook(&s.tenant, &created.webhook.id).unwrap();
    assert_eq!((done.cursor_seq, done.attempts), (head + 7, 0));
}

fn repeated_failure_disables_until_enabled(backend: Backend) {
    let s = setup(backend);
    let created =
        s.p.create_webhook(&s.tenant, &s.ctx, &target(&["user.created"]))
            .unwrap();
    let id = created.webhook.id.clone();
    log(&s, &[EventKind::UserCreated]);
    let transport = Scripted::default();
    for _ in 0..3 {
        transport
            .answers
            .lock()
            .unwrap()
            .push_back(Err(DeliveryFailure::Transport("connection refused".into())));
    }
    let o = options();
    for _ in 0..5 {
        s.p.deliver_due_webhooks("w", &o, &transport).unwrap();
        s.clock.advance(TimeDelta::seconds(61));
    }
    assert_eq!(
        transport.sent().len(),
        3,
        "three attempts, then the dead letter"
    );
    let dead = s.p.get_webhook(&s.tenant, &id).unwrap();
    assert_eq!(dead.state, "disabled");
    assert_eq!(dead.last_error.as_deref(), Some("connection refused"));

    s.p.enable_webhook(&s.tenant, &s.ctx, &id).unwrap();
    assert_eq!(s.p.deliver_due_webhooks("w", &o, &transport).unwrap(), 1);
    let sent = transport.sent();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].header("webhook-id"), sent[0].header("webhook-id"));
    let alive = s.p.get_webhook(&s.tenant, &id).unwrap();
    assert_eq!((alive.state.as_str(), alive.attempts), ("active", 0));

    // Rotation: both secrets sign during the overlap, the new one after it.
    let rotated = s.p.rotate_webhook_secret(&s.tenant, &s.ctx, &id).unwrap();
    log(&s, &[EventKind::UserCreated]);
    s.p.deliver_due_webhooks("w", &o, &transport).unwrap();
    let during = transport.sent().pop().unwrap();
    let signatures: Vec<&str> = during
        .header("webhook-signature")
        .unwrap()
        .split(' ')
        .collect();
    assert_eq!(signatures.len(), 2);
    let ts: i64 = during.header("webhook-timestamp").unwrap().parse().unwrap();
    let wid = during.header("webhook-id").unwrap();
    assert_eq!(signatures[0], sign(&rotated.secret, wid, ts, &during.body));
    assert_eq!(signatures[1], sign(&created.secret, wid, ts, &during.body));
    s.clock
        .advance(s.p.options().token_overlap + TimeDelta::seconds(1));
    log(&s, &[EventKind::UserCreated]);
    s.p.deliver_due_webhooks("w", &o, &transport).unwrap();
    let after = transport.sent().pop().unwrap();
    assert!(!after.header("webhook-signature").unwrap().contains(' '));

    // Redelivery reaches back before the endpoint's creation, not past the head.
    let head = s.p.get_webhook(&s.tenant, &id).unwrap().cursor_seq;
    assert!(matches!(
        s.p.redeliver_webhook(&s.tenant, &s.ctx, &id, head + 2),
        Err(Error::Invalid(_))
    ));
    let again = s.p.redeliver_webhook(&s.tenant, &s.ctx, &id, 1).unwrap();
    assert_eq!(again.cursor_seq, 0);
    assert!(matches!(
        s.p.get_webhook(&s.tenant, "nope"),
        Err(Error::NotFound { .. })
    ));
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres) } )*
        }
    };
}

both!(
    batches_follow_the_log_and_retries_repeat_the_batch,
    repeated_failure_disables_until_enabled,
);
