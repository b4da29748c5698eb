//! Daily settlement: bills priced per line, charged to the method in force at
//! the end of each day, once; the schedule's catch-up; two settlers at once.

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, test_settings};
use crate::money_helpers::{
    UID, by_instance, days_ago, hour_of, instant, money_app, record, succeeded, two_methods_billed,
    worked_example,
};

fn cny(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn decimal(app: &TestApp, sql: &str) -> Decimal {
    #[derive(diesel::QueryableByName)]
    struct D {
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        d: Decimal,
    }
    let mut conn = app.pool.get().await.unwrap();
    diesel_async::RunQueryDsl::get_result::<D>(diesel::sql_query(sql), &mut conn)
        .await
        .unwrap()
        .d
}

#[tokio::test]
async fn the_worked_example_is_billed_13_40_and_charged_once() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let day = days_ago(1);
    app.ingest("cn1", worked_example(&ws, day)).await;

    let settled = app.settle(day).await;
    assert_eq!((settled.bills, settled.charges, settled.windows), (1, 1, 0));
    assert_eq!(settled.total, cny("13.40"));
    assert_eq!(
        decimal(
            &app,
            &format!("SELECT amount AS d FROM daily_bills WHERE workspace_id = '{ws}'")
        )
        .await,
        cny("13.40")
    );
    for (item, amount) in [
        ("timeline", "3.60"),
        ("logs", "2.40"),
        ("trace", "4.00"),
        ("pv", "1.40"),
        ("trigger", "2.00"),
    ] {
        assert_eq!(
            decimal(
                &app,
                &format!("SELECT amount AS d FROM bill_lines WHERE item = '{item}'")
            )
            .await,
            cny(amount),
            "{item}"
        );
    }
    let charge = format!(
        "SELECT amount AS d FROM ledger_entries WHERE kind = 'charge' AND account_id = {}",
        alice.id
    );
    assert_eq!(decimal(&app, &charge).await, cny("-13.40"));

    let again = app.settle(day).await;
    assert!(again.already);
    assert_eq!(app.count("SELECT count(*) AS n FROM daily_bills").await, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM bill_lines").await, 5);
    assert_totals_equal_bills(&app, 1).await;
}

#[tokio::test]
async fn a_workspace_without_usage_gets_no_bill_no_charge_and_no_push() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let quiet_direct = app.workspace(&alice, "cn1", None).await;
    let quiet_aliyun = app.workspace(&alice, "cn1", Some(&instance)).await;
    let busy = app.workspace(&alice, "cn1", None).await;
    let day = days_ago(1);
    // Zero quantities are usage of nothing.
    app.ingest(
        "cn1",
        vec![
            record(&busy, &hour_of(day, 2), "network", 3, None),
            record(&quiet_direct, &hour_of(day, 2), "network", 0, None),
            record(&quiet_aliyun, &hour_of(day, 2), "network", 0, None),
        ],
    )
    .await;

    let settled = app.settle(day).await;
    assert_eq!((settled.bills, settled.charges, settled.windows), (1, 1, 0));
    for quiet in [&quiet_direct, &quiet_aliyun] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM daily_bills WHERE workspace_id = '{quiet}'"
            ))
            .await,
            0
        );
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM metering_windows").await, 0);
    assert!(app.pushes().await.is_empty());
}

