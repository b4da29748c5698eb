//! The Billing Center as a console (issue 11), at the HTTP level: forms that
//! keep what was typed and say which field is wrong, pages that say why an
//! action is not offered, flash messages, wording, brand, terms, and error
//! pages that know the session. The browser journeys (`tests/e2e`) show the
//! same in Chromium, at phone widths and under axe-core.

use crate::helpers::{PASSWORD, TestApp, browser, csrf_from, link_in, spawn_app, spawn_app_with};
use crate::register::{account_fields, through_company};

const UID: &str = "1234567890123456";

async fn get_in(app: &TestApp, path: &str, accept_language: &str) -> String {
    app.client
        .get(app.url(path))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn purchase(app: &TestApp) -> String {
    app.purchase_instance(UID).await
}

#[tokio::test]
async fn asking_for_the_email_code_keeps_every_typed_value_the_passwords_too() {
    let app = spawn_app().await;
    let fields = account_fields("cn1", "alice", "alice@example.com", "13812345678", "");
    let res = app.post_form("/register/email-code", &fields).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for value in ["alice", "alice@example.com", "13812345678", PASSWORD] {
        assert!(page.contains(&format!("value=\"{value}\"")), "{value} kept");
    }
    assert_eq!(
        page.matches(&format!("value=\"{PASSWORD}\"")).count(),
        2,
        "both passwords"
    );
}

#[tokio::test]
async fn a_valid_password_survives_another_fields_error_and_one_at_fault_is_never_sent_back() {
    let app = spawn_app().await;
    let mut fields = account_fields("cn1", "1bad", "alice@example.com", "13812345678", "123456");
    let res = app.post_form("/register", &fields).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(&format!("value=\"{PASSWORD}\""))
    );

    fields[3] = ("password_confirm", "something else entirely");
    let page = app.post_form("/register", &fields).await.text().await.unwrap();
    assert!(!page.contains(&format!("value=\"{PASSWORD}\"")));
    assert!(!page.contains("value=\"something else entirely\""));
}

#[tokio::test]
async fn the_first_button_of_step_one_is_next_so_enter_goes_on() {
    let app = spawn_app().await;
    let page = app.get_text("/register").await;
    let form = &page[page.find("<form method=\"post\" action=\"/register\"").unwrap()..];
    let first = &form[form.find("<button").unwrap()..];
    let first = &first[..first.find('>').unwrap()];
    assert!(
        first.contains("type=\"submit\"") && !first.contains("formaction"),
        "{first}"
    );
}

#[tokio::test]
async fn step_three_offers_the_alibaba_fields_only_where_the_site_allows_them() {
    let app = spawn_app().await;
    through_company(&app, "cn2", "alice").await;
    let page = app.get_text("/register/activate").await;
    assert!(!page.contains("name=\"ali_uid\"") && !page.contains("value=\"aliyun\""));
    assert!(page.contains("Alibaba Cloud settlement is not available on this site."));

    let other = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    through_company(&other, "cn1", "bob").await;
    let page = other.get_text("/register/activate").await;
    assert!(
        page.contains("name=\"ali_uid\"") && page.contains("class=\"aliyun-fields for-activation-aliyun\"")
    );
    // The existing account's fields belong to the unticked box only.
    assert!(page.contains("class=\"join-fields for-joining\""));
}

