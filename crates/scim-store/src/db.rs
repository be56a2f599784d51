//! The connection type: one enum over both backends (and its `MultiBackend`).

/// One connection type for both backends, so that queries are written once.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}
