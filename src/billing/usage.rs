//! Usage ingestion (SPEC 4.4): the rules every record of a request must pass,
//! all or nothing. Fields are checked here; workspace, item, retention tier
//! and settled days by the one statement that stores them
//! (`db::models::usage_record::store`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Serialize;
use serde_json::Value;

use crate::db::models::usage_record::{self, StoredProblem, UsageColumns};

/// At most this many records per request.
pub const MAX_RECORDS: usize = 10_000;
/// From this many records a request's statement is bulk, and its connection
/// is closed after it (`db::retire`); a smaller one leaves a few hundred KiB
/// of buffers at most, which is cheaper to keep than a new connection.
const BULK_RECORDS: usize = 1_000;
/// How far back an hour may lie.
pub const MAX_AGE: Duration = Duration::days(35);
/// The largest hourly quantity (the usage table's bound).
pub const MAX_QUANTITY: u64 = 1_000_000_000_000_000;

/// One refused record field, as the API reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    pub index: usize,
    pub field: &'static str,
    pub message: String,
}

impl RecordError {
    fn new(index: usize, field: &'static str, message: impl Into<String>) -> Self {
        RecordError {
            index,
            field,
            message: message.into(),
        }
    }
}

/// How many records were new, replaced, or identical to what was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub accepted: i64,
    pub replaced: i64,
    pub unchanged: i64,
}

/// The answer to a request.
#[derive(Debug)]
pub enum Ingested {
    Stored(Accepted),
    /// Bad records (nothing stored).
    Invalid(Vec<RecordError>),
    /// Records that would change a settled day (nothing stored).
    Settled(Vec<RecordError>),
}

/// The business day (Asia/Shanghai) of an instant.
pub fn business_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Shanghai).date_naive()
}

/// A record's fields as received: each `None` when missing or of the wrong
/// JSON type. Well-formed requests arrive typed (no allocation per field);
/// the others as JSON values, so that every bad field can be named.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    /// The record was a JSON object at all.
    pub object: bool,
    pub workspace_id: Option<&'a str>,
    pub hour: Option<&'a str>,
    pub item: Option<&'a str>,
    pub quantity: Option<u64>,
    /// `Err(())`: present but not a whole, non-negative number.
    pub retention_days: Result<Option<u64>, ()>,
}

impl<'a> Fields<'a> {
    /// The fields of a record received as a JSON value.
    pub fn of_value(record: &'a Value) -> Self {
        let Some(record) = record.as_object() else {
            return Fields {
                object: false,
                workspace_id: None,
                hour: None,
                item: None,
                quantity: None,
                retention_days: Ok(None),
            };
        };
        let field = |name: &str| record.get(name).filter(|v| !v.is_null());
        Fields {
            object: true,
            workspace_id: field("workspace_id").and_then(Value::as_str),
            hour: field("hour").and_then(Value::as_str),
            item: field("item").and_then(Value::as_str),
            quantity: field("quantity").and_then(Value::as_u64),
            retention_days: field("retention_days").map(|v| v.as_u64().ok_or(())).transpose(),
        }
    }
}