#[tokio::test]
async fn fields_that_do_not_apply_to_the_choice_are_ignored() {
    let app = spawn_app().await;
    through_company(&app, "cn1", "alice").await;
    let res = app
        .post_form(
            "/register/activate",
            &[
                ("workspace_name", "Production"),
                ("workspace_language", "en"),
                ("activation_method", "direct"),
                ("ali_uid", "not a number"),
                ("instance_id", "neither"),
                ("sync_billing_account", "on"),
                ("billing_login", "!!"),
                ("billing_password", "x"),
                ("agree_terms", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/register/done");
}

#[tokio::test]
async fn the_done_page_of_a_joined_account_names_that_account() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    through_company(&app, "cn2", "ningxia-ops").await;
    let res = app
        .post_form(
            "/register/activate",
            &[
                ("workspace_name", "Ningxia"),
                ("workspace_language", "en"),
                ("activation_method", "direct"),
                ("billing_login", "alice"),
                ("billing_password", PASSWORD),
                ("agree_terms", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let done = app.get_text("/register/done").await;
    assert!(done.contains("added to the existing Billing Center account alice. Log in as alice"));
    assert!(!done.contains("as ningxia-ops"));
}

#[tokio::test]
async fn terms_and_privacy_are_pages_linked_from_registration_and_every_footer() {
    let app = spawn_app().await;
    for (path, en, zh) in [
        ("/terms", "<h1>Terms of Service</h1>", "<h1>服务协议</h1>"),
        ("/privacy", "<h1>Privacy Policy</h1>", "<h1>隐私政策</h1>"),
    ] {
        assert_eq!(app.get(path).await.status(), 200);
        assert!(get_in(&app, path, "en").await.contains(en), "{path}");
        assert!(get_in(&app, path, "zh-CN").await.contains(zh), "{path}");
    }
    assert!(
        app.get_text("/")
            .await
            .contains("<a href=\"/terms\">Terms of Service</a>")
    );
    through_company(&app, "cn1", "alice").await;
    let step3 = app.get_text("/register/activate").await;
    assert!(
        step3.contains("href=\"/terms\" target=\"_blank\"")
            && step3.contains("href=\"/privacy\" target=\"_blank\"")
    );
}

#[tokio::test]
async fn each_entry_of_an_error_summary_names_its_field() {
    let app = spawn_app().await;
    let res = app.post_form("/login", &[("login", ""), ("password", "")]).await;
    let page = res.text().await.unwrap();
    assert!(
        page.contains(">Username, email or phone: This field is required.</a>"),
        "{page}"
    );
    assert!(page.contains(">Password: This field is required.</a>"));

    let res = app
        .client
        .post(app.url("/login"))
        .header("accept-language", "zh-CN")
        .form(&[
            ("login", ""),
            ("password", ""),
            ("csrf_token", &app.csrf_token().await),
        ])
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(
        page.contains(">用户名、邮箱或手机号：此项为必填项。</a>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_workspace_that_cannot_change_says_why_instead_of_offering_the_change() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let oregon = alice
        .add_workspace("Oregon", "us1", &[("method", "billing_center")])
        .await;
    let instance = purchase(&app).await;
    let bound = alice
        .add_workspace(
            "Bound",
            "cn1",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    let free = alice
        .add_workspace("Free", "cn1", &[("method", "billing_center")])
        .await;

    let list = alice.get_text("/billing/workspaces").await;
    assert!(!list.contains(&format!("/billing/workspaces/{oregon}/settlement")));
    assert!(list.contains("This site allows no settlement other than by the Billing Center account."));
    assert!(!list.contains(&format!("/billing/workspaces/{bound}/settlement")));
    assert!(list.contains("Stays with its Alibaba Cloud instance while the instance is open"));
    assert!(list.contains(&format!("/billing/workspaces/{free}/settlement")));
    // The change page names the site's methods, and says why when blocked.
    let page = alice
        .get_text(&format!("/billing/workspaces/{free}/settlement"))
        .await;
    assert!(
        page.contains("<dd class=\"allowed-methods\">Billing Center account, Alibaba Cloud account</dd>")
    );
    let page = alice
        .get_text(&format!("/billing/workspaces/{oregon}/settlement"))
        .await;
    assert!(page.contains("<dd class=\"allowed-methods\">Billing Center account</dd>"));
    assert!(!page.contains("name=\"method\""));
}

#[tokio::test]
async fn the_new_workspace_form_names_the_methods_of_each_site() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    let page = app.get_text("/billing/workspaces/new").await;
    assert!(
        page.contains(">China Region 1 (Hangzhou) · Billing Center account, Alibaba Cloud account</option>")
    );
    assert!(page.contains(">China Region 2 (Ningxia) · Billing Center account</option>"));
    let page = get_in(&app, "/billing/workspaces/new", "zh-CN").await;
    assert!(
        page.contains(">中国区2（宁夏） · 费用中心账户</option>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_flash_message_names_only_a_workspace_of_this_account() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.create_account("bob").await;
    let bob = app.as_user("bob").await;
    let bobs = bob
        .add_workspace("Secret", "cn1", &[("method", "billing_center")])
        .await;
    let alice = app.as_user("alice").await;
    let res = alice
        .post_form(
            "/billing/workspaces/new",
            &[
                ("workspace_name", "Production"),
                ("workspace_language", "en"),
                ("site", "cn2"),
                ("method", "billing_center"),
            ],
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let page = alice.get_text(&location).await;
    assert!(page.contains(
        "Workspace “Production” was added on China Region 2 (Ningxia), settled by the Billing Center account."
    ));
    let page = alice.get_text(&format!("/billing/workspaces?added={bobs}")).await;
    assert!(!page.contains("Secret") && !page.contains("class=\"notice\""));
}

#[tokio::test]
async fn the_history_tells_an_added_workspace_from_a_registration_and_puts_the_instance_on_its_side() {
    let app = spawn_app().await;
    through_company(&app, "cn2", "alice").await;
    let res = app
        .post_form(
            "/register/activate",
            &[
                ("workspace_name", "Registered"),
                ("workspace_language", "en"),
                ("activation_method", "direct"),
                ("sync_billing_account", "on"),
                ("agree_terms", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let alice = app.as_user("alice").await;
    let instance = purchase(&app).await;
    alice
        .add_workspace(
            "Added",
            "cn1",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    let reasons = |reason: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT count(*) AS n FROM settlement_changes WHERE reason = '{reason}'"
            ))
            .await
        }
    };
    assert_eq!(
        (reasons("registration").await, reasons("workspace_added").await),
        (1, 1)
    );
    let history = alice.get_text("/billing/history").await;
    assert!(
        history.contains(">Registration</td>")
            && history.contains(">Workspace added in the Billing Center</td>")
    );
    assert!(history.contains(&format!(
        "Alibaba Cloud account <code class=\"muted nowrap\">{instance}</code></span>"
    )));
    app.market_operate(&instance, "release", true).await;
    app.wait_for_count("SELECT count(*) AS n FROM notices", 1).await;
    let history = alice.get_text("/billing/history").await;
    assert!(history.contains(&format!(
        "Alibaba Cloud account <code class=\"muted nowrap\">{instance}</code> → Billing Center account</span>"
    )));
    assert!(history.contains(">Alibaba Cloud Marketplace</td>"));
}

#[tokio::test]
async fn the_expiry_notice_and_its_email_say_when_the_workspaces_lock() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let instance = purchase(&app).await;
    alice
        .add_workspace(
            "Production",
            "cn1",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    app.market_operate(&instance, "expire", true).await;
    let emails = app.wait_for_emails(&account.email, 1).await;
    let deadline: chrono::DateTime<chrono::Utc> = {
        use billing_center::db::schema::workspaces;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.pool.get().await.unwrap();
        workspaces::table
            .select(workspaces::grace_deadline.assume_not_null())
            .first(&mut conn)
            .await
            .unwrap()
    };
    let lock = billing_center::time::shanghai_minute(deadline);
    assert!(
        emails[0].text.contains(&format!("Locked on: {lock}")),
        "{}",
        emails[0].text
    );

    let link = link_in(&emails[0].text, &app.url("/notices/"));
    let page = app.client.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("<dt>Locked on</dt><dd><time>{lock}</time></dd>")),
        "{page}"
    );
    // An expiry changes the status, not the method: no identical Before/Now.
    assert!(!page.contains(">Before</th>") && page.contains(">Grace period</span>"));
}

#[tokio::test]
async fn the_brand_is_written_as_each_language_writes_it() {
    let app = spawn_app().await;
    assert!(
        get_in(&app, "/", "en")
            .await
            .contains("<title>Welcome · Guance Billing Center</title>")
    );
    assert!(
        get_in(&app, "/", "zh-CN")
            .await
            .contains("· 观测云费用中心</title>")
    );
    let acme = spawn_app_with(&[("APP_BRAND_NAME", "Acme"), ("APP_BRAND_NAME_ZH", "艾克米")]).await;
    assert!(
        get_in(&acme, "/", "en")
            .await
            .contains("· Acme Billing Center</title>")
    );
    assert!(
        get_in(&acme, "/", "zh-CN")
            .await
            .contains("· 艾克米费用中心</title>")
    );
}

#[tokio::test]
async fn the_not_found_page_shows_the_logged_in_header_and_costs_an_anonymous_visitor_nothing() {
    let app = spawn_app().await;
    let res = app.get("/no-such-page").await;
    assert_eq!(res.status(), 404);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(res.text().await.unwrap().contains("href=\"/login\""));
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 0);

    app.create_account("alice").await;
    app.login("alice").await;
    let res = app
        .get("/billing/workspaces/wksp_00000000000000000000000000000000/settlement")
        .await;
    assert_eq!(res.status(), 404);
    let page = res.text().await.unwrap();
    assert!(page.contains("<span class=\"who\"") && page.contains(">alice</span>"));
    assert!(!page.contains("href=\"/login\""));
    // Its logout button works.
    let res = app
        .client
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf_from(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=logged-out");
}

#[tokio::test]
async fn the_marketplace_instance_waits_through_the_login_and_fills_in_the_forms() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let instance = purchase(&app).await;
    let res = app.marketplace_sign_on(&instance).await;
    assert_eq!(res.headers()["location"], "/marketplace/welcome");
    let welcome = app.get_text("/marketplace/welcome").await;
    assert!(welcome.contains("href=\"/login?next=%2Fbilling%2Fworkspaces\""));
    app.login("alice").await;
    let list = app.get_text("/billing/workspaces").await;
    assert!(list.contains(&format!(
        "You came from Alibaba Cloud Marketplace with instance {instance}."
    )));
    let form = app.get_text("/billing/workspaces/new").await;
    assert!(form.contains(&format!(
        "name=\"instance_id\" type=\"text\" value=\"{instance}\""
    )));
    assert!(form.contains(&format!("name=\"ali_uid\" type=\"text\" value=\"{UID}\"")));
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[
                ("workspace_name", "From the marketplace"),
                ("workspace_language", "en"),
                ("site", "cn1"),
                ("method", "aliyun"),
                ("ali_uid", UID),
                ("instance_id", &instance),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Bound: it no longer waits.
    assert!(
        !app.get_text("/billing/workspaces")
            .await
            .contains("You came from Alibaba Cloud Marketplace")
    );
}
