//! The delivery worker: a thread of its own (never a request's), which every
//! poll interval asks the store for endpoints with something due and makes one
//! attempt on each, as long as attempts deliver.
//!
//! Several processes may run one each on a PostgreSQL database: the lease on
//! the endpoint row lets one at a time deliver an endpoint, so its batches go
//! out in order.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::thread::JoinHandle;

use scim_store::DueWebhook;

use super::delivery::{Attempt, WebhookOptions, WebhookTransport};
use crate::error::Result;
use crate::service::Provisioning;

/// Endpoints one poll reads.
const DUE_PER_POLL: u64 = 64;

impl Provisioning {
    /// One pass over the endpoints due now, as worker `owner`: an attempt on
    /// each; how many delivered (or passed over) events.
    ///
    /// # Errors
    ///
    /// When the store cannot be read (an endpoint's own failure is recorded
    /// with it, not returned).
    pub fn deliver_due_webhooks(
        &self,
        owner: &str,
        options: &WebhookOptions,
        transport: &dyn WebhookTransport,
    ) -> Result<usize> {
        let now = self.now();
        let due = self.read(|tx| Ok(tx.due_webhooks(now, DUE_PER_POLL)?))?;
        let mut progressed = 0;
        for DueWebhook {
            tenant_id,
            tenant_slug,
            id,
        } in due
        {
            match self.attempt_delivery(&tenant_id, &tenant_slug, &id, owner, options, transport) {
                Ok(Attempt::Delivered(cursor)) => {
                    progressed += 1;
                    let head = self.read(|tx| Ok(tx.tenant(&tenant_id).events().head()?))?;
                    // A count of events: exact in an f64 far beyond any log.
                    let lag = (head - cursor).max(0) as f64;
                    metrics::gauge!(
                        crate::metrics::WEBHOOK_LAG,
                        "tenant" => tenant_slug.clone(),
                        "webhook" => id.clone()
                    )
                    .set(lag);
                }
                Ok(Attempt::NotClaimed | Attempt::Failed | Attempt::LostLease) => {}
                // A deleted tenant or endpoint, or a store hiccup: the next
                // poll sees what is left.
                Err(error) => {
                    tracing::warn!(tenant = %tenant_slug, webhook = %id, error = %error,
                        "webhook delivery attempt failed to run");
                }
            }
        }
        Ok(progressed)
    }

    /// Delivers webhooks on a thread of its own until the returned guard is
    /// dropped (which waits for the attempt in flight, at most a request's
    /// timeout).
    ///
    /// # Errors
    ///
    /// When the thread cannot be started.
    pub fn start_webhook_worker(
        &self,
        options: WebhookOptions,
        transport: Arc<dyn WebhookTransport>,
    ) -> std::io::Result<WebhookWorker> {
        let (stop, stopped) = mpsc::channel::<()>();
        let provisioning = self.clone();
        // Unique per process and start: a restarted process is another owner,
        // and waits out the lease of the one that died.
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
        let thread = std::thread::Builder::new()
            .name("webhook-worker".to_owned())
            .spawn(move || {
                loop {
                    let progressed = provisioning
                        .deliver_due_webhooks(&owner, &options, &*transport)
                        .unwrap_or_else(|error| {
                            tracing::warn!(error = %error, "could not poll webhook endpoints");
                            0
                        });
                    // More may be waiting behind a full batch: go on at once.
                    let stopping = if progressed > 0 {
                        !matches!(stopped.try_recv(), Err(TryRecvError::Empty))
                    } else {
                        !matches!(
                            stopped.recv_timeout(options.poll_interval),
                            Err(RecvTimeoutError::Timeout)
                        )
                    };
                    if stopping {
                        break;
                    }
                }
            })?;
        Ok(WebhookWorker {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// The thread of [`Provisioning::start_webhook_worker`]; dropping it stops
/// the thread and joins it.
#[derive(Debug)]
pub struct WebhookWorker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for WebhookWorker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
