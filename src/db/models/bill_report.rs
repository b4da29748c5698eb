//! An account's daily bills as the Billing Center shows and exports them:
//! month summaries, pages of bills with their metering state, bill lines.
//! Every query is scoped to one account.

use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Date, Int4, Int8, Nullable, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

/// Which of an account's bills: days in [`from`, `to`], optionally one
/// workspace, one site, one settlement method.
#[derive(Clone, Debug)]
pub struct BillFilter {
    pub account_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub workspace_id: Option<String>,
    pub site: Option<String>,
    pub method: Option<String>,
}

/// The joins and conditions every query shares ($1-$6 are the filter).
const FILTERED: &str = r#"
    FROM daily_bills b
    JOIN workspaces w ON w.id = b.workspace_id
    LEFT JOIN aliyun_instances i ON i.instance_id = b.aliyun_instance_id
    LEFT JOIN metering_windows mw ON mw.instance_id = b.aliyun_instance_id AND mw.day = b.day
    WHERE b.account_id = $1 AND b.day BETWEEN $2 AND $3
      AND ($4::text IS NULL OR b.workspace_id = $4)
      AND ($5::text IS NULL OR w.site = $5)
      AND ($6::text IS NULL OR b.settled_by = $6)
"#;

/// `sql` (which uses [`FILTERED`]) with the filter bound as $1-$6.
fn filtered(sql: String, filter: &BillFilter) -> BoxedSqlQuery<'_, Pg, SqlQuery> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Int8, _>(filter.account_id)
        .bind::<Date, _>(filter.from)
        .bind::<Date, _>(filter.to)
        .bind::<Nullable<Text>, _>(filter.workspace_id.as_deref())
        .bind::<Nullable<Text>, _>(filter.site.as_deref())
        .bind::<Nullable<Text>, _>(filter.method.as_deref())
}

/// The bills of one day settled one way (one instance, or the Billing
/// Center account): the unit of the month's chart and totals.
#[derive(Clone, Debug, QueryableByName)]
pub struct DayTotal {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub settled_by: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub instance_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ali_uid: Option<String>,
    /// The state of the day's metering window (Alibaba bills above zero).
    #[diesel(sql_type = Nullable<Text>)]
    pub metering_state: Option<String>,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
    #[diesel(sql_type = BigInt)]
    pub bills: i64,
}

/// The filter's bills summed per day and method, oldest day first.
pub async fn day_totals(conn: &mut AsyncPgConnection, filter: &BillFilter) -> QueryResult<Vec<DayTotal>> {
    let sql = format!(
        "SELECT b.day, b.settled_by, b.aliyun_instance_id AS instance_id, i.ali_uid, mw.state AS metering_state, \
         sum(b.amount) AS amount, count(*) AS bills {FILTERED} \
         GROUP BY b.day, b.settled_by, b.aliyun_instance_id, i.ali_uid, mw.state ORDER BY b.day, b.aliyun_instance_id"
    );
    filtered(sql, filter).load(conn).await
}

/// A workspace's bill of a day, with how it was settled.
#[derive(Clone, Debug, QueryableByName)]
pub struct BillRow {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub workspace_id: String,
    #[diesel(sql_type = Text)]
    pub workspace_name: String,
    #[diesel(sql_type = Text)]
    pub site: String,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
    #[diesel(sql_type = Text)]
    pub settled_by: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub instance_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ali_uid: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub metering_state: Option<String>,
}

