//! Failed-login counters (see `auth::throttle`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Interval, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::login_throttle;

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// The latest `blocked_until` still in the future among `keys`.
pub async fn blocked_until(
    conn: &mut AsyncPgConnection,
    keys: &[String],
) -> QueryResult<Option<DateTime<Utc>>> {
    login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::blocked_until.gt(diesel::dsl::now))
        .select(diesel::dsl::max(login_throttle::blocked_until))
        .get_result::<Option<DateTime<Utc>>>(conn)
        .await
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Counts one more failure for each of two keys in one statement (restarting
/// from 1 when a key's previous failure is older than `decay`) and returns the
/// new counts in the order given.
pub async fn add_failures(
    conn: &mut AsyncPgConnection,
    keys: [&str; 2],
    decay: Duration,
) -> QueryResult<[i32; 2]> {
    let rows = diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, updated_at)
         VALUES ($1, 1, now()), ($2, 1, now())
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.updated_at < now() - $3 THEN 1
                             ELSE login_throttle.failures + 1 END,
             updated_at = now()
         RETURNING key, failures",
    )
    .bind::<Text, _>(keys[0])
    .bind::<Text, _>(keys[1])
    .bind::<Interval, _>(interval(decay))
    .load::<Count>(conn)
    .await?;
    let count_of = |key: &str| rows.iter().find(|r| r.key == key).map_or(1, |r| r.failures);
    Ok([count_of(keys[0]), count_of(keys[1])])
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

/// Forgets the failures of `keys` (after a successful login).
pub async fn clear(conn: &mut AsyncPgConnection, keys: &[String]) -> QueryResult<()> {
    diesel::delete(login_throttle::table.filter(login_throttle::key.eq_any(keys)))
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
