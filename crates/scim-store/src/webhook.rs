//! What the store keeps of a tenant's webhook endpoints: where to deliver,
//! which event kinds, the signing secrets, and the delivery state (the cursor
//! into the event log, retries, the lease of the process delivering).
//!
//! The event log is the outbox: an endpoint's cursor is the number of the last
//! event it acknowledged, advanced only after a 2xx, so events are delivered in
//! log order and none is lost when a process dies between sending and noting.

use chrono::{DateTime, Utc};

use crate::model::EventKind;

/// Whether an endpoint gets deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookState {
    /// Delivered to (when something is due).
    Active,
    /// Dead letter: too many consecutive failures (or turned off); nothing is
    /// sent until it is enabled again, and its cursor stays where it was.
    Disabled,
}

impl WebhookState {
    /// The stored name: `active` or `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookState::Active => "active",
            WebhookState::Disabled => "disabled",
        }
    }

    /// The state of a stored name.
    pub fn parse(s: &str) -> Option<WebhookState> {
        [WebhookState::Active, WebhookState::Disabled]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A stored webhook endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id (unique in the tenant).
    pub id: String,
    /// The tenant's id.
    pub tenant_id: String,
    /// Where batches are POSTed.
    pub url: String,
    /// The event kinds it is subscribed to.
    pub kinds: Vec<EventKind>,
    /// The current signing secret (`whsec_...`).
    pub secret: String,
    /// The secret before the last rotation, still signed with until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    /// End of the rotation overlap.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Active or disabled.
    pub state: WebhookState,
    /// The last event number acknowledged (or passed over as not subscribed).
    pub cursor_seq: i64,
    /// The last event number of the batch being tried, fixed at its first
    /// attempt so that retries send the same batch.
    pub batch_end_seq: Option<i64>,
    /// Consecutive failed attempts.
    pub attempts: i64,
    /// No attempt before this.
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failed attempt met.
    pub last_error: Option<String>,
    /// The worker holding the lease, if any.
    pub lease_owner: Option<String>,
    /// Until when it holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Last change of its settings or state.
    pub updated: DateTime<Utc>,
}

/// A webhook endpoint to create: it starts active, after the log's current head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// Its id (lowercase).
    pub id: String,
    /// Where batches are POSTed.
    pub url: String,
    /// The event kinds it is subscribed to.
    pub kinds: Vec<EventKind>,
    /// The signing secret.
    pub secret: String,
    /// The event number after which delivery starts.
    pub cursor_seq: i64,
    /// Creation time.
    pub now: DateTime<Utc>,
}

/// A change to an endpoint's delivery state, written only while the writer
/// holds the endpoint's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The batch ending at `cursor_seq` was acknowledged (or held no subscribed
    /// event): the cursor moves on, the failures are forgotten, the lease freed.
    Delivered {
        /// The new cursor.
        cursor_seq: i64,
    },
    /// An attempt failed: counted, retried at `next_attempt_at`, or the
    /// endpoint disabled when `disable`.
    Failed {
        /// The batch tried (kept for the retry).
        batch_end_seq: i64,
        /// Why.
        error: String,
        /// The next try.
        next_attempt_at: DateTime<Utc>,
        /// Dead letter: stop delivering.
        disable: bool,
    },
    /// The batch was fixed at its first attempt (before sending).
    Started {
        /// The batch's last event number.
        batch_end_seq: i64,
    },
}

/// An endpoint with something to deliver, as the workers' poll finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueWebhook {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's slug (for logs and metrics).
    pub tenant_slug: String,
    /// The endpoint's id.
    pub id: String,
}
