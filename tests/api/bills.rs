//! The Billing Center's money pages: bills (page and CSV), wallet, overview.

use billing_center::domain::Month;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::{TestApp, browser, spawn_app, spawn_app_with};
use crate::money_helpers::{
    Billed, UID, by_billing_center, days_ago, hour_of, money_app, record, succeeded, two_methods_billed,
    worked_example,
};

/// [`two_methods_billed`], logged in as alice.
async fn billed(app: &TestApp) -> Billed {
    let billed = two_methods_billed(app).await;
    app.login("alice").await;
    billed
}

fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("#{id} in the page")) + marker.len();
    html[start..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn the_bills_page_shows_what_was_settled_and_how() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    let page = app.get(&format!("/billing/bills?month={}", b.month)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();

    assert_eq!(text_of(&html, "month-total"), "¥26.80");
    assert!(html.contains("<strong>¥13.40</strong> Billing Center account"));
    assert!(html.contains(&format!(
        "<strong>¥13.40</strong> Alibaba Cloud account {UID} / instance {}",
        b.instance
    )));
    assert!(html.contains("Metering, days per state: pushed 1"), "{html}");
    // The Alibaba bill's row names the instance's account and the day's metering.
    assert!(
        html.contains(&format!(
            "Alibaba Cloud account {UID} / instance {}<br><span class=\"badge\">Metering: pushed</span>",
            b.instance
        )),
        "{html}"
    );
    let day = days_ago(1);
    for ws in [&b.direct, &b.aliyun] {
        assert!(html.contains(&format!("data-bill=\"{day}/{ws}\"")));
    }
    // The lines, behind a <details> per bill.
    assert_eq!(html.matches("<summary>Items (5)</summary>").count(), 2);
    for line in [
        "Time series",
        "¥3.60",
        "Logs",
        "¥2.40",
        "APM traces",
        "¥4.00",
        "RUM page views",
        "¥1.40",
        "Triggers",
        "¥2.00",
    ] {
        assert!(html.contains(line), "{line}");
    }
    assert!(html.contains("¥0.6 / 1,000 series"));
    // Each bill's lines in the price list's order.
    let first_bill = html.split("<details class=\"lines\">").nth(1).unwrap();
    let first_bill = first_bill.split("</details>").next().unwrap();
    let at = |item: &str| {
        first_bill
            .find(&format!("<td>{item}</td>"))
            .unwrap_or_else(|| panic!("{item}"))
    };
    let items = ["Time series", "Logs", "APM traces", "RUM page views", "Triggers"];
    assert!(items.windows(2).all(|w| at(w[0]) < at(w[1])), "{first_bill}");
    // The chart: an accessible SVG with the day's total, and the same numbers as a table.
    assert!(html.contains(&format!("<title id=\"chart-title\">Daily totals of {}", b.month)));
    assert!(html.contains(&format!("<title>{day}: ¥26.80</title>")));
    assert!(html.contains(&format!("<td>{day}</td><td class=\"num\">¥26.80</td>")));
    // Month navigation keeps the filters; the export link too.
    assert!(html.contains(&format!(
        "href=\"/billing/bills?month={}\" rel=\"prev\"",
        b.month.previous()
    )));
    assert!(html.contains(&format!("href=\"/billing/bills.csv?month={}\"", b.month)));
    // Alibaba's share is never charged to the wallet.
    assert_eq!(app.count("SELECT count(*) AS n FROM ledger_entries").await, 1);
}

#[tokio::test]
async fn the_csv_has_the_pages_lines_and_adds_up_to_its_total() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    let res = app.get(&format!("/billing/bills.csv?month={}", b.month)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"bills-{}.csv\"", b.month).as_str()
    );
    let body = res.bytes().await.unwrap();
    assert!(!body.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(body.as_ref());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "date",
            "workspace_id",
            "workspace_name",
            "site",
            "item",
            "retention_days",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "settled_by",
            "instance_id"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 10);
    let total: Decimal = rows.iter().map(|r| r[9].parse::<Decimal>().unwrap()).sum();
    assert_eq!(total, Decimal::new(2680, 2));
    let day = days_ago(1).to_string();
    let timeline = rows
        .iter()
        .find(|r| r[1] == b.direct && &r[4] == "timeline")
        .unwrap();
    assert_eq!(
        timeline.iter().collect::<Vec<_>>(),
        [
            day.as_str(),
            b.direct.as_str(),
            "Production",
            "cn1",
            "timeline",
            "3",
            "6000",
            "1,000 series",
            "0.6",
            "3.60",
            "billing_center",
            ""
        ]
    );
    let trigger = rows
        .iter()
        .find(|r| r[1] == b.aliyun && &r[4] == "trigger")
        .unwrap();
    assert_eq!(&trigger[5], "");
    assert_eq!(&trigger[9], "2.00");
    assert_eq!((&trigger[10], &trigger[11]), ("aliyun", b.instance.as_str()));

    let with_bom = app
        .get(&format!("/billing/bills.csv?month={}&bom=1", b.month))
        .await;
    let body = with_bom.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBFdate,workspace_id,"));
}

