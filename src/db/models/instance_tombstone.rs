//! Releases and expiries of instances we had no record of (R8): remembered so
//! that a `createInstance` arriving after them cannot open what the
//! marketplace already closed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::instance_tombstones;
use crate::domain::InstanceStatus;

/// The first key of the advisory locks below (the second is the instance id's hash).
const LOCK_NAMESPACE: i32 = 0x7462_6d62;

/// Serialises, until the end of the transaction, everything that decides
/// whether an instance id has a row or a tombstone: a create, and a release
/// or expiry that found no row. Without it, a create and a release of a new
/// instance could each miss the other's uncommitted write.
pub async fn lock_id(conn: &mut AsyncPgConnection, instance_id: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(LOCK_NAMESPACE)
        .bind::<Text, _>(instance_id)
        .execute(conn)
        .await
        .map(drop)
}

/// How the marketplace ended an instance before we heard of it, if it did.
pub async fn ended_before_create(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
) -> QueryResult<Option<InstanceStatus>> {
    let status: Option<String> = instance_tombstones::table
        .find(instance_id)
        .select(instance_tombstones::status)
        .first(conn)
        .await
        .optional()?;
    Ok(status.and_then(|s| InstanceStatus::from_code(&s)))
}

/// Remembers a release or expiry of an unknown instance. A release is final:
/// a later expiry does not replace it.
pub async fn remember(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    status: InstanceStatus,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO instance_tombstones (instance_id, status, recorded_at) VALUES ($1, $2, $3)
         ON CONFLICT (instance_id) DO UPDATE SET status = EXCLUDED.status, recorded_at = EXCLUDED.recorded_at
         WHERE instance_tombstones.status <> 'released'",
    )
    .bind::<Text, _>(instance_id)
    .bind::<Text, _>(status.code())
    .bind::<diesel::sql_types::Timestamptz, _>(at)
    .execute(conn)
    .await
    .map(drop)
}
