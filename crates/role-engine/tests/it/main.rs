//! Integration tests: properties, rule test files, JSON shapes and the
//! dependency boundary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod deps;
mod json;
mod props;
mod rule_files;
