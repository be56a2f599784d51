//! What the routes share: the provisioning service and the HTTP settings, and
//! the one call that opens a store and builds them.

use std::sync::{Arc, OnceLock};

use provisioning::{HoldingsProvider, Provisioning, Store, StoreError, StoreOptions};
use scim_proto::schema::ServiceProviderConfig;

use crate::extract::{BodyLimit, BodyTimeout};
use crate::forwarded::TrustedProxy;
use crate::overload::{Admission, ConcurrencyLimit, RateLimit};

/// Settings of the HTTP surface.
#[derive(Clone)]
pub struct HttpConfig {
    /// Largest request body accepted.
    pub body_limit: BodyLimit,
    /// Longest a request body may take to arrive (a slower one gets 408).
    pub body_timeout: BodyTimeout,
    /// Requests a second each tenant may send to the SCIM routes.
    pub rate_limit: RateLimit,
    /// SCIM requests at work at once, globally and per tenant.
    pub concurrency: ConcurrencyLimit,
    /// The operator token that opens all of `/admin/v1` (hashed when the
    /// routes are mounted, compared in constant time); with `None` only
    /// tenants' admin tokens open it, each for its own tenant.
    pub admin_token: Option<String>,
    /// Link shown in `/ServiceProviderConfig`.
    pub documentation_uri: Option<String>,
    /// Where the SCIM routes are mounted; the Tenant URL is `{prefix}/{tenant}`.
    pub scim_prefix: String,
    /// Where the admin API is mounted.
    pub admin_prefix: String,
    /// The public origin (`https://scim.example.com`) used in `meta.location` and
    /// `$ref`; when `None` it is taken from the request: the connection and
    /// `Host`, or `Forwarded` / `X-Forwarded-*` from a trusted proxy.
    pub public_url: Option<String>,
    /// The networks whose peers' `Forwarded` / `X-Forwarded-*` headers are
    /// believed (empty: nobody's).
    pub trusted_proxies: Vec<TrustedProxy>,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            body_limit: BodyLimit::DEFAULT,
            body_timeout: BodyTimeout::DEFAULT,
            rate_limit: RateLimit::DEFAULT,
            concurrency: ConcurrencyLimit::default(),
            admin_token: None,
            documentation_uri: None,
            scim_prefix: "/scim/v2".to_owned(),
            admin_prefix: "/admin/v1".to_owned(),
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The operator token never reaches a log.
impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .field("rate_limit", &self.rate_limit)
            .field("concurrency", &self.concurrency)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("documentation_uri", &self.documentation_uri)
            .field("scim_prefix", &self.scim_prefix)
            .field("admin_prefix", &self.admin_prefix)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// Why [`ScimState::open`] failed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The database could not be opened (bad URL, unreachable server).
    #[error("opening the store")]
    Open(#[source] StoreError),
    /// The schema could not be brought up to date.
    #[error("applying the store's migrations")]
    Migrate(#[source] StoreError),
}

/// Shared state of the SCIM and admin routes. Clones share the state of the
/// overload limits (buckets, places), so clone one state into every worker.
#[derive(Debug, Clone)]
pub struct ScimState {
    /// The use cases.
    pub provisioning: Provisioning,
    /// HTTP settings.
    pub config: HttpConfig,
    /// The limits' state, built from `config` on the first SCIM request.
    admission: Arc<OnceLock<Admission>>,
}

impl ScimState {
    /// State over `provisioning` with default HTTP settings.
    pub fn new(provisioning: Provisioning) -> ScimState {
        ScimState {
            provisioning,
            config: HttpConfig::default(),
            admission: Arc::default(),
        }
    }

    /// The same service with other HTTP settings (and fresh limit state).
    #[must_use]
    pub fn with_config(self, config: HttpConfig) -> ScimState {
        ScimState {
            config,
            admission: Arc::default(),
            ..self
        }
    }

    /// The overload limits of the SCIM routes and their state.
    pub(crate) fn admission(&self) -> &Admission {
        self.admission
            .get_or_init(|| Admission::new(self.config.rate_limit, self.config.concurrency))
    }

    /// Opens the store at `database_url` (`sqlite://path` or `postgres://...`)
    /// with default pool settings, applies its migrations (idempotent), and
    /// serves it with `config`. For other store or provisioning options, build
    /// the [`Provisioning`] yourself and use [`ScimState::new`].
    pub fn open(database_url: &str, config: HttpConfig) -> Result<ScimState, OpenError> {
        let store = Store::open(database_url, StoreOptions::default()).map_err(OpenError::Open)?;
        store.migrate().map_err(OpenError::Migrate)?;
        Ok(ScimState::new(Provisioning::new(Arc::new(store))).with_config(config))
    }

    /// Lets the disabled-users report show what the host application says
    /// each user still holds.
    #[must_use]
    pub fn with_holdings(mut self, holdings: Arc<dyn HoldingsProvider>) -> ScimState {
        self.provisioning = self.provisioning.with_holdings(holdings);
        self
    }

    /// The `/ServiceProviderConfig` this deployment can honour.
    pub fn service_provider_config(&self) -> ServiceProviderConfig {
        let options = self.provisioning.options();
        ServiceProviderConfig {
            documentation_uri: self.config.documentation_uri.clone(),
            bulk_supported: true,
            bulk_max_operations: u32::try_from(options.bulk_max_operations).unwrap_or(u32::MAX),
            bulk_max_payload_size: self.config.body_limit.0 as u64,
            filter_max_results: u32::try_from(options.max_page_size).unwrap_or(u32::MAX),
            etag_supported: true,
            cursor_paging: true,
            default_page_size: u32::try_from(options.default_page_size).unwrap_or(u32::MAX),
        }
    }
}
