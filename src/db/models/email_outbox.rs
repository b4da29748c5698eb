//! The transactional email outbox.
//!
//! An email is written (pending, with its bodies) in the transaction that
//! causes it. A worker *leases* it for a bounded time with one committed
//! statement, sends it holding no transaction, and records the outcome with
//! another; a lease that runs out (its worker died) makes the email due again.
//! Once an email is sent or given up, its bodies are dropped: they may carry
//! capability links (password reset, notices), and only the metadata is kept.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::email_outbox;

/// An email leased to this worker, ready to send.
#[derive(Clone, Debug, QueryableByName)]
#[diesel(table_name = email_outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxEmail {
    pub id: i64,
    pub dedup_key: String,
    pub recipient: String,
    pub subject: String,
    // Pending rows always have bodies (a database constraint says so).
    pub text_body: Option<String>,
    pub html_body: Option<String>,
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

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
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

    /// Leases up to `limit` due emails (pending, and not leased or whose lease
    /// ran out) for `lease`, in one statement that commits on its own. Workers
    /// on other instances skip the rows this one is leasing.
    pub async fn lease_due(
        conn: &mut AsyncPgConnection,
        limit: i64,
        lease: Duration,
    ) -> QueryResult<Vec<OutboxEmail>> {
        diesel::sql_query(
            "UPDATE email_outbox SET leased_until = now() + $2
             WHERE id IN (
                 SELECT id FROM email_outbox
                 WHERE status = 'pending' AND next_attempt_at <= now()
                   AND (leased_until IS NULL OR leased_until < now())
                 ORDER BY next_attempt_at
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED)
             RETURNING id, dedup_key, recipient, subject, text_body, html_body, attempts",
        )
        .bind::<BigInt, _>(limit)
        .bind::<Interval, _>(interval(lease))
        .load(conn)
        .await
    }

    /// Marks an email delivered and drops its bodies.
    pub async fn mark_sent(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
        diesel::update(email_outbox::table.find(id))
            .set((
                email_outbox::status.eq("sent"),
                email_outbox::sent_at.eq(diesel::dsl::now),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
                email_outbox::last_error.eq(None::<String>),
                email_outbox::leased_until.eq(None::<DateTime<Utc>>),
                email_outbox::text_body.eq(None::<String>),
                email_outbox::html_body.eq(None::<String>),
            ))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Records a failed attempt: retried at `retry_at`, or `dead` (bodies
    /// dropped) when `give_up`.
    pub async fn mark_failed(
        conn: &mut AsyncPgConnection,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
        give_up: bool,
    ) -> QueryResult<()> {
        let attempt = (
            email_outbox::attempts.eq(email_outbox::attempts + 1),
            email_outbox::last_error.eq(Some(error)),
            email_outbox::leased_until.eq(None::<DateTime<Utc>>),
        );
        let target = email_outbox::table.find(id);
        if give_up {
            diesel::update(target)
                .set((
                    attempt,
                    email_outbox::status.eq("dead"),
                    email_outbox::text_body.eq(None::<String>),
                    email_outbox::html_body.eq(None::<String>),
                ))
                .execute(conn)
                .await
        } else {
            diesel::update(target)
                .set((attempt, email_outbox::next_attempt_at.eq(retry_at)))
                .execute(conn)
                .await
        }
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
