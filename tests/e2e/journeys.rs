use crate::browser::Browser;
use crate::helpers::{PASSWORD, spawn_app};

/// J1: activate the product in the (simulated) marketplace and read the
/// Instance ID under Purchased Services.
#[tokio::test]
async fn j1_marketplace_activation() {
    let app = spawn_app().await;
    let Some(mut b) = Browser::start("j1-marketplace-activation").await else {
        return;
    };

    b.goto(&format!("{}/market", app.sandbox)).await;
    b.shot("product-page").await;
    let uid = b
        .client
        .find(fantoccini::Locator::Css("#ali_uid"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(uid.len(), 16);
    b.click("form.activate button[type=submit]").await;
    b.wait_for("input[name=agree]").await;
    assert!(b.page_text().await.contains("Activate Pay-as-you-go Service"));
    b.click("input[name=agree]").await;
    b.shot("terms").await;
    b.click("button.orange").await;
    b.wait_for("#instance-id").await;
    assert!(b.page_text().await.contains("Activation Request Submitted"));
    let instance_id = b.text("#instance-id").await;
    b.shot("submitted").await;
    b.click_to("a.button.orange", "/market/purchased").await;
    let listed = b
        .text(&format!("[data-instance-id='{instance_id}'] .instance-id"))
        .await;
    assert_eq!(listed, instance_id);
    b.shot("purchased-services").await;
    b.finish().await;

    // The marketplace called our SPI: the portal knows the instance.
    assert_eq!(app.instance_status(&instance_id).await.as_deref(), Some("opened"));
}

/// J2 and J3: the whole wizard (the email code read from the sandbox
/// mailbox page), then the Billing Center login showing the workspace.
#[tokio::test]
async fn j2_registration_and_j3_billing_center_login() {
    let app = spawn_app().await;
    let uid = "1234567890123456";
    let bought = app.market_purchase(uid).await;
    let instance_id = bought["instance_id"].as_str().unwrap().to_string();
    let Some(mut b) = Browser::start("j2-j3-registration-and-login").await else {
        return;
    };
    let email = "alice@example.com";

    let fill_account = async |b: &Browser| {
        b.click("select#site option[value='cn1']").await;
        b.fill("username", "alice").await;
        b.fill("password", PASSWORD).await;
        b.fill("password_confirm", PASSWORD).await;
        b.fill("email", email).await;
        b.fill("phone", "13812345678").await;
    };
    b.goto(&app.url("/register")).await;
    fill_account(&b).await;
    b.shot("step1-filled").await;
    b.click("button[formaction='/register/email-code']").await;
    b.wait_for("p.notice").await;
    assert!(
        b.page_text()
            .await
            .contains("We sent a 6-digit code to alice@example.com")
    );
    b.shot("step1-code-sent").await;

    // Read the code in the sandbox mailbox, as a person would.
    app.wait_for_emails(email, 1).await;
    b.goto(&format!("{}/mailbox?to={email}", app.sandbox)).await;
    b.shot("mailbox").await;
    b.click("table.messages a").await;
    b.wait_for("pre.body").await;
    let body = b.text("pre.body").await;
    let code = body
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .unwrap()
        .to_string();
    b.shot("mailbox-code").await;

    b.goto(&app.url("/register")).await;
    fill_account(&b).await;
    b.fill("email_code", &code).await;
    b.click_to("form button.primary", "/register/company").await;
    b.fill("company_name", "Example Ltd").await;
    b.click("input[name=agree_terms]").await;
    b.shot("step2-company").await;
    b.click_to("form button.primary", "/register/activate").await;

    b.fill("workspace_name", "Production").await;
    b.click("input[name=workspace_language][value=zh]").await;
    b.click("input[name=activation_method][value=aliyun]").await;
    b.fill("ali_uid", uid).await;
    b.fill("instance_id", &instance_id).await;
    b.click("input[name=agree_terms]").await;
    b.shot("step3-activation").await;
    b.click_to("form button.primary", "/register/done").await;
    let done = b.page_text().await;
    assert!(done.contains("Your workspace is ready"));
    assert!(done.contains("Production"));
    assert!(done.contains(&instance_id));
    b.shot("step4-done").await;

    // J3: the Billing Center with the same credentials.
    b.click_to("a.button.primary[href='/login']", "/login").await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.shot("login").await;
    b.click_to("form button.primary", "/billing").await;
    let billing = b.page_text().await;
    assert!(billing.contains("Welcome, alice"));
    assert!(billing.contains("Production"));
    assert!(billing.contains("Alibaba Cloud account"));
    b.shot("billing-center").await;
    b.finish().await;
}

/// J4: change a workspace from the Billing Center to a newly activated Alibaba
/// instance; closing the instance brings it back to the Billing Center.
#[tokio::test]
async fn j4_change_settlement() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = billing_center::db::models::workspace::new_id();
    app.execute(&format!(
        "INSERT INTO workspaces (id, name, site, language, account_id, settlement_method) VALUES ('{ws}', 'Production', 'cn1', 'en', {}, 'billing_center')",
        alice.id
    ))
    .await;
    let Some(mut b) = Browser::start("j4-change-settlement").await else {
        return;
    };

    // A new marketplace purchase.
    b.goto(&format!("{}/market", app.sandbox)).await;
    b.fill("ali_uid", "1234567890123456").await;
    b.click("form.activate button[type=submit]").await;
    b.wait_for("input[name=agree]").await;
    b.click("input[name=agree]").await;
    b.click("button.orange").await;
    b.wait_for("#instance-id").await;
    let instance_id = b.text("#instance-id").await;

    b.goto(&app.url("/login")).await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing").await;
    b.goto(&app.url("/billing/workspaces")).await;
    b.shot("workspaces-before").await;
    b.click_to(
        &format!("a[href='/billing/workspaces/{ws}/settlement']"),
        &format!("/billing/workspaces/{ws}/settlement"),
    )
    .await;
    b.click("input[name=method][value=aliyun]").await;
    b.fill("ali_uid", "1234567890123456").await;
    b.fill("instance_id", &instance_id).await;
    b.shot("change-to-alibaba").await;
    b.click_to("form button.primary", "/billing/workspaces?changed=1")
        .await;
    let list = b.page_text().await;
    assert!(
        list.contains("Alibaba Cloud account") && list.contains(&instance_id),
        "{list}"
    );
    b.shot("workspaces-alibaba").await;

    // Close the instance in the marketplace.
    b.goto(&format!("{}/market/purchased", app.sandbox)).await;
    b.click(&format!("a[href='/market/instances/{instance_id}/close']"))
        .await;
    b.wait_for("button.orange").await;
    b.shot("business-closure").await;
    b.click_to("button.orange", "/market/purchased").await;

    // Closing the instance moved the workspace back to the Billing Center account (R6).
    b.goto(&app.url("/billing/workspaces")).await;
    assert!(
        b.text("table.data tbody tr")
            .await
            .contains("Billing Center account")
    );
    b.shot("workspaces-back").await;
    b.goto(&app.url("/billing/history")).await;
    let history = b.page_text().await;
    assert!(history.contains("Changed by a user"));
    assert!(history.contains("Instance closed on the marketplace"));
    b.shot("history").await;
    b.finish().await;
}

/// J5: the buyer closes the instance in the marketplace; an email arrives with
/// a link to the cancellation notice; after logging in, the workspaces settle
/// by the Billing Center account.
#[tokio::test]
async fn j5_cancellation() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let uid = "1234567890123456";
    let instance_id = app.market_purchase(uid).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.execute(&format!(
        "UPDATE aliyun_instances SET claimed_by = {} WHERE instance_id = '{instance_id}'",
        alice.id
    ))
    .await;
    for (name, site) in [("Production", "cn1"), ("Hong Kong", "cn6")] {
        let id = billing_center::db::models::workspace::new_id();
        app.execute(&format!(
            "INSERT INTO workspaces (id, name, site, language, account_id, settlement_method, aliyun_instance_id) VALUES ('{id}', '{name}', '{site}', 'en', {}, 'aliyun', '{instance_id}')",
            alice.id
        ))
        .await;
    }
    let Some(mut b) = Browser::start("j5-cancellation").await else {
        return;
    };

    b.goto(&format!("{}/market/purchased?ali_uid={uid}", app.sandbox))
        .await;
    b.shot("purchased-services").await;
    b.click(&format!("a[href='/market/instances/{instance_id}/close']"))
        .await;
    b.wait_for("button.orange").await;
    b.shot("business-closure").await;
    b.click_to("button.orange", "/market/purchased").await;
    assert!(
        b.text(&format!("[data-instance-id='{instance_id}'] .status"))
            .await
            .contains("Closed")
    );
    b.shot("closed").await;

    app.wait_for_emails(&alice.email, 1).await;
    b.goto(&format!("{}/mailbox?to={}", app.sandbox, alice.email))
        .await;
    b.shot("mailbox").await;
    b.click("table.messages a").await;
    b.wait_for("pre.body").await;
    b.shot("email").await;
    b.click("pre.body a[href*='/notices/']").await;
    b.wait_for("table.data").await;
    let notice = b.page_text().await;
    assert!(notice.contains("Your Alibaba Cloud instance was closed"));
    assert!(notice.contains("Production") && notice.contains("Hong Kong") && notice.contains(&instance_id));
    b.shot("notice").await;

    b.click("a.button.primary").await;
    b.wait_for("input[name=login]").await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing/workspaces").await;
    let rows = b.text("table.data tbody").await;
    assert!(!rows.contains("Alibaba Cloud account"), "{rows}");
    assert_eq!(rows.matches("Billing Center account").count(), 2, "{rows}");
    b.shot("workspaces-on-billing-center").await;
    b.finish().await;
}

