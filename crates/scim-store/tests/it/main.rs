//! Integration tests of scim-store: one contract suite run on SQLite and on
//! PostgreSQL (see `harness`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_queries;
mod backup;
mod concurrency;
mod connection;
mod durability;
mod filters;
mod fixtures;
mod groups;
mod harness;
mod paging;
mod property;
mod tenants;
mod tls;
mod unavailable;
mod usage;
mod users;
mod webhooks;
