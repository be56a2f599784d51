//! Overload protection of the SCIM routes: what a request must get before its
//! use case runs, and the answers when it cannot.
//!
//! - A **rate limit** per tenant ([`RateLimit`]): a token bucket per
//!   authenticated tenant; a request finding it empty gets 429 with
//!   `Retry-After`. Buckets are keyed by the tenant's id and created only
//!   after authentication succeeded, so requests without a valid token neither
//!   create a bucket nor drain a tenant's.
//! - A **concurrency bound** ([`ConcurrencyLimit`]): a global number of
//!   requests at work at once (authenticating or in the store, on actix's
//!   blocking pool), and a per-tenant share of it. A request waits for a
//!   place, fairly (first come, first served), for at most
//!   [`ConcurrencyLimit::wait`]; then it gets 503 (no global place) or 429
//!   (its tenant has its share at work), both with `Retry-After`. A request
//!   waiting for its tenant's share holds no global place, so one tenant's
//!   flood queues behind itself, not in front of other tenants.
//!
//! Both are checked in [`crate::request::TenantCall::run`], through which
//! every SCIM route runs its use case; the places are held by the blocking
//! task itself, so a client that hangs up does not free a place still in use.

mod admission;
mod bucket;

use std::time::Duration;

use actix_web::http::StatusCode;

use crate::error::ApiError;

pub(crate) use admission::{Admission, Admit};

/// The per-tenant rate limit of the SCIM routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a second one tenant may sustain; 0 turns the limit off.
    pub per_second: u32,
    /// Requests a tenant may send at once after a quiet spell (the bucket's
    /// size; below 1 counts as 1).
    pub burst: u32,
}

impl RateLimit {
    /// 100 requests a second, bursts of 200: four times what Microsoft Entra
    /// ID sends a tenant at most (25 a second), so no identity provider meets it.
    pub const DEFAULT: RateLimit = RateLimit {
        per_second: 100,
        burst: 200,
    };

    /// No rate limit (benchmarks).
    pub const OFF: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
    };
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit::DEFAULT
    }
}

/// The bound on SCIM requests at work at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcurrencyLimit {
    /// Requests at work at once, all tenants together; 0: no bound.
    pub global: usize,
    /// Requests at work at once for one tenant; 0: no bound.
    pub per_tenant: usize,
    /// How long a request waits for a place before it is refused.
    pub wait: Duration,
}

impl ConcurrencyLimit {
    /// Requests at work at once, all tenants together, by default: four times
    /// the store's default pool of 8 connections.
    pub const DEFAULT_GLOBAL: usize = 32;
    /// How long a request waits for a place by default.
    pub const DEFAULT_WAIT: Duration = Duration::from_secs(1);

    /// No bound (benchmarks).
    pub const OFF: ConcurrencyLimit = ConcurrencyLimit {
        global: 0,
        per_tenant: 0,
        wait: Duration::ZERO,
    };

    /// The default share of one tenant: as many requests as the machine has
    /// CPUs (at least 2). A tenant alone can keep every CPU busy; a flood of
    /// it queues instead of crowding out the others (measured:
    /// `docs/reliability.md`, *Concurrency bound*).
    pub fn default_per_tenant() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
    }
}

impl Default for ConcurrencyLimit {
    /// [`Self::DEFAULT_GLOBAL`] at once, [`Self::default_per_tenant`] of one
    /// tenant, [`Self::DEFAULT_WAIT`].
    fn default() -> ConcurrencyLimit {
        ConcurrencyLimit {
            global: ConcurrencyLimit::DEFAULT_GLOBAL,
            per_tenant: ConcurrencyLimit::default_per_tenant(),
            wait: ConcurrencyLimit::DEFAULT_WAIT,
        }
    }
}

/// Why a request was not let in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// The tenant's bucket is empty.
    #[error(
        "Too many requests: this tenant may send {per_second} requests a second (bursts of {burst}); retry after {} s.",
        retry_secs(*retry_after)
    )]
    RateLimited {
        per_second: u32,
        burst: u32,
        retry_after: Duration,
    },
    /// The tenant has its share of places at work and none came free in time.
    #[error(
        "Too many requests at once: this tenant may have {per_tenant} requests at work at a time; retry after 1 s."
    )]
    TenantBusy { per_tenant: usize },
    /// No place came free in time.
    #[error("The server is busy with other requests; retry after 1 s.")]
    ServerBusy,
}

/// Whole seconds to wait, rounded up (`Retry-After` has no fractions).
fn retry_secs(wait: Duration) -> u32 {
    u32::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u32::MAX)
        .max(1)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        let (status, retry_after) = match &refusal {
            Refusal::RateLimited { retry_after, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, retry_secs(*retry_after))
            }
            Refusal::TenantBusy { .. } => (StatusCode::TOO_MANY_REQUESTS, 1),
            Refusal::ServerBusy => (StatusCode::SERVICE_UNAVAILABLE, 1),
        };
        ApiError::new(status, refusal.to_string()).with_retry_after(retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_secs(Duration::from_millis(1000)), 1);
        assert_eq!(retry_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_secs(Duration::ZERO), 1);
    }

    #[test]
    fn refusals_are_429_or_503_with_retry_after() {
        let limited = ApiError::from(Refusal::RateLimited {
            per_second: 100,
            burst: 200,
            retry_after: Duration::from_millis(2500),
        });
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.retry_after, Some(3));
        assert!(
            limited.detail.contains("100 requests a second"),
            "{limited}"
        );
        let busy = ApiError::from(Refusal::TenantBusy { per_tenant: 8 });
        assert_eq!(
            (busy.status, busy.retry_after),
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        let full = ApiError::from(Refusal::ServerBusy);
        assert_eq!(
            (full.status, full.retry_after),
            (StatusCode::SERVICE_UNAVAILABLE, Some(1))
        );
    }
}
