//! Fixed-window counters (see `auth::rate_limit`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::prepared::{Bind, Prepared};
use crate::db::schema::rate_limits;

/// The state of one counter after a hit.
#[derive(QueryableByName, Debug, Clone, Copy)]
pub struct Window {
    /// Hits in the current window, this one included.
    #[diesel(sql_type = Integer)]
    pub hits: i32,
    /// When the current window ends.
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
}

/// Counts one hit on `key` in one statement: a window of `length` starts at
/// the first hit and ends `length` later; a hit after that starts a new one.
/// The upsert locks the row until the transaction ends, so concurrent hits
/// on one key are counted one after the other.
pub async fn hit(conn: &mut AsyncPgConnection, key: &str, length: Duration) -> QueryResult<Window> {
    // Hit on every limited request: a constant text, kept prepared.
    const SQL: &str = "INSERT INTO rate_limits (key, hits, window_ends_at) VALUES ($?, 1, now() + $?)
         ON CONFLICT (key) DO UPDATE SET
             hits = CASE WHEN rate_limits.window_ends_at <= now() THEN 1
                         ELSE rate_limits.hits + 1 END,
             window_ends_at = CASE WHEN rate_limits.window_ends_at <= now() THEN now() + $?
                                   ELSE rate_limits.window_ends_at END
         RETURNING hits, window_ends_at AS ends_at";
    let length = Bind::interval(length);
    Prepared::new(SQL, vec![Bind::Text(key), length, length])
        .get_result(conn)
        .await
}

/// Removes counters whose window is over.
pub async fn delete_stale(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_ends_at.lt(diesel::dsl::now)))
        .execute(conn)
        .await
}
