//! The provisioning use cases, between the HTTP layer and storage.
//!
//! Every SCIM operation on users and groups, every admin action on tenants,
//! tokens, roles and rules, as plain functions on [`Provisioning`]: each runs in
//! one store transaction that applies the change (with `scim-proto`), recomputes
//! the roles it can affect (with `role-engine`), and appends the events that
//! record it, with the client leniencies the request needed.
//!
//! It deliberately knows nothing about HTTP (no status codes, headers or
//! routes: that is `scim-http`), nor about SQL (that is `scim-store`), nor about
//! process configuration (that is the server binary).

mod admin;
pub mod clock;
mod connection;
pub mod context;
pub mod error;
mod events;
mod groups;
pub mod holdings;
pub mod metrics;
pub mod progress;
pub mod query;
pub mod render;
mod roles;
mod service;
pub mod tenant;
pub mod time_format;
pub mod token;
mod users;
pub mod webhooks;

pub use admin::*;
pub use clock::{Clock, ManualClock, SystemClock};
pub use connection::{
    CONNECTION_HOURS, ConnectionFlusher, ConnectionStatus, ConnectionTotals, HourPoint, RequestInfo,
};
pub use context::{Actor, AdminCredential, RequestContext};
pub use error::{Error, ResourceKind, Result};
pub use holdings::{Holdings, HoldingsProvider, UnknownHoldings};
pub use progress::Progress;
pub use query::{ListRequest, ListResult};
pub use render::ScimResource;
/// The role engine's data the use cases take and return (rule sets, the
/// catalogue, validation problems, dry runs), so that a client of the use
/// cases names them without depending on the engine.
pub use role_engine::{
    Catalogue, Change, DISABLED, Decision, Effect, GroupRef, Guard, PreviewSummary, Problem,
    ProblemKind, Reason, RoleDef, Rule, RuleSet, Severity, Transition,
};
pub use roles::RoleChange;
/// Which client sent a SCIM request ([`RequestNote::client`]).
pub use scim_proto::ClientKind;
/// What an event records ([`EventInfo::kind`]), as the store keeps it.
pub use scim_store::EventKind;
/// One SCIM request, as [`Provisioning::record_request`] takes it.
pub use scim_store::RequestNote;
pub use scim_store::{Store, StoreError, StoreOptions, Unavailability};
pub use service::{AdminTokenHolder, Options, Provisioning};
pub use tenant::{TenantContext, TenantSettings, UserDeleteMode};
pub use webhooks::{
    DeliveryFailure, WebhookInfo, WebhookOptions, WebhookRequest, WebhookTarget, WebhookTransport,
    WebhookWithSecret, WebhookWorker,
};
