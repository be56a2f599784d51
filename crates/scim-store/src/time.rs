//! Time conversions: the public API speaks `DateTime<Utc>`, the database UTC
//! `NaiveDateTime`, both truncated to microseconds (PostgreSQL's precision) so
//! that what is stored, read back, rendered and compared is the same instant.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

/// Truncates to whole microseconds.
pub(crate) fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}

/// The stored form.
pub(crate) fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    truncate(t).naive_utc()
}

/// The stored form of an optional time.
pub(crate) fn opt_to_db(t: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    t.map(to_db)
}

/// Back from the stored form.
pub(crate) fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Back from an optional stored form.
pub(crate) fn opt_from_db(t: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(from_db)
}
