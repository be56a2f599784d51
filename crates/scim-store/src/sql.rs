//! A small owned SQL builder: text plus typed bind values, run through diesel.
//!
//! Dynamic queries (filters, sorting, keyset paging, IN lists) are assembled as
//! text with placeholders pushed by diesel itself, so the same builder serves
//! SQLite (`?`) and PostgreSQL (`$n`) and values never enter the SQL text.

use chrono::NaiveDateTime;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Bool, Double, Text, Timestamp, Untyped};
use diesel::{QueryResult, RunQueryDsl};

use crate::db::MultiBackend;

/// A bind value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Time(NaiveDateTime),
    NullText,
    NullTime,
    NullBool,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Sql(String),
    Bind(Bind),
}

/// SQL text with binds, executable on a [`crate::db::DbConnection`].
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Sql {
    parts: Vec<Part>,
    /// Statements whose text varies with the data (IN lists) are not worth caching.
    uncacheable: bool,
}

impl Sql {
    pub(crate) fn new() -> Sql {
        Sql::default()
    }

    /// Starts with literal SQL text.
    pub(crate) fn from(text: &str) -> Sql {
        let mut sql = Sql::new();
        sql.push(text);
        sql
    }

    /// `SELECT {columns}{rest}`, built without formatting: list queries start so.
    pub(crate) fn select(columns: &str, rest: &str) -> Sql {
        let mut text = String::with_capacity(7 + columns.len() + rest.len());
        text.push_str("SELECT ");
        text.push_str(columns);
        text.push_str(rest);
        Sql {
            parts: vec![Part::Sql(text)],
            uncacheable: false,
        }
    }

    /// Appends literal SQL text (never data).
    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        if let Some(Part::Sql(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Sql(text.to_owned()));
        }
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: Bind) -> &mut Sql {
        self.parts.push(Part::Bind(value));
        self
    }

    pub(crate) fn text(&mut self, value: impl Into<String>) -> &mut Sql {
        self.bind(Bind::Text(value.into()))
    }

    pub(crate) fn opt_text(&mut self, value: Option<&str>) -> &mut Sql {
        match value {
            Some(v) => self.text(v),
            None => self.bind(Bind::NullText),
        }
    }

    pub(crate) fn int(&mut self, value: i64) -> &mut Sql {
        self.bind(Bind::Int(value))
    }

    pub(crate) fn float(&mut self, value: f64) -> &mut Sql {
        self.bind(Bind::Float(value))
    }

    pub(crate) fn boolean(&mut self, value: bool) -> &mut Sql {
        self.bind(Bind::Bool(value))
    }

    pub(crate) fn opt_bool(&mut self, value: Option<bool>) -> &mut Sql {
        match value {
            Some(v) => self.boolean(v),
            None => self.bind(Bind::NullBool),
        }
    }

    pub(crate) fn time(&mut self, value: NaiveDateTime) -> &mut Sql {
        self.bind(Bind::Time(value))
    }

    pub(crate) fn opt_time(&mut self, value: Option<NaiveDateTime>) -> &mut Sql {
        match value {
            Some(v) => self.time(v),
            None => self.bind(Bind::NullTime),
        }
    }

    /// Appends `(?, ?, ...)` for the values; an empty list becomes `(NULL)`, which
    /// matches nothing. Only short lists leave the statement cacheable: each length
    /// is another statement text.
    pub(crate) fn text_list<S: AsRef<str>>(&mut self, values: &[S]) -> &mut Sql {
        self.uncacheable |= values.len() > 4;
        if values.is_empty() {
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v.as_ref());
        }
        self.push(")")
    }

    /// Appends `LIMIT n [OFFSET m]` as literals. A bound LIMIT makes SQLite
    /// re-prepare the statement at every execution (the planner uses its value), so
    /// the numbers go into the text; to keep the per-connection statement cache
    /// small, only first pages with common sizes stay cacheable.
    pub(crate) fn limit(&mut self, limit: u64, offset: u64) -> &mut Sql {
        const COMMON: [u64; 16] = [
            1, 2, 10, 11, 20, 21, 50, 51, 100, 101, 200, 201, 500, 501, 1000, 1001,
        ];
        let limit = limit.min(i64::MAX as u64);
        self.push(&format!(" LIMIT {limit}"));
        if offset > 0 {
            let offset = offset.min(i64::MAX as u64);
            self.push(&format!(" OFFSET {offset}"));
        }
        if offset > 0 || !COMMON.contains(&limit) {
            self.uncacheable = true;
        }
        self
    }

    /// Appends another fragment.
    pub(crate) fn append(&mut self, other: Sql) -> &mut Sql {
        self.uncacheable |= other.uncacheable;
        for part in other.parts {
            match part {
                Part::Sql(text) => {
                    self.push(&text);
                }
                Part::Bind(b) => {
                    self.bind(b);
                }
            }
        }
        self
    }

    /// Marks the statement as not worth caching.
    pub(crate) fn no_cache(&mut self) -> &mut Sql {
        self.uncacheable = true;
        self
    }
}

impl QueryFragment<MultiBackend> for Sql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if self.uncacheable {
            out.unsafe_to_cache_prepared();
        }
        for part in &self.parts {
            match part {
                Part::Sql(text) => out.push_sql(text),
                Part::Bind(Bind::Text(v)) => out.push_bind_param::<Text, str>(v.as_str())?,
                Part::Bind(Bind::Int(v)) => out.push_bind_param::<BigInt, i64>(v)?,
                Part::Bind(Bind::Float(v)) => out.push_bind_param::<Double, f64>(v)?,
                Part::Bind(Bind::Bool(v)) => out.push_bind_param::<Bool, bool>(v)?,
                Part::Bind(Bind::Time(v)) => {
                    out.push_bind_param::<Timestamp, NaiveDateTime>(v)?;
                }
                Part::Bind(Bind::NullText) => {
                    out.push_bind_param::<diesel::sql_types::Nullable<Text>, Option<String>>(
                        &None,
                    )?;
                }
                Part::Bind(Bind::NullBool) => {
                    out.push_bind_param::<diesel::sql_types::Nullable<Bool>, Option<bool>>(&None)?;
                }
                Part::Bind(Bind::NullTime) => {
                    out.push_bind_param::<
                        diesel::sql_types::Nullable<Timestamp>,
                        Option<NaiveDateTime>,
                    >(&None)?;
                }
            }
        }
        Ok(())
    }
}

impl QueryId for Sql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Sql {
    type SqlType = Untyped;
}

impl<Conn> RunQueryDsl<Conn> for Sql {}
