//! Pushing the daily metering windows to Alibaba Cloud (`PushMeteringData`,
//! reference §2.3), at most once per window.
//!
//! The marketplace does not deduplicate pushes, so each window goes through
//! `db::models::metering_window`: it is claimed (`sent`, committed), pushed
//! with no transaction open and no pooled connection held, and its outcome
//! recorded in a short statement of its own:
//! - `Success:true` → `confirmed`;
//! - throttling (`Service.Flow.Control`), the marketplace refusing at the door
//!   (503 `ServiceUnavailable`) and connections that never opened → `pending`
//!   again, with a backoff of at least the per-instance interval (one push
//!   per instance per minute);
//! - a timeout once the request was sent, a broken answer, any other server
//!   error → `unknown`: perhaps billed, so never pushed again by itself; an
//!   operator resolves it (`billing-center metering resolve`);
//! - any other refusal → `rejected`, or `late` past the cut-off.
//!
//! Pending windows still unconfirmed at the cut-off (01:59 the next day)
//! become `late` with an alert in the log.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::openapi::{MarketClient, MarketError, MeteringEntity, MeteringRecord, PushResult};
use crate::db::DbPool;
use crate::db::models::metering_window::{self, MeteringWindow, Recorded};

/// How pushes are paced and labelled.
#[derive(Clone, Debug)]
pub struct MeteringConfig {
    /// The billing item id of the `Unit` entity (`meteringAssit`).
    pub assit: String,
    /// The marketplace's interval between two pushes of one instance; the
    /// first retry waits this long, later ones twice as long each time.
    pub spacing: Duration,
    /// After this long without a recorded outcome, a claimed window is `unknown`.
    pub lease: Duration,
}

impl MeteringConfig {
    /// The pusher's configuration.
    pub fn from_settings(settings: &crate::settings::Settings) -> Self {
        MeteringConfig {
            assit: settings.billing.metering_assit.clone(),
            spacing: settings.billing.metering_interval,
            // Long enough for any push to have timed out and been recorded.
            lease: settings.aliyun.openapi_timeout + Duration::from_secs(60),
        }
    }
}

/// What one round of pushing did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pushed {
    pub confirmed: usize,
    pub retrying: usize,
    pub unknown: usize,
    pub refused: usize,
}

impl std::fmt::Display for Pushed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} confirmed, {} to retry, {} unknown, {} refused",
            self.confirmed, self.retrying, self.unknown, self.refused
        )
    }
}

/// The one record of a window: the day's total in 0.01 CNY as `Unit`.
pub fn record_of(window: &MeteringWindow, assit: &str) -> MeteringRecord {
    MeteringRecord {
        instance_id: window.instance_id.clone(),
        start_time: window.start_time.to_string(),
        end_time: window.end_time.to_string(),
        entities: vec![MeteringEntity {
            key: "Unit".into(),
            value: window.amount_cents.to_string(),
            metering_assit: assit.to_string(),
        }],
    }
}

/// How a push ended, as far as billing is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Confirmed(String),
    Retry(String),
    Unknown(String),
    Refused(String),
}

fn classify(result: Result<PushResult, MarketError>) -> Outcome {
    match result {
        Ok(answer) if answer.success => Outcome::Confirmed(answer.request_id),
        Ok(_) => Outcome::Refused("the marketplace answered Success=false".into()),
        Err(e @ (MarketError::FlowControl(_) | MarketError::NotSent(_))) => Outcome::Retry(e.to_string()),
        Err(e @ MarketError::Other { status: 503, .. }) => Outcome::Retry(e.to_string()),
        Err(e @ (MarketError::Timeout(_) | MarketError::Unreachable(_) | MarketError::Malformed(_))) => {
            Outcome::Unknown(e.to_string())
        }
        Err(e @ MarketError::Other { status, .. }) if status >= 500 => Outcome::Unknown(e.to_string()),
        Err(e) => Outcome::Refused(e.to_string()),
    }
}

/// The wait before retry number `attempts` (1, 2, ...): the spacing, doubled
/// each time, at most 16 times the spacing.
fn backoff(attempts: i32, spacing: Duration) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(4);
    spacing.saturating_mul(1 << doublings)
}

