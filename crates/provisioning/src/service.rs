//! [`Provisioning`]: the entry point holding the store, the clock and the
//! per-tenant caches, and the authentication of SCIM requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use role_engine::Engine;

use scim_store::{ReadTx, Store, StoreError, Tenant, Token, TokenKind, WriteTx};

use crate::clock::{Clock, SystemClock};
use crate::connection::ConnectionLog;
use crate::context::{Actor, AdminCredential};
use crate::error::{Error, ResourceKind, Result};
use crate::holdings::{HoldingsProvider, UnknownHoldings};
use crate::tenant::{TenantContext, decision_inputs, parse_catalogue};
use crate::token;

/// Limits and defaults of the SCIM surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Page size when a query gives no `count`.
    pub default_page_size: u64,
    /// Largest page a query may ask for (`filter.maxResults`).
    pub max_page_size: u64,
    /// How long a rotated token keeps working next to its replacement.
    pub token_overlap: Duration,
    /// Most operations in one bulk request.
    pub bulk_max_operations: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            default_page_size: 100,
            max_page_size: 1000,
            token_overlap: Duration::hours(24),
            bulk_max_operations: 1000,
        }
    }
}

/// A compiled tenant context and the stored values it was built from.
#[derive(Debug)]
struct CachedContext {
    /// The tenant row's creation time, version and last change when the context
    /// was compiled: any change to the row (settings, catalogue, rules, slug,
    /// name) raises the version, so a greater tuple is a later state of the row.
    source: (DateTime<Utc>, i64, DateTime<Utc>),
    context: Arc<TenantContext>,
}

/// Compiled tenant contexts by tenant id.
type TenantCache = HashMap<String, Arc<CachedContext>>;

/// A tenant with the tokens that could authenticate for it when read.
type TenantTokens = (Tenant, Vec<Token>);

/// Who an admin token authenticated: the tenant it opens and the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTokenHolder {
    /// The tenant's id.
    pub tenant_id: String,
    /// The tenant's slug when the token was checked.
    pub tenant_slug: String,
    /// The credential, as events record it.
    pub credential: AdminCredential,
}

/// The provisioning service. Cheap to clone and share between threads.
#[derive(Clone)]
pub struct Provisioning {
    pub(crate) store: Arc<Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) holdings: Arc<dyn HoldingsProvider>,
    pub(crate) options: Options,
    tenants: Arc<Mutex<TenantCache>>,
    touched: Arc<Mutex<HashMap<String, DateTime<Utc>>>>,
    pub(crate) connection_log: Arc<ConnectionLog>,
}

