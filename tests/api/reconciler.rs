use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, all_at_once, spawn_app_with};

const UID: &str = "1234567890123456";

/// Bound to a workspace of `user`'s (which claims it, R2).
async fn claim(user: &TestApp, instance_id: &str) {
    user.add_workspace(
        &format!("ws-{instance_id}"),
        "cn1",
        &[
            ("method", "aliyun"),
            ("ali_uid", UID),
            ("instance_id", instance_id),
        ],
    )
    .await;
}

async fn purchase(app: &TestApp) -> String {
    app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string()
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
    app.wait_for_failed_notification().await;
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("opened"));

    let report = app.reconcile().await;
    assert_eq!(report.notifications_applied, 1);
    assert_eq!(report.notifications_confirmed, 1);
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("released"));
    assert_eq!(market.failed_notifications(1, 10).await.unwrap().total_count, 0);
    let replayed = app
        .count("SELECT count(*) AS n FROM spi_inbox WHERE source = 'failed_notification' AND action = 'releaseInstance'")
        .await;
    assert_eq!(replayed, 1);

    let again = app.reconcile().await;
    assert_eq!(again.notifications_applied, 0);
}

#[tokio::test]
async fn an_instance_closed_without_any_spi_call_is_found_and_released() {
    let app = spawn_app_with(&[]).await;
    let closed_quietly = purchase(&app).await;
    let still_open = purchase(&app).await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    claim(&alice, &closed_quietly).await;
    claim(&alice, &still_open).await;

    app.market_operate(&closed_quietly, "release", false).await;
    assert_eq!(
        app.instance_status(&closed_quietly).await.as_deref(),
        Some("opened")
    );

    let report = app.reconcile().await;
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
    let id = purchase(&app).await;
    app.create_account("alice").await;
    claim(&app.as_user("alice").await, &id).await;
    app.market_operate(&id, "release", false).await;
    let out = app.command(&["reconcile"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 released"));
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("released"));
}

#[tokio::test]
async fn two_reconcile_commands_at_once_both_succeed_and_apply_each_event_once() {
    let app = spawn_app_with(&[("APP_SANDBOX_SPI_RETRY_MS", "20,20")]).await;
    let (lost, silent) = (purchase(&app).await, purchase(&app).await);
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    claim(&alice, &lost).await;
    claim(&alice, &silent).await;
    // One release the marketplace failed to deliver, one it never sent.
    app.market_faults(json!({ "spi_unreachable_seconds": 60 })).await;
    app.market_operate(&lost, "release", true).await;
    app.market_operate(&silent, "release", false).await;
    app.wait_for_failed_notification().await;

    let runs = all_at_once(2, |_| {
        let app = app.clone_handle();
        async move { app.command(&["reconcile"]).await }
    })
    .await;
    for out in &runs {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let replayed = app
        .count("SELECT count(*) AS n FROM spi_inbox WHERE source = 'failed_notification'")
        .await;
    assert_eq!(replayed, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 2);
    assert_eq!(app.count("SELECT count(*) AS n FROM email_outbox").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM settlement_changes WHERE reason IN ('marketplace_release', 'reconciliation')")
            .await,
        2
    );
}

#[tokio::test]
async fn instances_ticking_together_make_one_pass_per_interval() {
    let app = spawn_app_with(&[]).await;
    // The app's own loop made this interval's pass when it started.
    app.wait_for_count("SELECT count(*) AS n FROM job_runs WHERE job = 'reconcile'", 1)
        .await;
    // Three more instances tick at the same moment, each with its own pool:
    // within the interval, none of them asks the marketplace again.
    let interval = Duration::from_secs(600);
    let passes = all_at_once(3, |_| {
        let reconciler = billing_center::marketplace::reconciler::Reconciler {
            pool: billing_center::db::pool(&app.database_url, 2).unwrap(),
            ..app.reconciler()
        };
        async move {
            billing_center::marketplace::reconciler::reconcile_if_due(&reconciler, interval)
                .await
                .unwrap()
        }
    })
    .await;
    assert!(passes.iter().all(Option::is_none), "{passes:?}");
    // Once the interval has passed, the next tick reconciles.
    let due = billing_center::marketplace::reconciler::reconcile_if_due(
        &app.reconciler(),
        Duration::from_millis(1),
    )
    .await
    .unwrap();
    assert!(due.is_some());
}
