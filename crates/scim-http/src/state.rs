//! What the routes share: the provisioning service and the HTTP settings.

use provisioning::Provisioning;
use scim_proto::schema::ServiceProviderConfig;

use crate::extract::BodyLimit;

/// Settings of the HTTP surface.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted.
    pub body_limit: BodyLimit,
    /// SHA-256 (hex) of the operator token that protects `/admin/v1`; `None`
    /// disables the admin API (every admin request gets 401).
    pub admin_token_hash: Option<String>,
    /// Link shown in `/ServiceProviderConfig`.
    pub documentation_uri: Option<String>,
    /// Where the SCIM routes are mounted; the Tenant URL is `{prefix}/{tenant}`.
    pub scim_prefix: String,
    /// Where the admin API is mounted.
    pub admin_prefix: String,
    /// The public origin (`https://scim.example.com`) used in `meta.location` and
    /// `$ref`; when `None` it is taken from the request (Host and, behind a proxy,
    /// `Forwarded` / `X-Forwarded-*`).
    pub public_url: Option<String>,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            body_limit: BodyLimit::DEFAULT,
            admin_token_hash: None,
            documentation_uri: None,
            scim_prefix: "/scim/v2".to_owned(),
            admin_prefix: "/admin/v1".to_owned(),
            public_url: None,
        }
    }
}

/// Shared state of the SCIM and admin routes.
#[derive(Debug, Clone)]
pub struct ScimState {
    /// The use cases.
    pub provisioning: Provisioning,
    /// HTTP settings.
    pub config: HttpConfig,
}

impl ScimState {
    /// State over `provisioning` with default HTTP settings.
    pub fn new(provisioning: Provisioning) -> ScimState {
        ScimState {
            provisioning,
            config: HttpConfig::default(),
        }
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
