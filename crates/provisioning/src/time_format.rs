//! How the admin API writes times: RFC 3339 in UTC with microseconds, like
//! `meta.created`. The admin types hold `chrono` times; this is the one place
//! that turns them into text, for their JSON (`serde(serialize_with)`) and for
//! other renderings (CSV, the command line).

use chrono::{DateTime, Utc};
use serde::Serializer;

/// `t` as the admin API writes it.
pub fn format(t: DateTime<Utc>) -> String {
    crate::render::timestamp(t)
}

/// Serialises a time as [`format`] writes it.
pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(*t))
}

/// Serialises an optional time as [`format`] writes it, `None` as `null`.
pub(crate) fn serialize_option<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}