#[tokio::test]
async fn a_workspace_name_that_looks_like_a_formula_stays_text_in_the_csv() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = app
        .workspace_named(
            &alice,
            "cn1",
            "=HYPERLINK(\"x\")",
            &by_billing_center(),
            chrono::Utc::now() - chrono::Duration::days(40),
        )
        .await;
    let day = days_ago(1);
    app.ingest("cn1", worked_example(&ws, day)).await;
    app.settle(day).await;
    app.login("alice").await;
    let body = app
        .get(&format!(
            "/billing/bills.csv?month={}&workspace={ws}",
            Month::of(day)
        ))
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[2], "'=HYPERLINK(\"x\")");
}

#[tokio::test]
async fn filters_narrow_the_page_and_the_export_alike() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    for (filter, total, shown, hidden) in [
        ("method=aliyun", "¥13.40", &b.aliyun, &b.direct),
        ("method=billing_center", "¥13.40", &b.direct, &b.aliyun),
        ("site=cn6", "¥13.40", &b.aliyun, &b.direct),
        (
            &format!("workspace={}", b.direct) as &str,
            "¥13.40",
            &b.direct,
            &b.aliyun,
        ),
    ] {
        let html = app
            .get_text(&format!("/billing/bills?month={}&{filter}", b.month))
            .await;
        assert_eq!(text_of(&html, "month-total"), total, "{filter}");
        assert!(
            html.contains(&format!("/{shown}\"")) && !html.contains(&format!("/{hidden}\"")),
            "{filter}"
        );
        // The export link carries the same filters (askama writes & as &#38;).
        assert!(html.contains(&format!("/billing/bills.csv?month={}&#38;{filter}", b.month)));
        let csv = app
            .get_text(&format!("/billing/bills.csv?month={}&{filter}", b.month))
            .await;
        assert_eq!(csv.lines().count(), 6, "{filter}");
        assert!(
            csv.contains(shown.as_str()) && !csv.contains(hidden.as_str()),
            "{filter}"
        );
    }
}

#[tokio::test]
async fn another_account_sees_none_of_it() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    app.create_account("bob").await;
    let bob = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    bob.login("bob").await;

    for path in [
        format!("/billing/bills?month={}", b.month),
        format!("/billing/bills?month={}&workspace={}", b.month, b.direct),
    ] {
        let html = bob.get_text(&path).await;
        assert!(html.contains("id=\"no-bills\""), "{path}");
        // Only what bob typed comes back (in the filter links), none of alice's data.
        assert!(
            !html.contains("Production") && !html.contains(&b.instance) && !html.contains(&b.aliyun),
            "{path}"
        );
    }
    let csv = bob
        .get_text(&format!(
            "/billing/bills.csv?month={}&workspace={}",
            b.month, b.direct
        ))
        .await;
    assert_eq!(csv.lines().count(), 1);
    let wallet = bob.get_text("/billing/wallet").await;
    assert!(wallet.contains("No balance change yet.") && !wallet.contains("-¥13.40"));
    assert_eq!(text_of(&wallet, "balance"), "¥0.00");
}

