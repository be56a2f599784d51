//! SCIM 2.0 as data: the protocol crate of the workspace.
//!
//! This crate knows RFC 7643 (schemas and resources) and RFC 7644 (the protocol)
//! and does no I/O: no HTTP, no database, no clock (time comes in as a parameter).
//! It gives
//!
//! - [`schema`]: the User, Enterprise User and Group schemas as data, attribute
//!   resolution, and the `/Schemas`, `/ResourceTypes`, `/ServiceProviderConfig`
//!   documents;
//! - [`attr`]: finding attribute values in a resource (names in any case,
//!   extension URNs, multi-valued attributes, presence, case folding);
//! - [`filter`]: the filter language (parser, printer, schema-aware evaluation);
//! - [`path`]: PATCH paths;
//! - [`normalize`]: reading client resources into canonical JSON (case-insensitive
//!   names, type checks, the [`compat`] leniencies real clients need);
//! - [`patch`]: applying a PATCH request atomically;
//! - [`project`]: `attributes` / `excludedAttributes` projection;
//! - [`render`]: resources as SCIM shows them (`meta`, `$ref`s, entity tags);
//! - [`messages`]: ListResponse, PatchOp, SearchRequest, Error and Bulk messages;
//! - [`resource`]: typed User, Enterprise User and Group structs;
//! - [`client`]: which provisioning client (Entra ID, Okta) sent a request;
//! - [`fuzzing`]: the properties every input must keep, for the fuzzers.
//!
//! Resources travel as [`serde_json::Value`] in *canonical form*: attribute names
//! spelled as the schema spells them, extension attributes inside an object keyed
//! by the extension URN, no `null`s. [`normalize`] produces that form from
//! whatever a client sent; everything else assumes it.
//!
//! It deliberately does not store, authenticate or route anything: those are the
//! `scim-store` and `scim-http` crates' jobs.

pub mod attr;
pub mod client;
pub mod compat;
pub mod error;
pub mod filter;
pub mod fuzzing;
pub mod messages;
pub mod normalize;
pub mod patch;
pub mod path;
pub mod project;
pub mod render;
pub mod resource;
pub mod schema;

pub use client::ClientKind;
pub use compat::{CompatReport, CompatRule};
pub use error::{Error, Result, ScimType};
