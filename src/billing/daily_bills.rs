//! Daily settlement (SPEC 4.5): a business day's usage becomes one bill per
//! workspace, charged to the settlement method in force at the end of that
//! day: a ledger charge for the Billing Center account, a metering window per
//! instance for Alibaba Cloud (pushed later by `marketplace::metering`, never
//! inside this transaction).
//!
//! One transaction per day, under the day's exclusive lock: a day is settled
//! once (a `settled_days` row), whoever runs it and however often; a second
//! process settling the same day waits for the first and then finds it done;
//! usage for the day waits too, and is then refused as settled.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;

use super::pricing::line_amount;
use super::usage::business_day;
use crate::db::DbPool;
use crate::db::models::daily_bill::{self, NewBills, PricedUsage};
use crate::db::models::{ledger_entry, metering_window, usage_record};

/// The instants a business day spans, and the marketplace's cut-off for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayBounds {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// 01:59 the next day: daily metering data must have arrived by then.
    pub cutoff: DateTime<Utc>,
}

fn shanghai(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    // Asia/Shanghai has no daylight saving: every local time exists once.
    Shanghai
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .map_or_else(|| day.and_time(time).and_utc(), |t| t.with_timezone(&Utc))
}

/// The bounds of `day` (Asia/Shanghai).
pub fn bounds(day: NaiveDate) -> DayBounds {
    let start = shanghai(day, NaiveTime::MIN);
    let next = day.succ_opt().unwrap_or(day);
    DayBounds {
        start,
        end: shanghai(next, NaiveTime::MIN),
        cutoff: shanghai(next, NaiveTime::from_hms_opt(1, 59, 0).unwrap_or(NaiveTime::MIN)),
    }
}

/// What a settlement did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub day: NaiveDate,
    /// The day was settled before: nothing was done.
    pub already: bool,
    pub bills: usize,
    pub total: Decimal,
    /// Ledger charges written (Billing Center bills above zero).
    pub charges: usize,
    /// Metering windows opened (Alibaba instances with a total above zero).
    pub windows: usize,
}

impl std::fmt::Display for Settled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.already {
            return write!(f, "{} was already settled: nothing changed", self.day);
        }
        write!(
            f,
            "{}: {} bill(s), {} in total; {} ledger charge(s); {} metering window(s) to push",
            self.day,
            self.bills,
            crate::domain::cny(self.total),
            self.charges,
            self.windows
        )
    }
}

/// Why a day could not be settled (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error(
        "no price for {item} with retention {retention_days} on {day}: set one with `billing-center prices set`"
    )]
    NoPrice {
        item: String,
        retention_days: i32,
        day: NaiveDate,
    },
    #[error("the amount of {item} for workspace {workspace_id} does not fit a decimal")]
    Overflow { workspace_id: String, item: String },
    #[error("workspace {0} is settled by Alibaba Cloud but names no instance")]
    NoInstance(String),
    #[error("{0} is not over yet in Asia/Shanghai")]
    NotOver(NaiveDate),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Prices the day's usage into bills: one per workspace, each line rounded
/// on its own (`pricing::line_amount`), the bill the sum of its lines.
/// `usage` comes ordered by workspace.
pub fn bills_of(day: NaiveDate, usage: &[PricedUsage]) -> Result<NewBills, SettleError> {
    let mut bills = NewBills::default();
    for row in usage {
        let Some(unit_price) = row.unit_price else {
            return Err(SettleError::NoPrice {
                item: row.item.clone(),
                retention_days: row.retention_days,
                day,
            });
        };
        let amount =
            line_amount(row.quantity, row.unit_size, unit_price).ok_or_else(|| SettleError::Overflow {
                workspace_id: row.workspace_id.clone(),
                item: row.item.clone(),
            })?;
        if bills.workspace_id.last() != Some(&row.workspace_id) {
            if row.method == "aliyun" && row.instance_id.is_none() {
                return Err(SettleError::NoInstance(row.workspace_id.clone()));
            }
            bills.workspace_id.push(row.workspace_id.clone());
            bills.account_id.push(row.account_id);
            bills.amount.push(Decimal::ZERO);
            bills.settled_by.push(row.method.clone());
            bills.instance_id.push(row.instance_id.clone());
        }
        if let Some(total) = bills.amount.last_mut() {
            *total += amount;
        }
        let lines = &mut bills.lines;
        lines.workspace_id.push(row.workspace_id.clone());
        lines.item.push(row.item.clone());
        lines.retention_days.push(row.retention_days);
        lines.quantity.push(row.quantity);
        lines.unit_size.push(row.unit_size);
        lines.unit_price.push(unit_price);
        lines.amount.push(amount);
    }
    Ok(bills)
}

