//! Jobs that run in one process at a time across every instance sharing the
//! database (the reconciler; anything that must not overlap itself).
//!
//! The job holds a session-level advisory lock on a connection taken out of
//! the pool for its duration: that connection sits idle, in no transaction,
//! while the job makes its network calls, and a holder that dies closes it
//! and so frees the lock. `job_runs` remembers when a pass last finished, so
//! that N instances ticking every interval make one pass per interval, not N.

use std::time::Duration;

use diesel::sql_types::{Bool, Integer, Interval, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{DbError, DbPool};

/// The first key of the jobs' advisory locks (the second is the name's hash).
const LOCK_NAMESPACE: i32 = 0x6a6f_6273;

/// The lock of one job, held until this is dropped.
pub struct Held {
    job: &'static str,
    conn: AsyncPgConnection,
}

#[derive(diesel::QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    answer: bool,
}

async fn dedicated(pool: &DbPool) -> Result<AsyncPgConnection, DbError> {
    Ok(deadpool::managed::Object::take(pool.get().await?))
}

/// Takes `job`'s lock unless another process holds it.
pub async fn try_hold(pool: &DbPool, job: &'static str) -> Result<Option<Held>, DbError> {
    let mut conn = dedicated(pool).await?;
    let got: Answer = diesel::sql_query("SELECT pg_try_advisory_lock($1, hashtext($2)) AS answer")
        .bind::<Integer, _>(LOCK_NAMESPACE)
        .bind::<Text, _>(job)
        .get_result(&mut conn)
        .await?;
    Ok(got.answer.then_some(Held { job, conn }))
}

/// Takes `job`'s lock, waiting for the process that holds it.
pub async fn hold(pool: &DbPool, job: &'static str) -> Result<Held, DbError> {
    let mut conn = dedicated(pool).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1, hashtext($2))")
        .bind::<Integer, _>(LOCK_NAMESPACE)
        .bind::<Text, _>(job)
        .execute(&mut conn)
        .await?;
    Ok(Held { job, conn })
}

fn interval(d: Duration) -> diesel::pg::data_types::PgInterval {
    diesel::pg::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

impl Held {
    /// Whether a pass of the job finished less than `within` ago (in any process).
    pub async fn finished_within(&mut self, within: Duration) -> Result<bool, DbError> {
        let recent: Answer = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND finished_at > now() - $2) AS answer",
        )
        .bind::<Text, _>(self.job)
        .bind::<Interval, _>(interval(within))
        .get_result(&mut self.conn)
        .await?;
        Ok(recent.answer)
    }

    /// Records that a pass finished now.
    pub async fn finished(mut self) -> Result<(), DbError> {
        diesel::sql_query(
            "INSERT INTO job_runs (job, finished_at) VALUES ($1, now())
             ON CONFLICT (job) DO UPDATE SET finished_at = EXCLUDED.finished_at",
        )
        .bind::<Text, _>(self.job)
        .execute(&mut self.conn)
        .await?;
        Ok(())
    }
}
