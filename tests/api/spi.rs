use serde_json::json;

use crate::helpers::{PRODUCT, TestApp, all_at_once, spawn_app};

const UID: &str = "1234567890123456";

async fn create(app: &TestApp, order_biz_id: &str) -> (u16, serde_json::Value) {
    app.spi_json(&[
        ("action", "createInstance"),
        ("aliUid", UID),
        ("orderBizId", order_biz_id),
        ("orderId", "205060317920890"),
        ("productCode", PRODUCT),
        ("skuId", "cmgj00053362-postpay"),
        ("trial", "false"),
    ])
    .await
}

async fn inbox(app: &TestApp) -> i64 {
    app.count("SELECT count(*) AS n FROM spi_inbox").await
}

#[tokio::test]
async fn create_instance_answers_with_the_order_biz_id_and_app_info() {
    let app = spawn_app().await;
    let (status, body) = create(&app, "70001").await;
    assert_eq!(status, 200);
    assert_eq!(body["instanceId"], "70001");
    assert_eq!(body["appInfo"]["frontEndUrl"], format!("{}/", app.address));
    assert_eq!(
        body["appInfo"]["authUrl"],
        format!("{}/api/aliyun/spi", app.address)
    );
    assert_eq!(app.instance_status("70001").await.as_deref(), Some("opened"));
    let recorded = app
        .count("SELECT count(*) AS n FROM spi_inbox WHERE action = 'createInstance' AND instance_id = '70001' AND outcome = 'applied' AND NOT params ? 'token'")
        .await;
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn duplicate_and_concurrent_create_instance_calls_make_one_instance() {
    let app = spawn_app().await;
    let first = create(&app, "70002").await;
    let ids = ["70002", "70002", "70003", "70003"];
    let answers = all_at_once(ids.len(), |i| {
        let app = app.clone_handle();
        async move { create(&app, ids[i]).await }
    })
    .await;
    for ((status, body), id) in std::iter::once(first)
        .chain(answers)
        .zip(["70002"].iter().chain(&ids))
    {
        assert_eq!(status, 200);
        assert_eq!(body["instanceId"], *id);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM aliyun_instances").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM spi_inbox WHERE outcome = 'applied'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM spi_inbox WHERE outcome = 'unchanged'")
            .await,
        3
    );
}

