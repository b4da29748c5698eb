//! The cash ledger: top-ups once per bank reference, corrections, the
//! balance as the sum of the ledger, the arrears banner; the price list.

use rust_decimal::Decimal;

use crate::helpers::{TestApp, spawn_app};
use crate::money_helpers::{days_ago, failed, succeeded, worked_example};

/// Every entry's stored running balance equals the sum of the amounts up to it.
async fn assert_balances_add_up(app: &TestApp, account_id: i64) -> Decimal {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        amount: Decimal,
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        balance_after: Decimal,
    }
    let mut conn = app.pool.get().await.unwrap();
    let rows: Vec<Row> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT amount, balance_after FROM ledger_entries WHERE account_id = {account_id} ORDER BY id"
        )),
        &mut conn,
    )
    .await
    .unwrap();
    let mut sum = Decimal::ZERO;
    for row in &rows {
        sum += row.amount;
        assert_eq!(row.balance_after, sum);
    }
    let balance = billing_center::db::models::ledger_entry::balance(&mut conn, account_id)
        .await
        .unwrap();
    assert_eq!(balance, sum);
    sum
}

#[tokio::test]
async fn a_bank_transfer_is_credited_once_per_reference() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let top_up = |amount: &str, reference: &str| {
        app.operator(&[
            "top-up",
            "--account",
            "alice",
            "--amount",
            amount,
            "--reference",
            reference,
        ])
    };

    let out = succeeded(&top_up("100.00", "BANK-2026-0001"));
    assert!(
        out.contains("Credited ¥100.00 to alice") && out.contains("balance ¥100.00"),
        "{out}"
    );
    let out = succeeded(&top_up("100", "BANK-2026-0001"));
    assert!(
        out.contains("already credited") && out.contains("nothing changed"),
        "{out}"
    );
    let err = failed(&top_up("100.01", "BANK-2026-0001"));
    assert!(
        err.contains("--reference") && err.contains("already credited"),
        "{err}"
    );
    let bob = app.create_account("bob").await;
    let err = failed(&app.operator(&[
        "top-up",
        "--account",
        "bob",
        "--amount",
        "100.00",
        "--reference",
        "BANK-2026-0001",
    ]));
    assert!(err.contains("--reference"), "{err}");

    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 1);
    assert_eq!(
        assert_balances_add_up(&app, alice.id).await,
        Decimal::new(10000, 2)
    );
    assert_eq!(assert_balances_add_up(&app, bob.id).await, Decimal::ZERO);
}

#[tokio::test]
async fn bad_input_is_refused_with_a_message_and_writes_nothing() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    for (amount, says) in [
        ("abc", "like 100.00"),
        ("1.234", "two decimals"),
        ("-5", "greater than zero"),
        ("0", "must not be zero"),
        ("10000000.01", "at most ¥10,000,000.00"),
    ] {
        let err = failed(&app.operator(&[
            "top-up",
            "--account",
            "alice",
            "--amount",
            amount,
            "--reference",
            "R1",
        ]));
        assert!(err.contains("--amount") && err.contains(says), "{amount}: {err}");
    }
    for (args, flag) in [
        (
            [
                "top-up",
                "--account",
                "nobody",
                "--amount",
                "5",
                "--reference",
                "R1",
            ],
            "--account",
        ),
        (
            [
                "top-up",
                "--account",
                "alice",
                "--amount",
                "5",
                "--reference",
                "  ",
            ],
            "--reference",
        ),
        (
            [
                "adjust",
                "--account",
                "alice",
                "--amount",
                "-1.001",
                "--reason",
                "typo",
            ],
            "--amount",
        ),
        (
            ["adjust", "--account", "alice", "--amount", "-1", "--reason", ""],
            "--reason",
        ),
    ] {
        let err = failed(&app.operator(&args));
        assert!(err.contains(flag), "{args:?}: {err}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 0);
}

#[tokio::test]
async fn the_balance_is_the_sum_of_the_ledger_whoever_writes_it_at_once() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    let day = days_ago(1);
    app.ingest("cn1", worked_example(&ws, day)).await;
    succeeded(&app.operator(&[
        "top-up",
        "--account",
        "alice",
        "--amount",
        "50",
        "--reference",
        "T0",
    ]));

    // Top-ups and the day's charge at the same moment.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(5));
    let mut tasks = Vec::new();
    for n in 1..=4 {
        let (barrier, app) = (barrier.clone(), app.clone_handle());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut conn = app.pool.get().await.unwrap();
            let amount = billing_center::domain::Amount::parse_positive("10.05").unwrap();
            billing_center::billing::ledger::top_up(&mut conn, alice.id, amount, &format!("T{n}"), "test")
                .await
                .unwrap()
                .unwrap();
        }));
    }
    barrier.wait().await;
    app.settle(day).await;
    for task in tasks {
        task.await.unwrap();
    }
    let out = succeeded(&app.operator(&[
        "adjust",
        "--account",
        "alice",
        "--amount",
        "-12.30",
        "--reason",
        "refund of a duplicate transfer",
    ]));
    assert!(out.contains("-¥12.30"), "{out}");

    // 50 + 4 × 10.05 - 13.40 - 12.30
    assert_eq!(
        assert_balances_add_up(&app, alice.id).await,
        Decimal::new(6450, 2)
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 7);
}

