//! `POST /api/v1/usage`: keys, validation by index, all or nothing,
//! idempotency, replacement, and settled days.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::money_helpers::{UID, days_ago, hour_of, key_of, record};

#[tokio::test]
async fn usage_needs_the_key_of_its_own_site() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let body =
        json!({ "site": "cn1", "records": [record(&ws, &hour_of(days_ago(1), 3), "logs", 10, Some(14))] });

    let none = reqwest::Client::new()
        .post(app.url("/api/v1/usage"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert!(
        none.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(app.post_usage("sandbox-ingest-cn9", &body).await.0, 401);
    // A valid key, but of another site.
    assert_eq!(app.post_usage(&key_of("cn2"), &body).await.0, 401);
    assert_eq!(app.count("SELECT count(*) AS n FROM usage_records").await, 0);

    let (status, answer) = app.post_usage(&key_of("cn1"), &body).await;
    assert_eq!(
        (status, answer),
        (200, json!({ "accepted": 1, "replaced": 0, "unchanged": 0 }))
    );
}

#[tokio::test]
async fn every_bad_record_is_listed_by_index_and_nothing_is_stored() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let elsewhere = app.workspace(&alice, "cn2", None).await;
    let day = days_ago(1);
    let future = (chrono::Utc::now() + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:00:00Z")
        .to_string();
    let records = vec![
        record(&ws, &hour_of(day, 1), "logs", 10, Some(14)), // 0: fine
        record(
            "wksp_00000000000000000000000000000000",
            &hour_of(day, 1),
            "logs",
            1,
            Some(14),
        ), // 1
        record(&elsewhere, &hour_of(day, 1), "logs", 1, Some(14)), // 2: another site's
        record(&ws, &hour_of(day, 1), "bogus", 1, Some(14)), // 3
        record(&ws, &hour_of(day, 2), "logs", 1, Some(13)),  // 4: not a tier
        record(&ws, &hour_of(day, 3), "logs", 1, None),      // 5: tiered, no retention
        json!({ "workspace_id": ws, "hour": "2026-11-27T08:30:00Z", "item": "trace", "quantity": 1, "retention_days": 7 }), // 6
        record(&ws, &future, "trace", 1, Some(7)), // 7
        record(&ws, &hour_of(days_ago(40), 1), "trace", 1, Some(7)), // 8
        json!({ "workspace_id": ws, "hour": hour_of(day, 4), "item": "trace", "quantity": -3, "retention_days": 7 }), // 9
        json!({ "workspace_id": ws, "hour": hour_of(day, 4), "item": "trace", "quantity": 1.5, "retention_days": 7 }), // 10
        record(&ws, &hour_of(day, 1), "logs", 11, Some(14)), // 11: repeats 0
        json!(["not", "an", "object"]),                      // 12
        record(&ws, &hour_of(day, 5), "trigger", 5, Some(9)), // 13: fine, untiered
    ];
    let (status, answer) = app
        .post_usage(&key_of("cn1"), &json!({ "site": "cn1", "records": records }))
        .await;
    assert_eq!(status, 422, "{answer}");
    let errors: Vec<(u64, String)> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = [
        (1, "workspace_id"),
        (2, "workspace_id"),
        (3, "item"),
        (4, "retention_days"),
        (5, "retention_days"),
        (6, "hour"),
        (7, "hour"),
        (8, "hour"),
        (9, "quantity"),
        (10, "quantity"),
        (11, "hour"),
        (12, "record"),
    ]
    .iter()
    .map(|(i, f)| (*i, f.to_string()))
    .collect();
    assert_eq!(errors, expected, "{answer}");
    let message = |i: usize| answer["errors"][i]["message"].as_str().unwrap().to_string();
    assert_eq!(message(3), "must be one of the item's tiers: 3, 7, 14, 30, 60");
    assert_eq!(message(5), "must be on the hour");
    assert_eq!(message(6), "is in the future");
    assert_eq!(message(7), "is more than 35 days ago");
    assert_eq!(app.count("SELECT count(*) AS n FROM usage_records").await, 0);

    // Without the bad ones, the same request goes through whole.
    let good: Vec<Value> = vec![records[0].clone(), records[13].clone()];
    let (status, answer) = app
        .post_usage(&key_of("cn1"), &json!({ "site": "cn1", "records": good }))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["accepted"], 2);
    // An item without tiers has one price for any retention.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM usage_records WHERE item = 'trigger' AND retention_days = 0")
            .await,
        1
    );
}