#[tokio::test]
async fn calls_with_a_bad_or_missing_token_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let q = "action=createInstance&aliUid=1234567890123456&orderBizId=70004&orderId=1&productCode=cmgj00053362&skuId=s&trial=false";
    for query in [
        q.to_string(),
        format!("{q}&token=0123456789abcdef0123456789abcdef"),
    ] {
        let res = app
            .client
            .get(app.url(&format!("/api/aliyun/spi?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body, json!({ "success": false, "message": "invalid token" }));
    }
    // A token signed for other values.
    let mut pairs: Vec<(String, String)> = vec![
        ("action".into(), "releaseInstance".into()),
        ("instanceId".into(), "1".into()),
    ];
    billing_center::marketplace::token::sign(&mut pairs, crate::helpers::SPI_KEY);
    pairs[1].1 = "2".into();
    let res = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(inbox(&app).await, 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM aliyun_instances").await, 0);
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("spi_rejected_total{reason=\"token\"} 3"),
        "{metrics}"
    );
}

#[tokio::test]
async fn unknown_extra_parameters_are_accepted_and_covered_by_the_token() {
    let app = spawn_app().await;
    let (status, body) = app
        .spi_json(&[
            ("action", "createInstance"),
            ("aliUid", UID),
            ("orderBizId", "70005"),
            ("orderId", "1"),
            ("productCode", PRODUCT),
            ("skuId", "s"),
            ("trial", "true"),
            ("package_version", "yuncode5801000001"),
            ("Count", "2"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let extra = app
        .count("SELECT count(*) AS n FROM aliyun_instances WHERE extra = '{\"Count\": \"2\", \"package_version\": \"yuncode5801000001\"}' AND trial")
        .await;
    assert_eq!(extra, 1);

    // The same call with an unsigned parameter appended is refused.
    let mut pairs: Vec<(String, String)> = vec![
        ("action".into(), "expiredInstance".into()),
        ("instanceId".into(), "70005".into()),
    ];
    billing_center::marketplace::token::sign(&mut pairs, crate::helpers::SPI_KEY);
    pairs.push(("sneaky".into(), "1".into()));
    let res = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.instance_status("70005").await.as_deref(), Some("opened"));
}

#[tokio::test]
async fn parameters_may_come_in_any_order_encoding_or_as_a_form_body() {
    let app = spawn_app().await;
    create(&app, "70006").await;
    let mut pairs: Vec<(String, String)> = vec![
        ("instanceId".into(), "70006".into()),
        ("action".into(), "renewInstance".into()),
        ("expiredOn".into(), "2030-01-01 08:00:00".into()),
        ("orderId".into(), "9".into()),
    ];
    billing_center::marketplace::token::sign(&mut pairs, crate::helpers::SPI_KEY);
    // A form body, with a different parameter order and %20 instead of +.
    pairs.reverse();
    let body: String = pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                billing_center::marketplace::signature::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let res = app
        .client
        .post(app.url("/api/aliyun/spi"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        json!({ "success": true })
    );
    let renewed = app
        .count("SELECT count(*) AS n FROM aliyun_instances WHERE expires_on = '2030-01-01 00:00:00+00' AND order_ids = '{205060317920890,9}'")
        .await;
    assert_eq!(renewed, 1);
}

#[tokio::test]
async fn each_lifecycle_action_answers_success_and_changes_the_state() {
    let app = spawn_app().await;
    create(&app, "70007").await;
    let id = "70007";
    let ok = json!({ "success": true });

    let (s, b) = app
        .spi_json(&[
            ("action", "upgradeInstance"),
            ("instanceId", id),
            ("skuId", "bigger"),
            ("Count", "5"),
        ])
        .await;
    assert_eq!((s, b), (200, ok.clone()));
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM aliyun_instances WHERE sku_id = 'bigger' AND extra->>'Count' = '5'"
        )
        .await,
        1
    );

    let renew = [
        ("action", "renewInstance"),
        ("instanceId", id),
        ("orderId", "2"),
        ("expiredOn", "2031-05-01 00:00:00"),
    ];
    assert_eq!(app.spi_json(&renew).await, (200, ok.clone()));
    // Renew sets, never adds: a replay changes nothing.
    assert_eq!(app.spi_json(&renew).await, (200, ok.clone()));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM aliyun_instances WHERE expires_on = '2031-04-30 16:00:00+00'")
            .await,
        1
    );

    // A refunded renewal moves the expiry back.
    let refund = [
        ("action", "refundRenewInstance"),
        ("instanceId", id),
        ("expiredOn", "2020-01-01 00:00:00"),
    ];
    assert_eq!(app.spi_json(&refund).await, (200, ok.clone()));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM aliyun_instances WHERE expires_on < '2021-01-01'")
            .await,
        1
    );

    assert_eq!(
        app.spi_json(&[("action", "expiredInstance"), ("instanceId", id)])
            .await,
        (200, ok.clone())
    );
    assert_eq!(app.instance_status(id).await.as_deref(), Some("expired"));

    // A renewal into the future reopens it.
    let reopen = [
        ("action", "renewInstance"),
        ("instanceId", id),
        ("orderId", "3"),
        ("expiredOn", "2032-01-01 00:00:00"),
    ];
    assert_eq!(app.spi_json(&reopen).await, (200, ok.clone()));
    assert_eq!(app.instance_status(id).await.as_deref(), Some("opened"));

    let release = [
        ("action", "releaseInstance"),
        ("instanceId", id),
        ("isRefund", "false"),
    ];
    assert_eq!(app.spi_json(&release).await, (200, ok.clone()));
    assert_eq!(app.instance_status(id).await.as_deref(), Some("released"));

    // Nothing brings a released instance back.
    assert_eq!(app.spi_json(&reopen).await, (200, ok.clone()));
    assert_eq!(create(&app, id).await.1["instanceId"], id);
    assert_eq!(app.instance_status(id).await.as_deref(), Some("released"));
}

#[tokio::test]
async fn release_and_expiry_of_unknown_instances_are_successful_no_ops() {
    let app = spawn_app().await;
    for action in ["releaseInstance", "expiredInstance", "renewInstance"] {
        let (s, b) = app
            .spi_json(&[
                ("action", action),
                ("instanceId", "99999"),
                ("expiredOn", "2030-01-01 00:00:00"),
            ])
            .await;
        assert_eq!((s, b), (200, json!({ "success": true })), "{action}");
    }
    // Remembered as released (the later expiry does not change that), with no details.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM aliyun_instances WHERE status = 'released' AND ali_uid IS NULL")
            .await,
        1
    );
    for (action, outcome) in [
        ("releaseInstance", "unknown instance, remembered"),
        ("expiredInstance", "unchanged"),
        ("renewInstance", "unknown instance"),
    ] {
        let recorded = app
            .count(&format!(
                "SELECT count(*) AS n FROM spi_inbox WHERE action = '{action}' AND outcome = '{outcome}'"
            ))
            .await;
        assert_eq!(recorded, 1, "{action}");
    }
}