#[tokio::test]
async fn each_day_is_billed_to_the_method_in_force_at_its_end() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let (d4, d3, d2, d1) = (days_ago(4), days_ago(3), days_ago(2), days_ago(1));
    // Billing Center account until noon of d3, when alice moves it to the
    // Alibaba instance, released in the morning of d1 (back to the Billing
    // Center account: R6).
    let ws = app
        .workspace_since(&alice, "cn1", None, instant(d4, 0) - Duration::days(10))
        .await;
    let user = app.as_user("alice").await;
    app.clock.set(instant(d3, 12));
    let moved = user
        .post_form(
            &format!("/billing/workspaces/{ws}/settlement"),
            &by_instance(UID, &instance),
        )
        .await;
    assert_eq!(moved.status(), 303);
    app.clock.set(instant(d1, 9));
    app.market_operate(&instance, "release", true).await;
    app.clock.set(Utc::now());
    let usage: Vec<Value> = [d4, d3, d2, d1]
        .iter()
        .map(|d| record(&ws, &hour_of(*d, 11), "logs", 1_000_000, Some(14)))
        .collect();
    app.ingest("cn1", usage).await;

    for day in [d4, d3, d2, d1] {
        app.settle(day).await;
    }

    let by = |day: chrono::NaiveDate| {
        format!("SELECT count(*) AS n FROM daily_bills WHERE day = '{day}' AND settled_by = ")
    };
    assert_eq!(app.count(&format!("{}'billing_center'", by(d4))).await, 1);
    assert_eq!(
        app.count(&format!(
            "{}'aliyun' AND aliyun_instance_id = '{instance}'",
            by(d3)
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "{}'aliyun' AND aliyun_instance_id = '{instance}'",
            by(d2)
        ))
        .await,
        1
    );
    assert_eq!(app.count(&format!("{}'billing_center'", by(d1))).await, 1);
    // The ledger pays the Billing Center days; the marketplace the others.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'")
            .await,
        2
    );
    app.wait_for_windows("confirmed", 2).await;
    let pushes = app.pushes().await;
    assert_eq!(pushes.len(), 2);
    let starts: Vec<i64> = pushes.iter().map(|p| p["start_time"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = [d3, d2]
        .iter()
        .map(|d| billing_center::billing::daily_bills::bounds(*d).start.timestamp())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected);
    for p in &pushes {
        assert_eq!(p["instance_id"], instance.as_str());
        assert_eq!(p["entities"][0]["Value"], "150");
        assert_eq!(
            p["end_time"].as_i64().unwrap() - p["start_time"].as_i64().unwrap(),
            86_400
        );
    }
}

#[tokio::test]
async fn the_workspaces_of_one_instance_are_summed_into_one_record_per_day() {
    let app = money_app(&[("APP_ALIYUN_METERING_ASSIT", "cmgj00053362-Unit-7")]).await;
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let other_uid = "6543210987654321";
    let other = app.purchase_instance(other_uid).await;
    let day = days_ago(1);
    let mut usage = Vec::new();
    for (site, n) in [("cn1", 1_000_000u64), ("cn1", 2_000_000), ("cn6", 3_000_000)] {
        let ws = app.workspace(&alice, site, Some(&instance)).await;
        app.ingest(site, vec![record(&ws, &hour_of(day, 5), "trace", n, Some(7))])
            .await;
        usage.push(ws);
    }
    let lone = app
        .workspace_named(
            &alice,
            "cn1",
            "Lone",
            &by_instance(other_uid, &other),
            Utc::now() - Duration::days(40),
        )
        .await;
    app.ingest("cn1", vec![record(&lone, &hour_of(day, 5), "sms", 15, None)])
        .await;

    let settled = app.settle(day).await;
    assert_eq!((settled.bills, settled.charges, settled.windows), (4, 0, 2));
    app.wait_for_windows("confirmed", 2).await;
    let pushes = app.pushes().await;
    let of = |id: &str| pushes.iter().find(|p| p["instance_id"] == id).unwrap().clone();
    // ¥3 + ¥6 + ¥9 at 7 days' trace, in 0.01 CNY.
    let summed = of(&instance);
    assert_eq!(summed["entities"][0]["Key"], "Unit");
    assert_eq!(summed["entities"][0]["Value"], "1800");
    assert_eq!(summed["entities"][0]["meteringAssit"], "cmgj00053362-Unit-7");
    assert_eq!(
        summed["start_time"].as_i64().unwrap(),
        billing_center::billing::daily_bills::bounds(day)
            .start
            .timestamp()
    );
    assert_eq!(of(&other)["entities"][0]["Value"], "150");
    assert_eq!(pushes.len(), 2);
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 0);
    assert_totals_equal_bills(&app, 2).await;
}

#[tokio::test]
async fn bills_settled_before_they_kept_their_page_copy_get_it_from_their_lines() {
    let app = money_app(&[]).await;
    two_methods_billed(&app).await;
    // Back to before `bills_as_shown` (the copy dropped), and forward again.
    billing_center::db::revert_migrations_after(&app.database_url, "20261202100000")
        .await
        .unwrap();
    billing_center::db::run_migrations(&app.database_url)
        .await
        .unwrap();
    assert_totals_equal_bills(&app, 2).await;
}

