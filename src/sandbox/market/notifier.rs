//! The marketplace's SPI caller. Like Alibaba it signs every call with the
//! ISV's key, sends the parameters as a GET query string, and retries:
//! `createInstance` until the ISV answers a non-zero instanceId (at most 120
//! times), the other actions on the configured schedule, after which they
//! become failed notifications for `DescribeFailedNotifications`.

use chrono::Utc;
use diesel_async::AsyncConnection;
use secrecy::ExposeSecret;

use super::Market;
use super::store::{self, Delivery};

/// Alibaba re-calls createInstance up to this many times.
const CREATE_ATTEMPTS: i32 = 120;
/// How often the retry worker looks for due calls.
const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Queues a call and makes its first attempt now; `true` when it was delivered.
pub async fn notify(
    market: &Market,
    instance_id: &str,
    action: &str,
    params: serde_json::Value,
) -> anyhow::Result<bool> {
    let delivery = {
        let mut conn = market.pool.get().await?;
        store::queue(&mut conn, instance_id, action, &params).await?
    };
    try_delivery(market, &delivery).await
}

/// One attempt, recorded; `true` when delivered.
async fn try_delivery(market: &Market, delivery: &Delivery) -> anyhow::Result<bool> {
    let result = call(market, delivery).await;
    let mut conn = market.pool.get().await?;
    let retry_at = result.is_err().then(|| next_attempt(market, delivery)).flatten();
    match &result {
        Ok(()) => store::record_attempt(&mut conn, delivery, Ok(()), None).await?,
        Err(e) => {
            tracing::info!(action = %delivery.action, instance_id = %delivery.instance_id, error = %e, "sandbox SPI call failed");
            store::record_attempt(&mut conn, delivery, Err(e), retry_at).await?;
        }
    }
    Ok(result.is_ok())
}

/// When to try again after the attempt now failing, or `None` to give up.
fn next_attempt(market: &Market, delivery: &Delivery) -> Option<chrono::DateTime<Utc>> {
    let failed_so_far = usize::try_from(delivery.attempts).unwrap_or(0);
    let wait = if delivery.action == "createInstance" {
        (delivery.attempts + 1 < CREATE_ATTEMPTS)
            .then(|| market.retry.get(failed_so_far).or(market.retry.last()).copied())
            .flatten()?
    } else {
        *market.retry.get(failed_so_far)?
    };
    Some(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
}

/// Sends one signed call and judges the answer like Alibaba does.
async fn call(market: &Market, delivery: &Delivery) -> Result<(), String> {
    if market.faults.spi_unreachable() {
        return Err("connection refused (simulated fault)".into());
    }
    let mut pairs: Vec<(String, String)> = vec![("action".into(), delivery.action.clone())];
    for (k, v) in delivery.params.as_object().into_iter().flatten() {
        pairs.push((
            k.clone(),
            v.as_str().map_or_else(|| v.to_string(), str::to_string),
        ));
    }
    crate::marketplace::token::sign(&mut pairs, market.spi_key.expose_secret());
    let response = market
        .http
        .get(market.spi_url.clone())
        .query(&pairs)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| format!("HTTP {status}, not JSON: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {body}"));
    }
    if delivery.action == "createInstance" {
        let instance_id = body
            .get("instanceId")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string));
        match instance_id {
            Some(id) if !id.is_empty() && id != "0" => {
                let app = body.get("appInfo");
                let url = |key: &str| {
                    app.and_then(|a| a.get(key))
                        .and_then(|u| u.as_str())
                        .map(str::to_string)
                };
                let mut conn = market.pool.get().await.map_err(|e| e.to_string())?;
                store::set_app_info(
                    &mut conn,
                    &delivery.instance_id,
                    url("frontEndUrl").as_deref(),
                    url("authUrl").as_deref(),
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(())
            }
            _ => Err(format!("no instanceId in {body}")),
        }
    } else {
        match body.get("success") {
            Some(serde_json::Value::Bool(true)) => Ok(()),
            Some(serde_json::Value::String(s)) if s == "true" => Ok(()),
            _ => Err(format!("not a success: {body}")),
        }
    }
}

/// Retries due calls forever.
pub async fn run(market: std::sync::Arc<Market>) {
    loop {
        if let Err(e) = retry_due(&market).await {
            tracing::warn!(error = %format!("{e:#}"), "sandbox SPI retry worker");
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn retry_due(market: &Market) -> anyhow::Result<()> {
    let mut conn = market.pool.get().await?;
    conn.transaction(async |conn| {
        for delivery in store::claim_due(conn, 20).await? {
            let result = call(market, &delivery).await;
            let retry_at = result.is_err().then(|| next_attempt(market, &delivery)).flatten();
            store::record_attempt(
                conn,
                &delivery,
                result.as_ref().map(|_| ()).map_err(String::as_str),
                retry_at,
            )
            .await?;
        }
        Ok::<_, anyhow::Error>(())
    })
    .await
}
