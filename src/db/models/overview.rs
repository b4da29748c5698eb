//! What the overview (`/billing`) shows of an account, read in one statement:
//! its workspaces, its Alibaba Cloud instances, and its bills of this month
//! and of yesterday per method. Each set comes back as one JSON array, so
//! that the page is the session's statement and this one: three statements
//! pipelined cost PostgreSQL three executor start-ups, three transactions
//! and three replies.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::aliyun_instance::AliyunInstance;
use super::workspace::Workspace;
use crate::db::prepared::{Bind, Prepared, json_rows};

/// The overview's data.
pub struct AccountOverview {
    /// In the order they were created.
    pub workspaces: Vec<Workspace>,
    /// The instances the account has claimed, in the order they were created.
    pub instances: Vec<AliyunInstance>,
    /// One row per method with bills since `least(month_start, yesterday)`.
    pub recent: Vec<RecentTotals>,
}

/// An account's bills of this month so far and of yesterday, for one method.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RecentTotals {
    pub settled_by: String,
    pub month: Decimal,
    pub yesterday: Decimal,
}

#[derive(QueryableByName)]
struct Arrays {
    #[diesel(sql_type = Text)]
    workspaces: String,
    #[diesel(sql_type = Text)]
    instances: String,
    #[diesel(sql_type = Text)]
    recent: String,
}

/// The account's overview; the sums are those of the days from `month_start`
/// and of `yesterday`. Rows become JSON with their column names, the fields
/// of the row types; amounts go as text, so they stay exact.
pub async fn read(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    month_start: NaiveDate,
    yesterday: NaiveDate,
) -> diesel::QueryResult<AccountOverview> {
    const SQL: &str = "SELECT \
         (SELECT coalesce(json_agg(w ORDER BY w.created_at, w.id), '[]') \
          FROM workspaces w WHERE w.account_id = $?)::text AS workspaces, \
         (SELECT coalesce(json_agg(i ORDER BY i.created_at), '[]') \
          FROM aliyun_instances i WHERE i.claimed_by = $?)::text AS instances, \
         (SELECT coalesce(json_agg(t ORDER BY t.settled_by), '[]') FROM ( \
            SELECT b.settled_by, \
                   coalesce(sum(b.amount) FILTER (WHERE b.day >= $?), 0)::text AS month, \
                   coalesce(sum(b.amount) FILTER (WHERE b.day = $?), 0)::text AS yesterday \
            FROM daily_bill_totals b WHERE b.account_id = $? AND b.day >= least($?, $?) \
            GROUP BY b.settled_by) t)::text AS recent";
    let binds = vec![
        Bind::BigInt(account_id),
        Bind::BigInt(account_id),
        Bind::Date(month_start),
        Bind::Date(yesterday),
        Bind::BigInt(account_id),
        Bind::Date(month_start),
        Bind::Date(yesterday),
    ];
    let arrays: Arrays = Prepared::new(SQL, binds).get_result(conn).await?;
    Ok(AccountOverview {
        workspaces: json_rows(&arrays.workspaces)?,
        instances: json_rows(&arrays.instances)?,
        recent: json_rows(&arrays.recent)?,
    })
}