#[tokio::test]
async fn the_same_record_again_is_a_no_op_and_a_new_quantity_replaces_it() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let day = days_ago(2);
    let first = vec![
        record(&ws, &hour_of(day, 8), "logs", 1_000, Some(14)),
        record(&ws, &hour_of(day, 9), "logs", 2_000, Some(14)),
    ];
    assert_eq!(
        app.ingest("cn1", first.clone()).await,
        json!({ "accepted": 2, "replaced": 0, "unchanged": 0 })
    );
    assert_eq!(
        app.ingest("cn1", first).await,
        json!({ "accepted": 0, "replaced": 0, "unchanged": 2 })
    );
    let changed = vec![
        record(&ws, &hour_of(day, 8), "logs", 1_000, Some(14)),
        record(&ws, &hour_of(day, 9), "logs", 2_500, Some(30)),
        record(&ws, &hour_of(day, 10), "logs", 1, Some(14)),
    ];
    assert_eq!(
        app.ingest("cn1", changed).await,
        json!({ "accepted": 1, "replaced": 1, "unchanged": 1 })
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM usage_records WHERE quantity = 2500 AND retention_days = 30")
            .await,
        1
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM usage_records").await, 3);
}

#[tokio::test]
async fn a_settled_day_takes_the_same_records_again_but_refuses_changes_with_409() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let (settled, open) = (days_ago(2), days_ago(1));
    let sent = vec![
        record(&ws, &hour_of(settled, 8), "logs", 1_000_000, Some(14)),
        record(&ws, &hour_of(open, 8), "logs", 1_000_000, Some(14)),
    ];
    app.ingest("cn1", sent.clone()).await;
    app.settle(settled).await;

    assert_eq!(app.ingest("cn1", sent).await["unchanged"], 2);
    let changes = vec![
        record(&ws, &hour_of(open, 9), "logs", 5, Some(14)), // 0: open day, fine
        record(&ws, &hour_of(settled, 8), "logs", 7, Some(14)), // 1: changes a settled hour
        record(&ws, &hour_of(settled, 23), "pv", 7, Some(3)), // 2: new on a settled day
    ];
    let (status, answer) = app
        .post_usage(&key_of("cn1"), &json!({ "site": "cn1", "records": changes }))
        .await;
    assert_eq!(status, 409, "{answer}");
    let indexes: Vec<u64> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2]);
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("settled")
    );
    // All or nothing: the open day's record was not stored either.
    assert_eq!(app.count("SELECT count(*) AS n FROM usage_records").await, 2);
    assert_eq!(app.count("SELECT count(*) AS n FROM bill_lines").await, 1);
}

#[tokio::test]
async fn oversized_requests_are_413_and_malformed_ones_400() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let hour = hour_of(days_ago(1), 1);
    let many: Vec<Value> = (0..10_001)
        .map(|_| record(&ws, &hour, "logs", 1, Some(14)))
        .collect();
    let (status, _) = app
        .post_usage(&key_of("cn1"), &json!({ "site": "cn1", "records": many }))
        .await;
    assert_eq!(status, 413);

    let huge = format!(
        r#"{{"site":"cn1","records":[],"pad":"{}"}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/usage"))
        .bearer_auth(key_of("cn1"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    let res = reqwest::Client::new()
        .post(app.url("/api/v1/usage"))
        .bearer_auth(key_of("cn1"))
        .body("{\"site\":\"cn1\",\"records\":")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("records"));
}

#[tokio::test]
async fn locked_workspaces_still_report_usage_and_are_billed_for_it() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let ws = app.workspace(&alice, "cn1", Some(&instance)).await;
    // The instance expired 20 days ago; the sweeper locked the workspace
    // when its 14 days of grace ended (R7).
    let expired = Utc::now() - Duration::days(20);
    app.clock.set(expired);
    app.market_operate(&instance, "expire", true).await;
    app.clock.set(expired + Duration::days(14) + Duration::seconds(1));
    app.wait_for_count(
        &format!("SELECT count(*) AS n FROM workspaces WHERE id = '{ws}' AND status = 'locked'"),
        1,
    )
    .await;
    app.clock.set(Utc::now());
    let day = days_ago(1);
    app.ingest(
        "cn1",
        vec![record(&ws, &hour_of(day, 1), "logs", 2_000_000, Some(14))],
    )
    .await;
    let settled = app.settle(day).await;
    assert_eq!(settled.bills, 1);
    assert_eq!(settled.total, rust_decimal::Decimal::new(300, 2));
    // Long after the expiry: the Billing Center account pays, nothing is pushed.
    assert_eq!((settled.charges, settled.windows), (1, 0));
}

#[tokio::test]
async fn requests_beyond_the_ingest_slots_wait_their_turn_and_are_all_stored() {
    // One slot: the memory of requests in hand is bounded, none is refused.
    let app = crate::helpers::spawn_app_with(&[("APP_INGEST_CONCURRENCY", "1")]).await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let day = days_ago(1);
    let bodies: Vec<Value> = (0..4)
        .map(|hour| json!({ "site": "cn1", "records": [record(&ws, &hour_of(day, hour), "logs", 10, Some(14))] }))
        .collect();
    let key = key_of("cn1");
    let answers = futures_util::future::join_all(bodies.iter().map(|body| app.post_usage(&key, body))).await;
    for (status, answer) in answers {
        assert_eq!(
            (status, answer),
            (200, json!({ "accepted": 1, "replaced": 0, "unchanged": 0 }))
        );
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM usage_records").await, 4);
}