/// Checks the fields of every record; the valid ones come back as columns.
pub fn parse_records(records: &[Fields<'_>], now: DateTime<Utc>) -> (UsageColumns, Vec<RecordError>) {
    let mut columns = UsageColumns::default();
    let mut errors = Vec::new();
    let mut seen: HashMap<(&str, DateTime<Utc>, &str), usize> = HashMap::with_capacity(records.len());
    let mut days = BTreeSet::new();
    for (index, record) in records.iter().enumerate() {
        if !record.object {
            errors.push(RecordError::new(index, "record", "must be an object"));
            continue;
        }
        let workspace_id = match record.workspace_id {
            Some(id) if crate::domain::is_workspace_id(id) => Some(id),
            _ => {
                errors.push(RecordError::new(
                    index,
                    "workspace_id",
                    "must be a workspace id (wksp_ and 32 hex digits)",
                ));
                None
            }
        };
        let hour = match record.hour {
            None => {
                errors.push(RecordError::new(index, "hour", "must be an RFC 3339 time"));
                None
            }
            Some(raw) => match check_hour(raw, now) {
                Ok(hour) => Some(hour),
                Err(message) => {
                    errors.push(RecordError::new(index, "hour", message));
                    None
                }
            },
        };
        let item = match record.item {
            Some(item) if !item.is_empty() && item.len() <= 32 => Some(item),
            _ => {
                errors.push(RecordError::new(index, "item", "must be a billing item key"));
                None
            }
        };
        let quantity = record
            .quantity
            .filter(|q| *q <= MAX_QUANTITY)
            .and_then(|q| i64::try_from(q).ok());
        if quantity.is_none() {
            errors.push(RecordError::new(
                index,
                "quantity",
                format!("must be an integer from 0 to {MAX_QUANTITY}"),
            ));
        }
        let retention = record
            .retention_days
            .and_then(|r| r.map(|days| i32::try_from(days).map_err(drop)).transpose());
        if retention.is_err() {
            errors.push(RecordError::new(
                index,
                "retention_days",
                "must be a whole number of days",
            ));
        }
        let (Some(workspace_id), Some(hour), Some(item), Some(quantity), Ok(retention)) =
            (workspace_id, hour, item, quantity, retention)
        else {
            continue;
        };
        if let Some(first) = seen.insert((workspace_id, hour, item), index) {
            errors.push(RecordError::new(
                index,
                "hour",
                format!("repeats record {first} (same workspace, hour and item)"),
            ));
            continue;
        }
        days.insert(business_day(hour));
        columns.index.push(i32::try_from(index).unwrap_or(i32::MAX));
        columns.workspace_id.push(workspace_id.to_string());
        columns.hour.push(hour);
        columns.item.push(item.to_string());
        columns.quantity.push(quantity);
        columns.retention_days.push(retention);
    }
    columns.days = days.into_iter().collect();
    (columns, errors)
}

fn check_hour(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, &'static str> {
    let hour = DateTime::parse_from_rfc3339(raw)
        .map_err(|_| "must be an RFC 3339 time")?
        .with_timezone(&Utc);
    if hour.minute() != 0 || hour.second() != 0 || hour.nanosecond() != 0 {
        return Err("must be on the hour");
    }
    if hour > now {
        return Err("is in the future");
    }
    if hour < now - MAX_AGE {
        return Err("is more than 35 days ago");
    }
    Ok(hour)
}

/// Checks and stores the records of one request from `site`.
pub async fn ingest(
    pool: &crate::db::DbPool,
    site: &str,
    records: &[Fields<'_>],
    now: DateTime<Utc>,
) -> anyhow::Result<Ingested> {
    let (columns, mut errors) = parse_records(records, now);
    let mut conn = pool.get().await?;
    // The database's checks run either way, so every bad record is listed at once.
    let stored = usage_record::store(&mut conn, site, &columns, errors.is_empty()).await?;
    if columns.index.len() >= BULK_RECORDS {
        crate::db::retire(conn);
    }
    let mut settled = Vec::new();
    for (index, problem) in stored.problems {
        let index = usize::try_from(index).unwrap_or_default();
        match problem {
            StoredProblem::UnknownWorkspace => errors.push(RecordError::new(
                index,
                "workspace_id",
                format!("no such workspace on site {site}"),
            )),
            StoredProblem::UnknownItem => {
                errors.push(RecordError::new(index, "item", "unknown billing item"))
            }
            StoredProblem::Retention(tiers) if tiers.is_empty() => errors.push(RecordError::new(
                index,
                "item",
                "no price for this item on that day",
            )),
            StoredProblem::Retention(tiers) => errors.push(RecordError::new(
                index,
                "retention_days",
                format!("must be one of the item's tiers: {tiers}"),
            )),
            StoredProblem::Settled => settled.push(RecordError::new(
                index,
                "hour",
                "the day is settled; its usage can no longer change",
            )),
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.index);
        return Ok(Ingested::Invalid(errors));
    }
    if !settled.is_empty() {
        return Ok(Ingested::Settled(settled));
    }
    let total = i64::try_from(columns.index.len()).unwrap_or(i64::MAX);
    Ok(Ingested::Stored(Accepted {
        accepted: stored.inserted,
        replaced: stored.written - stored.inserted,
        unchanged: total - stored.written,
    }))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    const WS: &str = "wksp_0123456789abcdef0123456789abcdef";

    #[test]
    fn fields_are_checked_and_every_bad_one_reported_by_index() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 3, 30, 0).unwrap();
        let records = [
            json!({"workspace_id": WS, "hour": "2026-11-27T08:00:00Z", "item": "logs", "quantity": 5, "retention_days": 14}),
            json!({"workspace_id": "nope", "hour": "2026-11-27T08:30:00Z", "item": "", "quantity": -1, "retention_days": 1.5}),
            json!({"workspace_id": WS, "hour": "2026-11-28T04:00:00Z", "item": "logs", "quantity": 1}),
            json!({"workspace_id": WS, "hour": "2026-10-01T00:00:00Z", "item": "logs", "quantity": 1}),
            json!({"workspace_id": WS, "hour": "2026-11-27T16:00:00+08:00", "item": "trace", "quantity": 2}),
            json!("not an object"),
            json!({"workspace_id": WS, "hour": "2026-11-27T08:00:00Z", "item": "logs", "quantity": 5}),
        ];
        let fields: Vec<Fields<'_>> = records.iter().map(Fields::of_value).collect();
        let (columns, errors) = parse_records(&fields, now);
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field)).collect();
        assert_eq!(
            found,
            [
                (1, "workspace_id"),
                (1, "hour"),
                (1, "item"),
                (1, "quantity"),
                (1, "retention_days"),
                (2, "hour"),
                (3, "hour"),
                (5, "record"),
                (6, "hour"),
            ]
        );
        assert_eq!(errors[5].message, "is in the future");
        assert_eq!(errors[6].message, "is more than 35 days ago");
        assert!(errors[8].message.contains("repeats record 0"));
        // 16:00 at +08:00 is 08:00 UTC, on the hour.
        assert_eq!(columns.index, [0, 4]);
        assert_eq!(
            columns.hour[1],
            Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
        );
        assert_eq!(columns.days, [NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()]);
    }

    #[test]
    fn business_days_are_shanghai_days() {
        let late = Utc.with_ymd_and_hms(2026, 11, 27, 16, 0, 0).unwrap();
        assert_eq!(business_day(late), NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        let before = Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0).unwrap();
        assert_eq!(
            business_day(before),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
    }
}