#[tokio::test]
async fn a_create_arriving_after_the_release_or_expiry_of_its_order_leaves_the_instance_ended() {
    let app = spawn_app().await;
    // Reordered (or Alibaba retrying its create after the buyer closed it).
    for (id, ending, ended) in [
        ("70101", "releaseInstance", "released"),
        ("70102", "expiredInstance", "expired"),
    ] {
        assert_eq!(
            app.spi_json(&[("action", ending), ("instanceId", id)]).await.0,
            200
        );
        let (status, body) = app
            .spi_json(&[
                ("action", "createInstance"),
                ("aliUid", UID),
                ("orderBizId", id),
                ("orderId", "1"),
                ("productCode", "cmgj00053362"),
                ("skuId", "s"),
                ("trial", "false"),
            ])
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["instanceId"], id, "the create is answered as usual");
        assert_eq!(app.instance_status(id).await.as_deref(), Some(ended), "{id}");
    }
    // A released one cannot be bound by anyone.
    app.create_account("alice").await;
    app.login("alice").await;
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[
                ("workspace_name", "Late"),
                ("workspace_language", "en"),
                ("site", "cn1"),
                ("method", "aliyun"),
                ("ali_uid", UID),
                ("instance_id", "70101"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 0);
    // An expiry after the release does not reopen the door.
    app.spi_json(&[("action", "releaseInstance"), ("instanceId", "70103")])
        .await;
    app.spi_json(&[("action", "expiredInstance"), ("instanceId", "70103")])
        .await;
    create(&app, "70103").await;
    assert_eq!(app.instance_status("70103").await.as_deref(), Some("released"));
}

#[tokio::test]
async fn a_late_expiry_after_a_renewal_is_ignored() {
    let app = spawn_app().await;
    create(&app, "70008").await;
    app.spi_json(&[
        ("action", "renewInstance"),
        ("instanceId", "70008"),
        ("expiredOn", "2035-01-01 00:00:00"),
    ])
    .await;
    let (s, _) = app
        .spi_json(&[("action", "expiredInstance"), ("instanceId", "70008")])
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.instance_status("70008").await.as_deref(), Some("opened"));
}