#[tokio::test]
async fn a_malformed_month_is_a_400_page_that_says_so() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    for month in ["2026-13", "abc", "2026-1", "<script>"] {
        let res = app
            .get(&format!("/billing/bills?month={}", urlencode(month)))
            .await;
        assert_eq!(res.status(), 400, "{month}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Enter a month like 2026-11."), "{month}");
        assert!(!html.contains("<script>"));
    }
    assert_eq!(app.get("/billing/bills.csv?month=2026-13").await.status(), 400);
    let empty = app.get_text("/billing/bills?month=2026-02").await;
    assert!(empty.contains("No bills for 2026-02"));
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn bills_and_the_wallet_come_in_pages() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let day = days_ago(1);
    let mut usage: Vec<Value> = Vec::new();
    let user = app.as_user("alice").await;
    app.clock.set(chrono::Utc::now() - chrono::Duration::days(40));
    for n in 0..55 {
        let ws = user
            .add_workspace(&format!("WS {n:02}"), "cn1", &by_billing_center())
            .await;
        usage.push(record(&ws, &hour_of(day, 4), "report", 1, None));
    }
    app.clock.set(chrono::Utc::now());
    app.ingest("cn1", usage).await;
    app.settle(day).await;
    for n in 0..24 {
        succeeded(&app.operator(&[
            "top-up",
            "--account",
            "alice",
            "--amount",
            &format!("{}.00", n + 1),
            "--reference",
            &format!("BANK-{n:02}"),
        ]));
    }
    app.login("alice").await;
    let month = Month::of(day);

    let first = app.get_text(&format!("/billing/bills?month={month}")).await;
    assert_eq!(first.matches("data-bill=").count(), 20);
    assert!(
        first.contains("Page 1 / 3") && first.contains(&format!("month={month}&#38;page=2\" rel=\"next\""))
    );
    let last = app
        .get_text(&format!("/billing/bills?month={month}&page=3"))
        .await;
    assert_eq!(last.matches("data-bill=").count(), 15);
    let second = app
        .get_text(&format!("/billing/bills?month={month}&page=2"))
        .await;
    assert_eq!(second.matches("data-bill=").count(), 20);
    assert_eq!(text_of(&second, "month-total"), "¥55.00");

    // 55 charges and 24 top-ups, newest first, with the balance after each.
    let wallet = app.get_text("/billing/wallet").await;
    assert_eq!(wallet.matches("<td data-label=\"Kind\">").count(), 20);
    assert!(wallet.contains("Page 1 / 4"));
    let newest = wallet.find("BANK-23").unwrap();
    let older = wallet.find("BANK-22").unwrap();
    assert!(newest < older);
    // 1 + 2 + ... + 24 = 300, less 55 charges of ¥1.
    assert_eq!(text_of(&wallet, "balance"), "¥245.00");
    assert!(wallet.contains("+¥24.00") && wallet.contains(">¥245.00</td>"));
    let last = app.get_text("/billing/wallet?page=4").await;
    assert_eq!(last.matches("<td data-label=\"Kind\">").count(), 19);
    assert!(last.contains(&format!("Bill of {day} · WS ")) && last.contains("-¥1.00"));
}

#[tokio::test]
async fn the_pages_speak_both_languages() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    let english = app.get_text(&format!("/billing/bills?month={}", b.month)).await;
    assert!(
        english.contains(">Bills</a>") && english.contains(">Wallet</a>") && english.contains("Month total")
    );
    app.client
        .get(app.url("/locale/zh?next=/billing"))
        .send()
        .await
        .unwrap();
    let bills = app.get_text(&format!("/billing/bills?month={}", b.month)).await;
    for text in [
        "账单",
        "本月合计",
        "按结算方式",
        "阿里云账号",
        "已推送",
        "时间线",
        "计费项（5）",
        "下载 CSV",
    ] {
        assert!(bills.contains(text), "{text}");
    }
    let wallet = app.get_text("/billing/wallet").await;
    for text in ["现金余额", "如何充值", "日账单", "暂不支持在线支付"] {
        assert!(wallet.contains(text), "{text}");
    }
    let csv = app
        .get_text(&format!("/billing/bills.csv?month={}", b.month))
        .await;
    assert!(csv.contains(",千条,"));
}

#[tokio::test]
async fn the_overview_shows_the_balance_this_month_and_yesterday() {
    let app = money_app(&[]).await;
    let b = billed(&app).await;
    let html = app.get_text("/billing").await;
    assert!(html.contains("class=\"amount-big negative\" id=\"balance\">-¥13.40<"));
    assert_eq!(text_of(&html, "yesterday-bill"), "¥26.80");
    let this_month = Month::of(billing_center::billing::usage::business_day(chrono::Utc::now()));
    let expected = if this_month == b.month {
        "¥26.80"
    } else {
        "¥0.00"
    };
    assert_eq!(text_of(&html, "month-charges"), expected);
    assert!(html.contains("href=\"/billing/bills\"") && html.contains("href=\"/billing/wallet#top-up\""));
}

#[tokio::test]
async fn the_wallet_says_where_to_transfer_from_configuration() {
    let app = spawn_app_with(&[
        ("APP_BANK_PAYEE", "Guance Technology Co., Ltd."),
        ("APP_BANK_NAME", "Bank of Hangzhou, Xihu branch"),
        ("APP_BANK_ACCOUNT", "3301 0400 0012 3456"),
    ])
    .await;
    app.create_account("alice").await;
    app.login("alice").await;
    let html = app.get_text("/billing/wallet").await;
    for text in [
        "Guance Technology Co., Ltd.",
        "Bank of Hangzhou, Xihu branch",
        "3301 0400 0012 3456",
        "<code>alice</code>",
        "Online payment is not available.",
    ] {
        assert!(html.contains(text), "{text}");
    }
    let unconfigured = spawn_app().await;
    unconfigured.create_account("alice").await;
    unconfigured.login("alice").await;
    assert!(
        unconfigured
            .get_text("/billing/wallet")
            .await
            .contains("Ask your account manager")
    );
}
