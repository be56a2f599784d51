//! One delivery attempt to one endpoint: take its lease, read its batch from
//! the event log, sign and send it, write the outcome.
//!
//! - **Batch.** The events after the endpoint's cursor, at most
//!   [`WebhookOptions::batch_size`]; the last one's number is stored before the
//!   first send (`batch_end_seq`), so every retry sends the same events under
//!   the same `webhook-id` (`{endpoint id}_{first}_{last}`, deterministic),
//!   even after a crash. Events of kinds the endpoint did not subscribe to are
//!   passed over; a batch of none just moves the cursor.
//! - **Outcome.** A 2xx moves the cursor past the batch. Anything else (a
//!   status, a refused or dropped connection, a timeout) counts an attempt
//!   and schedules the next after [`backoff_delay`]; after
//!   [`WebhookOptions::max_attempts`] consecutive failures the endpoint is
//!   disabled (dead letter) until an admin enables it or asks for redelivery.
//! - **At least once.** The cursor moves only after a 2xx, so a process that
//!   dies between the send and the write sends the batch again: a receiver
//!   deduplicates by `webhook-id`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use scim_store::{DeliveryOutcome, Event, Webhook};
use serde::Serialize;

use super::signing;
use crate::admin::EventInfo;
use crate::error::Result;
use crate::service::Provisioning;

/// The delivery worker's timings and sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOptions {
    /// How often the worker looks for endpoints with something to deliver.
    pub poll_interval: Duration,
    /// Most events in one batch.
    pub batch_size: u64,
    /// How long one POST may take, connecting included.
    pub request_timeout: Duration,
    /// How long a worker holds an endpoint: longer than a request may take,
    /// so another process takes over only from one that is gone.
    pub lease: Duration,
    /// The first retry's delay bound (doubling with each failure).
    pub backoff_base: Duration,
    /// The largest delay bound.
    pub backoff_cap: Duration,
    /// Consecutive failures after which the endpoint is disabled.
    pub max_attempts: u32,
}

impl Default for WebhookOptions {
    fn default() -> WebhookOptions {
        WebhookOptions {
            poll_interval: Duration::from_secs(1),
            batch_size: 100,
            request_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            backoff_base: Duration::from_secs(5),
            backoff_cap: Duration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

/// One signed POST, for a [`WebhookTransport`] to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// The endpoint's URL.
    pub url: String,
    /// `content-type`, `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
    /// How long the request may take.
    pub timeout: Duration,
}

impl WebhookRequest {
    /// The value of one of the headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a POST did not deliver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryFailure {
    /// The receiver answered other than 2xx.
    #[error("HTTP {0}")]
    Status(u16),
    /// No answer: refused, dropped, timed out, TLS, ...
    #[error("{0}")]
    Transport(String),
}

/// Sends webhook requests (the server binary's is HTTP with ureq).
pub trait WebhookTransport: Send + Sync + 'static {
    /// POSTs `request`; `Ok` on a 2xx answer.
    ///
    /// # Errors
    ///
    /// Any other answer, or none.
    fn post(&self, request: &WebhookRequest) -> Result<(), DeliveryFailure>;
}

/// The delay before retry `attempt` (1 for the first retry): "full jitter",
/// uniform in `0..=min(cap, base * 2^(attempt - 1))`, so that many endpoints
/// failing at once do not retry in step. `unit` in `[0, 1]` is the random draw.
pub fn backoff_delay(options: &WebhookOptions, attempt: u32, unit: f64) -> Duration {
    let doubled = options.backoff_base.saturating_mul(
        1u32.checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX),
    );
    let bound = doubled.min(options.backoff_cap);
    bound.mul_f64(unit.clamp(0.0, 1.0))
}

/// A uniform draw in `[0, 1]` (0 if the system has no randomness to give:
/// the retry is then merely not spread).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
        Err(_) => 0.0,
    }
}

/// The body of a batch.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    /// Always `scim.events`.
    r#type: &'static str,
    /// The endpoint the batch is for.
    webhook_id: &'a str,
    /// The tenant's id.
    tenant_id: &'a str,
    /// The events, in log order.
    events: Vec<EventInfo>,
}

/// The deterministic `webhook-id` of the batch `first..=last` of `endpoint`.
pub(crate) fn message_id(endpoint: &str, first: i64, last: i64) -> String {
    format!("msg_{endpoint}_{first}_{last}")
}

