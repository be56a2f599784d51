//! The console on an in-process actix `App` (no sockets) over a fresh store,
//! on SQLite and PostgreSQL: signing in and out, sessions, CSRF, the security
//! headers, what each credential may see, and the Configure SCIM actions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod role_assignment;
mod scim_setup;
mod sign_in;
mod sub_accounts;
mod tenants;