#[tokio::test]
async fn arrears_put_a_banner_on_every_billing_center_page_until_a_top_up() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app.workspace(&alice, "cn1", None).await;
    app.login("alice").await;
    assert!(!app.get_text("/billing").await.contains("arrears"));

    let day = days_ago(1);
    app.ingest("cn1", worked_example(&ws, day)).await;
    app.settle(day).await;
    for page in [
        "/billing",
        "/billing/workspaces",
        "/billing/history",
        "/billing/account",
    ] {
        let html = app.get_text(page).await;
        assert!(
            html.contains("Your cash balance is -¥13.40: the account is in arrears.")
                && html.contains("/billing/wallet"),
            "{page}"
        );
    }
    app.client
        .get(app.url("/locale/zh?next=/billing"))
        .send()
        .await
        .unwrap();
    assert!(app.get_text("/billing").await.contains("您的现金余额为 -¥13.40"));

    succeeded(&app.operator(&[
        "top-up",
        "--account",
        "alice",
        "--amount",
        "20",
        "--reference",
        "B-1",
    ]));
    assert!(!app.get_text("/billing").await.contains("-¥13.40"));
}

#[tokio::test]
async fn operators_list_prices_and_set_them_for_future_days() {
    let app = spawn_app().await;
    let listed = succeeded(&app.operator(&["prices", "list"]));
    assert!(
        listed
            .lines()
            .any(|l| l.contains("logs") && l.contains("14 d") && l.contains("1.5000")),
        "{listed}"
    );
    assert!(
        listed
            .lines()
            .any(|l| l.contains("trigger") && l.contains("any") && l.contains("1.0000"))
    );

    let future = (billing_center::billing::usage::business_day(chrono::Utc::now())
        + chrono::Duration::days(30))
    .to_string();
    let set = succeeded(&app.operator(&[
        "prices",
        "set",
        "--item",
        "logs",
        "--retention",
        "14",
        "--price",
        "1.6500",
        "--from",
        &future,
    ]));
    assert!(set.contains("1.6500"), "{set}");
    let listed = succeeded(&app.operator(&["prices", "list"]));
    assert!(
        listed
            .lines()
            .any(|l| l.contains("logs") && l.contains("1.6500") && l.contains(&future)),
        "{listed}"
    );

    let today = billing_center::billing::usage::business_day(chrono::Utc::now()).to_string();
    for (args, flag) in [
        (
            vec![
                "--item",
                "logs",
                "--retention",
                "14",
                "--price",
                "1.5",
                "--from",
                today.as_str(),
            ],
            "--from",
        ),
        (
            vec!["--item", "logs", "--price", "1.5", "--from", future.as_str()],
            "--retention",
        ),
        (
            vec![
                "--item",
                "trigger",
                "--retention",
                "7",
                "--price",
                "1",
                "--from",
                future.as_str(),
            ],
            "--retention",
        ),
        (
            vec![
                "--item",
                "logs",
                "--retention",
                "14",
                "--price",
                "1.23456",
                "--from",
                future.as_str(),
            ],
            "--price",
        ),
        (
            vec!["--item", "gold", "--price", "1", "--from", future.as_str()],
            "--item",
        ),
    ] {
        let full: Vec<&str> = ["prices", "set"].into_iter().chain(args).collect();
        let err = failed(&app.operator(&full));
        assert!(err.contains(flag), "{err}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM prices WHERE valid_from > '2020-01-01'")
            .await,
        1
    );
}