/// `daily_bill_totals` (what the bills page and the overview sum) has
/// `rows` rows, each the sum of its bills; each bill's copy of what the page
/// shows (workspace name, site, lines) equals the workspace and the bill's
/// lines; and bills and their lines cannot be changed after.
async fn assert_totals_equal_bills(app: &TestApp, rows: i64) {
    let sums = "SELECT account_id, day, settled_by, aliyun_instance_id, sum(amount) AS amount, count(*)::int AS bills \
                FROM daily_bills GROUP BY 1, 2, 3, 4";
    let totals =
        "SELECT account_id, day, settled_by, aliyun_instance_id, amount, bills FROM daily_bill_totals";
    assert_eq!(
        app.count("SELECT count(*) AS n FROM daily_bill_totals").await,
        rows
    );
    let differing =
        format!("SELECT count(*) AS n FROM (({sums} EXCEPT {totals}) UNION ALL ({totals} EXCEPT {sums})) d");
    assert_eq!(app.count(&differing).await, 0);
    let copy_differs = "SELECT count(*) AS n FROM daily_bills b JOIN workspaces w ON w.id = b.workspace_id \
        WHERE b.workspace_name <> w.name OR b.site <> w.site \
        OR (SELECT array_agg(c::text ORDER BY c::text) FROM json_array_elements(b.lines) c) \
           IS DISTINCT FROM (SELECT array_agg(t ORDER BY t) FROM (SELECT json_build_array(l.item, \
           l.retention_days, l.quantity, l.unit_price::text, l.amount::text)::text AS t \
           FROM bill_lines l WHERE l.bill_id = b.id) t)";
    assert_eq!(app.count(copy_differs).await, 0);
    assert!(
        app.count("SELECT count(*) AS n FROM daily_bills WHERE json_array_length(lines) > 0")
            .await
            > 0
    );
    let mut conn = app.pool.get().await.unwrap();
    for change in [
        "UPDATE daily_bills SET amount = amount + 1",
        "DELETE FROM daily_bills",
        "UPDATE bill_lines SET amount = amount + 1",
        "DELETE FROM bill_lines",
    ] {
        let refused = diesel_async::RunQueryDsl::execute(diesel::sql_query(change), &mut conn).await;
        assert!(
            refused.is_err_and(|e| e.to_string().contains("daily bills are final")),
            "{change}"
        );
    }
}

#[tokio::test]
async fn two_processes_settling_the_same_day_at_once_charge_once_and_push_once() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let instance = app.purchase_instance(UID).await;
    let direct = app.workspace(&alice, "cn1", None).await;
    let aliyun = app.workspace(&alice, "cn1", Some(&instance)).await;
    let day = days_ago(1);
    app.ingest("cn1", worked_example(&direct, day)).await;
    app.ingest("cn1", worked_example(&aliyun, day)).await;

    // Two processes, started together (the test's runtime keeps serving the
    // sandbox meanwhile: the waits are on blocking threads).
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (barrier, app) = (barrier.clone(), app.clone_handle());
            tokio::task::spawn_blocking(move || {
                barrier.wait();
                app.operator(&["settle", "--day", &day.to_string()])
            })
        })
        .collect();
    let mut outputs = Vec::new();
    for run in runs {
        outputs.push(succeeded(&run.await.unwrap()));
    }
    assert_eq!(
        outputs.iter().filter(|o| o.contains("already settled")).count(),
        1,
        "{outputs:?}"
    );

    assert_eq!(app.count("SELECT count(*) AS n FROM daily_bills").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'")
            .await,
        1
    );
    app.wait_for_windows("confirmed", 1).await;
    let pushes = app.pushes().await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0]["entities"][0]["Value"], "1340");
}

#[tokio::test]
async fn the_schedule_settles_missed_days_when_the_app_starts() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let (missed, earlier) = (days_ago(2), days_ago(9));
    app.ingest(
        "cn1",
        vec![
            record(&ws, &hour_of(missed, 3), "report", 2, None),
            record(&ws, &hour_of(earlier, 3), "report", 1, None),
        ],
    )
    .await;

    // A second instance of the portal on the same database, schedule on.
    let settings = test_settings(&app.database_url, &[("APP_SETTLEMENT_SCHEDULE", "on")]);
    let scheduled = billing_center::startup::Application::build(settings)
        .await
        .unwrap();
    tokio::spawn(scheduled.run_until_stopped());

    app.wait_for_count("SELECT count(*) AS n FROM settled_days", 35)
        .await;
    assert_eq!(app.count("SELECT count(*) AS n FROM daily_bills").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'")
            .await,
        2
    );
    let today = billing_center::billing::usage::business_day(Utc::now());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM settled_days WHERE day >= '{today}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_new_price_applies_from_its_first_day_and_settled_days_keep_theirs() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let (before, from) = (days_ago(2), days_ago(1));
    // `prices set` takes only days to come (a settled past must not change),
    // and a day to come cannot be settled yet: the past price is written here.
    app.execute(&format!(
        "INSERT INTO prices (item, retention_days, unit_price, valid_from) VALUES ('logs', 14, 3.0000, '{from}')"
    ))
    .await;
    app.ingest(
        "cn1",
        vec![
            record(&ws, &hour_of(before, 3), "logs", 1_000_000, Some(14)),
            record(&ws, &hour_of(from, 3), "logs", 1_000_000, Some(14)),
        ],
    )
    .await;
    assert_eq!(app.settle(before).await.total, cny("1.50"));
    assert_eq!(app.settle(from).await.total, cny("3.00"));
}

