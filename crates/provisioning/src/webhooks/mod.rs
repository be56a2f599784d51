//! Webhooks (issue 14): per tenant, endpoints that receive the event log's
//! changes to the directory and its roles, in order, at least once, signed by
//! the Standard Webhooks convention.
//!
//! The event log is the outbox: each endpoint's row keeps the number of the
//! last event it acknowledged, and delivery reads on from there, so nothing is
//! lost when a process dies and the order is the log's. This module holds the
//! admin use cases; `kinds` what can be subscribed to, `signing` the
//! signatures, `delivery` one attempt (lease, batch, send, outcome) and
//! `worker` the thread that makes them. Sending over HTTP is the caller's
//! ([`WebhookTransport`]): this crate knows no HTTP.

mod delivery;
mod kinds;
mod signing;
mod worker;

use chrono::{DateTime, Duration, Utc};
use scim_store::{EventKind, NewWebhook, Webhook};
use serde::Serialize;

pub use delivery::{
    DeliveryFailure, WebhookOptions, WebhookRequest, WebhookTransport, backoff_delay,
};
pub use kinds::SUBSCRIBABLE;
pub use signing::{SECRET_PREFIX, sign};
pub use worker::WebhookWorker;

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::new_id;

/// Longest endpoint URL.
const MAX_URL_CHARS: usize = 2000;

/// What an endpoint is: where and what to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTarget {
    /// `https://` (or `http://`) URL the batches are POSTed to.
    pub url: String,
    /// Event kind names (`user.created`, ...; see [`SUBSCRIBABLE`]).
    pub kinds: Vec<String>,
}

/// A webhook endpoint as the admin API shows it (never its secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookInfo {
    /// Its id.
    pub id: String,
    /// Where batches are POSTed.
    pub url: String,
    /// The event kinds it receives.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub kinds: Vec<EventKind>,
    /// `active`, or `disabled` (dead letter after repeated failure: nothing
    /// is sent until it is enabled again).
    pub state: String,
    /// The last event number delivered (or passed over as not subscribed).
    pub cursor_seq: i64,
    /// Consecutive failed attempts of the current batch.
    pub attempts: i64,
    /// No attempt before this.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub next_attempt_at: DateTime<Utc>,
    /// What the last failed attempt met.
    pub last_error: Option<String>,
    /// Until when the secret replaced by the last rotation still signs.
    #[serde(serialize_with = "crate::time_format::serialize_option")]
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Creation time.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub created: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "crate::time_format::serialize")]
    pub updated: DateTime<Utc>,
}

impl WebhookInfo {
    fn from_row(w: &Webhook, now: DateTime<Utc>) -> WebhookInfo {
        WebhookInfo {
            id: w.id.clone(),
            url: w.url.clone(),
            kinds: w.kinds.clone(),
            state: w.state.as_str().to_owned(),
            cursor_seq: w.cursor_seq,
            attempts: w.attempts,
            next_attempt_at: w.next_attempt_at,
            last_error: w.last_error.clone(),
            previous_secret_until: w.previous_secret_until.filter(|until| *until > now),
            created: w.created,
            updated: w.updated,
        }
    }
}

/// An endpoint with its signing secret: shown when it is created and when
/// the secret is rotated, never otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    /// The endpoint.
    pub webhook: WebhookInfo,
    /// The signing secret (`whsec_...`), for the receiver's verification.
    pub secret: String,
}

/// An endpoint URL: `http` or `https` with a host, no spaces or control
/// characters. Where it leads is the operator's choice (see docs/webhooks.md).
fn check_url(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let valid = url.chars().count() <= MAX_URL_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && host.is_some_and(|h| !h.is_empty() && !h.starts_with(':') && !h.contains('@'));
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "a webhook URL is an http:// or https:// URL with a host, without credentials, \
             at most {MAX_URL_CHARS} characters"
        )))
    }
}

impl Provisioning {
    fn find_webhook(&self, tenant: &TenantContext, id: &str) -> Result<Webhook> {
        self.read(|tx| Ok(tx.tenant(&tenant.id).webhooks().get(id)?))?
            .ok_or_else(|| webhook_not_found(id))
    }

    /// Creates an endpoint; it receives the events logged from now on.
    pub fn create_webhook(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        target: &WebhookTarget,
    ) -> Result<WebhookWithSecret> {
        check_url(&target.url)?;
        let kinds = kinds::parse_kinds(&target.kinds)?;
        let secret = signing::new_secret()?;
        let id = new_id();
        // Numbered up to now, so "from now on" is exact on PostgreSQL too.
        self.store().number_events(&tenant.id)?;
        let now = self.now();
        let row = self.write(|tx| {
            let head = tx.tenant(&tenant.id).events().head()?;
            Ok(tx.tenant(&tenant.id).webhooks().insert(&NewWebhook {
                id: id.clone(),
                url: target.url.clone(),
                kinds: kinds.clone(),
                secret: secret.clone(),
                cursor_seq: head,
                now,
            })?)
        })?;
        Ok(WebhookWithSecret {
            webhook: WebhookInfo::from_row(&row, now),
            secret,
        })
    }

