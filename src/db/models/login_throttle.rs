//! Login attempt counters (see `auth::throttle`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Interval, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::login_throttle;

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A counter after an attempt was taken on it.
#[derive(QueryableByName, Debug, Clone, Copy)]
pub struct Counter {
    /// Attempts not yet forgiven, this one included (unchanged when blocked).
    #[diesel(sql_type = Integer)]
    pub failures: i32,
    /// Set when the key was blocked before this attempt: until when.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub blocked_until: Option<DateTime<Utc>>,
}

/// Takes one attempt on `key` in one statement, locking its row until the
/// transaction ends: counts it (from 1 again when the last attempt is older
/// than `decay`), unless the key is blocked, in which case nothing changes
/// and the block is returned.
pub async fn take(conn: &mut AsyncPgConnection, key: &str, decay: Duration) -> QueryResult<Counter> {
    diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, updated_at) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.blocked_until > now() THEN login_throttle.failures
                             WHEN login_throttle.updated_at < now() - $2 THEN 1
                             ELSE login_throttle.failures + 1 END,
             updated_at = CASE WHEN login_throttle.blocked_until > now() THEN login_throttle.updated_at
                               ELSE now() END
         RETURNING failures,
                   CASE WHEN blocked_until > now() THEN blocked_until END AS blocked_until",
    )
    .bind::<Text, _>(key)
    .bind::<Interval, _>(interval(decay))
    .get_result(conn)
    .await
}

/// Blocks `key` for `delay` from now.
pub async fn block(conn: &mut AsyncPgConnection, key: &str, delay: Duration) -> QueryResult<()> {
    diesel::sql_query("UPDATE login_throttle SET blocked_until = now() + $2 WHERE key = $1")
        .bind::<Text, _>(key)
        .bind::<Interval, _>(interval(delay))
        .execute(conn)
        .await
        .map(drop)
}

/// Forgets `key` (its attempts and any block).
pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(key))
        .execute(conn)
        .await
        .map(drop)
}

/// Gives back one attempt of `key` (it turned out not to be a failure), and
/// lifts its block when that leaves fewer than `free` attempts.
pub async fn forgive_one(conn: &mut AsyncPgConnection, key: &str, free: u32) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_throttle SET
             failures = GREATEST(failures - 1, 0),
             blocked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE blocked_until END
         WHERE key = $1",
    )
    .bind::<Text, _>(key)
    .bind::<Integer, _>(i32::try_from(free).unwrap_or(i32::MAX))
    .execute(conn)
    .await
    .map(drop)
}

/// Removes counters nobody has touched for `decay` and that block nothing.
pub async fn delete_stale(conn: &mut AsyncPgConnection, decay: Duration) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM login_throttle
         WHERE updated_at < now() - $1 AND (blocked_until IS NULL OR blocked_until < now())",
    )
    .bind::<Interval, _>(interval(decay))
    .execute(conn)
    .await
}
