//! The durable window ledger of PushMeteringData: one row per Alibaba
//! instance and settled day. Each step is one short statement of its own;
//! the push itself happens between two of them, with no transaction open.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Interval, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::metering_windows;

/// A window as stored.
#[derive(Clone, Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = metering_windows, check_for_backend(diesel::pg::Pg))]
pub struct MeteringWindow {
    pub instance_id: String,
    pub day: NaiveDate,
    /// The `Unit` value: the day's total in 0.01 CNY.
    pub amount_cents: i64,
    pub start_time: i64,
    pub end_time: i64,
    pub cutoff: Option<DateTime<Utc>>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub request_id: Option<String>,
    pub last_error: Option<String>,
    pub resolved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn interval(d: Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// Opens the windows of a settled day: one per instance, the sum of the
/// day's Alibaba bills of the workspaces it settled (when above zero).
pub async fn open_for_day(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::sql_query(
        r#"
        INSERT INTO metering_windows (instance_id, day, amount_cents, start_time, end_time, cutoff)
        SELECT b.aliyun_instance_id, $1, (sum(b.amount) * 100)::int8,
               extract(epoch FROM $2)::int8, extract(epoch FROM $3)::int8, $4
        FROM daily_bills b
        WHERE b.day = $1 AND b.settled_by = 'aliyun'
        GROUP BY b.aliyun_instance_id
        HAVING sum(b.amount) > 0
        "#,
    )
    .bind::<Date, _>(day)
    .bind::<Timestamptz, _>(start)
    .bind::<Timestamptz, _>(end)
    .bind::<Timestamptz, _>(cutoff)
    .execute(conn)
    .await
}

/// Claims one due pending window whose instance had no request within
/// `spacing` (the marketplace's one push per instance per minute): it becomes
/// `sent` (a request may leave from now on) and the claim commits before the
/// caller pushes. `SKIP LOCKED`: concurrent pushers claim different windows.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    spacing: Duration,
) -> QueryResult<Option<MeteringWindow>> {
    diesel::sql_query(
        r#"
        UPDATE metering_windows w
        SET state = 'sent', attempts = w.attempts + 1, sent_at = now(), updated_at = now()
        FROM (
            SELECT p.instance_id, p.day FROM metering_windows p
            WHERE p.state = 'pending' AND p.next_attempt_at <= now()
              AND NOT EXISTS (
                  SELECT 1 FROM metering_windows q
                  WHERE q.instance_id = p.instance_id AND q.sent_at > now() - $1
              )
            ORDER BY p.next_attempt_at, p.day, p.instance_id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        ) due
        WHERE w.instance_id = due.instance_id AND w.day = due.day
        RETURNING w.*
        "#,
    )
    .bind::<Interval, _>(interval(spacing))
    .get_result(conn)
    .await
    .optional()
}

/// What became of a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded<'a> {
    /// `Success:true`, with the marketplace's RequestId.
    Confirmed(&'a str),
    /// Certainly not billed: try again at `at`.
    Retry { error: &'a str, at: DateTime<Utc> },
    /// Perhaps billed: an operator decides.
    Unknown(&'a str),
    /// Refused by the marketplace: `late` when the cut-off had passed, else `rejected`.
    Refused { error: &'a str, late: bool },
}

/// Records the outcome of the push of `window` (as claimed). A confirmation
/// also lands on a window meanwhile marked `unknown` for taking too long;
/// anything else only on a window still `sent` by this very claim. `false`
/// when the window moved on meanwhile.
pub async fn record(
    conn: &mut AsyncPgConnection,
    window: &MeteringWindow,
    outcome: &Recorded<'_>,
) -> QueryResult<bool> {
    use metering_windows::dsl as w;
    let (state, from, request_id, error, next_attempt_at): (&str, &[&str], _, _, _) = match *outcome {
        Recorded::Confirmed(request_id) => ("confirmed", &["sent", "unknown"], Some(request_id), None, None),
        Recorded::Retry { error, at } => ("pending", &["sent"], None, Some(error), Some(at)),
        Recorded::Unknown(error) => ("unknown", &["sent"], None, Some(error), None),
        Recorded::Refused { error, late } => (
            if late { "late" } else { "rejected" },
            &["sent"],
            None,
            Some(error),
            None,
        ),
    };
    let now = Utc::now();
    diesel::update(
        w::metering_windows
            .filter(w::instance_id.eq(&window.instance_id))
            .filter(w::day.eq(window.day))
            .filter(w::attempts.eq(window.attempts))
            .filter(w::state.eq_any(from)),
    )
    .set((
        w::state.eq(state),
        w::request_id.eq(request_id.or(window.request_id.as_deref())),
        w::last_error.eq(error),
        w::next_attempt_at.eq(next_attempt_at.unwrap_or(window.next_attempt_at)),
        w::updated_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Pending windows whose cut-off passed become `late` (returned, for the
/// alert). Only those opened before their cut-off: a day settled after it
/// (caught up, or settled by hand) is still pushed once, and the
/// marketplace's answer decides.
pub async fn mark_late(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<MeteringWindow>> {
    use metering_windows::dsl as w;
    diesel::update(
        w::metering_windows
            .filter(w::state.eq("pending"))
            .filter(w::cutoff.lt(now))
            .filter(w::created_at.lt(w::cutoff.assume_not_null())),
    )
    .set((
        w::state.eq("late"),
        w::last_error.eq("the marketplace's cut-off (01:59 the next day) passed before a confirmed push"),
        w::updated_at.eq(now),
    ))
    .returning(MeteringWindow::as_returning())
    .get_results(conn)
    .await
}

/// Windows claimed longer ago than `lease` without an outcome (the process
/// stopped during the push) become `unknown`: the request may have arrived.
pub async fn mark_abandoned(
    conn: &mut AsyncPgConnection,
    lease: Duration,
) -> QueryResult<Vec<MeteringWindow>> {
    diesel::sql_query(
        r#"
        UPDATE metering_windows
        SET state = 'unknown', updated_at = now(),
            last_error = 'no outcome was recorded for the push (the process stopped during it?)'
        WHERE state = 'sent' AND sent_at < now() - $1
        RETURNING *
        "#,
    )
    .bind::<Interval, _>(interval(lease))
    .load(conn)
    .await
}

/// Windows, oldest day first; only those in `state` when given.
pub async fn list(conn: &mut AsyncPgConnection, state: Option<&str>) -> QueryResult<Vec<MeteringWindow>> {
    let mut query = metering_windows::table
        .order((metering_windows::day, metering_windows::instance_id))
        .select(MeteringWindow::as_select())
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(metering_windows::state.eq(state.to_string()));
    }
    query.load(conn).await
}

/// An operator's decision about a window that is `unknown`, `late` or `rejected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The marketplace has it: never push it again (`confirmed`).
    Sent,
    /// It is not billed: push it again now, cut-off or not (`pending`).
    Retry,
}

/// Applies `resolution` to the window when it is `unknown`, `late` or
/// `rejected`; `None` when there is no such window in those states.
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    day: NaiveDate,
    resolution: Resolution,
    actor: &str,
) -> QueryResult<Option<MeteringWindow>> {
    use metering_windows::dsl as w;
    let target = w::metering_windows
        .filter(w::instance_id.eq(instance_id))
        .filter(w::day.eq(day))
        .filter(w::state.eq_any(["unknown", "late", "rejected"]));
    let now = Utc::now();
    let resolved_by = Some(actor);
    match resolution {
        Resolution::Sent => diesel::update(target)
            .set((
                w::state.eq("confirmed"),
                w::resolved_by.eq(resolved_by),
                w::updated_at.eq(now),
            ))
            .returning(MeteringWindow::as_returning())
            .get_result(conn)
            .await
            .optional(),
        Resolution::Retry => diesel::update(target)
            .set((
                w::state.eq("pending"),
                w::cutoff.eq(None::<DateTime<Utc>>),
                w::next_attempt_at.eq(now),
                w::resolved_by.eq(resolved_by),
                w::updated_at.eq(now),
            ))
            .returning(MeteringWindow::as_returning())
            .get_result(conn)
            .await
            .optional(),
    }
}
