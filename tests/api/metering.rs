//! PushMeteringData through the window ledger: once per window whatever the
//! marketplace does, unknown outcomes left to an operator, late windows.

use serde_json::json;

use billing_center::marketplace::metering::{MeteringConfig, push_due, sweep};

use crate::helpers::TestApp;
use crate::money_helpers::{UID, days_ago, failed, hour_of, money_app, record, succeeded};

/// An instance settling one workspace with ¥3.00 of usage on `day`, settled.
async fn one_window(app: &TestApp, day: chrono::NaiveDate) -> String {
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let ws = app.workspace(&alice, "cn1", Some(&instance)).await;
    app.ingest(
        "cn1",
        vec![record(&ws, &hour_of(day, 6), "logs", 2_000_000, Some(14))],
    )
    .await;
    assert_eq!(app.settle(day).await.windows, 1);
    instance
}

/// `billing-center metering resolve` of the window of `instance` on `day`.
fn resolve(app: &TestApp, instance: &str, day: &str, how: &str) -> std::process::Output {
    app.operator(&["metering", "resolve", "--instance", instance, "--day", day, how])
}

#[tokio::test]
async fn a_throttled_or_failing_marketplace_is_retried_and_billed_once() {
    for (fault, count) in [("metering_throttle", 1), ("metering_fail", 2)] {
        let app = money_app(&[]).await;
        app.market_faults(json!({ fault: count })).await;
        one_window(&app, days_ago(1)).await;

        app.wait_for_windows("confirmed", 1).await;
        let pushes = app.pushes().await;
        assert_eq!(pushes.len(), 1, "{fault}");
        assert_eq!(pushes[0]["entities"][0]["Value"], "300");
        let retried = format!(
            "SELECT count(*) AS n FROM metering_windows WHERE attempts = {} AND request_id IS NOT NULL",
            count + 1
        );
        assert_eq!(app.count(&retried).await, 1, "{fault}");
    }
}

#[tokio::test]
async fn a_connection_that_never_opened_is_retried() {
    // Nothing listens on the discard port: the request certainly never left.
    let app = money_app(&[("APP_METERING_POLL_MS", "600000")]).await;
    let instance = one_window(&app, days_ago(1)).await;
    let config = MeteringConfig::from_settings(&crate::helpers::test_settings(&app.database_url, &[]));
    let nowhere = billing_center::marketplace::openapi::MarketClient::new(
        url::Url::parse("http://127.0.0.1:9/").unwrap(),
        "sandbox-ak".into(),
        secrecy::SecretString::from("sandbox-secret"),
        std::time::Duration::from_secs(2),
    );
    let pushed = push_due(&app.pool, &nowhere, &config, 10).await.unwrap();
    assert_eq!(pushed.retrying, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM metering_windows WHERE state = 'pending' AND attempts = 1 AND last_error LIKE '%could not be reached%'")
            .await,
        1
    );
    // Not before the minute is up...
    let pushed = push_due(&app.pool, &app.market_client(), &config, 10)
        .await
        .unwrap();
    assert_eq!(pushed, Default::default());
    // ... after which the next push reaches the marketplace. (The retry
    // waits on the database's clock, which a test cannot move: the row is.)
    app.execute(
        "UPDATE metering_windows SET next_attempt_at = now(), sent_at = now() - interval '61 seconds'",
    )
    .await;
    let pushed = push_due(&app.pool, &app.market_client(), &config, 10)
        .await
        .unwrap();
    assert_eq!(pushed.confirmed, 1);
    assert_eq!(app.pushes().await[0]["instance_id"], instance.as_str());
}

#[tokio::test]
async fn a_push_that_times_out_after_being_recorded_is_unknown_and_never_sent_again() {
    let app = money_app(&[("APP_ALIYUN_OPENAPI_TIMEOUT_MS", "2000")]).await;
    app.market_faults(json!({ "metering_time_out_after_recording": 1 }))
        .await;
    let instance = one_window(&app, days_ago(1)).await;

    app.wait_for_windows("unknown", 1).await;
    assert_eq!(app.pushes().await.len(), 1);
    // However often the pusher runs, an unknown window stays put.
    let config = MeteringConfig::from_settings(&crate::helpers::test_settings(&app.database_url, &[]));
    let pushed = push_due(&app.pool, &app.market_client(), &config, 10)
        .await
        .unwrap();
    assert_eq!(pushed, Default::default());
    assert_eq!(app.pushes().await.len(), 1);

    let listed = succeeded(&app.operator(&["metering", "list", "--state", "unknown"]));
    assert!(
        listed.contains(&instance) && listed.contains("unknown") && listed.contains("1 window(s)."),
        "{listed}"
    );
    let day = days_ago(1).to_string();
    // The operator checked the marketplace: it has the record.
    let resolved = succeeded(&resolve(&app, &instance, &day, "--sent"));
    assert!(resolved.contains("confirmed"), "{resolved}");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM metering_windows WHERE state = 'confirmed' AND resolved_by IS NOT NULL"
        )
        .await,
        1
    );
    // Only unknown, late or rejected windows can be resolved.
    let again = failed(&resolve(&app, &instance, &day, "--retry"));
    assert!(again.contains("--instance"), "{again}");
    let bad = failed(&app.operator(&["metering", "list", "--state", "lost"]));
    assert!(bad.contains("--state"), "{bad}");
}

#[tokio::test]
async fn a_window_the_marketplace_refuses_after_its_cut_off_is_late_until_an_operator_retries() {
    // The sandbox's cut-off is on: a day settled a week late cannot be billed.
    let app = money_app(&[("APP_SANDBOX_METERING_CUTOFF", "on")]).await;
    let day = days_ago(7);
    let instance = one_window(&app, day).await;

    app.wait_for_windows("late", 1).await;
    assert!(app.pushes().await.is_empty());
    let listed = succeeded(&app.operator(&["metering", "list", "--state", "late"]));
    assert!(listed.contains(&instance) && listed.contains("late"), "{listed}");

    let day = day.to_string();
    succeeded(&resolve(&app, &instance, &day, "--retry"));
    // Pushed again, and refused again: the marketplace's clock decides.
    app.wait_for_windows("rejected", 1).await;
    assert!(app.pushes().await.is_empty());
}

#[tokio::test]
async fn a_window_still_waiting_for_a_retry_at_the_cut_off_becomes_late() {
    let app = money_app(&[("APP_METERING_POLL_MS", "600000")]).await;
    let day = days_ago(1);
    one_window(&app, day).await;
    // Settled at 00:30, before its cut-off (whatever the hour of this test):
    // a window's creation time is the database's clock, so the row is moved.
    let cutoff = billing_center::billing::daily_bills::bounds(day).cutoff;
    app.execute(&format!(
        "UPDATE metering_windows SET created_at = '{}'",
        (cutoff - chrono::Duration::minutes(89)).to_rfc3339()
    ))
    .await;
    // Throttled at the first push, the window waits for its retry...
    app.market_faults(json!({ "metering_throttle": 1 })).await;
    let config = MeteringConfig::from_settings(&crate::helpers::test_settings(&app.database_url, &[]));
    push_due(&app.pool, &app.market_client(), &config, 10)
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT count(*) AS n FROM metering_windows WHERE state = 'pending'")
            .await,
        1
    );
    // ... when 01:59 the next day comes.
    sweep(&app.pool, &config, cutoff + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        app.count("SELECT count(*) AS n FROM metering_windows WHERE state = 'late'")
            .await,
        1
    );
    assert!(app.pushes().await.is_empty());
}