#[tokio::test]
async fn bad_input_gets_a_json_message_and_changes_nothing() {
    let app = spawn_app().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("instanceId", "1")], "missing parameter: action"),
        (vec![("action", "fly")], "unknown action: fly"),
        (
            vec![("action", "releaseInstance")],
            "missing parameter: instanceId",
        ),
        (
            vec![("action", "releaseInstance"), ("instanceId", "abc")],
            "instanceId must be a positive number without leading zeros",
        ),
        (
            vec![("action", "expiredInstance"), ("instanceId", "0")],
            "instanceId must be a positive number without leading zeros",
        ),
        (
            vec![
                ("action", "createInstance"),
                ("aliUid", UID),
                ("orderBizId", "007"),
                ("orderId", "1"),
                ("productCode", "cmgj00053362"),
                ("skuId", "s"),
                ("trial", "false"),
            ],
            "orderBizId must be a positive number without leading zeros",
        ),
        (
            vec![
                ("action", "createInstance"),
                ("aliUid", "x1"),
                ("orderBizId", "1"),
            ],
            "aliUid must be numeric",
        ),
        (
            vec![
                ("action", "createInstance"),
                ("aliUid", UID),
                ("orderBizId", "1"),
                ("orderId", "1"),
                ("productCode", "cmgj99999999"),
                ("skuId", "s"),
                ("trial", "false"),
            ],
            "productCode cmgj99999999 is not this product",
        ),
        (
            vec![
                ("action", "renewInstance"),
                ("instanceId", "1"),
                ("expiredOn", "soon"),
            ],
            "expiredOn must be yyyy-MM-dd HH:mm:ss",
        ),
    ];
    for (pairs, message) in cases {
        let (status, body) = app.spi_json(&pairs).await;
        assert_eq!(status, 400, "{message}");
        assert_eq!(body, json!({ "success": false, "message": message }));
    }
    // Oversized and non-UTF-8 input.
    let big = "9".repeat(100 * 1024);
    let res = app
        .client
        .post(app.url("/api/aliyun/spi"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("action=releaseInstance&instanceId={big}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["success"], false);
    let res = app
        .client
        .get(app.url("/api/aliyun/spi?action=%FF%FE"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["message"],
        "parameters must be UTF-8 after URL decoding"
    );

    assert_eq!(app.count("SELECT count(*) AS n FROM aliyun_instances").await, 0);
    // Only the rejections were recorded.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM spi_inbox WHERE outcome NOT LIKE 'rejected:%'")
            .await,
        0
    );
}

fn verify_pairs(instance_id: &str, at: chrono::DateTime<chrono::Utc>) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("action".to_string(), "verify".to_string()),
        ("instanceId".to_string(), instance_id.to_string()),
        (
            "timeStamp".to_string(),
            billing_center::marketplace::spi::format_time(at),
        ),
    ];
    billing_center::marketplace::token::sign(&mut pairs, crate::helpers::SPI_KEY);
    pairs
}

#[tokio::test]
async fn verify_signs_the_buyer_on_once_and_shows_the_instance() {
    let app = spawn_app().await;
    create(&app, "70009").await;
    let pairs = verify_pairs("70009", chrono::Utc::now());

    let res = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/marketplace/welcome");
    let page = app.get_text("/marketplace/welcome").await;
    assert!(page.contains("70009"));
    assert!(page.contains(UID));
    assert!(page.contains("href=\"/register\""));

    // The same link again is refused, with a page for a person.
    let again = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&pairs)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 403);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("This sign-in link cannot be used")
    );
}

#[tokio::test]
async fn verify_refuses_stale_links_and_unknown_instances() {
    let app = spawn_app().await;
    create(&app, "70010").await;
    let stale = verify_pairs("70010", chrono::Utc::now() - chrono::Duration::minutes(6));
    let res = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&stale)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let unknown = verify_pairs("123", chrono::Utc::now());
    let res = app
        .client
        .get(app.url("/api/aliyun/spi"))
        .query(&unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let page = app.get_text("/marketplace/welcome").await;
    assert!(page.contains("No marketplace instance is waiting here"));
}

#[tokio::test]
async fn the_simulated_marketplace_delivers_its_lifecycle_calls() {
    let app = spawn_app().await;
    let bought = app.market_purchase(UID).await;
    let id = bought["instance_id"].as_str().unwrap().to_string();
    assert_eq!(bought["delivered"], true);
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("opened"));

    app.market_operate(&id, "expire", true).await;
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("expired"));
    app.market_operate(&id, "renew", true).await;
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("opened"));
    let closed = app.market_operate(&id, "release", true).await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(app.instance_status(&id).await.as_deref(), Some("released"));
    let actions = app
        .count("SELECT count(DISTINCT action) AS n FROM spi_inbox WHERE outcome = 'applied'")
        .await;
    assert_eq!(actions, 4);
}
