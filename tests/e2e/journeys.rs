//! The journeys of SPEC 2, and the ones the console needs besides (password
//! reset, the marketplace's sign-on, a tour of every page with a full
//! account). Each runs in English and in Chinese (the portal's pages; the
//! sandbox speaks English), and every page state it reaches goes through
//! [`Browser::check_page`]: phone widths, axe-core, screenshots.

use billing_center::domain::Language;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// Runs the journey `$body(lang)` as two tests, `$name::en` and `$name::zh`.
macro_rules! in_both_languages {
    ($name:ident, $body:ident) => {
        mod $name {
            use billing_center::domain::Language;

            #[tokio::test]
            async fn en() {
                super::$body(Language::En).await;
            }

            #[tokio::test]
            async fn zh() {
                super::$body(Language::Zh).await;
            }
        }
    };
}

in_both_languages!(
    j2_registration_and_j3_billing_center_login,
    registration_and_login
);
in_both_languages!(j4_change_settlement, change_settlement);
in_both_languages!(j5_cancellation, cancellation);
in_both_languages!(password_reset_from_forgot_to_login, password_reset);
in_both_languages!(marketplace_sign_on_carried_through_login, marketplace_sign_on);
in_both_languages!(every_billing_page_with_a_full_account, full_account_tour);

/// A workspace name in the journey's language.
fn workspace_name(lang: Language, en: &str, zh: &str) -> String {
    match lang {
        Language::En => en.to_string(),
        Language::Zh => zh.to_string(),
    }
}

/// J1: activate the product in the (simulated) marketplace and read the
/// Instance ID under Purchased Services. The marketplace speaks English only.
#[tokio::test]
async fn j1_marketplace_activation() {
    let app = spawn_app().await;
    let Some(mut b) = Browser::start("j1-marketplace-activation", Language::En).await else {
        return;
    };

    b.goto(&format!("{}/market", app.sandbox)).await;
    b.check_page("product-page").await;
    let uid = b.value("ali_uid").await;
    assert_eq!(uid.len(), 16);
    b.click("form.activate button[type=submit]").await;
    b.wait_for("input[name=agree]").await;
    assert!(b.page_text().await.contains("Activate Pay-as-you-go Service"));
    b.click("input[name=agree]").await;
    b.check_page("terms").await;
    b.click("button.orange").await;
    b.wait_for("#instance-id").await;
    assert!(b.page_text().await.contains("Activation Request Submitted"));
    let instance_id = b.text("#instance-id").await;
    b.check_page("submitted").await;
    b.click_to("a.button.orange", "/market/purchased").await;
    let listed = b
        .text(&format!("[data-instance-id='{instance_id}'] .instance-id"))
        .await;
    assert_eq!(listed, instance_id);
    b.check_page("purchased-services").await;
    b.finish().await;

    // The marketplace called our SPI: the portal knows the instance.
    assert_eq!(app.instance_status(&instance_id).await.as_deref(), Some("opened"));
}

/// Reads the 6-digit code of the latest email to `email` in the sandbox
/// mailbox, in a second tab (as a person would, keeping the form open).
async fn code_from_mailbox(b: &mut Browser, app: &TestApp, email: &str) -> String {
    app.wait_for_emails(email, 1).await;
    let form = b.open_tab(&format!("{}/mailbox?to={email}", app.sandbox)).await;
    b.check_page("mailbox").await;
    b.click("table.messages a").await;
    b.wait_for("pre.body").await;
    let body = b.text("pre.body").await;
    b.check_page("mailbox-code").await;
    b.close_tab(form).await;
    body.split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|c| c.is_ascii_digit()))
        .expect("a code in the email")
        .to_string()
}

