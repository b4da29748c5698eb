//! An account's daily bills as the Billing Center shows and exports them:
//! month summaries with their metering state, pages of bills, bill lines.
//! Every query is scoped to one account.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Int4, Int8, Nullable, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::db::prepared::{Bind, Prepared, json_rows};

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

/// What `b` is in a filter's conditions.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    DailyBills,
    /// `daily_bill_totals`: the account, the days and the method only.
    Totals,
}

impl BillFilter {
    /// Whether only the account, the days and the method are filtered: what
    /// `daily_bill_totals` can answer.
    fn by_method_only(&self) -> bool {
        self.workspace_id.is_none() && self.site.is_none()
    }

    /// The filter's conditions on `b`, a `WHERE` clause with `$?` for each
    /// bind it appends to `binds` (on [`Source::Totals`], the account, days
    /// and method only). Only the filters given are in the text, so each
    /// combination is a statement of its own whose generic plan PostgreSQL
    /// can keep: with `$n IS NULL OR …` for the absent ones it would plan it
    /// again on every execution.
    fn conditions<'a>(&'a self, binds: &mut Vec<Bind<'a>>, source: Source) -> String {
        let mut sql = String::from(" WHERE b.account_id = $? AND b.day BETWEEN $? AND $? ");
        binds.extend([
            Bind::BigInt(self.account_id),
            Bind::Date(self.from),
            Bind::Date(self.to),
        ]);
        if let Some(method) = &self.method {
            sql.push_str("AND b.settled_by = $? ");
            binds.push(Bind::Text(method));
        }
        if source == Source::Totals {
            return sql;
        }
        if let Some(workspace) = &self.workspace_id {
            sql.push_str("AND b.workspace_id = $? ");
            binds.push(Bind::Text(workspace));
        }
        if let Some(site) = &self.site {
            sql.push_str("AND b.site = $? ");
            binds.push(Bind::Text(site));
        }
        sql
    }
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

/// The filter's bills summed per day and method, oldest day first. Without
/// a workspace or site filter they are read from `daily_bill_totals` (kept
/// equal to the bills by a trigger: a month is a few dozen rows there, and
/// thousands of bills); with one, summed from the bills.
pub async fn day_totals(mut conn: &AsyncPgConnection, filter: &BillFilter) -> QueryResult<Vec<DayTotal>> {
    let mut binds = Vec::new();
    let sums = if filter.by_method_only() {
        format!(
            "SELECT b.day, b.settled_by, b.aliyun_instance_id, b.amount, b.bills::int8 AS bills \
             FROM daily_bill_totals b {}",
            filter.conditions(&mut binds, Source::Totals)
        )
    } else {
        format!(
            "SELECT b.day, b.settled_by, b.aliyun_instance_id, sum(b.amount) AS amount, count(*) AS bills \
             FROM daily_bills b {} GROUP BY b.day, b.settled_by, b.aliyun_instance_id",
            filter.conditions(&mut binds, Source::DailyBills)
        )
    };
    let sql = format!(
        "WITH sums AS ({sums}) \
         SELECT b.day, b.settled_by, b.aliyun_instance_id AS instance_id, i.ali_uid, mw.state AS metering_state, \
         b.amount, b.bills FROM sums b \
         LEFT JOIN aliyun_instances i ON i.instance_id = b.aliyun_instance_id \
         LEFT JOIN metering_windows mw ON mw.instance_id = b.aliyun_instance_id AND mw.day = b.day \
         ORDER BY b.day, b.aliyun_instance_id"
    );
    Prepared::new(sql, binds).load(&mut conn).await
}

/// A workspace's bill of a day, with how it was settled (the instance's
/// account and the day's metering are in the [`DayTotal`] of its day and
/// instance).
#[derive(Clone, Debug, QueryableByName)]
pub struct BillRow {
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

/// The columns of a [`LineRow`] from `bill_lines l` and `price_items pi`.
macro_rules! line_columns {
    () => {
        "l.bill_id, l.item, pi.name_en, pi.name_zh, pi.unit_en, pi.unit_zh, \
         l.retention_days, l.quantity, l.unit_size, l.unit_price, l.amount"
    };
}

/// A bill line as the page reads it, from the bill's copy of its lines
/// (`daily_bills.lines`): the item's names, units and place in the list come
/// from the price list.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct PageLine {
    pub item: String,
    /// 0 for items without retention tiers.
    pub retention_days: i32,
    pub quantity: i64,
    pub unit_price: Decimal,
    pub amount: Decimal,
}

/// A bill of a page with its lines as JSON.
#[derive(Clone, Debug, QueryableByName)]
struct PageBillRow {
    #[diesel(embed)]
    bill: BillRow,
    #[diesel(sql_type = Text)]
    lines: String,
}

/// One page of the filter's bills, newest day first, a day's by workspace
/// name, each with its lines in no particular order: one index scan that
/// stops at the page's end.
pub async fn bills_page(
    mut conn: &AsyncPgConnection,
    filter: &BillFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(BillRow, Vec<PageLine>)>> {
    let mut binds = Vec::new();
    let sql = format!(
        "SELECT b.day, b.workspace_id, b.workspace_name, b.site, b.amount, b.settled_by, \
         b.aliyun_instance_id AS instance_id, b.lines::text AS lines FROM daily_bills b {conditions} \
         ORDER BY b.day DESC, b.workspace_name, b.workspace_id OFFSET $? LIMIT $?",
        conditions = filter.conditions(&mut binds, Source::DailyBills)
    );
    binds.extend([Bind::BigInt(offset), Bind::BigInt(limit)]);
    let rows: Vec<PageBillRow> = Prepared::new(sql, binds).load(&mut conn).await?;
    rows.into_iter()
        .map(|row| Ok((row.bill, json_rows(&row.lines)?)))
        .collect()
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

/// Every line of the filter's bills, oldest day first, as they arrive: an
/// export writes each row and drops it (a month can have many thousands).
pub async fn export_rows<'a>(
    conn: &'a mut AsyncPgConnection,
    filter: &'a BillFilter,
) -> QueryResult<impl futures_util::Stream<Item = QueryResult<ExportRow>> + 'a> {
    let mut binds = Vec::new();
    let sql = format!(
        concat!(
            "SELECT b.day, b.workspace_id, b.workspace_name, b.site, b.settled_by, \
             b.aliyun_instance_id AS instance_id, ",
            line_columns!(),
            " FROM bill_lines l JOIN price_items pi ON pi.item = l.item \
             JOIN daily_bills b ON b.id = l.bill_id {} \
             ORDER BY b.day, b.workspace_name, b.workspace_id, pi.position, l.retention_days"
        ),
        filter.conditions(&mut binds, Source::DailyBills)
    );
    Prepared::new(sql, binds).load_stream(conn).await
}
