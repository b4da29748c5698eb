//! A property test: random sequences of lifecycle calls, with duplicates and
//! in any order, sent to the real SPI endpoint, end in the state a small
//! reference model predicts.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::{PRODUCT, TestApp, spawn_app};

#[derive(Clone, Debug)]
enum Call {
    Create,
    Renew(DateTime<Utc>),
    RefundRenew(DateTime<Utc>),
    Upgrade(&'static str),
    Expire,
    Release,
}

/// What the model expects of an instance.
#[derive(Clone, Debug, PartialEq)]
struct Model {
    status: &'static str,
    expires: Option<DateTime<Utc>>,
    sku: &'static str,
}

fn apply(state: Option<Model>, call: &Call, now: DateTime<Utc>) -> Option<Model> {
    let mut m = match (state, call) {
        (None, Call::Create) => {
            return Some(Model {
                status: "opened",
                expires: None,
                sku: "basic",
            });
        }
        (None, _) => return None,
        (Some(m), _) if m.status == "released" => return Some(m),
        (Some(m), _) => m,
    };
    match call {
        Call::Create => {}
        Call::Renew(at) => {
            m.expires = Some(*at);
            if m.status == "expired" && *at > now {
                m.status = "opened";
            }
        }
        Call::RefundRenew(at) => m.expires = Some(*at),
        Call::Upgrade(sku) => m.sku = sku,
        Call::Expire => {
            let stale = m.expires.is_some_and(|e| e > now + chrono::Duration::hours(1));
            if m.status == "opened" && !stale {
                m.status = "expired";
            }
        }
        Call::Release => m.status = "released",
    }
    Some(m)
}

fn dates() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        Just(Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()),
        Just(Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap()),
        Just(Utc.with_ymd_and_hms(2036, 6, 1, 4, 0, 0).unwrap()),
    ]
}

fn calls() -> impl Strategy<Value = Call> {
    prop_oneof![
        2 => Just(Call::Create),
        2 => dates().prop_map(Call::Renew),
        1 => dates().prop_map(Call::RefundRenew),
        1 => prop_oneof![Just("basic"), Just("pro")].prop_map(Call::Upgrade),
        2 => Just(Call::Expire),
        1 => Just(Call::Release),
    ]
}

async fn send(app: &TestApp, id: &str, call: &Call) {
    let fmt = billing_center::marketplace::spi::format_time;
    let (status, body) = match call {
        Call::Create => {
            app.spi_json(&[
                ("action", "createInstance"),
                ("aliUid", "1234567890123456"),
                ("orderBizId", id),
                ("orderId", "1"),
                ("productCode", PRODUCT),
                ("skuId", "basic"),
                ("trial", "false"),
            ])
            .await
        }
        Call::Renew(at) => {
            app.spi_json(&[
                ("action", "renewInstance"),
                ("instanceId", id),
                ("expiredOn", &fmt(*at)),
            ])
            .await
        }
        Call::RefundRenew(at) => {
            app.spi_json(&[
                ("action", "refundRenewInstance"),
                ("instanceId", id),
                ("expiredOn", &fmt(*at)),
            ])
            .await
        }
        Call::Upgrade(sku) => {
            app.spi_json(&[("action", "upgradeInstance"), ("instanceId", id), ("skuId", sku)])
                .await
        }
        Call::Expire => {
            app.spi_json(&[("action", "expiredInstance"), ("instanceId", id)])
                .await
        }
        Call::Release => {
            app.spi_json(&[("action", "releaseInstance"), ("instanceId", id)])
                .await
        }
    };
    assert_eq!(status, 200, "{call:?}: {body}");
}

async fn stored(app: &TestApp, id: &str) -> Option<Model> {
    let mut conn = app.pool.get().await.unwrap();
    let i = billing_center::db::models::aliyun_instance::AliyunInstance::find(&mut conn, id)
        .await
        .unwrap()?;
    let status = match i.status.as_str() {
        "opened" => "opened",
        "expired" => "expired",
        _ => "released",
    };
    let sku = if i.sku_id == "pro" { "pro" } else { "basic" };
    Some(Model {
        status,
        expires: i.expires_on,
        sku,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_call_sequences_converge_to_the_models_state() {
    let app = spawn_app().await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 40,
        ..Config::default()
    });
    let next_id = std::sync::atomic::AtomicU64::new(80_000);
    let result = tokio::task::block_in_place(|| {
        runner.run(&proptest::collection::vec(calls(), 1..10), |sequence| {
            let id = next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_string();
            let now = Utc::now();
            let expected = sequence.iter().fold(None, |state, call| apply(state, call, now));
            let actual = handle.block_on(async {
                for call in &sequence {
                    send(&app, &id, call).await;
                }
                stored(&app, &id).await
            });
            prop_assert_eq!(actual, expected, "sequence {:?}", sequence);
            Ok(())
        })
    });
    result.unwrap();
}