/// Settles `day` (idempotent: a settled day is frozen).
pub async fn settle_day(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Settled, SettleError> {
    if day >= business_day(now) {
        return Err(SettleError::NotOver(day));
    }
    let DayBounds { start, end, cutoff } = bounds(day);
    let settled = conn
        .transaction(async |conn| {
            daily_bill::lock_day(conn, day).await?;
            let mut settled = Settled {
                day,
                already: false,
                bills: 0,
                total: Decimal::ZERO,
                charges: 0,
                windows: 0,
            };
            if !daily_bill::mark_settled(conn, day).await? {
                settled.already = true;
                return Ok::<_, SettleError>(settled);
            }
            let usage = daily_bill::priced_usage(conn, day, start, end).await?;
            let bills = bills_of(day, &usage)?;
            settled.bills = bills.workspace_id.len();
            settled.total = bills.amount.iter().sum();
            if settled.bills > 0 {
                daily_bill::insert(conn, day, &bills).await?;
                settled.charges = ledger_entry::charge_bills_of(conn, day).await?;
                settled.windows = metering_window::open_for_day(conn, day, start, end, cutoff).await?;
            }
            daily_bill::record_totals(
                conn,
                day,
                i32::try_from(settled.bills).unwrap_or(i32::MAX),
                settled.total,
            )
            .await?;
            Ok(settled)
        })
        .await?;
    if !settled.already {
        tracing::info!(%day, bills = settled.bills, total = %settled.total, charges = settled.charges, windows = settled.windows, "day settled");
    }
    Ok(settled)
}

/// How far back the schedule looks for days to settle: usage older than
/// 35 days is refused at ingestion, so older days can receive no more.
const HORIZON: Duration = Duration::days(36);

/// The days the schedule settles by `now`: every day of the horizon up to
/// yesterday once it is 00:30 in Asia/Shanghai (until then, the day before).
pub fn due_days(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let local = now.with_timezone(&Shanghai);
    let today = local.date_naive();
    let run_at = NaiveTime::from_hms_opt(0, 30, 0).unwrap_or(NaiveTime::MIN);
    let back = if local.time() >= run_at { 1 } else { 2 };
    (today - HORIZON, today - Duration::days(back))
}

/// Settles every due day not settled yet (a missed 00:30 is caught up here),
/// and creates this and next month's usage partitions ahead of time.
pub async fn catch_up(pool: &DbPool, now: DateTime<Utc>) -> anyhow::Result<Vec<Settled>> {
    let (from, to) = due_days(now);
    let mut conn = pool.get().await?;
    let this_month = crate::domain::Month::of(business_day(now));
    for month in [this_month, this_month.next()] {
        usage_record::ensure_partition(&mut conn, month.first()).await?;
    }
    let done = daily_bill::settled_between(&mut conn, from, to).await?;
    let mut settled = Vec::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        if !done.contains(&day) {
            settled.push(settle_day(&mut conn, day, now).await?);
        }
    }
    Ok(settled)
}

/// The schedule: every minute (and at start-up), settle what is due.
pub async fn run(pool: DbPool) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = catch_up(&pool, Utc::now()).await {
            tracing::error!(error = %format!("{e:#}"), "daily settlement");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    #[test]
    fn a_business_day_is_a_shanghai_day_with_its_cut_off_the_next_night() {
        let b = bounds(day("2026-11-27"));
        assert_eq!(b.start, Utc.with_ymd_and_hms(2026, 11, 26, 16, 0, 0).unwrap());
        assert_eq!(b.end, Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap());
        assert_eq!(b.cutoff, Utc.with_ymd_and_hms(2026, 11, 27, 17, 59, 0).unwrap());
    }

    #[test]
    fn the_schedule_settles_yesterday_from_half_past_midnight() {
        // 00:29 and 00:30 on 28 November in Shanghai.
        let before = Utc.with_ymd_and_hms(2026, 11, 27, 16, 29, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 27, 16, 30, 0).unwrap();
        assert_eq!(due_days(before).1, day("2026-11-26"));
        assert_eq!(due_days(after).1, day("2026-11-27"));
        assert_eq!(due_days(after).0, day("2026-10-23"));
    }

    fn usage(
        workspace: &str,
        method: &str,
        item: &str,
        quantity: i64,
        unit: i64,
        price: &str,
    ) -> PricedUsage {
        PricedUsage {
            workspace_id: workspace.into(),
            account_id: 1,
            method: method.into(),
            instance_id: (method == "aliyun").then(|| "7".to_string()),
            item: item.into(),
            retention_days: 3,
            quantity,
            unit_size: unit,
            unit_price: Some(Decimal::from_str(price).unwrap()),
        }
    }

    #[test]
    fn a_bill_is_the_sum_of_its_rounded_lines() {
        let rows = [
            usage("a", "billing_center", "timeline", 6_000, 1_000, "0.6"),
            usage("a", "billing_center", "logs", 2_000_000, 1_000_000, "1.2"),
            usage("a", "billing_center", "trace", 2_000_000, 1_000_000, "2"),
            usage("a", "billing_center", "pv", 20_000, 10_000, "0.7"),
            usage("a", "billing_center", "trigger", 20_000, 10_000, "1"),
            // 0.005 twice: each line rounds up on its own, 0.02 in all.
            usage("b", "aliyun", "timeline", 5, 1_000, "1"),
            usage("b", "aliyun", "logs", 5_000, 1_000_000, "1"),
        ];
        let bills = bills_of(day("2026-11-27"), &rows).unwrap();
        assert_eq!(bills.workspace_id, ["a", "b"]);
        assert_eq!(
            bills.amount,
            [
                Decimal::from_str("13.40").unwrap(),
                Decimal::from_str("0.02").unwrap()
            ]
        );
        assert_eq!(bills.settled_by, ["billing_center", "aliyun"]);
        assert_eq!(bills.instance_id, [None, Some("7".to_string())]);
        assert_eq!(bills.lines.amount.len(), 7);
    }

    #[test]
    fn a_missing_price_refuses_the_day() {
        let mut row = usage("a", "billing_center", "logs", 1, 1, "1");
        row.unit_price = None;
        assert!(matches!(
            bills_of(day("2026-11-27"), &[row]),
            Err(SettleError::NoPrice { .. })
        ));
    }
}
