//! Raw SQL that PostgreSQL may keep prepared per connection.
//!
//! diesel caches the prepared statements of its query builder, never those
//! of `sql_query` (whose text may differ each time), so every raw query is
//! planned again. A text from a small fixed set is safe to cache:
//! [`Prepared`] is one, with `$?` for each bind, in order. Pages that read
//! often use it.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::pg::data_types::PgInterval;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::Error;
use diesel::sql_types::{
    Array, BigInt, Binary, Bool, Date, Integer, Interval, Jsonb, Nullable, Text, Timestamptz, Untyped,
};

/// One bound value.
#[derive(Clone, Copy, Debug)]
pub enum Bind<'a> {
    BigInt(i64),
    Integer(i32),
    Bool(bool),
    Date(NaiveDate),
    Text(&'a str),
    Bytea(&'a [u8]),
    OptionalText(Option<&'a str>),
    Timestamptz(DateTime<Utc>),
    OptionalTimestamptz(Option<DateTime<Utc>>),
    Interval(PgInterval),
    Jsonb(&'a serde_json::Value),
    TextArray(&'a [String]),
}

impl Bind<'_> {
    /// A duration as an SQL interval (saturating at the largest one).
    pub fn interval(d: Duration) -> Self {
        Bind::Interval(PgInterval::from_microseconds(
            i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        ))
    }
}

/// An SQL text and its binds. Each distinct text is prepared once per
/// connection and kept: a text must come from a small fixed set (a constant,
/// or one of a few variants), never carry values.
#[derive(Clone, Debug)]
pub struct Prepared<'a> {
    sql: Cow<'static, str>,
    binds: Vec<Bind<'a>>,
}

impl<'a> Prepared<'a> {
    /// `sql` with its binds, one per `$?` in order.
    pub fn new(sql: impl Into<Cow<'static, str>>, binds: Vec<Bind<'a>>) -> Self {
        Prepared {
            sql: sql.into(),
            binds,
        }
    }
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        let mut binds = self.binds.iter();
        for (i, piece) in self.sql.split("$?").enumerate() {
            if i > 0 {
                match binds.next() {
                    Some(Bind::BigInt(v)) => out.push_bind_param::<BigInt, _>(v)?,
                    Some(Bind::Integer(v)) => out.push_bind_param::<Integer, _>(v)?,
                    Some(Bind::Bool(v)) => out.push_bind_param::<Bool, _>(v)?,
                    Some(Bind::Date(v)) => out.push_bind_param::<Date, _>(v)?,
                    Some(Bind::Text(v)) => out.push_bind_param::<Text, _>(*v)?,
                    Some(Bind::Bytea(v)) => out.push_bind_param::<Binary, _>(*v)?,
                    Some(Bind::OptionalText(v)) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                    Some(Bind::Timestamptz(v)) => out.push_bind_param::<Timestamptz, _>(v)?,
                    Some(Bind::OptionalTimestamptz(v)) => {
                        out.push_bind_param::<Nullable<Timestamptz>, _>(v)?
                    }
                    Some(Bind::Interval(v)) => out.push_bind_param::<Interval, _>(v)?,
                    Some(Bind::Jsonb(v)) => out.push_bind_param::<Jsonb, _>(*v)?,
                    Some(Bind::TextArray(v)) => out.push_bind_param::<Array<Text>, _>(*v)?,
                    None => return Err(Error::QueryBuilderError("fewer binds than $? in the SQL".into())),
                }
            }
            out.push_sql(piece);
        }
        if binds.next().is_some() {
            return Err(Error::QueryBuilderError("more binds than $? in the SQL".into()));
        }
        Ok(())
    }
}

/// A JSON array a statement built (`coalesce(json_agg(…), '[]')::text`) as
/// values of `T`: how one statement returns a set per row, or several sets.
/// Amounts go in it as text, so they stay exact.
pub fn json_rows<T: serde::de::DeserializeOwned>(json: &str) -> diesel::QueryResult<Vec<T>> {
    serde_json::from_str(json).map_err(|e| Error::DeserializationError(Box::new(e)))
}

impl QueryId for Prepared<'_> {
    type QueryId = ();
    // Cached by its text (and bind types), not by its Rust type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}
