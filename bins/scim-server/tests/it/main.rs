//! Integration tests over real HTTP: the server's routes on a random port, on
//! SQLite and on PostgreSQL, driven with the request shapes Entra ID and Okta
//! send (`docs/idp-requests.md`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod harness;

mod access;
mod admin;
mod browser;
mod bulk;
mod cli;
mod concurrency;
mod connection;
mod console;
mod console_people;
mod console_roles;
mod corpus;
mod crash;
mod discovery;
mod entra;
mod errors;
mod guard;
mod health;
mod locks;
mod okta;
mod overload;
mod roles;
mod rules;
mod search;
mod strict;
