//! What the overview (`/billing`) shows of an account: its workspaces, its
//! Alibaba Cloud instances, and its bills of this month and of yesterday per
//! method. It is read as one more column of the session's own statement
//! (`auth::prefetch`), so the page costs PostgreSQL one statement and one
//! round trip; each set is a JSON array in that column.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::aliyun_instance::AliyunInstance;
use super::workspace::Workspace;
use crate::db::prepared::Bind;

/// The overview's data. Rows come as JSON with their column names, the
/// fields of the row types; amounts as text, so they stay exact.
#[derive(Debug, serde::Deserialize)]
pub struct AccountOverview {
    /// In the order they were created.
    pub workspaces: Vec<Workspace>,
    /// The instances the account has claimed, in the order they were created.
    pub instances: Vec<AliyunInstance>,
    /// One row per method with bills since the earlier of `month_start` and
    /// `yesterday`.
    pub recent: Vec<RecentTotals>,
}

/// An account's bills of this month so far and of yesterday, for one method.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RecentTotals {
    pub settled_by: String,
    pub month: Decimal,
    pub yesterday: Decimal,
}

/// The [`AccountOverview`] of the account `s.account_id`, as JSON text: a
/// column of the session's statement. Its binds are [`binds`].
pub const COLUMN: &str = "json_build_object( \
     'workspaces', (SELECT coalesce(json_agg(w ORDER BY w.created_at, w.id), '[]') \
        FROM workspaces w WHERE w.account_id = s.account_id), \
     'instances', (SELECT coalesce(json_agg(i ORDER BY i.created_at), '[]') \
        FROM aliyun_instances i WHERE i.claimed_by = s.account_id), \
     'recent', (SELECT coalesce(json_agg(t ORDER BY t.settled_by), '[]') FROM ( \
        SELECT b.settled_by, \
               coalesce(sum(b.amount) FILTER (WHERE b.day >= $?), 0)::text AS month, \
               coalesce(sum(b.amount) FILTER (WHERE b.day = $?), 0)::text AS yesterday \
        FROM daily_bill_totals b WHERE b.account_id = s.account_id AND b.day >= $? \
        GROUP BY b.settled_by) t))::text";

/// The binds of [`COLUMN`]: the sums are those of the days from
/// `month_start` and of `yesterday` (on a month's first day, in the month
/// before), so the bills read start at the earlier of the two.
pub fn binds<'a>(month_start: NaiveDate, yesterday: NaiveDate) -> [Bind<'a>; 3] {
    [
        Bind::Date(month_start),
        Bind::Date(yesterday),
        Bind::Date(month_start.min(yesterday)),
    ]
}