/// One page of the filter's bills, newest day first.
pub async fn bills_page(
    conn: &mut AsyncPgConnection,
    filter: &BillFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<BillRow>> {
    let sql = format!(
        "SELECT b.id, b.day, b.workspace_id, w.name AS workspace_name, w.site, b.amount, b.settled_by, \
         b.aliyun_instance_id AS instance_id, i.ali_uid, mw.state AS metering_state {FILTERED} \
         ORDER BY b.day DESC, w.name, b.workspace_id OFFSET $7 LIMIT $8"
    );
    filtered(sql, filter)
        .bind::<BigInt, _>(offset)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await
}

/// A bill line with its item's names.
#[derive(Clone, Debug, QueryableByName)]
pub struct LineRow {
    #[diesel(sql_type = Int8)]
    pub bill_id: i64,
    #[diesel(sql_type = Text)]
    pub item: String,
    #[diesel(sql_type = Text)]
    pub name_en: String,
    #[diesel(sql_type = Text)]
    pub name_zh: String,
    #[diesel(sql_type = Text)]
    pub unit_en: String,
    #[diesel(sql_type = Text)]
    pub unit_zh: String,
    /// 0 for items without retention tiers.
    #[diesel(sql_type = Int4)]
    pub retention_days: i32,
    #[diesel(sql_type = Int8)]
    pub quantity: i64,
    #[diesel(sql_type = Int8)]
    pub unit_size: i64,
    #[diesel(sql_type = Numeric)]
    pub unit_price: Decimal,
    #[diesel(sql_type = Numeric)]
    pub amount: Decimal,
}

const LINE_COLUMNS: &str = "l.bill_id, l.item, pi.name_en, pi.name_zh, pi.unit_en, pi.unit_zh, \
     l.retention_days, l.quantity, l.unit_size, l.unit_price, l.amount";

/// The lines of `bill_ids`, in price-list order.
pub async fn lines_of(conn: &mut AsyncPgConnection, bill_ids: &[i64]) -> QueryResult<Vec<LineRow>> {
    let sql = format!(
        "SELECT {LINE_COLUMNS} FROM bill_lines l JOIN price_items pi ON pi.item = l.item \
         WHERE l.bill_id = ANY($1) ORDER BY l.bill_id, pi.position, l.retention_days"
    );
    diesel::sql_query(sql)
        .bind::<Array<Int8>, _>(bill_ids)
        .load(conn)
        .await
}

/// A line with its bill's day, workspace and settlement, for the export.
#[derive(Clone, Debug, QueryableByName)]
pub struct ExportRow {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Text)]
    pub workspace_id: String,
    #[diesel(sql_type = Text)]
    pub workspace_name: String,
    #[diesel(sql_type = Text)]
    pub site: String,
    #[diesel(sql_type = Text)]
    pub settled_by: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub instance_id: Option<String>,
    #[diesel(embed)]
    pub line: LineRow,
}

/// Every line of the filter's bills, oldest day first.
pub async fn export_rows(conn: &mut AsyncPgConnection, filter: &BillFilter) -> QueryResult<Vec<ExportRow>> {
    let sql = format!(
        "SELECT b.day, b.workspace_id, w.name AS workspace_name, w.site, b.settled_by, \
         b.aliyun_instance_id AS instance_id, {LINE_COLUMNS} {FILTERED_LINES} ORDER BY b.day, w.name, b.workspace_id, pi.position, l.retention_days",
        FILTERED_LINES = FILTERED.replacen(
            "FROM daily_bills b",
            "FROM bill_lines l JOIN price_items pi ON pi.item = l.item JOIN daily_bills b ON b.id = l.bill_id",
            1
        )
    );
    filtered(sql, filter).load(conn).await
}

/// An account's bills of this month so far and of yesterday, per method.
#[derive(Clone, Debug, QueryableByName)]
pub struct RecentTotals {
    #[diesel(sql_type = Text)]
    pub settled_by: String,
    #[diesel(sql_type = Numeric)]
    pub month: Decimal,
    #[diesel(sql_type = Numeric)]
    pub yesterday: Decimal,
}

/// The account's totals of the days from `month_start` and of `yesterday`.
pub async fn recent_totals(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    month_start: NaiveDate,
    yesterday: NaiveDate,
) -> QueryResult<Vec<RecentTotals>> {
    diesel::sql_query(
        "SELECT b.settled_by, \
         coalesce(sum(b.amount) FILTER (WHERE b.day >= $2), 0) AS month, \
         coalesce(sum(b.amount) FILTER (WHERE b.day = $3), 0) AS yesterday \
         FROM daily_bills b WHERE b.account_id = $1 AND b.day >= least($2, $3) \
         GROUP BY b.settled_by ORDER BY b.settled_by",
    )
    .bind::<Int8, _>(account_id)
    .bind::<Date, _>(month_start)
    .bind::<Date, _>(yesterday)
    .load(conn)
    .await
}
