//! Server-side session rows (see `auth::session_store`).

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Bytea, Interval, Jsonb, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::sessions;

#[derive(QueryableByName)]
struct LoadedState {
    #[diesel(sql_type = Jsonb)]
    state: serde_json::Value,
}

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(
        i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
    )
}

/// Loads a live session's state and, when less than `idle - 1 minute` of it is
/// left, pushes its idle expiry to `now + idle`, in one round trip. Extending at
/// most once a minute keeps ordinary page views read-only.
pub async fn load_and_touch(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    idle: Duration,
) -> QueryResult<Option<serde_json::Value>> {
    diesel::sql_query(
        "WITH live AS (
             SELECT id_hash, state, expires_at FROM sessions
             WHERE id_hash = $1 AND expires_at > now() AND absolute_expires_at > now()
         ), touched AS (
             UPDATE sessions SET expires_at = LEAST(now() + $2, sessions.absolute_expires_at)
             FROM live
             WHERE sessions.id_hash = live.id_hash AND live.expires_at < now() + $2 - interval '1 minute'
         )
         SELECT state FROM live",
    )
    .bind::<Bytea, _>(id_hash)
    .bind::<Interval, _>(interval(idle))
    .get_result::<LoadedState>(conn)
    .await
    .optional()
    .map(|row| row.map(|r| r.state))
}

/// Stores a new session.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    state: &serde_json::Value,
    account_id: Option<i64>,
    idle: Duration,
    absolute: Duration,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO sessions (id_hash, state, account_id, expires_at, absolute_expires_at)
         VALUES ($1, $2, $3, now() + $4, now() + $5)",
    )
    .bind::<Bytea, _>(id_hash)
    .bind::<Jsonb, _>(state)
    .bind::<Nullable<diesel::sql_types::Int8>, _>(account_id)
    .bind::<Interval, _>(interval(idle))
    .bind::<Interval, _>(interval(absolute))
    .execute(conn)
    .await
    .map(drop)
}

/// Replaces a live session's state; `false` when it no longer exists (expired,
/// logged out, or revoked).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    state: &serde_json::Value,
    account_id: Option<i64>,
    idle: Duration,
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE sessions SET state = $2, account_id = $3,
                expires_at = LEAST(now() + $4, absolute_expires_at)
         WHERE id_hash = $1 AND expires_at > now() AND absolute_expires_at > now()",
    )
    .bind::<Bytea, _>(id_hash)
    .bind::<Jsonb, _>(state)
    .bind::<Nullable<diesel::sql_types::Int8>, _>(account_id)
    .bind::<Interval, _>(interval(idle))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Pushes a live session's idle expiry.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    idle: Duration,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sessions SET expires_at = LEAST(now() + $2, absolute_expires_at)
         WHERE id_hash = $1 AND expires_at > now()",
    )
    .bind::<Bytea, _>(id_hash)
    .bind::<Interval, _>(interval(idle))
    .execute(conn)
    .await
    .map(drop)
}

/// Deletes one session.
pub async fn delete(conn: &mut AsyncPgConnection, id_hash: &[u8]) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id_hash))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes every session of an account (password change or reset).
pub async fn delete_for_account(
    conn: &mut AsyncPgConnection,
    account_id: i64,
) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id)))
        .execute(conn)
        .await
}

/// Removes sessions past either timeout.
pub async fn delete_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(diesel::dsl::now)
                .or(sessions::absolute_expires_at.lt(diesel::dsl::now)),
        ),
    )
    .execute(conn)
    .await
}
