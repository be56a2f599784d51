//! scim-http on an in-process actix `App` (no sockets): the SCIM and admin
//! routes over a fresh store, on SQLite and PostgreSQL. Response shapes are
//! `insta` snapshots (`snapshots/`), with ids, times, versions and secrets
//! redacted, so a change to a shape is a reviewed diff; both backends must
//! give the same snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod access;
mod admin;
mod admin_lists;
mod bulk;
mod checks;
mod connection;
mod discovery;
mod groups;
mod openapi;
mod scale;
mod users;
mod webhooks;
