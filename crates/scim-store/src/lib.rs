//! Storage for the SCIM server: tenants, bearer tokens, users, groups,
//! memberships and the per-tenant event log, on SQLite (the embedded default) or
//! PostgreSQL (several stateless server processes sharing one database), with one
//! implementation for both.
//!
//! This is the only crate of the workspace that knows about databases: diesel,
//! r2d2 and SQL stay inside it, and no diesel type appears in its API. It does not
//! speak HTTP, parse or patch SCIM documents (that is `scim_proto`: the store keeps
//! and queries the canonical JSON it is given), compute roles (that is
//! `role-engine`: the store keeps the role, its reason and the lock as data),
//! authenticate (it keeps token *hashes* and never sees a secret; comparing in
//! constant time is the caller's job), generate ids or read the clock (ids and
//! `now` come in as arguments).
//!
//! # Using it
//!
//! [`Store::open`] takes `sqlite://path/to/file.db` or `postgres://...`;
//! [`Store::migrate`] applies the embedded migrations (idempotent, safe when
//! several processes start at once). Work happens in transactions given as
//! closures, so a use case (apply a PATCH, recompute the roles it affects, append
//! the events) is one atomic unit with errors of the caller's own type. A
//! transaction ([`ReadTx`], [`WriteTx`]) lists, finds and creates tenants; all
//! else belongs to one tenant and goes through its scope, `tx.tenant(id)`, whose
//! handles (`users()`, `groups()`, `tokens()`, `events()`, `connection()`) hold the queries, so
//! no query can leave out the tenant, and only a write transaction's scope can
//! write:
//!
//! ```
//! use scim_store::{NewTenant, NewUser, Store, StoreError, StoreOptions, Visibility};
//! use serde_json::json;
//!
//! # let dir = tempfile::tempdir()?;
//! # let url = format!("sqlite://{}", dir.path().join("doc.db").display());
//! let store = Store::open(&url, StoreOptions::default())?;
//! store.migrate()?;
//! let now = chrono::Utc::now();
//! store.write(|tx| {
//!     tx.insert_tenant(&NewTenant {
//!         id: "t1".into(), slug: "acme".into(), display_name: "Acme".into(),
//!         settings: json!({}), role_catalogue: json!([]), rule_set: json!([]), now,
//!     })?;
//!     tx.tenant("t1").users().insert(&NewUser {
//!         id: "2819c223-7f76-453a-919d-413861904646".into(),
//!         resource: json!({"userName": "Barbara@Example.com", "active": true}),
//!         role: None, role_reason: None, now,
//!     })
//! })?;
//! let user = store.read(|tx| {
//!     tx.tenant("t1").users().by_user_name("barbara@example.COM", Visibility::Live)
//! })?;
//! assert!(user.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`render`] turns stored rows into full SCIM resources (`id`, `meta`, `groups` /
//! `members`); that rendering is also what filters are defined on.
//!
//! # One implementation, two backends
//!
//! Queries are written once, against `#[derive(diesel::MultiConnection)]` over
//! `SqliteConnection` and `PgConnection`, in the SQL both understand (including
//! `ON CONFLICT DO NOTHING` and `RETURNING`). What differs (connection set-up,
//! transaction starts, row locks, text ordering, JSON operators) is an explicit
//! `match` in one module, `dialect`. Migrations live in `migrations/sqlite` and
//! `migrations/postgres` under identical names; tests check that both produce
//! exactly the columns of `schema.rs`.
//!
//! # Writers
//!
//! - **SQLite** has exactly one writer connection per [`Store`], behind a mutex,
//!   and every write transaction starts with `BEGIN IMMEDIATE`; readers come from
//!   an r2d2 pool and are opened `query_only`. So writers queue in the process
//!   instead of spinning in SQLite's busy handler (no `database is locked`, flat
//!   latency, bounded WAL); a second process on the same file waits for the lock
//!   up to the busy timeout. WAL with `synchronous=NORMAL`: a committed write
//!   survives the process being killed (not a power cut). WAL checkpoints run on a
//!   background connection every 10 ms (`PASSIVE`), so commits do not pay for
//!   them.
//! - **PostgreSQL**: every transaction takes a pooled connection; correctness
//!   across processes comes from the database only. Reads run as one `REPEATABLE
//!   READ` snapshot, so that a page and its total agree. Writes run in `READ
//!   COMMITTED`, and one tenant's write transactions run *concurrently*, so that
//!   PostgreSQL's group commit can share one WAL flush among them. What keeps them
//!   correct:
//!   - **The tenant write gate.** The first tenant-scoped write of a transaction
//!     takes the tenant's gate in shared mode; changes to the tenant itself
//!     (rules, settings, catalogue, deletion) take it exclusively. The gate is a
//!     transaction-level advisory lock keyed by the tenant id: a rule edit waits for
//!     the writes in flight, and writes that arrive meanwhile queue behind it (the
//!     lock manager is fair; share locks on the tenant *row* would let a stream of
//!     writers starve the edit). A write reads the rules it decides with through
//!     [`TenantScope::for_write`], after taking the gate, so no rule edit can
//!     commit between that read and its commit: no role is decided with rules
//!     that were replaced before it committed.
//!   - **Row locks** where rows change, `FOR NO KEY UPDATE` (it does not conflict
//!     with the key-share locks of foreign-key checks), in one order: groups, then
//!     users, each set by id. Adding members locks the users first, so a user
//!     being deleted cannot gain a membership. With version checks
//!     (`expected_version` → [`StoreError::PreconditionFailed`]) and unique indexes,
//!     no update is lost.
//!   - **Re-runs.** Interleavings outside that order (deleting a user while one of
//!     its groups changes, say) can still deadlock; PostgreSQL then gives one
//!     transaction up, and [`Store::write`] runs it again from the start (so its
//!     closure is `FnMut` and must be safe to re-run). Clients never see it.
//!
//! # The event log
//!
//! Each tenant has a gapless sequence: events are numbered 1, 2, 3, ... in commit
//! order, so a consumer that has read everything up to N and asks for "after N"
//! ([`Store::events`]) never misses an event that commits later. SQLite numbers an
//! event when it is inserted (its single writer commits in insertion order).
//! PostgreSQL inserts events unnumbered, and a per-tenant *sequencer* numbers the
//! committed ones afterwards, in a short transaction of its own serialised by a
//! per-tenant lock: it continues from the highest number committed and takes the
//! unnumbered events in insertion order. Readers see numbered events only;
//! [`Store::events`] runs the sequencer before it reads, and the store runs it in
//! the background shortly after each commit that appended events. The module
//! `tx::events` gives the argument in full. The price: each event row is written
//! twice on PostgreSQL (inserted, then numbered, in batches), and a reader of the
//! log pays for one short sequencer transaction when events are pending.
//!
//! # Filters
//!
//! SCIM filters arrive compiled by `scim_proto` and are translated into SQL for
//! every attribute of User and Group, with the evaluator's exact semantics
//! (two-valued logic, "any value matches" for multi-valued attributes, value
//! paths, `not`, case folding by `scim_proto::filter::fold_case`, code-point order,
//! dateTime as instants, untyped extension attributes). Columns hold the core
//! lookups (`id`, `userName`, `externalId`, `displayName`, `active`,
//! `meta.lastModified`, all indexed, and `emails.value` through an indexed side
//! table); membership rows answer `groups` and `members`; everything else is read
//! from a *filter document* stored with each resource, already folded in Rust (see
//! the `doc` module), so SQL never folds case.
//!
//! Nothing in a filter needs Rust evaluation. Some *data* does: a stored
//! resource whose JSON cannot be encoded exactly (keys differing only in ASCII
//! case, or a core attribute of the wrong JSON type; `scim_proto`'s canonical form
//! never produces either) is marked inexact, and filters are evaluated for those
//! rows, and only those, in Rust over their rendered form; their matches join the
//! SQL result, so totals, order and paging stay exact. The candidate set is the
//! tenant's inexact rows, listed in a small table. A filter on a `dateTime`
//! attribute outside the built-in schemas (which have none but `meta`'s) is
//! refused with [`StoreError::UnsupportedFilter`].
//!
//! # Input rules
//!
//! Ids are chosen by the caller, unique per tenant, and must be lowercase (UUIDs
//! are). Time-ordered ids (UUIDv7, as the provisioning layer makes) are cheaper
//! to insert than random ones: new rows go to the end of every index that ends
//! in an id (docs/benchmarks.md). Text may not contain NUL (PostgreSQL cannot
//! store it). Times are kept to the microsecond.
//! `userName` (users) and `displayName` (groups) are unique per tenant after
//! folding, the same comparison as `eq` in filters, so a 409 is always findable
//! with the filter a client tries next; soft-deleted users do not hold their name.

