//! The console on an in-process actix `App` (no sockets) over a fresh store,
//! on SQLite and PostgreSQL: signing in and out, sessions, CSRF, the security
//! headers, what each credential may see, the Configure SCIM actions, the user
//! page (lock switch, history), Activity and the disabled-users report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod activity;
mod disabled_report;
mod role_assignment;
mod scim_setup;
mod sign_in;
mod sub_accounts;
mod tenants;
mod user_page;
