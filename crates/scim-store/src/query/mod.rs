//! SCIM queries in SQL: filter translation, sorting, and index and cursor paging.
//!
//! # Filters
//!
//! [`Translator`] turns the compiled filter tree of `scim_proto` (whose semantics
//! are documented in `scim_proto::filter::eval`) into one SQL boolean expression
//! that never evaluates to NULL, so `NOT` is plain negation as in the evaluator.
//! Attributes are read from where the store keeps them:
//!
//! - columns: `id`, `externalId`, `userName` and `displayName` (folded in Rust),
//!   `active`, and `meta` (`created`, `lastModified`, `version`, `resourceType`, and
//!   `location` when a base URL is given);
//! - membership rows: a user's `groups`, a group's `members`;
//! - the filter document (see `crate::doc`) for everything else, including value
//!   paths, sub-attributes and extension attributes. `emails.value` tests are also
//!   narrowed through the indexed `user_emails` table.
//!
//! Nothing in a filter over the built-in schemas needs Rust evaluation. What does
//! is data the SQL encoding cannot represent exactly: resources stored with
//! `filter_exact = false` (see `crate::doc`). For those, and only those, the
//! filter runs in Rust (`CompiledFilter::matches` on the rendered resource); the
//! candidate set is exactly the tenant's inexact rows (listed in the small
//! `inexact_resources` table; canonical resources never are inexact), and the ids
//! that match are added to
//! the SQL result with `OR id IN (...)`, so totals, order and paging stay exact.
//!
//! # Sorting and paging
//!
//! Results are ordered by the sort key, then id; a missing value sorts last in
//! ascending and first in descending order (RFC 7644 section 3.4.2.3), and the
//! descending order is exactly the reverse of the ascending one. Index paging uses
//! `LIMIT`/`OFFSET`; cursor paging (RFC 9865) is keyset paging on (key, id), with
//! the position encoded in an opaque cursor.

pub(crate) mod filter;
pub(crate) mod opaque;
pub(crate) mod page;
pub(crate) mod sort;
