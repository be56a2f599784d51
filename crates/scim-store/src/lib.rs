//! Storage for the SCIM server: placeholder docs, completed in stage 7.

mod conn;
mod dialect;
mod doc;
mod error;
mod model;
mod query;
pub mod render;
mod schema;
mod sql;
mod store;
mod time;
mod tx;

pub use error::{Result, StoreError};
pub use model::*;
pub use store::{ReadTx, Store, StoreOptions, WriteTx};