/// Pushes every due window (at most `limit`), one request per window.
pub async fn push_due(
    pool: &DbPool,
    market: &MarketClient,
    config: &MeteringConfig,
    limit: usize,
) -> anyhow::Result<Pushed> {
    let mut pushed = Pushed::default();
    for _ in 0..limit {
        let claimed = {
            let mut conn = pool.get().await?;
            metering_window::claim_due(&mut conn, config.spacing).await?
        };
        let Some(window) = claimed else {
            break;
        };
        // No connection is held while the marketplace answers.
        let outcome = classify(market.push_metering(&[record_of(&window, &config.assit)]).await);
        let now = Utc::now();
        let recorded = match &outcome {
            Outcome::Confirmed(request_id) => {
                pushed.confirmed += 1;
                Recorded::Confirmed(request_id)
            }
            Outcome::Retry(error) => {
                pushed.retrying += 1;
                let wait = chrono::Duration::from_std(backoff(window.attempts, config.spacing))
                    .unwrap_or(chrono::Duration::MAX);
                Recorded::Retry {
                    error,
                    at: now + wait,
                }
            }
            Outcome::Unknown(error) => {
                pushed.unknown += 1;
                tracing::error!(instance_id = %window.instance_id, day = %window.day, %error,
                    "a metering push may or may not have been billed: resolve it with `billing-center metering resolve`");
                Recorded::Unknown(error)
            }
            Outcome::Refused(error) => {
                pushed.refused += 1;
                let late = window.cutoff.is_some_and(|c| now > c);
                tracing::error!(instance_id = %window.instance_id, day = %window.day, %error, late,
                    "the marketplace refused a metering push");
                Recorded::Refused { error, late }
            }
        };
        let mut conn = pool.get().await?;
        if !metering_window::record(&mut conn, &window, &recorded).await? {
            tracing::warn!(instance_id = %window.instance_id, day = %window.day, ?outcome,
                "a metering window changed while it was being pushed; its outcome was not recorded");
        }
    }
    Ok(pushed)
}

/// Marks windows whose push was abandoned `unknown` and those past the
/// cut-off `late`, with an alert for each.
pub async fn sweep(pool: &DbPool, config: &MeteringConfig, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    for w in metering_window::mark_abandoned(&mut conn, config.lease).await? {
        tracing::error!(instance_id = %w.instance_id, day = %w.day,
            "a metering push got no recorded outcome: it is unknown until an operator resolves it");
    }
    for w in metering_window::mark_late(&mut conn, now).await? {
        tracing::error!(instance_id = %w.instance_id, day = %w.day, amount_cents = w.amount_cents,
            "ALERT: a metering window missed the marketplace's cut-off and will not be billed by Alibaba Cloud");
    }
    Ok(())
}

/// The pusher: every `poll`, push what is due, then sweep.
pub async fn run(pool: DbPool, market: MarketClient, config: MeteringConfig, poll: Duration) {
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = push_due(&pool, &market, &config, 1_000).await {
            tracing::warn!(error = %format!("{e:#}"), "metering push");
        }
        if let Err(e) = sweep(&pool, &config, Utc::now()).await {
            tracing::warn!(error = %format!("{e:#}"), "metering sweep");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(status: u16, code: &str) -> MarketError {
        MarketError::Other {
            status,
            code: code.into(),
            message: String::new(),
        }
    }

    #[test]
    fn only_pushes_that_certainly_were_not_billed_are_retried() {
        let retry = |e| matches!(classify(Err(e)), Outcome::Retry(_));
        let unknown = |e| matches!(classify(Err(e)), Outcome::Unknown(_));
        assert!(retry(MarketError::FlowControl("slow down".into())));
        assert!(retry(MarketError::NotSent("connection refused".into())));
        assert!(retry(other(503, "ServiceUnavailable")));
        assert!(unknown(MarketError::Timeout(Duration::from_secs(5))));
        assert!(unknown(MarketError::Unreachable("connection reset".into())));
        assert!(unknown(MarketError::Malformed("not JSON".into())));
        assert!(unknown(other(500, "UnknownError")));
        assert!(matches!(
            classify(Err(MarketError::InvalidParameter {
                code: "Invalid.Parameter.Instance".into(),
                message: String::new()
            })),
            Outcome::Refused(_)
        ));
        assert_eq!(
            classify(Ok(PushResult {
                request_id: "R".into(),
                success: true
            })),
            Outcome::Confirmed("R".into())
        );
    }

    #[test]
    fn retries_wait_at_least_the_per_instance_interval_and_back_off() {
        let minute = Duration::from_secs(60);
        assert_eq!(backoff(1, minute), minute);
        assert_eq!(backoff(2, minute), 2 * minute);
        assert_eq!(backoff(3, minute), 4 * minute);
        assert_eq!(backoff(9, minute), 16 * minute);
    }
}
