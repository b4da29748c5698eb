//! Settled days, daily bills and their lines.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Int4, Int8, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::db::schema::settled_days;

/// A workspace's usage of one item and retention over a business day, with
/// its price that day and the settlement method in force at the day's end.
#[derive(Clone, Debug, QueryableByName)]
pub struct PricedUsage {
    #[diesel(sql_type = Text)]
    pub workspace_id: String,
    #[diesel(sql_type = Int8)]
    pub account_id: i64,
    /// `billing_center`, `aliyun`, ...
    #[diesel(sql_type = Text)]
    pub method: String,
    /// The instance when the method is `aliyun`.
    #[diesel(sql_type = Nullable<Text>)]
    pub instance_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub item: String,
    #[diesel(sql_type = Int4)]
    pub retention_days: i32,
    #[diesel(sql_type = Int8)]
    pub quantity: i64,
    #[diesel(sql_type = Int8)]
    pub unit_size: i64,
    /// `None` when the price list has no price for that day.
    #[diesel(sql_type = Nullable<Numeric>)]
    pub unit_price: Option<Decimal>,
}

/// The usage of [`start`, `end`), summed per workspace, item and retention
/// (items with a zero sum are left out), priced as of `day`. The method in
/// force at `end` is the last settlement change before it (the workspace's
/// current method when it has no history that old). A day that begins at or
/// after the expiry of the Alibaba instance in force goes to the Billing
/// Center account instead: the marketplace bills no usage after an expiry
/// (reference 2.3), and a workspace stays bound to its expired instance
/// through the grace and the lock. The day containing the expiry is still
/// the instance's. An expiry counts while the instance is expired, or was
/// released after it without a renewal in between: a renewal before the day
/// is settled puts the day back on the instance.
const PRICED_USAGE: &str = r#"
WITH day_usage AS (
    SELECT u.workspace_id, u.item, u.retention_days, sum(u.quantity)::int8 AS quantity
    FROM usage_records u
    WHERE u.hour >= $1 AND u.hour < $2
    GROUP BY u.workspace_id, u.item, u.retention_days
    HAVING sum(u.quantity) > 0
), in_force AS (
    SELECT w.id AS workspace_id, w.account_id,
           coalesce(m.to_method, w.settlement_method) AS method,
           CASE WHEN m.to_method IS NULL THEN w.aliyun_instance_id ELSE m.aliyun_instance_id END AS instance_id
    FROM (SELECT DISTINCT workspace_id FROM day_usage) d
    JOIN workspaces w ON w.id = d.workspace_id
    LEFT JOIN LATERAL (
        SELECT c.to_method, c.aliyun_instance_id FROM settlement_changes c
        WHERE c.workspace_id = w.id AND c.created_at < $2
        ORDER BY c.created_at DESC, c.id DESC
        LIMIT 1
    ) m ON true
), settled_by AS (
    SELECT f.workspace_id, f.account_id,
           CASE WHEN f.method = 'aliyun' AND i.expired_at <= $1
                     AND (i.status = 'expired'
                          OR (i.status = 'released' AND i.expired_at > coalesce(i.renewed_at, '-infinity')))
                THEN 'billing_center'
                ELSE f.method
           END AS method,
           f.instance_id
    FROM in_force f
    LEFT JOIN aliyun_instances i ON i.instance_id = f.instance_id
)
SELECT u.workspace_id, s.account_id, s.method,
       CASE WHEN s.method = 'aliyun' THEN s.instance_id END AS instance_id,
       u.item, u.retention_days, u.quantity, pi.unit_size, p.unit_price
FROM day_usage u
JOIN settled_by s USING (workspace_id)
JOIN price_items pi ON pi.item = u.item
LEFT JOIN LATERAL (
    SELECT p.unit_price FROM prices p
    WHERE p.item = u.item AND p.retention_days = u.retention_days AND p.valid_from <= $3
    ORDER BY p.valid_from DESC
    LIMIT 1
) p ON true
ORDER BY u.workspace_id, pi.position, u.retention_days
"#;

