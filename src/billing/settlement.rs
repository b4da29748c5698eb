//! Changing how a workspace is settled (SPEC J4): R1-R5 in one transaction,
//! with the workspace row locked so that two concurrent changes of the same
//! workspace serialise (the second then meets R4).
//!
//! Lock order: see `billing::binding`.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::binding::{Target, bind};
use super::{Abort, Refusal};
use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::settlement_change::{self, NewSettlementChange};
use crate::db::models::workspace::Workspace;
use crate::domain::InstanceStatus;
use crate::marketplace::openapi::MarketClient;

/// The first day of the calendar month after `now`'s, in Asia/Shanghai.
pub fn next_month_start(now: DateTime<Utc>) -> NaiveDate {
    let local = now.with_timezone(&Shanghai).date_naive();
    let (y, m) = if local.month() == 12 {
        (local.year() + 1, 1)
    } else {
        (local.year(), local.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(local)
}

/// The start of `now`'s calendar month in Asia/Shanghai, as an instant.
pub fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&Shanghai);
    let first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    first
        .and_then(|f| Shanghai.from_local_datetime(&f).single())
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// Changes `workspace_id`'s settlement for `account`, as the user `actor`.
pub async fn change_settlement(
    conn: &mut AsyncPgConnection,
    market: &MarketClient,
    product_code: &str,
    account: &Account,
    workspace_id: &str,
    target: &Target,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Result<Workspace, Refusal>> {
    let result = conn
        .transaction(async |conn| {
            let refuse = |r| Err(Abort::Refused(r));
            let Some(workspace) = Workspace::lock_for_account(conn, account.id, workspace_id).await? else {
                return refuse(Refusal::NotFound);
            };
            // R5: an opened instance keeps its workspaces.
            if let Some(current) = &workspace.aliyun_instance_id
                && AliyunInstance::find(conn, current).await?.is_some_and(|i| i.status() == InstanceStatus::Opened)
            {
                return refuse(Refusal::LockedIn);
            }
            let (method, wanted_instance) = (target.method(), target.instance_id().map(str::to_string));
            if workspace.settlement_method == method.code() && workspace.aliyun_instance_id == wanted_instance {
                return refuse(Refusal::Unchanged);
            }
            // R4: one change by the user per calendar month.
            if settlement_change::user_changes_since(conn, &workspace.id, month_start(now)).await? > 0 {
                return refuse(Refusal::OncePerMonth(next_month_start(now)));
            }
            if let Err(refusal) = bind(conn, market, product_code, account, &workspace.site, target).await? {
                return refuse(refusal);
            }
            let changed =
                Workspace::set_settlement(conn, &workspace.id, method.code(), wanted_instance.as_deref()).await?;
            settlement_change::record(
                conn,
                &NewSettlementChange {
                    workspace_id: &workspace.id,
                    from_method: Some(&workspace.settlement_method),
                    to_method: method.code(),
                    aliyun_instance_id: wanted_instance.as_deref(),
                    reason: "user",
                    actor: &account.username,
                },
            )
            .await?;
            tracing::info!(workspace = %workspace.id, from = %workspace.settlement_method, to = method.code(), "settlement changed");
            Ok(changed)
        })
        .await;
    Abort::split(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_counted_in_beijing_time() {
        // 2026-11-30 17:00 UTC is already 1 December in Beijing.
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 17, 0, 0).unwrap();
        assert_eq!(
            next_month_start(late),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            month_start(late),
            Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap()
        );
        let mid = Utc.with_ymd_and_hms(2026, 11, 15, 0, 0, 0).unwrap();
        assert_eq!(
            next_month_start(mid),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }
}