/// The table row of a bill on the bills page.
fn bill_row<'a>(html: &'a str, day: chrono::NaiveDate, ws: &str) -> &'a str {
    let marker = format!("data-bill=\"{day}/{ws}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("the bill of {day} in the page"));
    let row = &html[start + marker.len()..];
    // Up to the next bill's row (a row holds the table of its lines).
    &row[..row.find("data-bill=").unwrap_or(row.len())]
}

#[tokio::test]
async fn days_that_begin_after_the_instance_expired_are_charged_to_the_billing_center_account_not_pushed() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let (d3, d2, d1) = (days_ago(3), days_ago(2), days_ago(1));
    let instance = app.purchase_instance(UID).await;
    // Bound well before the days billed.
    app.clock.set(instant(d3, 0) - Duration::days(10));
    let user = app.as_user("alice").await;
    let ws = user
        .add_workspace(
            "Hong Kong",
            "cn6",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    // The instance runs out at 10:00 on d2 (Asia/Shanghai): d2 still goes
    // to the instance, d1 begins after the expiry. The workspace stays bound
    // to it (grace).
    app.clock.set(instant(d2, 10));
    app.market_operate(&instance, "expire", true).await;
    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("expired"));
    app.clock.set(Utc::now());
    let usage: Vec<Value> = [d3, d2, d1]
        .iter()
        .map(|d| record(&ws, &hour_of(*d, 11), "logs", 1_000_000, Some(14)))
        .collect();
    app.ingest("cn6", usage).await;

    for day in [d3, d2, d1] {
        app.settle(day).await;
    }

    let by = |day: chrono::NaiveDate, method: &str| {
        format!("SELECT count(*) AS n FROM daily_bills WHERE day = '{day}' AND settled_by = '{method}'")
    };
    for day in [d3, d2] {
        assert_eq!(
            app.count(&format!(
                "{} AND aliyun_instance_id = '{instance}'",
                by(day, "aliyun")
            ))
            .await,
            1,
            "{day} is the instance's"
        );
    }
    assert_eq!(
        app.count(&format!(
            "{} AND aliyun_instance_id IS NULL",
            by(d1, "billing_center")
        ))
        .await,
        1,
        "{d1} began after the expiry"
    );
    // The ledger pays the day after the expiry...
    let charge = format!(
        "SELECT l.amount AS d FROM ledger_entries l JOIN daily_bills b ON b.id = l.bill_id \
         WHERE l.kind = 'charge' AND l.account_id = {} AND b.day = '{d1}'",
        alice.id
    );
    assert_eq!(decimal(&app, &charge).await, cny("-1.50"));
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 1);
    let wallet = user.get_text("/billing/wallet").await;
    assert!(wallet.contains("id=\"balance\">-¥1.50<"), "{wallet}");
    let month = billing_center::domain::Month::of(d1);
    let bills = user.get_text(&format!("/billing/bills?month={month}")).await;
    assert!(
        bill_row(&bills, d1, &ws).contains("Billing Center account"),
        "{bills}"
    );
    if billing_center::domain::Month::of(d2) == month {
        assert!(!bill_row(&bills, d2, &ws).contains("Billing Center account"));
    }
    // ... and the marketplace received only the days before it.
    app.wait_for_windows("confirmed", 2).await;
    let pushes = app.pushes().await;
    let mut starts: Vec<i64> = pushes.iter().map(|p| p["start_time"].as_i64().unwrap()).collect();
    starts.sort_unstable();
    let expected: Vec<i64> = [d3, d2]
        .iter()
        .map(|d| billing_center::billing::daily_bills::bounds(*d).start.timestamp())
        .collect();
    assert_eq!(starts, expected);
    assert!(pushes.iter().all(|p| p["instance_id"] == instance.as_str()));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM metering_windows WHERE day = '{d1}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_renewal_puts_the_unsettled_days_after_the_expiry_back_on_the_instance() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let (d3, d2, d1) = (days_ago(3), days_ago(2), days_ago(1));
    let instance = app.purchase_instance(UID).await;
    app.clock.set(instant(d3, 0) - Duration::days(10));
    let user = app.as_user("alice").await;
    let ws = user
        .add_workspace(
            "Hong Kong",
            "cn6",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    app.clock.set(instant(d3, 10));
    app.market_operate(&instance, "expire", true).await;
    app.clock.set(Utc::now());
    let usage: Vec<Value> = [d2, d1]
        .iter()
        .map(|d| record(&ws, &hour_of(*d, 11), "logs", 1_000_000, Some(14)))
        .collect();
    app.ingest("cn6", usage).await;
    // d2 is settled while the instance is expired: the account pays it.
    app.settle(d2).await;

    app.market_operate(&instance, "renew", true).await;
    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("opened"));
    app.settle(d1).await;

    let settled_by = |day: chrono::NaiveDate| {
        format!(
            "SELECT count(*) AS n FROM daily_bills WHERE day = '{day}' AND workspace_id = '{ws}' AND settled_by = "
        )
    };
    // A settled day stays as it was settled.
    assert_eq!(app.count(&format!("{}'billing_center'", settled_by(d2))).await, 1);
    assert_eq!(
        app.count(&format!(
            "{}'aliyun' AND aliyun_instance_id = '{instance}'",
            settled_by(d1)
        ))
        .await,
        1
    );
    assert_eq!(
        decimal(
            &app,
            &format!(
                "SELECT coalesce(sum(amount), 0) AS d FROM ledger_entries WHERE account_id = {}",
                alice.id
            )
        )
        .await,
        cny("-1.50")
    );
    app.wait_for_windows("confirmed", 1).await;
    let pushes = app.pushes().await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        pushes[0]["start_time"].as_i64().unwrap(),
        billing_center::billing::daily_bills::bounds(d1).start.timestamp()
    );
}