impl std::fmt::Debug for Provisioning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioning")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A tenant id no tenant has (ids are UUIDs), for the token query of a slug
/// where no tenant is.
const NO_TENANT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// A well-formed hash no token has, compared against when the tenant is unknown
/// so that unknown tenants and wrong tokens take the same path.
const NO_TOKEN_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Provisioning {
    /// A service over `store` with the system clock, default options and holdings
    /// reported as unknown.
    pub fn new(store: Arc<Store>) -> Provisioning {
        Provisioning {
            store,
            clock: Arc::new(SystemClock),
            holdings: Arc::new(UnknownHoldings),
            options: Options::default(),
            tenants: Arc::default(),
            touched: Arc::default(),
            connection_log: Arc::default(),
        }
    }

    /// Uses another clock (tests).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Provisioning {
        self.clock = clock;
        self
    }

    /// Uses the host application's holdings for the disabled-users report.
    #[must_use]
    pub fn with_holdings(mut self, holdings: Arc<dyn HoldingsProvider>) -> Provisioning {
        self.holdings = holdings;
        self
    }

    /// Uses other limits.
    #[must_use]
    pub fn with_options(mut self, options: Options) -> Provisioning {
        self.options = options;
        self
    }

    /// The limits in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The store, for callers that need direct access (migrations, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut ReadTx<'_>) -> Result<T>) -> Result<T> {
        self.store.read(f)
    }

    /// Runs `f` in a write transaction. `f` may run more than once (the store
    /// re-runs a transaction that lost a deadlock on PostgreSQL): it must start from
    /// its captured inputs each time and report what it noted through its result.
    pub(crate) fn write<T>(&self, f: impl FnMut(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        self.write_as(f)
    }

    /// [`Provisioning::write`] for a closure with an error type of its own.
    /// Either way the counts the closure notes (`crate::metrics`) are counted
    /// once it has committed: dropped before each run, emitted after a commit.
    pub(crate) fn write_as<T, E: From<scim_store::StoreError>>(
        &self,
        mut f: impl FnMut(&mut WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let result = self.store.write(|tx| {
            crate::metrics::discard();
            f(tx)
        });
        match &result {
            Ok(_) => crate::metrics::emit(),
            Err(_) => crate::metrics::discard(),
        }
        result
    }

    /// The tenant context of a stored tenant, compiling its rules only when the
    /// tenant row changed since the cached context was compiled (its version).
    ///
    /// Only committed rows come here, so the cached context is never of a state
    /// later than the committed one. A caller holding an older row (read
    /// before another request cached a later state) gets the newer cached
    /// context: fresher, and not compiled again.
    ///
    /// The cache lock is held only to look up and to insert: comparing and
    /// compiling run outside it, so a rule edit being compiled does not hold up
    /// other tenants' requests.
    pub(crate) fn context_of(&self, tenant: &Tenant) -> Result<Arc<TenantContext>> {
        let cached = self
            .tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&tenant.id)
            .cloned();
        let source = (tenant.created, tenant.version, tenant.updated);
        if let Some(cached) = cached.filter(|c| c.source >= source) {
            return Ok(Arc::clone(&cached.context));
        }
        let context = compile_context(tenant)?;
        let mut cache = self.tenants.lock().unwrap_or_else(PoisonError::into_inner);
        // Another request may have cached a later state meanwhile: keep that one.
        if cache.get(&tenant.id).is_none_or(|c| c.source < source) {
            cache.insert(
                tenant.id.clone(),
                Arc::new(CachedContext {
                    source,
                    context: Arc::clone(&context),
                }),
            );
        }
        Ok(context)
    }

    /// The tenant's context as the write transaction must decide with it: read
    /// after taking the tenant's write gate, so the rules are the ones committed
    /// when it runs and no rule edit can commit before this transaction does.
    ///
    /// Only for a transaction that has not changed the tenant row: the context is
    /// cached by the row's version, and a change that then rolls back must not
    /// be. After its own change a transaction uses [`compile_context`].
    pub(crate) fn current_context(
        &self,
        tx: &mut WriteTx<'_>,
        tenant_id: &str,
    ) -> Result<Arc<TenantContext>> {
        let tenant = tx.tenant(tenant_id).for_write()?;
        self.context_of(&tenant)
    }

    /// The tenant with this slug and its usable SCIM tokens, read for every
    /// request: no list is reused, so a revocation made by any process stops
    /// the token at its next request. (A one-second cache of these lists saved
    /// nothing measurable: `docs/reliability.md`, *Authentication*.)
    fn tenant_tokens(&self, slug: &str, now: DateTime<Utc>) -> Result<Option<TenantTokens>> {
        self.read(|tx| {
            let Some(tenant) = tx.tenant_by_slug(slug)? else {
                // The same token query as for a tenant, so that the first
                // request to a slug takes as long whether a tenant is there.
                let _ = tx
                    .tenant(NO_TENANT_ID)
                    .tokens()
                    .usable(TokenKind::Scim, now)?;
                return Ok(None);
            };
            let tokens = tx
                .tenant(&tenant.id)
                .tokens()
                .usable(TokenKind::Scim, now)?;
            Ok(Some((tenant, tokens)))
        })
    }

    /// The tenant with this slug, for the admin API and the command line.
    pub fn tenant(&self, slug: &str) -> Result<Arc<TenantContext>> {
        let tenant = self
            .read(|tx| Ok(tx.tenant_by_slug(slug)?))?
            .ok_or_else(|| Error::NotFound {
                resource: ResourceKind::Tenant,
                id: slug.to_owned(),
            })?;
        self.context_of(&tenant)
    }

    /// Checks a bearer token against the tenant's usable tokens, in constant time
    /// per token. An unknown tenant and a wrong token fail identically: a 401
    /// for a token of no tenant, and for a usable token of some other tenant
    /// the 404 of a URL where its tenant is not (its tenant was renamed), so
    /// neither tells whether a tenant exists at this URL.
    pub fn authenticate(&self, slug: &str, bearer: &str) -> Result<(Arc<TenantContext>, Actor)> {
        let now = self.now();
        let refused = |another_tenants: bool| {
            if another_tenants {
                Error::NotFound {
                    resource: ResourceKind::Tenant,
                    id: slug.to_owned(),
                }
            } else {
                Error::Unauthorized
            }
        };
        let Some(found) = self.tenant_tokens(slug, now)? else {
            return Err(refused(self.is_scim_token(bearer, now)?));
        };
        let (tenant, tokens) = &found;
        let presented = token::hash(bearer);
        let mut matched = None;
        for candidate in tokens.iter().filter(|t| t.usable_at(now)) {
            // Every token is checked, so the time does not depend on which matched.
            if token::hashes_match(&presented, &candidate.hash) && matched.is_none() {
                matched = Some(candidate);
            }
        }
        let Some(matched) = matched else {
            // The same lookup as for an unknown tenant, so neither the answer
            // nor its timing tells tenants apart.
            return Err(refused(self.is_scim_token(bearer, now)?));
        };
        self.touch(&tenant.id, &matched.id, now);
        let ctx = self.context_of(tenant)?;
        Ok((
            ctx,
            Actor::IdentityProvider {
                token: matched.prefix.clone(),
            },
        ))
    }

    /// Whether `bearer` is a usable SCIM token of any tenant.
    fn is_scim_token(&self, bearer: &str, now: DateTime<Utc>) -> Result<bool> {
        let presented = token::hash(bearer);
        let candidates = self.read(|tx| {
            Ok(tx.usable_tokens_with_prefix(TokenKind::Scim, &token::identifier(bearer), now)?)
        })?;
        let mut known = false;
        for candidate in &candidates {
            known |= token::hashes_match(&presented, &candidate.hash);
        }
        Ok(known)
    }

    /// Checks a bearer token against the admin tokens with its identifier, in
    /// constant time per token; the holder is the tenant it opens and the
    /// credential events will name. A SCIM token is no admin token.
    pub fn authenticate_admin(&self, bearer: &str) -> Result<AdminTokenHolder> {
        let now = self.now();
        let presented = token::hash(bearer);
        let identifier = token::identifier(bearer);
        let found = self.read(|tx| {
            let candidates = tx.usable_tokens_with_prefix(TokenKind::Admin, &identifier, now)?;
            let mut matched = None;
            for candidate in candidates {
                if token::hashes_match(&presented, &candidate.hash) && matched.is_none() {
                    matched = Some(candidate);
                }
            }
            let Some(matched) = matched else {
                return Ok(None);
            };
            let tenant = tx.tenant(&matched.tenant_id).get()?;
            Ok(tenant.map(|tenant| (tenant, matched)))
        })?;
        let Some((tenant, matched)) = found else {
            // Same work as a wrong token, so timing does not reveal identifiers.
            let _ = token::hashes_match(&presented, NO_TOKEN_HASH);
            return Err(Error::Unauthorized);
        };
        self.touch(&tenant.id, &matched.id, now);
        Ok(AdminTokenHolder {
            tenant_id: tenant.id,
            tenant_slug: tenant.slug,
            credential: AdminCredential::AdminToken {
                name: matched.label,
                token: matched.prefix,
            },
        })
    }

    /// Records a token's last use at most once a minute, so authentication does
    /// not turn every read into a write.
    fn touch(&self, tenant_id: &str, token_id: &str, now: DateTime<Utc>) {
        {
            let mut touched = self.touched.lock().unwrap_or_else(PoisonError::into_inner);
            if touched
                .get(token_id)
                .is_some_and(|at| now - *at < Duration::minutes(1))
            {
                return;
            }
            touched.insert(token_id.to_owned(), now);
        }
        let result: Result<(), StoreError> = self
            .store
            .write(|tx| tx.tenant(tenant_id).tokens().touch(token_id, now));
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record a token's last use");
        }
    }
}

