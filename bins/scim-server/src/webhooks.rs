//! The webhook delivery worker's HTTP: ureq (blocking, rustls), on the
//! worker's own thread, so a slow or failing receiver never holds up a SCIM
//! request. What to send and when is `provisioning::webhooks`.

use std::sync::Arc;
use std::time::Duration;

use provisioning::{
    DeliveryFailure, Provisioning, WebhookOptions, WebhookRequest, WebhookTransport, WebhookWorker,
};

/// The delivery worker's timings (`serve` flags); the defaults are
/// `WebhookOptions::default()`'s, which a test compares.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct WebhookArgs {
    /// Milliseconds between looks for webhook endpoints with events to deliver.
    #[arg(long, env = "SCIM_WEBHOOK_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    webhook_poll_ms: u64,

    /// Most events in one webhook batch.
    #[arg(long, env = "SCIM_WEBHOOK_BATCH_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1000))]
    webhook_batch_size: u64,

    /// Milliseconds one webhook POST may take, connecting included.
    #[arg(long, env = "SCIM_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    webhook_timeout_ms: u64,

    /// Milliseconds a server process holds a webhook endpoint while it
    /// delivers (other processes take over after it); more than the timeout.
    #[arg(long, env = "SCIM_WEBHOOK_LEASE_MS", default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..))]
    webhook_lease_ms: u64,

    /// Milliseconds: the bound of the first retry's delay (doubling after
    /// each failure; the delay is random below the bound).
    #[arg(long, env = "SCIM_WEBHOOK_BACKOFF_BASE_MS", default_value_t = 5_000)]
    webhook_backoff_base_ms: u64,

    /// Milliseconds: the largest retry delay bound.
    #[arg(long, env = "SCIM_WEBHOOK_BACKOFF_CAP_MS", default_value_t = 3_600_000)]
    webhook_backoff_cap_ms: u64,

    /// Consecutive failures after which an endpoint is disabled (dead letter).
    #[arg(long, env = "SCIM_WEBHOOK_MAX_ATTEMPTS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    webhook_max_attempts: u32,
}

impl WebhookArgs {
    /// The worker's options.
    pub(crate) fn options(&self) -> WebhookOptions {
        WebhookOptions {
            poll_interval: Duration::from_millis(self.webhook_poll_ms),
            batch_size: self.webhook_batch_size,
            request_timeout: Duration::from_millis(self.webhook_timeout_ms),
            lease: Duration::from_millis(self.webhook_lease_ms).max(Duration::from_millis(
                self.webhook_timeout_ms.saturating_mul(2),
            )),
            backoff_base: Duration::from_millis(self.webhook_backoff_base_ms),
            backoff_cap: Duration::from_millis(self.webhook_backoff_cap_ms),
            max_attempts: self.webhook_max_attempts,
        }
    }
}

/// POSTs webhook batches over HTTP(S).
#[derive(Debug)]
struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    fn new(options: &WebhookOptions) -> UreqTransport {
        let agent = ureq::Agent::config_builder()
            // A status is an outcome to record, not an error of the client.
            .http_status_as_error(false)
            .timeout_global(Some(options.request_timeout))
            // A redirect is the receiver's misconfiguration: a failure, not
            // a second place to send signed events to.
            .max_redirects(0)
            .user_agent(concat!("scim-roles-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        UreqTransport { agent }
    }
}

impl WebhookTransport for UreqTransport {
    fn post(&self, request: &WebhookRequest) -> Result<(), DeliveryFailure> {
        let mut call = self.agent.post(&request.url);
        for (name, value) in &request.headers {
            call = call.header(*name, value.as_str());
        }
        match call.send(request.body.as_str()) {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(DeliveryFailure::Status(response.status().as_u16())),
            Err(error) => Err(DeliveryFailure::Transport(error.to_string())),
        }
    }
}

/// Starts the delivery worker; it stops when the guard is dropped.
pub(crate) fn start(
    provisioning: &Provisioning,
    options: WebhookOptions,
) -> std::io::Result<WebhookWorker> {
    let transport = Arc::new(UreqTransport::new(&options));
    provisioning.start_webhook_worker(options, transport)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        webhooks: WebhookArgs,
    }

    #[test]
    fn the_flags_default_to_the_worker_defaults() {
        let flags = Flags::try_parse_from(["x"]).unwrap();
        assert_eq!(flags.webhooks.options(), WebhookOptions::default());
    }

    #[test]
    fn the_lease_outlasts_a_request() {
        let flags = Flags::try_parse_from([
            "x",
            "--webhook-timeout-ms",
            "5000",
            "--webhook-lease-ms",
            "10",
        ])
        .unwrap();
        assert_eq!(flags.webhooks.options().lease, Duration::from_secs(10));
    }
}