#[tokio::test]
async fn an_instance_released_after_it_expired_bills_nothing_for_the_days_in_between() {
    let app = money_app(&[]).await;
    let alice = app.create_account("alice").await;
    let (d3, d2, d1) = (days_ago(3), days_ago(2), days_ago(1));
    let instance = app.purchase_instance(UID).await;
    let ws = app
        .workspace_since(
            &alice,
            "cn1",
            Some(&instance),
            instant(d3, 0) - Duration::days(10),
        )
        .await;
    // Expired in the morning of d3, closed by the buyer in the morning of d1
    // (R6 moves the workspace to the Billing Center account from then on).
    app.clock.set(instant(d3, 9));
    app.market_operate(&instance, "expire", true).await;
    app.clock.set(instant(d1, 9));
    app.market_operate(&instance, "release", true).await;
    app.clock.set(Utc::now());
    let usage: Vec<Value> = [d3, d2, d1]
        .iter()
        .map(|d| record(&ws, &hour_of(*d, 11), "logs", 1_000_000, Some(14)))
        .collect();
    app.ingest("cn1", usage).await;

    for day in [d3, d2, d1] {
        app.settle(day).await;
    }

    let settled_by = |day: chrono::NaiveDate| {
        format!("SELECT count(*) AS n FROM daily_bills WHERE day = '{day}' AND settled_by = ")
    };
    assert_eq!(
        app.count(&format!(
            "{}'aliyun' AND aliyun_instance_id = '{instance}'",
            settled_by(d3)
        ))
        .await,
        1,
        "the day of the expiry is the instance's"
    );
    for day in [d2, d1] {
        assert_eq!(
            app.count(&format!("{}'billing_center'", settled_by(day))).await,
            1,
            "{day}"
        );
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ledger_entries WHERE kind = 'charge'")
            .await,
        2
    );
    app.wait_for_windows("confirmed", 1).await;
    let pushes = app.pushes().await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        pushes[0]["start_time"].as_i64().unwrap(),
        billing_center::billing::daily_bills::bounds(d3).start.timestamp()
    );
}