/// Compiles a tenant's context (settings, catalogue and rules) from its row,
/// without caching it.
pub(crate) fn compile_context(tenant: &Tenant) -> Result<Arc<TenantContext>> {
    let (settings, rules) = decision_inputs(tenant)?;
    Ok(Arc::new(TenantContext {
        id: tenant.id.clone(),
        slug: tenant.slug.clone(),
        display_name: tenant.display_name.clone(),
        settings,
        catalogue: parse_catalogue(&tenant.role_catalogue)?,
        engine: Arc::new(Engine::new(rules).map_err(|source| Error::StoredRules {
            tenant: tenant.slug.clone(),
            source,
        })?),
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scim_store::testing::{Backend, TestDatabase};
    use scim_store::{NewTenant, StoreOptions, TenantUpdate};
    use serde_json::{Value, json};

    use super::Provisioning;

    #[test]
    fn contexts_follow_the_tenant_version() {
        let db = TestDatabase::create(Backend::Sqlite);
        let store = Arc::new(db.open(StoreOptions::default()));
        let p = Provisioning::new(Arc::clone(&store));
        let now = p.now();
        let v1 = store
            .write(|tx| {
                tx.insert_tenant(&NewTenant {
                    id: "t1".into(),
                    slug: "acme".into(),
                    display_name: "Acme".into(),
                    settings: Value::Null,
                    role_catalogue: Value::Null,
                    rule_set: json!({"default_role": "Viewer"}),
                    now,
                })
            })
            .unwrap();
        let first = p.context_of(&v1).unwrap();
        assert!(Arc::ptr_eq(&first, &p.context_of(&v1).unwrap()), "cached");

        let v2 = store
            .write(|tx| {
                let update = TenantUpdate {
                    rule_set: Some(json!({"default_role": "Loanee"})),
                    ..TenantUpdate::default()
                };
                tx.tenant("t1").update(&update, now)
            })
            .unwrap();
        assert_eq!((v2.version, v2.updated), (2, v1.updated), "same time");
        let second = p.context_of(&v2).unwrap();
        assert_eq!(second.engine.rules().default_role, "Loanee");
        // A caller still holding the first row gets the later context.
        assert!(Arc::ptr_eq(&second, &p.context_of(&v1).unwrap()));
    }
}
