//! Property tests: random sequences of lifecycle calls, with duplicates and in
//! any order (a release or expiry before the create included), sent to the
//! real SPI endpoint, end in the state a small model of SPEC R6-R8 predicts;
//! calls sent all at once end in the state of *some* order of them.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::helpers::{PRODUCT, TestApp, all_at_once, spawn_app};

#[derive(Clone, Debug)]
enum Call {
    Create,
    Renew(DateTime<Utc>),
    RefundRenew(DateTime<Utc>),
    Upgrade(&'static str),
    Expire,
    Release,
}

/// What the marketplace has told us about one order, as SPEC R6-R8 say it
/// must end up.
#[derive(Clone, Debug, PartialEq)]
enum Known {
    /// Nothing, or only calls that change nothing about an unknown instance.
    Nothing,
    /// Ended (released or expired) before any create: remembered (R8).
    EndedFirst(&'static str),
    Instance(Instance),
}

#[derive(Clone, Debug, PartialEq)]
struct Instance {
    status: &'static str,
    expires: Option<DateTime<Utc>>,
    sku: &'static str,
}

fn model(calls: &[Call], now: DateTime<Utc>) -> Known {
    calls.iter().fold(Known::Nothing, |known, call| match known {
        Known::Instance(instance) => Known::Instance(step(instance, call, now)),
        // R8: a create answers and stores the instance, in the state its
        // remembered end left it.
        Known::EndedFirst(status) => match call {
            Call::Create => Known::Instance(Instance {
                status,
                expires: None,
                sku: "basic",
            }),
            // A release is final; an expiry may still be overtaken by one.
            Call::Release => Known::EndedFirst("released"),
            _ => Known::EndedFirst(status),
        },
        Known::Nothing => match call {
            Call::Create => Known::Instance(Instance {
                status: "opened",
                expires: None,
                sku: "basic",
            }),
            Call::Release => Known::EndedFirst("released"),
            Call::Expire => Known::EndedFirst("expired"),
            _ => Known::Nothing,
        },
    })
}

fn step(mut i: Instance, call: &Call, now: DateTime<Utc>) -> Instance {
    // R6: released is terminal.
    if i.status == "released" {
        return i;
    }
    match call {
        Call::Create => {}
        // R8: renew sets (not adds) the expiry; a renewal into the future
        // reopens an expired instance (R7).
        Call::Renew(at) => {
            i.expires = Some(*at);
            if i.status == "expired" && *at > now {
                i.status = "opened";
            }
        }
        Call::RefundRenew(at) => i.expires = Some(*at),
        Call::Upgrade(sku) => i.sku = sku,
        // R7, order-safe: an expiry that a renewal already overtook (the
        // expiry lies well ahead) is stale.
        Call::Expire => {
            let overtaken = i.expires.is_some_and(|e| e > now + chrono::Duration::hours(1));
            if i.status == "opened" && !overtaken {
                i.status = "expired";
            }
        }
        Call::Release => i.status = "released",
    }
    i
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
        2 => Just(Call::Release),
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

/// What we store about the order, read as the model reads it.
async fn stored(app: &TestApp, id: &str) -> Known {
    let conn = app.pool.get().await.unwrap();
    let found = billing_center::db::models::aliyun_instance::AliyunInstance::find(&conn, id)
        .await
        .unwrap();
    let status = |s: &str| match s {
        "opened" => "opened",
        "expired" => "expired",
        _ => "released",
    };
    match found {
        None => Known::Nothing,
        // Known only from its end: no details until its create arrives.
        Some(i) if !i.created() => Known::EndedFirst(status(&i.status)),
        Some(i) => Known::Instance(Instance {
            status: status(&i.status),
            expires: i.expires_on,
            sku: if i.sku_id.as_deref() == Some("pro") {
                "pro"
            } else {
                "basic"
            },
        }),
    }
}

/// Every order of `calls` (there are few).
fn orders(calls: &[Call]) -> Vec<Vec<Call>> {
    if calls.len() <= 1 {
        return vec![calls.to_vec()];
    }
    (0..calls.len())
        .flat_map(|i| {
            let mut rest = calls.to_vec();
            let first = rest.remove(i);
            orders(&rest).into_iter().map(move |mut tail| {
                tail.insert(0, first.clone());
                tail
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_call_sequences_end_where_the_model_of_r6_to_r8_says() {
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
            let expected = model(&sequence, Utc::now());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_sent_all_at_once_end_in_the_state_of_one_of_their_orders() {
    let app = spawn_app().await;
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 20,
        ..Config::default()
    });
    let next_id = std::sync::atomic::AtomicU64::new(90_000);
    let result = tokio::task::block_in_place(|| {
        runner.run(&proptest::collection::vec(calls(), 2..5), |calls| {
            let id = next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .to_string();
            let now = Utc::now();
            let actual = handle.block_on(async {
                all_at_once(calls.len(), |i| {
                    let (app, id, call) = (app.clone_handle(), id.clone(), calls[i].clone());
                    async move { send(&app, &id, &call).await }
                })
                .await;
                stored(&app, &id).await
            });
            let allowed: Vec<Known> = orders(&calls).iter().map(|order| model(order, now)).collect();
            prop_assert!(
                allowed.contains(&actual),
                "{:?} ended as {:?}, not as any order allows",
                calls,
                actual
            );
            Ok(())
        })
    });
    result.unwrap();
}
