//! The integration tests of `scim-proto`: properties and fuzzing of the public API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod filter_bounds;
mod filter_fuzz;
mod filter_roundtrip;
mod fixtures;
mod fuzz_corpus;