/// J2 and J3: the whole wizard as a person goes through it (Enter to go on,
/// the code read in another tab, only the fields that apply), the Billing
/// Center login, then a second site joined to the same account.
async fn registration_and_login(lang: Language) {
    let app = spawn_app().await;
    let uid = "1234567890123456";
    let instance_id = app.purchase_instance(uid).await;
    let Some(mut b) = Browser::start("j2-j3-registration-and-login", lang).await else {
        return;
    };
    let email = "alice@example.com";

    // An empty step 1: the summary names every field it lists.
    b.goto(&app.url("/register")).await;
    b.check_page("step1").await;
    b.click("form button.primary").await;
    b.wait_for(".error-summary").await;
    let summary = b.text(".error-summary").await;
    for field in ["field-username", "field-email-code", "field-phone"] {
        let entry = b.t_args(
            "error-summary-entry",
            &[("field", &b.t(field)), ("message", &b.t("error-required"))],
        );
        assert!(summary.contains(&entry), "{entry:?} in {summary}");
    }
    b.check_page("step1-errors").await;

    b.click("select#site option[value='cn1']").await;
    b.fill("username", "alice").await;
    b.fill("password", PASSWORD).await;
    b.fill("password_confirm", PASSWORD).await;
    b.fill("email", email).await;
    b.fill("phone", "13812345678").await;
    b.click("button[formaction='/register/email-code']").await;
    b.wait_for("p.notice").await;
    assert!(
        b.text("p.notice")
            .await
            .contains(&b.t1("notice-email-code-sent", "email", email))
    );
    // Asking for the code kept every typed value, the passwords too.
    for (field, typed) in [
        ("username", "alice"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("email", email),
        ("phone", "13812345678"),
    ] {
        assert_eq!(b.value(field).await, typed, "{field} after sending the code");
    }
    b.check_page("step1-code-sent").await;
    let code = code_from_mailbox(&mut b, &app, email).await;

    // Enter in the last field goes on to step 2 (it does not send a code).
    b.fill("email_code", &code).await;
    b.press_enter_in("email_code").await;
    b.wait_until_at("/register/company").await;
    b.fill("company_name", "Example Ltd").await;
    b.click("input[name=agree_terms]").await;
    assert!(b.is_shown("a[href='/terms']").await && b.is_shown("a[href='/privacy']").await);
    b.check_page("step2-company").await;
    b.click_to("form button.primary", "/register/activate").await;

    // Step 3 shows only what applies: the Alibaba fields for the marketplace
    // method, the existing account's login only when not creating one.
    assert!(
        b.is_shown("input[name=ali_uid]").await,
        "cn1 allows Alibaba Cloud settlement"
    );
    assert!(!b.is_shown("input[name=billing_login]").await);
    b.click("#activation_method-direct").await;
    assert!(!b.is_shown("input[name=ali_uid]").await);
    b.click("#sync_billing_account").await;
    assert!(b.is_shown("input[name=billing_login]").await);
    b.click("#sync_billing_account").await;
    assert!(!b.is_shown("input[name=billing_login]").await);
    b.click("#activation_method-aliyun").await;
    let name = workspace_name(lang, "Production", "生产环境");
    b.fill("workspace_name", &name).await;
    b.click("input[name=workspace_language][value=zh]").await;
    b.fill("ali_uid", uid).await;
    b.fill("instance_id", &instance_id).await;
    b.click("input[name=agree_terms]").await;
    b.check_page("step3-activation").await;
    b.click_to("form button.primary", "/register/done").await;
    let done = b.page_text().await;
    assert!(done.contains(&b.t("register-done-title")));
    assert!(done.contains(&name) && done.contains(&instance_id));
    assert!(done.contains(&b.t1("register-done-login", "username", "alice")));
    b.check_page("step4-done").await;

    // J3: the Billing Center with the same credentials.
    b.click_to("a.button.primary[href='/login']", "/login").await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.check_page("login").await;
    b.click_to("form button.primary", "/billing").await;
    let billing = b.page_text().await;
    assert!(billing.contains(&b.t1("overview-welcome", "username", "alice")));
    assert!(billing.contains(&name) && billing.contains(&b.t("method-aliyun")));
    b.check_page("billing-center").await;
    b.click("form[action='/logout'] button").await;
    b.wait_until_at("/login?notice=logged-out").await;
    assert!(b.text("p.notice").await.contains(&b.t("notice-logged-out")));
    b.check_page("logged-out").await;

    // Another site joins the same Billing Center account.
    let ops = "ops@example.com";
    b.goto(&app.url("/register")).await;
    b.click("select#site option[value='cn2']").await;
    b.fill("username", "alice-nx").await;
    b.fill("password", "another long phrase for ningxia").await;
    b.fill("password_confirm", "another long phrase for ningxia")
        .await;
    b.fill("email", ops).await;
    b.fill("phone", "13812345679").await;
    b.click("button[formaction='/register/email-code']").await;
    b.wait_for("p.notice").await;
    let code = code_from_mailbox(&mut b, &app, ops).await;
    b.fill("email_code", &code).await;
    b.press_enter_in("email_code").await;
    b.wait_until_at("/register/company").await;
    b.fill("company_name", "Example Ltd").await;
    b.click("input[name=agree_terms]").await;
    b.click_to("form button.primary", "/register/activate").await;
    // Ningxia settles by the Billing Center only: no Alibaba Cloud fields.
    assert!(!b.is_shown("#activation_method-aliyun").await);
    assert!(!b.is_shown("input[name=ali_uid]").await);
    assert!(
        b.page_text()
            .await
            .contains(&b.t("activation-aliyun-unavailable"))
    );
    b.fill("workspace_name", &workspace_name(lang, "Ningxia", "宁夏"))
        .await;
    b.click("#sync_billing_account").await;
    b.fill("billing_login", "alice").await;
    b.fill("billing_password", PASSWORD).await;
    b.click("input[name=agree_terms]").await;
    b.check_page("step3-join").await;
    b.click_to("form button.primary", "/register/done").await;
    // The done page names the account the workspace went to, not alice-nx.
    assert!(
        b.page_text()
            .await
            .contains(&b.t1("register-done-login-joined", "username", "alice"))
    );
    b.check_page("step4-done-joined").await;
    b.finish().await;
}

/// J4: change a workspace from the Billing Center to a newly activated
/// Alibaba instance (a refusal first); closing the instance brings it back.
async fn change_settlement(lang: Language) {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let name = workspace_name(lang, "Production", "生产环境");
    let ws = alice
        .add_workspace(&name, "cn1", &[("method", "billing_center")])
        .await;
    let oregon = alice
        .add_workspace("Oregon", "us1", &[("method", "billing_center")])
        .await;
    let Some(mut b) = Browser::start("j4-change-settlement", lang).await else {
        return;
    };

    // A new marketplace purchase.
    let uid = "1234567890123456";
    b.goto(&format!("{}/market", app.sandbox)).await;
    b.fill("ali_uid", uid).await;
    b.click("form.activate button[type=submit]").await;
    b.wait_for("input[name=agree]").await;
    b.click("input[name=agree]").await;
    b.click("button.orange").await;
    b.wait_for("#instance-id").await;
    let instance_id = b.text("#instance-id").await;

    b.log_in(&app.address, "alice", "/billing").await;
    b.goto(&app.url("/billing/workspaces")).await;
    // Oregon allows only the Billing Center: the row says so instead of a button.
    let only = b.t1("workspaces-only-method", "method", &b.t("method-billing_center"));
    assert_eq!(
        b.text(&format!("[data-workspace-id='{oregon}'] .cannot-change"))
            .await,
        only
    );
    b.check_page("workspaces-before").await;
    b.click_to(
        &format!("a[href='/billing/workspaces/{ws}/settlement']"),
        &format!("/billing/workspaces/{ws}/settlement"),
    )
    .await;
    let allowed = [b.t("method-billing_center"), b.t("method-aliyun")].join(&b.t("list-separator"));
    assert_eq!(b.text(".allowed-methods").await, allowed);
    // Confirm first, Cancel as a secondary button beside it, apart.
    assert!(
        b.gap_between(".form-actions button.primary", ".form-actions a.button")
            .await
            >= 8.0
    );
    b.click("#method-aliyun").await;
    b.fill("ali_uid", "6543210987654321").await;
    b.fill("instance_id", &instance_id).await;
    b.check_page("change-to-alibaba").await;
    b.click("form button.primary").await;
    b.wait_for(".error-summary").await;
    // Refused: only the field at fault is marked.
    assert_eq!(b.invalid_looking_inputs().await, ["instance_id"]);
    b.check_page("change-refused").await;
    b.fill("ali_uid", uid).await;
    b.click_to(
        "form button.primary",
        &format!("/billing/workspaces?changed={ws}"),
    )
    .await;
    let flash = b.text("p.notice").await;
    let method = b.t("method-aliyun");
    let expected = b.t_args(
        "flash-settlement-changed",
        &[("workspace", &name), ("method", &method)],
    );
    assert_eq!(flash, expected);
    // R5: bound to an open instance, it cannot change again.
    assert_eq!(
        b.text(&format!("[data-workspace-id='{ws}'] .cannot-change"))
            .await,
        b.t("workspaces-locked-in")
    );
    b.check_page("workspaces-alibaba").await;

    // Close the instance in the marketplace.
    b.goto(&format!("{}/market/purchased", app.sandbox)).await;
    b.click(&format!("a[href='/market/instances/{instance_id}/close']"))
        .await;
    b.wait_for("button.orange").await;
    b.check_page("business-closure").await;
    b.click_to("button.orange", "/market/purchased").await;

    // Closing the instance moved the workspace back to the Billing Center account (R6).
    b.goto(&app.url("/billing/workspaces")).await;
    assert!(
        b.text(&format!("[data-workspace-id='{ws}']"))
            .await
            .contains(&b.t("method-billing_center"))
    );
    b.check_page("workspaces-back").await;
    b.goto(&app.url("/billing/history")).await;
    let history = b.page_text().await;
    for reason in [
        "reason-user",
        "reason-marketplace_release",
        "reason-workspace_added",
    ] {
        assert!(history.contains(&b.t(reason)), "{reason} in {history}");
    }
    assert!(!history.contains(&b.t("reason-registration")));
    // The instance stands beside the Alibaba Cloud side of each change.
    let (bc, ali) = (b.t("method-billing_center"), b.t("method-aliyun"));
    assert!(
        history.contains(&format!("{bc} → {ali} {instance_id}")),
        "{history}"
    );
    assert!(
        history.contains(&format!("{ali} {instance_id} → {bc}")),
        "{history}"
    );
    b.check_page("history").await;
    b.finish().await;
}

/// J5: the buyer closes the instance in the marketplace; an email arrives with
/// a link to the cancellation notice; after logging in, the workspaces settle
/// by the Billing Center account.
async fn cancellation(lang: Language) {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let uid = "1234567890123456";
    let instance_id = app.purchase_instance(uid).await;
    let user = app.as_user("alice").await;
    let settle = [
        ("method", "aliyun"),
        ("ali_uid", uid),
        ("instance_id", instance_id.as_str()),
    ];
    user.add_workspace("Production", "cn1", &settle).await;
    user.add_workspace("香港业务", "cn6", &settle).await;
    let Some(mut b) = Browser::start("j5-cancellation", lang).await else {
        return;
    };

    b.goto(&format!("{}/market/purchased?ali_uid={uid}", app.sandbox))
        .await;
    b.check_page("purchased-services").await;
    b.click(&format!("a[href='/market/instances/{instance_id}/close']"))
        .await;
    b.wait_for("button.orange").await;
    b.click_to("button.orange", "/market/purchased").await;
    assert!(
        b.text(&format!("[data-instance-id='{instance_id}'] .status"))
            .await
            .contains("Closed")
    );
    b.check_page("closed").await;

    app.wait_for_emails(&alice.email, 1).await;
    b.goto(&format!("{}/mailbox?to={}", app.sandbox, alice.email))
        .await;
    b.click("table.messages a").await;
    b.wait_for("pre.body").await;
    b.check_page("email").await;
    b.click("pre.body a[href*='/notices/']").await;
    b.wait_for("table.data").await;
    let notice = b.page_text().await;
    assert!(notice.contains(&b.t("notice-release-title")));
    assert!(notice.contains("Production") && notice.contains("香港业务") && notice.contains(&instance_id));
    b.check_page("notice").await;

    b.click("a.button.primary").await;
    b.wait_for("input[name=login]").await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing/workspaces").await;
    let rows = b.text("table.data tbody").await;
    assert_eq!(rows.matches(&b.t("method-billing_center")).count(), 2, "{rows}");
    b.check_page("workspaces-on-billing-center").await;
    b.finish().await;
}

/// Forgot → email → reset → login, in Chrome: the reset page's form posts
/// with the origin Chrome really sends.
async fn password_reset(lang: Language) {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let Some(mut b) = Browser::start("password-reset", lang).await else {
        return;
    };
    b.goto(&app.url("/login")).await;
    b.click_to("a[href='/password/forgot']", "/password/forgot").await;
    b.fill("email", &alice.email).await;
    b.check_page("forgot").await;
    b.click("form button.primary").await;
    b.wait_for("[role=status]").await;
    assert!(b.page_text().await.contains(&b.t("forgot-sent-title")));
    b.check_page("forgot-sent").await;

    app.wait_for_emails(&alice.email, 1).await;
    b.goto(&format!("{}/mailbox?to={}", app.sandbox, alice.email))
        .await;
    b.click("table.messages a").await;
    b.wait_for("pre.body").await;
    b.check_page("reset-email").await;
    b.click("pre.body a[href*='/password/reset/']").await;
    b.wait_for("input[name=password_confirm]").await;
    b.check_page("reset-form").await;
    let new_password = "a new phrase nobody will guess";
    b.fill("password", new_password).await;
    b.fill("password_confirm", new_password).await;
    b.click_to("form button.primary", "/login?notice=password-reset")
        .await;
    assert!(b.text("p.notice").await.contains(&b.t("notice-password-reset")));
    b.check_page("login-after-reset").await;
    b.fill("login", "alice").await;
    b.fill("password", new_password).await;
    b.click_to("form button.primary", "/billing").await;
    assert!(
        b.page_text()
            .await
            .contains(&b.t1("overview-welcome", "username", "alice"))
    );
    b.finish().await;
}

/// The marketplace's sign-on lands on the welcome page; after logging in, the
/// instance waits on the workspace list and fills in the settlement change
/// and the new-workspace form.
async fn marketplace_sign_on(lang: Language) {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let ws = alice
        .add_workspace("Production", "cn1", &[("method", "billing_center")])
        .await;
    let uid = "2345678901234567";
    let instance_id = app.purchase_instance(uid).await;
    let Some(mut b) = Browser::start("marketplace-sign-on", lang).await else {
        return;
    };

    b.goto(&format!("{}/market/purchased?ali_uid={uid}", app.sandbox))
        .await;
    b.click_to(
        &format!("a[href='/market/instances/{instance_id}/open']"),
        "/marketplace/welcome",
    )
    .await;
    assert!(b.page_text().await.contains(&instance_id));
    b.check_page("welcome").await;
    b.click("a.button[href^='/login']").await;
    b.wait_for("input[name=login]").await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing/workspaces").await;
    assert!(b.text(".callout").await.contains(&b.t1(
        "workspaces-marketplace-body",
        "instance",
        &instance_id
    )));
    b.check_page("workspaces-with-instance").await;

    // Both forms come filled in with the instance.
    b.goto(&app.url(&format!("/billing/workspaces/{ws}/settlement")))
        .await;
    assert_eq!(b.value("ali_uid").await, uid);
    assert_eq!(b.value("instance_id").await, instance_id);
    assert!(b.is_shown("input[name=instance_id]").await);
    b.check_page("settlement-filled-in").await;
    b.goto(&app.url("/billing/workspaces/new")).await;
    assert_eq!(b.value("instance_id").await, instance_id);
    let name = workspace_name(lang, "Marketplace workspace", "云市场工作空间");
    b.fill("workspace_name", &name).await;
    b.check_page("new-workspace-filled-in").await;
    b.click("form button.primary").await;
    b.wait_for("p.notice").await;
    assert!(b.path().await.starts_with("/billing/workspaces?added=wksp_"));
    let flash = b.text("p.notice").await;
    assert!(
        flash.contains(&name) && flash.contains(&b.t("method-aliyun")),
        "{flash}"
    );
    // Bound now: the instance no longer waits.
    assert!(!b.is_shown(".callout").await);
    b.check_page("workspace-added").await;
    b.finish().await;
}

/// Every Billing Center page, and the other pages a logged-in person meets,
/// with a full account: a dozen workspaces on every site, long names,
/// Chinese names, one instance expired (banners, an expiry notice), one
/// closed (a release notice).
async fn full_account_tour(lang: Language) {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let expiring = app.purchase_instance("1111222233334444").await;
    let closing = app.purchase_instance("5555666677778888").await;
    let long = "Observability-for-the-payments-platform-in-the-east-region-0001";
    let names = [
        (long, "cn1", Some(("1111222233334444", expiring.as_str()))),
        (
            "华东一区支付平台生产环境监控与告警中心工作空间",
            "cn1",
            Some(("1111222233334444", expiring.as_str())),
        ),
        ("Staging", "cn6", Some(("5555666677778888", closing.as_str()))),
        ("香港业务", "cn6", Some(("5555666677778888", closing.as_str()))),
        ("宁夏数据中心", "cn2", None),
        (
            "Guangzhou retail analytics and customer journey dashboards",
            "cn4",
            None,
        ),
        ("Oregon", "us1", None),
        ("研发测试环境", "cn1", None),
        ("Mobile apps", "cn1", None),
        ("数据仓库与报表", "cn4", None),
        ("Search", "us1", None),
        ("客服系统", "cn2", None),
    ];
    for (name, site, instance) in names {
        let settle = match instance {
            Some((uid, id)) => vec![("method", "aliyun"), ("ali_uid", uid), ("instance_id", id)],
            None => vec![("method", "billing_center")],
        };
        alice.add_workspace(name, site, &settle).await;
    }
    app.market_operate(&expiring, "expire", true).await;
    app.market_operate(&closing, "release", true).await;
    app.wait_for_count("SELECT count(*) AS n FROM notices", 2).await;
    let Some(mut b) = Browser::start("full-account-tour", lang).await else {
        return;
    };

    b.log_in(&app.address, "alice", "/billing").await;
    assert!(b.is_shown(".banner").await, "the grace period's banner");
    assert!(
        b.gap_between(".stats", ".stats + .card").await >= 16.0,
        "cards apart from the panel below"
    );
    b.check_page("overview").await;
    b.goto(&app.url("/billing/workspaces")).await;
    assert_eq!(b.count("table.data tbody tr").await, 12);
    b.check_page("workspaces").await;
    b.goto(&app.url("/billing/workspaces?site=cn1&method=aliyun"))
        .await;
    b.check_page("workspaces-filtered").await;
    b.goto(&app.url("/billing/workspaces/new")).await;
    b.check_page("new-workspace").await;
    b.click("form button.primary").await;
    b.wait_for(".error-summary").await;
    b.check_page("new-workspace-errors").await;
    // A workspace in its grace period may move; one in Ningxia may not.
    b.goto(&app.url("/billing/workspaces")).await;
    b.click("tbody tr:first-child a.button").await;
    b.wait_for("form[action$='/settlement']").await;
    b.check_page("settlement-grace").await;
    b.goto(&app.url("/billing/cloud-accounts")).await;
    b.check_page("cloud-accounts").await;
    b.goto(&app.url("/billing/history")).await;
    b.check_page("history").await;
    b.goto(&app.url("/billing/notices")).await;
    let notices = b.page_text().await;
    // The expiry notice says when the workspaces are locked.
    assert!(notices.contains(&b.t("notice-lock-date")), "{notices}");
    assert!(notices.contains(&b.t("notice-expiry-title")) && notices.contains(&b.t("notice-release-title")));
    b.check_page("notices").await;
    b.goto(&app.url("/billing/account")).await;
    b.check_page("account").await;
    b.fill("current_password", "not the password at all").await;
    b.fill("password", "a brand new phrase for alice").await;
    b.fill("password_confirm", "a brand new phrase for alice").await;
    b.click("form[action='/billing/account'] button.primary").await;
    b.wait_for(".error-summary").await;
    b.check_page("account-errors").await;
    // The error pages know who is logged in.
    b.goto(&app.url("/no-such-page")).await;
    assert!(b.text(".site-header").await.contains("alice"));
    assert!(!b.is_shown(".site-header a[href='/login']").await);
    b.check_page("not-found").await;
    for (page, step) in [("/", "home"), ("/terms", "terms"), ("/privacy", "privacy")] {
        b.goto(&app.url(page)).await;
        b.check_page(step).await;
    }
    // And the pages of someone logged out, those of dead links included.
    b.click("form[action='/logout'] button").await;
    b.wait_until_at("/login?notice=logged-out").await;
    for (page, step) in [
        ("/password/forgot", "forgot"),
        ("/register", "register"),
        ("/marketplace/welcome", "welcome-without-instance"),
        ("/notices/no-such-token", "notice-link-invalid"),
        ("/password/reset/no-such-token", "reset-link-invalid"),
        ("/no-such-page", "not-found-anonymous"),
    ] {
        b.goto(&app.url(page)).await;
        b.check_page(step).await;
    }
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
    let Some(mut b) = Browser::start("j6-bills-and-wallet", Language::En).await else {
        return;
    };

    b.goto(&app.url("/login")).await;
    b.fill("login", "alice").await;
    b.fill("password", PASSWORD).await;
    b.click_to("form button.primary", "/billing").await;
    assert!(b.page_text().await.contains("Your cash balance is -¥13.40"));
    b.check_page("overview-in-arrears").await;

    b.click_to("a[href='/billing/bills']", "/billing/bills").await;
    b.goto(&app.url(&format!("/billing/bills?month={month}"))).await;
    assert_eq!(b.text("#month-total").await, "¥26.80");
    let shares = b.text("ul.by-method").await;
    assert!(
        shares.contains("Billing Center account") && shares.contains(&instance),
        "{shares}"
    );
    assert!(shares.contains("pushed 1"), "{shares}");
    b.check_page("bills").await;

    // A day's items open without any script.
    let row = format!("tr[data-bill='{day}/{direct}']");
    b.click(&format!("{row} details summary")).await;
    let items = b.text(&format!("{row} details table")).await;
    assert!(
        items.contains("Time series") && items.contains("¥3.60") && items.contains("¥2.00"),
        "{items}"
    );
    b.check_page("bill-items").await;

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
    b.check_page("wallet-after-top-up").await;
    b.finish().await;
}