/// The priced usage of the business day `day`, which spans [`start`, `end`).
pub async fn priced_usage(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> QueryResult<Vec<PricedUsage>> {
    diesel::sql_query(PRICED_USAGE)
        .bind::<Timestamptz, _>(start)
        .bind::<Timestamptz, _>(end)
        .bind::<Date, _>(day)
        .load(conn)
        .await
}

/// A day's bills and lines, as columns (bound as arrays).
#[derive(Debug, Default)]
pub struct NewBills {
    pub workspace_id: Vec<String>,
    pub account_id: Vec<i64>,
    pub amount: Vec<Decimal>,
    pub settled_by: Vec<String>,
    pub instance_id: Vec<Option<String>>,
    pub lines: NewLines,
}

/// Bill lines, each naming its workspace (one bill per workspace and day).
#[derive(Debug, Default)]
pub struct NewLines {
    pub workspace_id: Vec<String>,
    pub item: Vec<String>,
    pub retention_days: Vec<i32>,
    pub quantity: Vec<i64>,
    pub unit_size: Vec<i64>,
    pub unit_price: Vec<Decimal>,
    pub amount: Vec<Decimal>,
}

/// Marks `day` settled; `false` when it already was (nothing to do then).
pub async fn mark_settled(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<bool> {
    diesel::insert_into(settled_days::table)
        .values(settled_days::day.eq(day))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Records what the settlement of `day` billed.
pub async fn record_totals(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
    bills: i32,
    total: Decimal,
) -> QueryResult<()> {
    diesel::update(settled_days::table.find(day))
        .set((settled_days::bills.eq(bills), settled_days::total.eq(total)))
        .execute(conn)
        .await
        .map(drop)
}

/// Whether `day` is settled.
pub async fn is_settled(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(settled_days::table.find(day)))
        .get_result(conn)
        .await
}

/// The settled days among [`from`, `to`].
pub async fn settled_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<NaiveDate>> {
    settled_days::table
        .filter(settled_days::day.between(from, to))
        .select(settled_days::day)
        .load(conn)
        .await
}

/// Takes the day's exclusive lock for the rest of the transaction (see
/// `lock_day_for_settlement` in the migration).
pub async fn lock_day(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<()> {
    diesel::sql_query("SELECT lock_day_for_settlement($1)")
        .bind::<Date, _>(day)
        .execute(conn)
        .await
        .map(drop)
}

/// Inserts a day's bills and their lines in one statement. Each bill keeps
/// its workspace's name and site and a copy of its lines as the bills page
/// reads them (see the migration `bills_as_shown`), made here from the same
/// lines as `bill_lines`, with their columns' scales.
pub async fn insert(conn: &mut AsyncPgConnection, day: NaiveDate, bills: &NewBills) -> QueryResult<usize> {
    diesel::sql_query(
        r#"
        WITH l AS (
            SELECT l.workspace_id, l.item, l.retention_days, l.quantity, l.unit_size,
                   l.unit_price::numeric(12,4) AS unit_price, l.amount::numeric(14,2) AS amount
            FROM unnest($7::text[], $8::text[], $9::int4[], $10::int8[], $11::int8[], $12::numeric[], $13::numeric[])
                AS l (workspace_id, item, retention_days, quantity, unit_size, unit_price, amount)
        ), shown AS (
            SELECT l.workspace_id, json_agg(json_build_array(l.item, l.retention_days, l.quantity,
                                                             l.unit_price::text, l.amount::text)) AS lines
            FROM l GROUP BY l.workspace_id
        ), bills AS (
            INSERT INTO daily_bills (day, workspace_id, account_id, amount, settled_by, aliyun_instance_id,
                                     workspace_name, site, lines)
            SELECT $1::date, b.workspace_id, b.account_id, b.amount, b.settled_by, b.aliyun_instance_id,
                   w.name, w.site, coalesce(shown.lines, '[]')
            FROM unnest($2::text[], $3::int8[], $4::numeric[], $5::text[], $6::text[])
                AS b (workspace_id, account_id, amount, settled_by, aliyun_instance_id)
            JOIN workspaces w ON w.id = b.workspace_id
            LEFT JOIN shown USING (workspace_id)
            RETURNING id, workspace_id
        )
        INSERT INTO bill_lines (bill_id, item, retention_days, quantity, unit_size, unit_price, amount)
        SELECT b.id, l.item, l.retention_days, l.quantity, l.unit_size, l.unit_price, l.amount
        FROM l JOIN bills b USING (workspace_id)
        "#,
    )
    .bind::<Date, _>(day)
    .bind::<Array<Text>, _>(&bills.workspace_id)
    .bind::<Array<Int8>, _>(&bills.account_id)
    .bind::<Array<Numeric>, _>(&bills.amount)
    .bind::<Array<Text>, _>(&bills.settled_by)
    .bind::<Array<Nullable<Text>>, _>(&bills.instance_id)
    .bind::<Array<Text>, _>(&bills.lines.workspace_id)
    .bind::<Array<Text>, _>(&bills.lines.item)
    .bind::<Array<Int4>, _>(&bills.lines.retention_days)
    .bind::<Array<Int8>, _>(&bills.lines.quantity)
    .bind::<Array<Int8>, _>(&bills.lines.unit_size)
    .bind::<Array<Numeric>, _>(&bills.lines.unit_price)
    .bind::<Array<Numeric>, _>(&bills.lines.amount)
    .execute(conn)
    .await
}
