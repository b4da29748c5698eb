//! Hourly usage (SPEC 4.4), written in one statement per request.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Int4, Int8, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The records of one request, as columns (bound as arrays).
#[derive(Debug, Default)]
pub struct UsageColumns {
    /// Each record's index in the request.
    pub index: Vec<i32>,
    pub workspace_id: Vec<String>,
    pub hour: Vec<DateTime<Utc>>,
    pub item: Vec<String>,
    pub quantity: Vec<i64>,
    /// `None`: not given (items without tiers do not need it).
    pub retention_days: Vec<Option<i32>>,
    /// The business days the records fall on, each once.
    pub days: Vec<NaiveDate>,
}

/// What the database found wrong with a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredProblem {
    /// No workspace with this id on the request's site.
    UnknownWorkspace,
    /// No such billing item (or no price for it that day).
    UnknownItem,
    /// Not one of the item's retention tiers (listed).
    Retention(String),
    /// The day is settled and the record would change it.
    Settled,
}

/// The statement's answer: problems (then nothing was written) or counts.
#[derive(Debug, Default)]
pub struct StoreResult {
    pub problems: Vec<(i32, StoredProblem)>,
    /// New records.
    pub inserted: i64,
    /// New and replaced records.
    pub written: i64,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Int4>)]
    idx: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    problem: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    detail: Option<String>,
    #[diesel(sql_type = BigInt)]
    inserted: i64,
    #[diesel(sql_type = BigInt)]
    written: i64,
}

/// Checks every record against the workspaces (of `site`), the price list and
/// the settled days and, when `write` is set and nothing is wrong, upserts
/// them all: a record with the same quantity and retention is left alone, a
/// different one replaces it (and is marked `replaced`). All or nothing, in
/// one statement. Set-based on purpose: the workspaces are looked up once
/// per distinct id, the price tiers once per request, and stored rows only
/// for records of settled days.
const STORE: &str = r#"
WITH input AS (
    SELECT * FROM unnest($1::int4[], $2::text[], $3::timestamptz[], $4::text[], $5::int8[], $6::int4[])
        AS t (idx, workspace_id, hour, item, quantity, retention_days)
), known AS (
    SELECT w.id FROM workspaces w
    WHERE w.id IN (SELECT DISTINCT workspace_id FROM input) AND w.site = $7
), tiers AS (
    SELECT p.item, p.retention_days, min(p.valid_from) AS since FROM prices p GROUP BY p.item, p.retention_days
), checked AS (
    SELECT i.idx, i.workspace_id, i.hour, i.item, i.quantity, d.day,
           CASE WHEN pi.tiered THEN i.retention_days ELSE 0 END AS retention_days,
           k.id IS NULL AS unknown_workspace,
           pi.item IS NULL AS unknown_item,
           s.day IS NOT NULL AS settled
    FROM input i
    CROSS JOIN LATERAL (SELECT (i.hour AT TIME ZONE 'Asia/Shanghai')::date AS day) d
    LEFT JOIN known k ON k.id = i.workspace_id
    LEFT JOIN price_items pi ON pi.item = i.item
    LEFT JOIN settled_days s ON s.day = d.day
), flagged AS (
    SELECT c.*,
           t.since IS NULL OR t.since > c.day AS unpriced,
           CASE WHEN c.settled THEN NOT EXISTS (
               SELECT 1 FROM usage_records e
               WHERE e.hour = c.hour AND e.workspace_id = c.workspace_id AND e.item = c.item
                 AND e.quantity = c.quantity AND e.retention_days = c.retention_days
           ) ELSE false END AS changes_settled
    FROM checked c
    LEFT JOIN tiers t ON t.item = c.item AND t.retention_days = c.retention_days
), problems AS (
    SELECT f.idx,
           CASE WHEN f.unknown_workspace THEN 'workspace'
                WHEN f.unknown_item THEN 'item'
                WHEN f.unpriced THEN 'retention'
                ELSE 'settled' END AS problem,
           CASE WHEN f.unpriced AND NOT f.unknown_item THEN (
               SELECT string_agg(r::text, ', ' ORDER BY r)
               FROM (SELECT DISTINCT p.retention_days AS r FROM prices p
                     WHERE p.item = f.item AND p.valid_from <= f.day) tiers
           ) END AS detail
    FROM flagged f
    WHERE f.unknown_workspace OR f.unknown_item OR f.unpriced OR f.changes_settled
), stored AS (
    INSERT INTO usage_records (hour, workspace_id, item, quantity, retention_days)
    SELECT hour, workspace_id, item, quantity, retention_days FROM checked
    WHERE $8 AND NOT EXISTS (SELECT 1 FROM problems)
    ON CONFLICT (hour, workspace_id, item) DO UPDATE
        SET quantity = excluded.quantity, retention_days = excluded.retention_days,
            replaced = true, received_at = now()
        WHERE (usage_records.quantity, usage_records.retention_days)
              IS DISTINCT FROM (excluded.quantity, excluded.retention_days)
    RETURNING replaced
)
SELECT idx, problem, detail, 0::int8 AS inserted, 0::int8 AS written FROM problems
UNION ALL
SELECT NULL, NULL, NULL, count(*) FILTER (WHERE NOT replaced), count(*) FROM stored
"#;

/// Checks (and, with `write`, stores) `records` for `site`. Writing holds the
/// records' business days shared (see `lock_days_for_usage`), so a settlement
/// of one of those days waits for this request, and this request, coming
/// second, sees the day settled.
pub async fn store(
    conn: &mut AsyncPgConnection,
    site: &str,
    records: &UsageColumns,
    write: bool,
) -> QueryResult<StoreResult> {
    if write {
        diesel::sql_query("SELECT ensure_usage_partitions($1)")
            .bind::<Array<Date>, _>(&records.days)
            .execute(conn)
            .await?;
    }
    let rows: Vec<Row> = conn
        .transaction(async |conn| {
            if write {
                diesel::sql_query("SELECT lock_days_for_usage($1)")
                    .bind::<Array<Date>, _>(&records.days)
                    .execute(conn)
                    .await?;
            }
            diesel::sql_query(STORE)
                .bind::<Array<Int4>, _>(&records.index)
                .bind::<Array<Text>, _>(&records.workspace_id)
                .bind::<Array<Timestamptz>, _>(&records.hour)
                .bind::<Array<Text>, _>(&records.item)
                .bind::<Array<Int8>, _>(&records.quantity)
                .bind::<Array<Nullable<Int4>>, _>(&records.retention_days)
                .bind::<Text, _>(site)
                .bind::<Bool, _>(write)
                .load(conn)
                .await
        })
        .await?;
    let mut result = StoreResult::default();
    for row in rows {
        match (row.idx, row.problem.as_deref()) {
            (Some(idx), Some(problem)) => {
                let problem = match problem {
                    "workspace" => StoredProblem::UnknownWorkspace,
                    "item" => StoredProblem::UnknownItem,
                    "retention" => StoredProblem::Retention(row.detail.unwrap_or_default()),
                    _ => StoredProblem::Settled,
                };
                result.problems.push((idx, problem));
            }
            _ => {
                result.inserted = row.inserted;
                result.written = row.written;
            }
        }
    }
    result.problems.sort_by_key(|(idx, _)| *idx);
    Ok(result)
}

/// Creates the usage partition of `month` (any day of it) ahead of time.
pub async fn ensure_partition(conn: &mut AsyncPgConnection, month: NaiveDate) -> QueryResult<()> {
    diesel::sql_query("SELECT ensure_usage_partition($1)")
        .bind::<Date, _>(month)
        .execute(conn)
        .await
        .map(drop)
}
