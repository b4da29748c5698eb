use std::time::{Duration, Instant};

use billing_center::marketplace::reconciler::reconcile_once;
use serde_json::json;

use crate::helpers::{PRODUCT, TestApp, spawn_app_with};

const UID: &str = "1234567890123456";

async fn claim(app: &TestApp, instance_id: &str) {
    let account = app.create_account("alice").await;
    app.execute(&format!(
        "UPDATE aliyun_instances SET claimed_by = {} WHERE instance_id = '{instance_id}'",
        account.id
    ))
    .await;
}

#[tokio::test]
async fn a_release_the_marketplace_could_not_deliver_is_replayed_and_confirmed_once() {
    let app = spawn_app_with(&[("APP_SANDBOX_SPI_RETRY_MS", "20,20")]).await;
    let market = app.market_client();
    let bought = app.market_purchase(UID).await;
    let id = bought["instance_id"].as_str().unwrap().to_string();

    app.market_faults(json!({ "spi_unreachable_seconds": 60 })).await;
    let closed = app.market_operate(&id, "release", true).await;
    assert_eq!(closed["delivered"], false);
    // The marketplace retries twice, then gives up and keeps it for the ISV to pull.
    let deadline = Instant::now() + Duration::from_secs(15);
    while market.failed_notifications(1, 10).await.unwrap().total_count == 0 {
        assert!(
            Instant::now() < deadline,
            "the release becomes a failed notification"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("opened"));

    let report = reconcile_once(&app.pool, &market, PRODUCT, &app.notifier())
        .await
        .unwrap();
    assert_eq!(report.notifications_applied, 1);
    assert_eq!(report.notifications_confirmed, 1);
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("released"));
    assert_eq!(market.failed_notifications(1, 10).await.unwrap().total_count, 0);
    let replayed = app
        .count("SELECT count(*) AS n FROM spi_inbox WHERE source = 'failed_notification' AND action = 'releaseInstance'")
        .await;
    assert_eq!(replayed, 1);

    let again = reconcile_once(&app.pool, &market, PRODUCT, &app.notifier())
        .await
        .unwrap();
    assert_eq!(again.notifications_applied, 0);
}

#[tokio::test]
async fn an_instance_closed_without_any_spi_call_is_found_and_released() {
    let app = spawn_app_with(&[]).await;
    let market = app.market_client();
    let closed_quietly = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let still_open = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    claim(&app, &closed_quietly).await;
    app.execute(&format!("UPDATE aliyun_instances SET claimed_by = (SELECT id FROM accounts) WHERE instance_id = '{still_open}'")).await;

    app.market_operate(&closed_quietly, "release", false).await;
    assert_eq!(
        app.instance_status(&closed_quietly).await.as_deref(),
        Some("opened")
    );

    let report = reconcile_once(&app.pool, &market, PRODUCT, &app.notifier())
        .await
        .unwrap();
    assert_eq!(report.instances_checked, 2);
    assert_eq!(report.instances_released, 1);
    assert_eq!(
        app.instance_status(&closed_quietly).await.as_deref(),
        Some("released")
    );
    assert_eq!(app.instance_status(&still_open).await.as_deref(), Some("opened"));
}

#[tokio::test]
async fn the_reconcile_command_runs_once_and_reports() {
    let app = spawn_app_with(&[]).await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    claim(&app, &id).await;
    app.market_operate(&id, "release", false).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_billing-center"))
        .arg("reconcile")
        .env("DATABASE_URL", &app.database_url)
        .env("APP_ALIYUN_MARKET_ENDPOINT", format!("{}/", app.sandbox))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 released"));
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("released"));
}
