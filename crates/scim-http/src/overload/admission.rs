//! The shared state of the limits: the global places, and per authenticated
//! tenant a token bucket and its share of places. One [`Admission`] serves
//! every worker of a server (it lives in the [`crate::ScimState`] they clone).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::bucket::TokenBucket;
use super::{ConcurrencyLimit, RateLimit, Refusal};

/// Tenants whose bucket and share are kept before idle ones are forgotten.
/// Only authenticated tenants get an entry, so this is reached only by a
/// deployment with that many tenants at work within a second or two.
const KEPT_TENANTS: usize = 10_000;

/// A place to work, held until the work is done (`None`: no bound).
#[derive(Debug)]
pub(crate) struct Place(
    #[allow(dead_code, reason = "held for its Drop")] Option<OwnedSemaphorePermit>,
);

/// What an authenticated request may do now.
#[derive(Debug)]
pub(crate) enum Admit {
    /// Work, holding this share of the tenant's places.
    Now(Place),
    /// Wait for a place of the tenant's share.
    Wait(Arc<Semaphore>),
}

/// One tenant's bucket and share.
#[derive(Debug)]
struct TenantGate {
    bucket: Mutex<TokenBucket>,
    share: Option<Arc<Semaphore>>,
}

/// The limits and their state.
#[derive(Debug)]
pub(crate) struct Admission {
    rate: RateLimit,
    concurrency: ConcurrencyLimit,
    global: Option<Arc<Semaphore>>,
    tenants: Mutex<HashMap<String, Arc<TenantGate>>>,
}

impl Admission {
    pub(crate) fn new(rate: RateLimit, concurrency: ConcurrencyLimit) -> Admission {
        Admission {
            rate,
            concurrency,
            global: (concurrency.global > 0).then(|| Arc::new(Semaphore::new(concurrency.global))),
            tenants: Mutex::default(),
        }
    }

    /// The latest moment a request arriving now may wait until.
    pub(crate) fn deadline(&self) -> Instant {
        Instant::now() + self.concurrency.wait
    }

    /// A global place, waiting for one until `deadline`.
    pub(crate) async fn enter(&self, deadline: Instant) -> Result<Place, Refusal> {
        match &self.global {
            None => Ok(Place(None)),
            Some(global) => acquire(global, deadline).await.ok_or(Refusal::ServerBusy),
        }
    }

    /// Charges the authenticated tenant's bucket and takes a place of its
    /// share if one is free. Called on the blocking thread, after authentication.
    pub(crate) fn admit(&self, tenant_id: &str, now: Instant) -> Result<Admit, Refusal> {
        let (rate, concurrency) = (self.rate, self.concurrency);
        if rate.per_second == 0 && concurrency.per_tenant == 0 {
            return Ok(Admit::Now(Place(None)));
        }
        let gate = self.gate(tenant_id, now);
        if rate.per_second > 0 {
            gate.bucket
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(rate.per_second, rate.burst, now)
                .map_err(|retry_after| Refusal::RateLimited {
                    per_second: rate.per_second,
                    burst: rate.burst,
                    retry_after,
                })?;
        }
        Ok(match &gate.share {
            None => Admit::Now(Place(None)),
            Some(share) => match Arc::clone(share).try_acquire_owned() {
                Ok(permit) => Admit::Now(Place(Some(permit))),
                Err(_) => Admit::Wait(Arc::clone(share)),
            },
        })
    }

    /// A place of a tenant's share, waiting for one until `deadline`.
    pub(crate) async fn wait_for_share(
        &self,
        share: &Arc<Semaphore>,
        deadline: Instant,
    ) -> Result<Place, Refusal> {
        acquire(share, deadline).await.ok_or(Refusal::TenantBusy {
            per_tenant: self.concurrency.per_tenant,
        })
    }