    /// The tenant's endpoints, oldest first.
    pub fn list_webhooks(&self, tenant: &TenantContext) -> Result<Vec<WebhookInfo>> {
        let now = self.now();
        let rows = self.read(|tx| Ok(tx.tenant(&tenant.id).webhooks().all()?))?;
        Ok(rows.iter().map(|w| WebhookInfo::from_row(w, now)).collect())
    }

    /// One endpoint.
    pub fn get_webhook(&self, tenant: &TenantContext, id: &str) -> Result<WebhookInfo> {
        Ok(WebhookInfo::from_row(
            &self.find_webhook(tenant, id)?,
            self.now(),
        ))
    }

    /// Changes where an endpoint delivers and what; its place in the log stays.
    pub fn update_webhook(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        id: &str,
        target: &WebhookTarget,
    ) -> Result<WebhookInfo> {
        check_url(&target.url)?;
        let kinds = kinds::parse_kinds(&target.kinds)?;
        let now = self.now();
        let row = self.write(|tx| {
            Ok(tx
                .tenant(&tenant.id)
                .webhooks()
                .set_target(id, &target.url, &kinds, now)?)
        })?;
        Ok(WebhookInfo::from_row(&row, now))
    }

    /// Deletes an endpoint; nothing more is sent to it.
    pub fn delete_webhook(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        id: &str,
    ) -> Result<()> {
        self.write(|tx| Ok(tx.tenant(&tenant.id).webhooks().delete(id)?))
    }

    /// Replaces the signing secret. The old one keeps signing next to it (both
    /// signatures are sent) for the token overlap ([`crate::Options`]), so a
    /// receiver can switch without missing a message.
    pub fn rotate_webhook_secret(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        id: &str,
    ) -> Result<WebhookWithSecret> {
        let secret = signing::new_secret()?;
        let now = self.now();
        let until = now + self.options().token_overlap;
        let row = self.write(|tx| {
            Ok(tx
                .tenant(&tenant.id)
                .webhooks()
                .rotate_secret(id, &secret, until, now)?)
        })?;
        Ok(WebhookWithSecret {
            webhook: WebhookInfo::from_row(&row, now),
            secret,
        })
    }

    /// Delivers again from event number `from_seq` on (and enables the
    /// endpoint): what the receiver lost, or events before its creation.
    pub fn redeliver_webhook(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        id: &str,
        from_seq: i64,
    ) -> Result<WebhookInfo> {
        if from_seq < 1 {
            return Err(Error::Invalid(
                "redelivery starts at an event number of 1 or more".to_owned(),
            ));
        }
        let now = self.now();
        let row = self.write(|tx| {
            let head = tx.tenant(&tenant.id).events().head()?;
            if from_seq > head + 1 {
                return Err(Error::Invalid(format!(
                    "the event log ends at {head}: redelivery cannot start at {from_seq}"
                )));
            }
            Ok(tx
                .tenant(&tenant.id)
                .webhooks()
                .reactivate(id, Some(from_seq - 1), now)?)
        })?;
        Ok(WebhookInfo::from_row(&row, now))
    }

    /// Enables a disabled endpoint (or retries an active one now): delivery
    /// goes on where it stopped.
    pub fn enable_webhook(
        &self,
        tenant: &TenantContext,
        _ctx: &RequestContext,
        id: &str,
    ) -> Result<WebhookInfo> {
        let now = self.now();
        let row =
            self.write(|tx| Ok(tx.tenant(&tenant.id).webhooks().reactivate(id, None, now)?))?;
        Ok(WebhookInfo::from_row(&row, now))
    }
}

fn webhook_not_found(id: &str) -> Error {
    Error::NotFound {
        resource: crate::error::ResourceKind::Webhook,
        id: id.to_owned(),
    }
}

/// Seconds as a `chrono` duration (saturating).
fn seconds(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn urls_are_http_with_a_host() {
        assert!(check_url("https://hooks.example.com/scim?x=1").is_ok());
        assert!(check_url("http://127.0.0.1:8080/in").is_ok());
        for bad in [
            "ftp://example.com/",
            "https://",
            "https:///path",
            "https://user:pw@example.com/",
            "https://exa mple.com/",
            "example.com",
            "javascript:alert(1)",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(2000))).is_err());
    }
}

#[cfg(test)]
mod delivery_tests;
