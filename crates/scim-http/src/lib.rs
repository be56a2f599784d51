//! actix-web routes for SCIM 2.0 and the admin API, mountable with one call.
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use scim_http::{HttpConfig, ScimState, configure};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = HttpConfig {
//!     admin_token: std::env::var("ADMIN_TOKEN").ok(),
//!     ..HttpConfig::default()
//! };
//! let state = ScimState::open("sqlite://data/scim.db", config)?;
//! HttpServer::new(move || App::new().configure(configure(state.clone())))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! An embedding application needs this crate and actix-web only: what it may
//! name of the layers below (the service, the store, the holdings callback) is
//! re-exported here.
//!
//! [`configure`] mounts, under the configured prefixes (default `/scim/v2` and
//! `/admin/v1`):
//!
//! - per tenant (`/scim/v2/{tenant}`): `/Users`, `/Users/{id}`, `/Groups`,
//!   `/Groups/{id}`, `.search` (root and per type), `/Bulk`,
//!   `/ServiceProviderConfig`, `/Schemas[/{id}]`, `/ResourceTypes[/{id}]`;
//! - the admin API (tenants, tokens, admin tokens, roles, rules, locks,
//!   reports), opened by the operator token (every tenant) or a tenant's admin
//!   token (that tenant); [`configure_admin`] alone puts it on a listener of
//!   its own.
//! - `/healthz` and `/readyz`, the probes (no credentials), on the SCIM
//!   listener.
//!
//! It owns the HTTP concerns and nothing else: authentication headers, content
//! types, ETags and preconditions, query parameters, projection, status codes
//! and the error formats (see [`error`]), the trusted proxies' forwarded
//! headers, plus the access log. Use cases are
//! `provisioning`'s; the store's calls are synchronous and run on actix's
//! blocking pool, one hop per request.

mod admin;
mod bulk;
mod connection;
mod convert;
mod csv;
mod discovery;
mod download;
pub mod error;
pub mod etag;
pub mod extract;
pub mod forwarded;
mod health;
pub mod metrics;
pub mod middleware;
mod overload;
mod request;
mod routing;
mod scim;
mod state;

use actix_web::web;

pub use admin::jobs::{Finished as JobFinished, JobError, JobStatus, job_status, spawn_job};
pub use admin::reports::disabled_users_csv;
pub use admin::users::users_csv;
pub use admin::{AdminGate, AdminIdentity, Reach as AdminReach};
pub use convert::run_blocking;
pub use error::ApiError;
pub use overload::{ConcurrencyLimit, RateLimit};
pub use provisioning::{
    Actor, Holdings, HoldingsProvider, Provisioning, RequestContext, Store, StoreError,
    StoreOptions,
};
pub use routing::ServedRoute;
pub use state::{HttpConfig, OpenError, ScimState};

/// Mounts the SCIM and admin routes, the shared state, the body limit and the
/// access log: [`configure_scim`] and [`configure_admin`] on one listener.
pub fn configure(state: ScimState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        configure_scim(state.clone())(cfg);
        configure_admin(state)(cfg);
    }
}

/// Mounts the SCIM routes (`{scim_prefix}/{tenant}/...`) with the shared state,
/// the body limit, the access log and the recording of each request for the
/// tenant's connection status (flushed by
/// [`Provisioning::start_connection_flusher`], or when the status is read). Routes no endpoint serves answer a SCIM 404.
pub fn configure_scim(state: ScimState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let scim_path = format!("{}/{{tenant}}", state.config.scim_prefix);
        let (limit, timeout) = (state.config.body_limit, state.config.body_timeout);
        cfg.app_data(web::Data::new(state))
            .app_data(limit)
            .app_data(timeout)
            .configure(health::routes)
            .service(
                web::scope(&scim_path)
                    .wrap(actix_web::middleware::from_fn(
                        connection::record_connection,
                    ))
                    .wrap(actix_web::middleware::from_fn(middleware::access_log))
                    .wrap(actix_web::middleware::from_fn(metrics::record_scim))
                    .configure(scim::routes)
                    .default_service(web::to(scim::not_found)),
            );
    }
}

/// Mounts the admin API (`{admin_prefix}/...`) with the shared state, the body
/// limit and the access log: on the SCIM listener through [`configure`], or on
/// a listener of its own. The credential is checked before anything else;
/// every error is a problem document, unknown routes included.
pub fn configure_admin(state: ScimState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let admin_path = state.config.admin_prefix.clone();
        let (limit, timeout) = (state.config.body_limit, state.config.body_timeout);
        let admin_gate = AdminGate::new(&state);
        cfg.app_data(web::Data::new(state))
            .app_data(limit)
            .app_data(timeout)
            .service(
                web::scope(&admin_path)
                    .app_data(admin_gate)
                    .app_data(admin::query_config())
                    .wrap(actix_web::middleware::from_fn(admin::authenticate))
                    .wrap(actix_web::middleware::from_fn(admin::problem_documents))
                    .wrap(actix_web::middleware::from_fn(middleware::access_log))
                    .wrap(actix_web::middleware::from_fn(metrics::record_admin))
                    .configure(admin::routes)
                    .default_service(web::to(admin::not_found)),
            );
    }
}

/// Every method and path [`configure_scim`] serves for a tenant, relative to
/// `{scim_prefix}/{tenant}`, as its registration noted them (so a test can
/// cover every route and fail on a new one it does not know).
pub fn scim_routes() -> Vec<ServedRoute> {
    let mut routes = routing::Routes::noted();
    scim::register(&mut routes);
    routes.served()
}

/// Every method and path [`configure_admin`] serves, relative to the admin
/// prefix (`/tenants/{tenant}/...`), as its registration noted them; the
/// OpenAPI document describes exactly these.
pub fn admin_routes() -> Vec<ServedRoute> {
    admin::served_routes()
}

/// A SCIM 404 for everything outside the mounted scopes; use it as the
/// application's `default_service` when the server is SCIM only.
pub async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    scim::not_found(req).await
}