/// J6: usage for two workspaces (one settled by the Billing Center account,
/// one by an Alibaba Cloud instance) is settled; the account reads the bills,
/// opens a day's items, downloads the CSV, and sees the wallet after a
/// top-up. Every page at desktop and phone width.
#[tokio::test]
async fn j6_bills_and_wallet() {
    use crate::money_helpers::{FAST_METERING, days_ago, succeeded, two_methods_billed};
    let bank = [
        ("APP_BANK_PAYEE", "Guance Technology Co., Ltd."),
        ("APP_BANK_NAME", "Bank of Hangzhou, Xihu branch"),
        ("APP_BANK_ACCOUNT", "3301 0400 0012 3456"),
    ];
    let settings: Vec<(&str, &str)> = FAST_METERING.iter().chain(&bank).copied().collect();
    let app = crate::helpers::spawn_app_with(&settings).await;
    let billed = two_methods_billed(&app).await;
    let (direct, instance, month) = (billed.direct, billed.instance, billed.month);
    let day = days_ago(1);
    let Some(mut b) = Browser::start("j6-bills-and-wallet").await else {
        return;
    };

    b.goto(&app.url("/login")).await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing").await;
    assert!(b.page_text().await.contains("Your cash balance is -¥13.40"));
    b.shot_both_widths("overview-in-arrears", None).await;

    b.click_to("a[href='/billing/bills']", "/billing/bills").await;
    b.goto(&app.url(&format!("/billing/bills?month={month}"))).await;
    assert_eq!(b.text("#month-total").await, "¥26.80");
    let shares = b.text("ul.by-method").await;
    assert!(
        shares.contains("Billing Center account") && shares.contains(&instance),
        "{shares}"
    );
    assert!(shares.contains("pushed 1"), "{shares}");
    b.shot_both_widths("bills", None).await;

    // A day's items open without any script.
    let row = format!("tr[data-bill='{day}/{direct}']");
    b.click(&format!("{row} details summary")).await;
    let items = b.text(&format!("{row} details table")).await;
    assert!(
        items.contains("Time series") && items.contains("¥3.60") && items.contains("¥2.00"),
        "{items}"
    );
    b.shot_both_widths("bill-items", Some(&row)).await;

    b.click("a[download]").await;
    let csv = b.downloaded(&format!("bills-{month}.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let total: rust_decimal::Decimal = reader
        .records()
        .map(|r| r.unwrap()[9].parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(total, rust_decimal::Decimal::new(2680, 2));

    succeeded(&app.operator(&[
        "top-up",
        "--account",
        "alice",
        "--amount",
        "100.00",
        "--reference",
        "BANK-J6",
    ]));
    b.click_to("a[href='/billing/wallet']", "/billing/wallet").await;
    assert_eq!(b.text("#balance").await, "¥86.60");
    let ledger = b.text("table.ledger").await;
    assert!(
        ledger.contains("+¥100.00") && ledger.contains("BANK-J6"),
        "{ledger}"
    );
    assert!(
        ledger.contains(&format!("Bill of {day} · Production")) && ledger.contains("-¥13.40"),
        "{ledger}"
    );
    let page = b.page_text().await;
    assert!(!page.contains("arrears") && page.contains("3301 0400 0012 3456"));
    b.shot_both_widths("wallet-after-top-up", None).await;
    b.shot_both_widths("wallet-ledger", Some("table.ledger")).await;
    b.finish().await;
}
