use std::time::Duration;

use billing_center::billing::Refusal;
use billing_center::billing::binding::{Evidence, Market, Target, check};
use billing_center::domain::{AliUid, InstanceId};
use billing_center::marketplace::openapi::{MarketError, MeteringEntity, MeteringRecord};
use billing_center::marketplace::verifier::VerifyFailure;
use serde_json::json;

use crate::helpers::{PRODUCT, TestApp, spawn_app};

const UID: &str = "1234567890123456";

fn record(instance_id: &str, assit: &str) -> MeteringRecord {
    MeteringRecord {
        instance_id: instance_id.into(),
        start_time: "1764172800".into(),
        end_time: "1764259200".into(),
        entities: vec![MeteringEntity {
            key: "Unit".into(),
            value: "1234".into(),
            metering_assit: assit.into(),
        }],
    }
}

async fn purchase(app: &TestApp) -> (String, String) {
    let bought = app.market_purchase(UID).await;
    (
        bought["instance_id"].as_str().unwrap().into(),
        bought["order_id"].as_str().unwrap().into(),
    )
}

#[tokio::test]
async fn every_call_works_against_the_sandbox_with_a_v3_signature() {
    let app = spawn_app().await;
    let market = app.market_client();
    let (id, order_id) = purchase(&app).await;

    let instance = market.describe_instance(&id).await.unwrap();
    assert_eq!(instance.instance_id, id);
    assert_eq!(instance.order_id, order_id);
    assert_eq!(instance.product_code, PRODUCT);
    assert_eq!(instance.status, "OPENED");
    let order = market.describe_order(&order_id).await.unwrap();
    assert_eq!(order.ali_uid, UID);
    assert_eq!(order.pay_status, "PAID");

    let pushed = market
        .push_metering(&[record(&id, "cmgj00053362-Unit-1")])
        .await
        .unwrap();
    assert!(pushed.success);
    let received: Vec<serde_json::Value> = reqwest::get(format!("{}/market/api/metering", app.sandbox))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["instance_id"], id.as_str());
    assert_eq!(received[0]["entities"][0]["Value"], "1234");

    let none = market.failed_notifications(1, 10).await.unwrap();
    assert_eq!(none.total_count, 0);
    assert!(matches!(
        market.describe_instance("1").await,
        Err(MarketError::NotFound { .. })
    ));
    assert!(matches!(
        market.confirm_notification("nope").await,
        Err(MarketError::NotFound { .. })
    ));
}

#[tokio::test]
async fn errors_come_back_as_alibabas_codes() {
    let app = spawn_app().await;
    let (id, _) = purchase(&app).await;
    let wrong = app.market_client_with("not-the-secret", Duration::from_secs(5));
    assert!(matches!(
        wrong.describe_instance(&id).await,
        Err(MarketError::SignatureDoesNotMatch(_))
    ));

    let market = app.market_client();
    market.push_metering(&[record(&id, "a-Unit-1")]).await.unwrap();
    let again = market.push_metering(&[record(&id, "a-Unit-1")]).await;
    assert!(matches!(again, Err(MarketError::FlowControl(_))), "{again:?}");
    let no_assit = market.push_metering(&[record(&id, "")]).await;
    assert!(
        matches!(no_assit, Err(MarketError::InvalidParameter { ref code, .. }) if code == "Invalid.Parameter.Metering")
    );
    let unknown = market.push_metering(&[record("42", "a-Unit-1")]).await;
    assert!(
        matches!(unknown, Err(MarketError::InvalidParameter { ref code, .. }) if code == "Invalid.Parameter.Instance")
    );
}

#[tokio::test]
async fn a_slow_marketplace_times_out_and_a_failing_one_is_transient() {
    let app = spawn_app().await;
    let (id, _) = purchase(&app).await;
    app.market_faults(json!({ "openapi_delay_ms": 1500 })).await;
    let impatient = app.market_client_with("sandbox-secret", Duration::from_millis(200));
    let slow = impatient.describe_instance(&id).await;
    assert!(matches!(slow, Err(MarketError::Timeout(_))), "{slow:?}");
    app.market_faults(json!({ "openapi_delay_ms": 0, "openapi_fail_seconds": 60 }))
        .await;
    let failing = app.market_client().describe_instance(&id).await;
    assert!(
        failing.as_ref().is_err_and(MarketError::is_transient),
        "{failing:?}"
    );
}

/// R1 as binding checks it before its transaction.
async fn verify(app: &TestApp, id: &str, uid: &str) -> Result<Evidence, VerifyFailure> {
    let mut conn = app.pool.get().await.unwrap();
    let sites = billing_center::db::models::site::Site::all(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let target = Target::Aliyun {
        ali_uid: AliUid::parse(uid).unwrap(),
        instance_id: InstanceId::parse(id).unwrap(),
    };
    let client = app.market_client();
    let market = Market {
        client: &client,
        product_code: PRODUCT,
    };
    match check(&app.pool, market, &sites, "cn1", &target, false)
        .await
        .unwrap()
    {
        Ok(evidence) => Ok(evidence),
        Err(Refusal::Instance(failure)) => Err(failure),
        Err(other) => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_verifier_answers_from_our_record_first() {
    let app = spawn_app().await;
    let (id, _) = purchase(&app).await;
    // The marketplace is down, yet our own record answers.
    app.market_faults(json!({ "openapi_fail_seconds": 60 })).await;
    let verified = verify(&app, &id, UID).await.unwrap();
    assert!(verified.from_marketplace().is_none());
    assert_eq!(
        verify(&app, &id, "6543210987654321").await.unwrap_err(),
        VerifyFailure::AccountMismatch
    );
    app.market_operate(&id, "expire", true).await;
    assert_eq!(verify(&app, &id, UID).await.unwrap_err(), VerifyFailure::Expired);
    app.market_operate(&id, "release", true).await;
    assert_eq!(verify(&app, &id, UID).await.unwrap_err(), VerifyFailure::Closed);
}

#[tokio::test]
async fn the_verifier_asks_the_marketplace_about_instances_we_never_heard_of() {
    let app = spawn_app().await;
    // createInstance never reaches us.
    app.market_faults(json!({ "spi_unreachable_seconds": 60 })).await;
    let (id, order_id) = purchase(&app).await;
    assert_eq!(app.instance_status(&id).await, None);

    let evidence = verify(&app, &id, UID).await.unwrap();
    let verified = evidence.from_marketplace().expect("the marketplace's word");
    assert_eq!(verified.order_id, order_id);
    assert_eq!(verified.new_row().ali_uid, UID);
    assert_eq!(
        verify(&app, &id, "6543210987654321").await.unwrap_err(),
        VerifyFailure::AccountMismatch
    );
    assert_eq!(
        verify(&app, "424242", UID).await.unwrap_err(),
        VerifyFailure::UnknownInstance
    );
    app.market_operate(&id, "expire", false).await;
    assert_eq!(verify(&app, &id, UID).await.unwrap_err(), VerifyFailure::Expired);
    app.market_operate(&id, "release", false).await;
    assert_eq!(verify(&app, &id, UID).await.unwrap_err(), VerifyFailure::Closed);
    app.market_faults(json!({ "openapi_fail_seconds": 60 })).await;
    assert_eq!(
        verify(&app, &id, UID).await.unwrap_err(),
        VerifyFailure::Unreachable
    );
}
