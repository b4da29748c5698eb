//! The reconciler (SPEC 4.6): what the SPI missed, the OpenAPI still knows.
//!
//! 1. Failed notifications are pulled, applied through the same SPI handler
//!    (idempotent on their request id), then confirmed.
//! 2. Every opened instance a Billing Center account has claimed is looked up;
//!    one the marketplace reports `CLOSED` is released (R6) and one it reports
//!    `EXPIRED` expires (R7), with the reconciliation as their trigger.

use std::time::Duration;

use anyhow::Context;
use diesel_async::AsyncConnection;

use super::openapi::{MarketClient, MarketError};
use super::params::Params;
use super::spi::{self, Reply, Source};
use crate::billing::instances::{self, Change, Trigger};
use crate::billing::notices::Notifier;
use crate::db::DbPool;
use crate::db::models::aliyun_instance::AliyunInstance;

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

/// One reconciliation pass.
pub async fn reconcile_once(
    pool: &DbPool,
    market: &MarketClient,
    product_code: &str,
    notifier: &Notifier,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    replay_failed_notifications(pool, market, product_code, notifier, &mut report).await?;
    check_claimed_instances(pool, market, notifier, &mut report).await?;
    Ok(report)
}

async fn replay_failed_notifications(
    pool: &DbPool,
    market: &MarketClient,
    product_code: &str,
    notifier: &Notifier,
    report: &mut Report,
) -> anyhow::Result<()> {
    for _ in 0..MAX_PAGES {
        let page = market
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
            let now = chrono::Utc::now();
            let mut conn = pool.get().await?;
            let reply = conn
                .transaction(async |conn| {
                    spi::handle(
                        conn,
                        &params,
                        Source::FailedNotification(id),
                        product_code,
                        notifier,
                        now,
                    )
                    .await
                })
                .await?;
            drop(conn);
            if let Reply::Rejected(message) = &reply {
                tracing::warn!(notification = id, %message, "a failed notification was rejected");
            }
            report.notifications_applied += 1;
            match market.confirm_notification(id).await {
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

async fn check_claimed_instances(
    pool: &DbPool,
    market: &MarketClient,
    notifier: &Notifier,
    report: &mut Report,
) -> anyhow::Result<()> {
    let ids = {
        let mut conn = pool.get().await?;
        AliyunInstance::claimed_and_open(&mut conn).await?
    };
    for id in ids {
        report.instances_checked += 1;
        let status = match market.describe_instance(&id).await {
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
        let now = chrono::Utc::now();
        let mut conn = pool.get().await?;
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

/// Runs [`reconcile_once`] every `interval`, for the life of the process.
pub async fn run(
    pool: DbPool,
    market: MarketClient,
    product_code: String,
    notifier: Notifier,
    interval: Duration,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match reconcile_once(&pool, &market, &product_code, &notifier).await {
            Ok(report) if report != Report::default() => tracing::info!(%report, "reconciled"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "reconciliation failed"),
        }
    }
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
