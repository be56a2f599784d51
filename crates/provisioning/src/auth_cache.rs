//! The token lists SCIM authentication reuses for up to [`AUTH_TTL`], so that
//! a request costs no read of the tenant and its tokens.
//!
//! A change this process makes to tokens or tenants ([`AuthCache::forget`])
//! takes effect at the next request: the lists are dropped, and a list read
//! before the change but stored after it is not kept (the cache's generation
//! moved on meanwhile). A change made through another process (another server
//! on the same PostgreSQL database, the command line) is seen within
//! [`AUTH_TTL`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use scim_store::{Tenant, Token};

/// How long a tenant's token list is reused.
pub(crate) const AUTH_TTL: Duration = Duration::from_secs(1);
/// Most tenants whose token lists are kept (unknown slugs are cached too).
const AUTH_CACHE_MAX: usize = 10_000;

/// A tenant with the tokens that could authenticate for it when read.
pub(crate) type TenantTokens = (Tenant, Vec<Token>);

/// A list as read, and when (`None`: no tenant has the slug).
#[derive(Debug)]
struct Cached {
    fetched: Instant,
    found: Option<Arc<TenantTokens>>,
}

#[derive(Debug, Default)]
struct Lists {
    /// Raised by every [`AuthCache::forget`].
    generation: u64,
    by_slug: HashMap<String, Cached>,
}

/// The cache, shared by the clones of one `Provisioning`.
#[derive(Debug, Default)]
pub(crate) struct AuthCache {
    lists: Mutex<Lists>,
}

/// Where a read for the cache started: what it reads may be stored only if
/// nothing was forgotten since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadStart(u64);

impl AuthCache {
    fn lists(&self) -> std::sync::MutexGuard<'_, Lists> {
        self.lists.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The list of `slug` if read less than [`AUTH_TTL`] before `now`.
    pub(crate) fn get(&self, slug: &str, now: Instant) -> Option<Option<Arc<TenantTokens>>> {
        self.lists()
            .by_slug
            .get(slug)
            .filter(|c| now.saturating_duration_since(c.fetched) < AUTH_TTL)
            .map(|c| c.found.clone())
    }

    /// Call before reading a list from the store.
    pub(crate) fn start_read(&self) -> ReadStart {
        ReadStart(self.lists().generation)
    }

    /// Keeps the list of `slug` read since `start`, unless the cache was
    /// forgotten meanwhile (the list may predate the change that caused it).
    pub(crate) fn store(
        &self,
        slug: &str,
        found: Option<Arc<TenantTokens>>,
        start: ReadStart,
        fetched: Instant,
    ) {
        let mut lists = self.lists();
        if lists.generation != start.0 {
            return;
        }
        if lists.by_slug.len() >= AUTH_CACHE_MAX {
            lists.by_slug.clear();
        }
        lists
            .by_slug
            .insert(slug.to_owned(), Cached { fetched, found });
    }

    /// Forgets every list (after this process changed tokens or tenants).
    pub(crate) fn forget(&self) {
        let mut lists = self.lists();
        lists.generation += 1;
        lists.by_slug.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_reused_for_the_ttl_only() {
        let cache = AuthCache::default();
        let now = Instant::now();
        cache.store("acme", None, cache.start_read(), now);
        assert_eq!(cache.get("acme", now).map(|f| f.is_none()), Some(true));
        assert!(cache.get("acme", now + AUTH_TTL).is_none());
        assert!(cache.get("globex", now).is_none());
    }

    #[test]
    fn forgetting_drops_the_lists() {
        let cache = AuthCache::default();
        let now = Instant::now();
        cache.store("acme", None, cache.start_read(), now);
        cache.forget();
        assert!(cache.get("acme", now).is_none());
    }

    /// The race a revocation must not lose: a request reads the token list,
    /// the revocation commits and forgets the cache, then the request stores
    /// what it read. Kept, that list would let the revoked token in for a
    /// second more.
    #[test]
    fn a_list_read_before_a_forget_is_not_kept() {
        let cache = AuthCache::default();
        let now = Instant::now();
        let start = cache.start_read();
        cache.forget();
        cache.store("acme", None, start, now);
        assert!(cache.get("acme", now).is_none());
        let start = cache.start_read();
        cache.store("acme", None, start, now);
        assert!(cache.get("acme", now).is_some(), "a read after it is kept");
    }
}
