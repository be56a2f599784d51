//! The connection status of a tenant's identity provider (the console's
//! Configure SCIM page, `GET /admin/v1/tenants/{tenant}/connection`).
//!
//! Recording must not slow SCIM requests down, so `log` counts them in memory
//! (a map lookup under a mutex per request) and `flusher` writes the counts to
//! the store every few seconds in one transaction, as increments that add to
//! what other server processes wrote; `status` reads them back as a week of
//! hours.

mod flusher;
mod log;
mod status;

pub use flusher::ConnectionFlusher;
pub(crate) use log::ConnectionLog;
pub use status::{CONNECTION_HOURS, ConnectionStatus, ConnectionTotals, HourPoint, RequestInfo};

#[cfg(test)]
mod tests;