/// The signed request of a batch, at `now`; `None` when none of the events
/// is of a subscribed kind.
fn request(
    endpoint: &Webhook,
    batch: Vec<Event>,
    end: i64,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<Option<WebhookRequest>> {
    let first = endpoint.cursor_seq + 1;
    let events: Vec<EventInfo> = batch
        .into_iter()
        .filter(|e| endpoint.kinds.contains(&e.kind))
        .map(EventInfo::from_row)
        .collect();
    if events.is_empty() {
        return Ok(None);
    }
    let id = message_id(&endpoint.id, first, end);
    let body = serde_json::to_string(&Payload {
        r#type: "scim.events",
        webhook_id: &endpoint.id,
        tenant_id: &endpoint.tenant_id,
        events,
    })?;
    let timestamp = now.timestamp();
    let mut secrets = vec![endpoint.secret.as_str()];
    if let (Some(previous), Some(until)) =
        (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > now
    {
        secrets.push(previous);
    }
    let signature = signing::signature_header(&secrets, &id, timestamp, &body);
    Ok(Some(WebhookRequest {
        url: endpoint.url.clone(),
        headers: vec![
            ("content-type", "application/json".to_owned()),
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ],
        body,
        timeout,
    }))
}

/// What one attempt did, for the worker's loop and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Another worker holds the endpoint, or it is no longer due.
    NotClaimed,
    /// Events up to this number were delivered or passed over.
    Delivered(i64),
    /// The send failed (the outcome is recorded: a retry, or the dead letter).
    Failed,
    /// The lease ran out before the outcome was written: another worker owns
    /// the endpoint now and will send the batch again.
    LostLease,
}

impl Provisioning {
    /// One attempt on the endpoint `id` of `tenant_id` (slug `tenant`, for
    /// logs and metrics), as worker `owner`.
    pub(crate) fn attempt_delivery(
        &self,
        tenant_id: &str,
        tenant: &str,
        id: &str,
        owner: &str,
        options: &WebhookOptions,
        transport: &dyn WebhookTransport,
    ) -> Result<Attempt> {
        let now = self.now();
        let until = now + super::seconds(options.lease);
        let claimed = self.write(|tx| {
            Ok(tx
                .tenant(tenant_id)
                .webhooks()
                .claim(id, owner, now, until)?)
        })?;
        let Some(endpoint) = claimed else {
            return Ok(Attempt::NotClaimed);
        };
        let count = match endpoint.batch_end_seq {
            Some(end) => u64::try_from(end - endpoint.cursor_seq).unwrap_or(0),
            None => options.batch_size.max(1),
        };
        let batch = self.read(|tx| {
            Ok(tx
                .tenant(tenant_id)
                .events()
                .after(endpoint.cursor_seq, count)?)
        })?;
        let Some(end) = endpoint
            .batch_end_seq
            .or_else(|| batch.last().map(|e| e.seq))
        else {
            // Nothing to send after all (the poll raced a redelivery): let go.
            let cursor_seq = endpoint.cursor_seq;
            let outcome = DeliveryOutcome::Delivered { cursor_seq };
            return self.finish(
                tenant_id,
                id,
                owner,
                &outcome,
                Attempt::Delivered(cursor_seq),
            );
        };
        let Some(request) = request(&endpoint, batch, end, now, options.request_timeout)? else {
            let outcome = DeliveryOutcome::Delivered { cursor_seq: end };
            return self.finish(tenant_id, id, owner, &outcome, Attempt::Delivered(end));
        };
        if endpoint.batch_end_seq.is_none() {
            let started = DeliveryOutcome::Started { batch_end_seq: end };
            if self.finish(tenant_id, id, owner, &started, Attempt::Delivered(end))?
                == Attempt::LostLease
            {
                return Ok(Attempt::LostLease);
            }
        }
        let tenant_label = tenant.to_owned();
        match transport.post(&request) {
            Ok(()) => {
                metrics::counter!(crate::metrics::WEBHOOK_DELIVERIES, "tenant" => tenant_label)
                    .increment(1);
                let outcome = DeliveryOutcome::Delivered { cursor_seq: end };
                self.finish(tenant_id, id, owner, &outcome, Attempt::Delivered(end))
            }
            Err(failure) => {
                metrics::counter!(crate::metrics::WEBHOOK_FAILURES, "tenant" => tenant_label)
                    .increment(1);
                let attempts = u32::try_from(endpoint.attempts + 1).unwrap_or(u32::MAX);
                let disable = attempts >= options.max_attempts;
                let delay = backoff_delay(options, attempts, random_unit());
                if disable {
                    tracing::warn!(
                        tenant, webhook = id, attempts, error = %failure,
                        "webhook disabled after repeated failures (dead letter)"
                    );
                } else {
                    tracing::info!(
                        tenant, webhook = id, attempts, error = %failure,
                        retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "webhook delivery failed"
                    );
                }
                let outcome = DeliveryOutcome::Failed {
                    batch_end_seq: end,
                    error: failure.to_string(),
                    next_attempt_at: self.now() + super::seconds(delay),
                    disable,
                };
                self.finish(tenant_id, id, owner, &outcome, Attempt::Failed)
            }
        }
    }

    /// Writes an outcome as the lease holder: `done`, or
    /// [`Attempt::LostLease`] when `owner` no longer holds it.
    fn finish(
        &self,
        tenant_id: &str,
        id: &str,
        owner: &str,
        outcome: &DeliveryOutcome,
        done: Attempt,
    ) -> Result<Attempt> {
        let now = self.now();
        let held = self.write(|tx| {
            Ok(tx
                .tenant(tenant_id)
                .webhooks()
                .record(id, owner, outcome, now)?)
        })?;
        Ok(if held { done } else { Attempt::LostLease })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> WebhookOptions {
        WebhookOptions {
            backoff_base: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(60),
            ..WebhookOptions::default()
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_is_jittered_below_it() {
        let o = options();
        let bounds: Vec<u64> = (1..=8)
            .map(|n| backoff_delay(&o, n, 1.0).as_secs())
            .collect();
        assert_eq!(bounds, [2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff_delay(&o, 3, 0.0), Duration::ZERO);
        assert_eq!(backoff_delay(&o, 3, 0.5), Duration::from_secs(4));
        // Huge attempt counts neither overflow nor pass the cap.
        assert_eq!(backoff_delay(&o, u32::MAX, 1.0), Duration::from_secs(60));
        let unit = random_unit();
        assert!((0.0..=1.0).contains(&unit));
    }

    #[test]
    fn a_batch_id_names_its_endpoint_and_range() {
        assert_eq!(message_id("w1", 4, 9), "msg_w1_4_9");
        assert_ne!(message_id("w1", 4, 9), message_id("w1", 4, 10));
    }
}
