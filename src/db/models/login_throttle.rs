//! Login attempt counters (see `auth::throttle`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::prepared::{Bind, Prepared};
use crate::db::schema::login_throttle;

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
    // Every login attempt runs it: a constant text, kept prepared.
    const SQL: &str = "INSERT INTO login_throttle (key, failures, updated_at) VALUES ($?, 1, now())
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.blocked_until > now() THEN login_throttle.failures
                             WHEN login_throttle.updated_at < now() - $? THEN 1
                             ELSE login_throttle.failures + 1 END,
             updated_at = CASE WHEN login_throttle.blocked_until > now() THEN login_throttle.updated_at
                               ELSE now() END
         RETURNING failures,
                   CASE WHEN blocked_until > now() THEN blocked_until END AS blocked_until";
    Prepared::new(SQL, vec![Bind::Text(key), Bind::interval(decay)])
        .get_result(conn)
        .await
}

/// Blocks `key` for `delay` from now.
pub async fn block(conn: &mut AsyncPgConnection, key: &str, delay: Duration) -> QueryResult<()> {
    const SQL: &str = "UPDATE login_throttle SET blocked_until = now() + $? WHERE key = $?";
    Prepared::new(SQL, vec![Bind::interval(delay), Bind::Text(key)])
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
    const SQL: &str = "UPDATE login_throttle SET
             failures = GREATEST(failures - 1, 0),
             blocked_until = CASE WHEN failures - 1 < $? THEN NULL ELSE blocked_until END
         WHERE key = $?";
    let free = i32::try_from(free).unwrap_or(i32::MAX);
    Prepared::new(SQL, vec![Bind::Integer(free), Bind::Text(key)])
        .execute(conn)
        .await
        .map(drop)
}

/// Removes counters nobody has touched for `decay` and that block nothing.
pub async fn delete_stale(conn: &mut AsyncPgConnection, decay: Duration) -> QueryResult<usize> {
    const SQL: &str = "DELETE FROM login_throttle
         WHERE updated_at < now() - $? AND (blocked_until IS NULL OR blocked_until < now())";
    Prepared::new(SQL, vec![Bind::interval(decay)])
        .execute(conn)
        .await
}
