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
mod process;
mod proxy;

mod access;
mod admin;
mod backup;
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
mod isolation;
mod locks;
mod metrics;
mod okta;
mod outage;
mod overload;
mod replay;
mod roles;
mod rules;
mod scaleout;
mod search;
mod simulate;
mod strict;
mod token_storage;
mod upgrade;
mod webhooks;