    /// The tenant's gate, created on its first admitted request. When the map
    /// is full, gates nobody holds whose bucket is full and whose share is
    /// free are forgotten: a new gate would be the same.
    fn gate(&self, tenant_id: &str, now: Instant) -> Arc<TenantGate> {
        let mut tenants = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(gate) = tenants.get(tenant_id) {
            return Arc::clone(gate);
        }
        if tenants.len() >= KEPT_TENANTS {
            let (rate, per_tenant) = (self.rate, self.concurrency.per_tenant);
            tenants.retain(|_, gate| {
                let idle = Arc::strong_count(gate) == 1
                    && gate
                        .share
                        .as_ref()
                        .is_none_or(|s| s.available_permits() == per_tenant)
                    && (rate.per_second == 0
                        || gate
                            .bucket
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .is_full(rate.per_second, rate.burst, now));
                !idle
            });
        }
        let gate = Arc::new(TenantGate {
            bucket: Mutex::new(TokenBucket::full(self.rate.burst, now)),
            share: (self.concurrency.per_tenant > 0)
                .then(|| Arc::new(Semaphore::new(self.concurrency.per_tenant))),
        });
        tenants.insert(tenant_id.to_owned(), Arc::clone(&gate));
        gate
    }

    /// How many tenants have a gate (tests).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A permit of `semaphore`, waiting until `deadline` at most (first come,
/// first served: tokio's semaphore is fair).
async fn acquire(semaphore: &Arc<Semaphore>, deadline: Instant) -> Option<Place> {
    let wait = tokio::time::timeout_at(
        tokio::time::Instant::from_std(deadline),
        Arc::clone(semaphore).acquire_owned(),
    );
    match wait.await {
        Ok(Ok(permit)) => Some(Place(Some(permit))),
        // Timed out, or closed (never: nobody closes these semaphores).
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(per_second: u32, burst: u32, per_tenant: usize) -> Admission {
        Admission::new(
            RateLimit { per_second, burst },
            ConcurrencyLimit {
                global: 4,
                per_tenant,
                wait: Duration::from_millis(50),
            },
        )
    }

    #[test]
    fn each_tenant_has_its_own_bucket() {
        let admission = limits(1, 2, 0);
        let now = Instant::now();
        assert!(admission.admit("a", now).is_ok());
        assert!(admission.admit("a", now).is_ok());
        let refused = admission.admit("a", now).unwrap_err();
        assert!(
            matches!(refused, Refusal::RateLimited { per_second: 1, .. }),
            "{refused:?}"
        );
        assert!(admission.admit("b", now).is_ok(), "b's bucket is full");
    }

    #[test]
    fn a_tenant_over_its_share_waits_while_others_work() {
        let admission = limits(0, 0, 1);
        let now = Instant::now();
        let Ok(Admit::Now(held)) = admission.admit("a", now) else {
            panic!("a's first request works");
        };
        assert!(matches!(admission.admit("a", now), Ok(Admit::Wait(_))));
        assert!(matches!(admission.admit("b", now), Ok(Admit::Now(_))));
        drop(held);
        assert!(matches!(admission.admit("a", now), Ok(Admit::Now(_))));
    }

    #[test]
    fn no_limits_keep_no_state() {
        let admission = Admission::new(RateLimit::OFF, ConcurrencyLimit::OFF);
        let now = Instant::now();
        for tenant in ["a", "b", "c"] {
            assert!(matches!(admission.admit(tenant, now), Ok(Admit::Now(_))));
        }
        assert_eq!(admission.kept(), 0);
    }

    #[test]
    fn idle_tenants_are_forgotten_when_the_map_is_full() {
        let admission = limits(10, 10, 2);
        let now = Instant::now();
        for n in 0..KEPT_TENANTS {
            let _ = admission.admit(&format!("t{n}"), now).unwrap();
        }
        assert_eq!(admission.kept(), KEPT_TENANTS);
        // All charged a token just now: none is idle yet, the map grows.
        let _ = admission.admit("busy", now).unwrap();
        assert_eq!(admission.kept(), KEPT_TENANTS + 1);
        // A second later every bucket is full again and nobody works.
        let later = now + Duration::from_secs(1);
        let _ = admission.admit("new", later).unwrap();
        assert_eq!(admission.kept(), 1, "only the new tenant's gate is kept");
    }

    #[actix_web::test]
    async fn a_full_server_refuses_after_the_wait() {
        let admission = limits(0, 0, 0);
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(admission.enter(admission.deadline()).await.unwrap());
        }
        let started = Instant::now();
        assert_eq!(
            admission.enter(admission.deadline()).await.unwrap_err(),
            Refusal::ServerBusy
        );
        assert!(started.elapsed() >= Duration::from_millis(50));
        held.pop();
        assert!(admission.enter(admission.deadline()).await.is_ok());
    }
}
