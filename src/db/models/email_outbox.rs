//! The transactional email outbox.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::email_outbox;

/// An email waiting to be sent, as the worker sees it.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = email_outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxEmail {
    pub id: i64,
    pub dedup_key: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i32,
}

/// A new outbox row.
#[derive(Debug, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct NewOutboxEmail<'a> {
    pub dedup_key: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
}

impl OutboxEmail {
    /// Queues an email; a second email with the same dedup key is ignored.
    /// Call it inside the transaction of the change that causes the email.
    pub async fn enqueue(conn: &mut AsyncPgConnection, new: &NewOutboxEmail<'_>) -> QueryResult<bool> {
        diesel::insert_into(email_outbox::table)
            .values(new)
            .on_conflict(email_outbox::dedup_key)
            .do_nothing()
            .execute(conn)
            .await
            .map(|n| n == 1)
    }

    /// Locks up to `limit` due emails that no other worker holds. Must run inside
    /// a transaction; the locks end with it.
    pub async fn claim_due(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxEmail>> {
        email_outbox::table
            .filter(email_outbox::status.eq("pending"))
            .filter(email_outbox::next_attempt_at.le(diesel::dsl::now))
            .order(email_outbox::next_attempt_at)
            .limit(limit)
            .select(OutboxEmail::as_select())
            .for_update()
            .skip_locked()
            .load(conn)
            .await
    }

    /// Marks an email delivered.
    pub async fn mark_sent(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq("sent"),
                email_outbox::sent_at.eq(diesel::dsl::now),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
                email_outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Records a failed attempt: retried at `retry_at`, or `dead` when `give_up`.
    pub async fn mark_failed(
        conn: &mut AsyncPgConnection,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
        give_up: bool,
    ) -> QueryResult<()> {
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq(if give_up { "dead" } else { "pending" }),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
                email_outbox::last_error.eq(Some(error)),
                email_outbox::next_attempt_at.eq(retry_at),
            ))
            .execute(conn)
            .await
            .map(drop)
    }

    /// How many emails wait (pending) and how many were given up (dead).
    pub async fn depth(conn: &mut AsyncPgConnection) -> QueryResult<(i64, i64)> {
        let count = |status: &'static str| {
            email_outbox::table
                .filter(email_outbox::status.eq(status))
                .count()
        };
        let pending = count("pending").get_result(conn).await?;
        let dead = count("dead").get_result(conn).await?;
        Ok((pending, dead))
    }
}

/// The wait before attempt `attempts + 1`: `base` doubling per attempt, at most
/// an hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempts.min(16)))
        .min(Duration::from_secs(3600))
}
