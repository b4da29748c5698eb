//! The reconciler (SPEC 4.6): what the SPI missed, the OpenAPI still knows.
//!
//! 1. Failed notifications are pulled, applied through the same SPI handler
//!    (idempotent on their request id), then confirmed.
//! 2. Every opened instance a Billing Center account has claimed is looked up;
//!    one the marketplace reports `CLOSED` is released (R6) and one it reports
//!    `EXPIRED` expires (R7), with the reconciliation as their trigger.
//!
//! Every instance runs the loop, but a pass is single-flight across all of
//! them (`db::single_flight`), and one that finished less than an interval
//! ago makes the others skip theirs: the marketplace is asked once per
//! interval, not once per instance. No transaction is open during a call to
//! the marketplace: each one's outcome is applied in its own transaction.

use std::time::Duration;

use anyhow::Context;
use diesel_async::AsyncConnection;

use super::openapi::{MarketClient, MarketError};
use super::params::Params;
use super::spi::{self, Reply, Source};
use crate::billing::instances::{self, Change, Trigger};
use crate::billing::notices::Notifier;
use crate::clock::Clock;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::{DbPool, single_flight};

/// The job's name (its lock and its row in `job_runs`).
const JOB: &str = "reconcile";

/// What a reconciliation pass works with.
#[derive(Clone)]
pub struct Reconciler {
    pub pool: DbPool,
    pub market: MarketClient,
    pub product_code: String,
    pub notifier: Notifier,
    pub clock: Clock,
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub notifications_applied: usize,
    pub notifications_confirmed: usize,
    pub instances_checked: usize,
    pub instances_released: usize,
    pub instances_expired: usize,
    pub errors: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed notifications applied ({} confirmed); {} claimed instances checked, {} released, {} expired; {} errors",
            self.notifications_applied,
            self.notifications_confirmed,
            self.instances_checked,
            self.instances_released,
            self.instances_expired,
            self.errors
        )
    }
}

/// Pages of failed notifications read in one run at most (each page is
/// confirmed before the next is read, so a stuck confirm cannot loop forever).
const MAX_PAGES: usize = 20;
const PAGE_SIZE: u32 = 50;

/// One pass now (`billing-center reconcile`): waits while another process
/// runs one, then runs its own.
pub async fn reconcile_once(r: &Reconciler) -> anyhow::Result<Report> {
    let held = single_flight::hold(&r.pool, JOB).await?;
    let report = pass(r).await?;
    held.finished().await?;
    Ok(report)
}

async fn pass(r: &Reconciler) -> anyhow::Result<Report> {
    let mut report = Report::default();
    replay_failed_notifications(r, &mut report).await?;
    check_claimed_instances(r, &mut report).await?;
    Ok(report)
}

async fn replay_failed_notifications(r: &Reconciler, report: &mut Report) -> anyhow::Result<()> {
    for _ in 0..MAX_PAGES {
        let page = r
            .market
            .failed_notifications(1, PAGE_SIZE)
            .await
            .context("DescribeFailedNotifications")?;
        if page.notification_list.is_empty() {
            break;
        }
        let mut confirmed_any = false;
        for notification in &page.notification_list {
            let params = notification_params(&notification.action, &notification.message);
            let id = notification.notification_request_id.as_str();
            let now = r.clock.now();
            let mut conn = r.pool.get().await?;
            let source = Source::FailedNotification(id);
            let reply = spi::handle(&mut conn, &params, source, &r.product_code, &r.notifier, now).await?;
            drop(conn);
            if let Reply::Rejected(message) = &reply {
                tracing::warn!(notification = id, %message, "a failed notification was rejected");
            }
            report.notifications_applied += 1;
            match r.market.confirm_notification(id).await {
                Ok(()) => {
                    report.notifications_confirmed += 1;
                    confirmed_any = true;
                }
                Err(e) => {
                    report.errors += 1;
                    tracing::warn!(notification = id, error = %e, "ConfirmNotification failed; retried next run");
                }
            }
        }
        if !confirmed_any {
            break;
        }
    }
    Ok(())
}

/// The notification's JSON message as SPI parameters (its `action` from the
/// envelope when the message has none).
fn notification_params(action: &str, message: &str) -> Params {
    let object =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(message).unwrap_or_default();
    let mut pairs: Vec<(String, String)> = object
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    if !pairs.iter().any(|(k, _)| k == "action") {
        pairs.push(("action".into(), action.into()));
    }
    Params::from_pairs(pairs)
}

async fn check_claimed_instances(r: &Reconciler, report: &mut Report) -> anyhow::Result<()> {
    let ids = {
        let mut conn = r.pool.get().await?;
        AliyunInstance::claimed_and_open(&mut conn).await?
    };
    for id in ids {
        report.instances_checked += 1;
        let status = match r.market.describe_instance(&id).await {
            Ok(info) => info.status,
            Err(MarketError::NotFound { .. }) => {
                tracing::warn!(instance_id = %id, "a claimed instance is unknown to the marketplace");
                continue;
            }
            Err(e) => {
                report.errors += 1;
                tracing::warn!(instance_id = %id, error = %e, "DescribeInstanceForIsv failed");
                continue;
            }
        };
        let (now, notifier) = (r.clock.now(), &r.notifier);
        let mut conn = r.pool.get().await?;
        match status.as_str() {
            "CLOSED" => {
                let change = conn
                    .transaction(async |conn| {
                        instances::on_instance_released(conn, &id, Trigger::Reconciliation, notifier, now)
                            .await
                    })
                    .await?;
                if change == Change::Applied {
                    report.instances_released += 1;
                }
            }
            "EXPIRED" => {
                let change = conn
                    .transaction(async |conn| {
                        instances::on_instance_expired(conn, &id, Trigger::Reconciliation, notifier, now)
                            .await
                    })
                    .await?;
                if change == Change::Applied {
                    report.instances_expired += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Every `interval`, for the life of the process: a pass, unless another
/// process is running one or finished one within the interval.
pub async fn run(r: Reconciler, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match reconcile_if_due(&r, interval).await {
            Ok(Some(report)) if report != Report::default() => tracing::info!(%report, "reconciled"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "reconciliation failed"),
        }
    }
}

/// One loop's tick: a pass, unless another process is running one or one
/// finished within (nearly) `interval`; `None` when it skipped.
pub async fn reconcile_if_due(r: &Reconciler, interval: Duration) -> anyhow::Result<Option<Report>> {
    let Some(mut held) = single_flight::try_hold(&r.pool, JOB).await? else {
        return Ok(None);
    };
    // Ticks of different instances drift; a pass a little less than an
    // interval ago still counts as this interval's.
    if held.finished_within(interval.mul_f64(0.9)).await? {
        return Ok(None);
    }
    let report = pass(r).await?;
    held.finished().await?;
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_messages_become_spi_parameters() {
        let p = notification_params(
            "releaseInstance",
            r#"{"instanceId":"241127000001","isRefund":false,"orderId":12}"#,
        );
        assert_eq!(p.get("action"), Some("releaseInstance"));
        assert_eq!(p.get("instanceId"), Some("241127000001"));
        assert_eq!(p.get("isRefund"), Some("false"));
        assert_eq!(p.get("orderId"), Some("12"));
    }
}
