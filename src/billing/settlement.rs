//! Changing how a workspace is settled (SPEC J4): R1-R5. The rules that our
//! own rows answer are checked first, then R1 is asked outside any
//! transaction (see `billing::binding`), then everything is checked again and
//! applied in one transaction with the workspace row locked, so that two
//! concurrent changes of the same workspace serialise (the second then meets
//! R4, or finds the workspace already settled as it asks).
//!
//! Lock order: see `billing::binding`.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::binding::{Market, Target, bind, check};
use super::{Abort, Refusal};
use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::settlement_change::{self, NewSettlementChange};
use crate::db::models::site::Site;
use crate::db::models::workspace::Workspace;
use crate::db::{DbError, DbPool};
use crate::domain::{InstanceStatus, SettlementMethod};

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

/// The rules our own rows answer: already settled so (nothing to do), R5
/// (an opened instance keeps its workspaces), R4 (one change by the user per
/// calendar month).
async fn local_refusal(
    conn: &mut AsyncPgConnection,
    workspace: &Workspace,
    target: &Target,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Option<Refusal>> {
    let wanted_instance = target.instance_id();
    if workspace.settlement_method == target.method().code()
        && workspace.aliyun_instance_id.as_deref() == wanted_instance
    {
        return Ok(Some(Refusal::Unchanged));
    }
    let bound = match &workspace.aliyun_instance_id {
        Some(current) => AliyunInstance::find(conn, current).await?.map(|i| i.status()),
        None => None,
    };
    if locked_in(bound) {
        return Ok(Some(Refusal::LockedIn));
    }
    if settlement_change::user_changes_since(conn, &workspace.id, month_start(now)).await? > 0 {
        return Ok(Some(Refusal::OncePerMonth(next_month_start(now))));
    }
    Ok(None)
}

/// R5: a workspace bound to an instance in `bound` status stays with it while
/// the instance is opened.
fn locked_in(bound: Option<InstanceStatus>) -> bool {
    bound == Some(InstanceStatus::Opened)
}

/// Why no settlement change of `workspace` can succeed now, as far as its own
/// rows tell before the user types anything, so a page can say so instead of
/// offering the change: R5 (`bound`: the status of the instance it is bound
/// to), or R3 (its `site` allows no method it could move to, and the account
/// has no `arbitrary_settlement`). R4 and R1 are left to the change itself.
pub fn change_blocked(
    workspace: &Workspace,
    bound: Option<InstanceStatus>,
    site: Option<&Site>,
    arbitrary: bool,
) -> Option<Refusal> {
    if locked_in(bound) {
        return Some(Refusal::LockedIn);
    }
    let current = workspace.settlement_method.as_str();
    let aliyun = SettlementMethod::Aliyun.code();
    // Another method, or another instance of the Alibaba Cloud method.
    let somewhere_to_go =
        arbitrary || site.is_some_and(|s| s.methods.iter().any(|m| m != current || m == aliyun));
    (!somewhere_to_go).then_some(Refusal::SiteForbidsMethod)
}

/// Changes `workspace_id`'s settlement for `account`, as the user. A repeat of
/// a change that went through is refused as [`Refusal::Unchanged`].
pub async fn change_settlement(
    pool: &DbPool,
    market: Market<'_>,
    sites: &[Site],
    account: &Account,
    workspace_id: &str,
    target: &Target,
    now: DateTime<Utc>,
) -> Result<Result<Workspace, Refusal>, DbError> {
    // A change our rows refuse never asks the marketplace. The rows are read
    // from one snapshot: read one by one, a concurrent copy of this change
    // could commit between the workspace and its history, which would then
    // show "changed this month" for a workspace that still looks unchanged.
    let mut conn = pool.get().await?;
    let site = conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| -> diesel::QueryResult<Result<String, Refusal>> {
            let Some(workspace) = Workspace::find_for_account(conn, account.id, workspace_id).await? else {
                return Ok(Err(Refusal::NotFound));
            };
            Ok(match local_refusal(conn, &workspace, target, now).await? {
                Some(refusal) => Err(refusal),
                None => Ok(workspace.site),
            })
        })
        .await?;
    drop(conn);
    let site = match site {
        Ok(site) => site,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let evidence = match check(pool, market, sites, &site, target, account.arbitrary_settlement).await? {
        Ok(evidence) => evidence,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut conn = pool.get().await?;
    let result = conn
        .transaction(async |conn| {
            let refuse = |r| Err(Abort::Refused(r));
            let Some(workspace) = Workspace::lock_for_account(conn, account.id, workspace_id).await? else {
                return refuse(Refusal::NotFound);
            };
            // Again, on the locked row: another request may have changed it.
            if let Some(refusal) = local_refusal(conn, &workspace, target, now).await? {
                return refuse(refusal);
            }
            if let Err(refusal) =
                bind(conn, market.product_code, sites, account, &workspace.site, target, &evidence).await?
            {
                return refuse(refusal);
            }
            let (method, instance) = (target.method().code(), target.instance_id());
            let changed = Workspace::set_settlement(conn, &workspace.id, method, instance).await?;
            settlement_change::record(
                conn,
                &NewSettlementChange {
                    workspace_id: &workspace.id,
                    from_method: Some(&workspace.settlement_method),
                    to_method: method,
                    aliyun_instance_id: instance,
                    reason: "user",
                    actor: &account.username,
                    created_at: now,
                },
            )
            .await?;
            tracing::info!(workspace = %workspace.id, from = %workspace.settlement_method, to = method, "settlement changed");
            Ok(changed)
        })
        .await;
    Ok(Abort::split(result)?)
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