mod backup;
mod check;
mod checkpoint;
mod conn;
mod connection;
mod db;
mod dialect;
mod doc;
mod error;
mod kind;
mod model;
mod query;
pub mod render;
mod rows;
mod schema;
mod sequencer;
mod sql;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod ticker;
mod time;
mod tx;
mod usage;
mod webhook;

pub use connection::{ConnectionBatch, HourCount, LatestRequests, RequestNote};
pub use error::{ResourceKind, Result, StoreError, Unavailability};
pub use model::{
    AdminUserQuery, BodyRead, Event, EventKind, EventPage, EventSearch, Group, GroupRef,
    GroupUpdate, KeysetPage, ListQuery, MemberPage, MemberRef, MembershipChange, NewEvent,
    NewGroup, NewTenant, NewToken, NewUser, Page, Paging, RoleLock, RoleUpdate, SortBy, Tenant,
    TenantUpdate, Token, TokenKind, User, UserOrder, UserSearch, UserStatus, UserUpdate,
    UserWithGroups, Visibility,
};
pub use store::{Store, StoreOptions};
pub use tx::{
    Connection, Events, Groups, Read, ReadTx, Scoped, TenantScope, Tokens, Users, Webhooks, Write,
    WriteTx,
};
pub use usage::PoolUse;
pub use webhook::{DeliveryOutcome, DueWebhook, NewWebhook, Webhook, WebhookState};
