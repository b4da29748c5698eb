use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, browser, spawn_app};

const UID: &str = "1234567890123456";

/// Step-1 fields for `username` on `site`.
pub fn account_fields<'a>(
    site: &'a str,
    username: &'a str,
    email: &'a str,
    phone: &'a str,
    code: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("site", site),
        ("username", username),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("email", email),
        ("email_code", code),
        ("phone", phone),
    ]
}

/// Asks for a code and reads it from the sandbox mailbox.
pub async fn email_code(app: &TestApp, email: &str) -> String {
    let before = app.emails_to(email).await.len();
    let res = app
        .post_form("/register/email-code", &[("email", email), ("site", "cn1")])
        .await;
    assert_eq!(res.status(), 200);
    let emails = app.wait_for_emails(email, before + 1).await;
    let text = &emails[0].text;
    text.split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("a code")
        .to_string()
}

/// A minute passes for the code limit: another code may be sent.
pub async fn a_minute_later(app: &TestApp) {
    app.execute("UPDATE rate_limits SET window_ends_at = now() WHERE key LIKE 'email-code:%'")
        .await;
}

/// Steps 1 and 2 for a new console user.
pub async fn through_company(app: &TestApp, site: &str, username: &str) -> (String, String) {
    let email = format!("{username}@example.com");
    let n = (uuid::Uuid::new_v4().as_u128() % 100_000_000) as u32;
    let phone = format!("138{n:08}");
    let code = email_code(app, &email).await;
    let res = app
        .post_form(
            "/register",
            &account_fields(site, username, &email, &phone, &code),
        )
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let res = app
        .post_form(
            "/register/company",
            &[("company_name", "Example Ltd"), ("agree_terms", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/register/activate");
    (email, phone)
}

fn activate_fields<'a>(method: &'a str, ali_uid: &'a str, instance_id: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("workspace_name", "Production"),
        ("workspace_language", "zh"),
        ("activation_method", method),
        ("ali_uid", ali_uid),
        ("instance_id", instance_id),
        ("sync_billing_account", "on"),
        ("agree_terms", "on"),
    ]
}

async fn rows(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("SELECT count(*) AS n FROM console_users").await,
        app.count("SELECT count(*) AS n FROM accounts").await,
        app.count("SELECT count(*) AS n FROM workspaces").await,
        app.count("SELECT count(*) AS n FROM settlement_changes").await,
    )
}

#[tokio::test]
async fn a_direct_activation_creates_the_user_account_workspace_and_history() {
    let app = spawn_app().await;
    through_company(&app, "cn2", "alice").await;
    let page = app.get_text("/register/activate").await;
    assert!(
        page.contains("value=\"direct\" checked"),
        "cn2 defaults to direct"
    );
    assert!(
        !page.contains("value=\"aliyun\""),
        "cn2 does not offer Alibaba settlement"
    );

    let res = app
        .post_form("/register/activate", &activate_fields("direct", "", ""))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/register/done");
    let done = app.get_text("/register/done").await;
    assert!(done.contains("Production"));
    assert!(done.contains("Billing Center account"));
    assert!(done.contains("href=\"/login\""));
    assert_eq!(rows(&app).await, (1, 1, 1, 1));
    let history = app
        .count("SELECT count(*) AS n FROM settlement_changes WHERE reason = 'registration' AND to_method = 'billing_center' AND actor = 'alice'")
        .await;
    assert_eq!(history, 1);
    // Same username and password hash for the Billing Center account.
    let same = app.count("SELECT count(*) AS n FROM accounts a JOIN console_users c ON c.password_hash = a.password_hash AND c.username = a.username").await;
    assert_eq!(same, 1);
    // And the Billing Center login shows the workspace.
    let billing = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    billing.login("alice").await;
    assert!(billing.get_text("/billing").await.contains("Production"));
}

#[tokio::test]
async fn an_alibaba_activation_verifies_claims_and_binds_the_instance() {
    let app = spawn_app().await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    through_company(&app, "cn1", "alice").await;
    let page = app.get_text("/register/activate").await;
    assert!(
        page.contains("value=\"aliyun\" checked"),
        "cn1 defaults to Alibaba"
    );

    let res = app
        .post_form("/register/activate", &activate_fields("aliyun", UID, &id))
        .await;
    assert_eq!(res.status(), 303);
    let bound = app
        .count(&format!("SELECT count(*) AS n FROM workspaces w JOIN aliyun_instances i ON i.instance_id = w.aliyun_instance_id AND i.claimed_by = w.account_id WHERE w.settlement_method = 'aliyun' AND i.instance_id = '{id}'"))
        .await;
    assert_eq!(bound, 1);
}

#[tokio::test]
async fn each_instance_problem_has_its_message_and_leaves_no_rows() {
    let app = spawn_app().await;
    let expired = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.market_operate(&expired, "expire", true).await;
    let released = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.market_operate(&released, "release", true).await;
    let good = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    through_company(&app, "cn1", "alice").await;
    let before = rows(&app).await;

    let cases = [
        (UID, "999999", "No instance with this ID was found"),
        (
            "6543210987654321",
            good.as_str(),
            "This instance belongs to another Alibaba Cloud account",
        ),
        (UID, expired.as_str(), "This instance has expired"),
        (UID, released.as_str(), "This instance was closed"),
        ("12ab", "x", "An Alibaba Cloud account ID is a number"),
    ];
    for (uid, instance, message) in cases {
        let res = app
            .post_form("/register/activate", &activate_fields("aliyun", uid, instance))
            .await;
        assert_eq!(res.status(), 422, "{message}");
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{message}");
        assert!(page.contains(&format!("value=\"{uid}\"")), "input kept");
    }
    // The marketplace cannot be asked about an instance we never heard of.
    app.market_faults(json!({ "openapi_fail_seconds": 60 })).await;
    let res = app
        .post_form("/register/activate", &activate_fields("aliyun", UID, "424242"))
        .await;
    assert!(res.text().await.unwrap().contains("could not be reached"));
    assert_eq!(rows(&app).await, before);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM aliyun_instances WHERE claimed_by IS NOT NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn an_instance_claimed_by_another_account_is_refused() {
    let app = spawn_app().await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Another Billing Center account settles one of its workspaces with it (R2).
    app.create_account("owner").await;
    app.as_user("owner")
        .await
        .add_workspace(
            "Theirs",
            "cn1",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &id)],
        )
        .await;
    through_company(&app, "cn1", "alice").await;
    let res = app
        .post_form("/register/activate", &activate_fields("aliyun", UID, &id))
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("already associated with another Billing Center account")
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces").await,
        1,
        "the owner's only"
    );
}

#[tokio::test]
async fn a_site_without_alibaba_settlement_refuses_it() {
    let app = spawn_app().await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    through_company(&app, "us1", "alice").await;
    let res = app
        .post_form("/register/activate", &activate_fields("aliyun", UID, &id))
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This site does not allow this settlement method.")
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM accounts").await, 0);
}

#[tokio::test]
async fn joining_an_existing_account_needs_its_credentials_and_spans_sites() {
    let app = spawn_app().await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    through_company(&app, "cn1", "alice").await;
    app.post_form("/register/activate", &activate_fields("aliyun", UID, &id))
        .await;

    // A second registration, on another site, joins alice's Billing Center account.
    let second = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    through_company(&second, "cn6", "alice6").await;
    let mut join = activate_fields("aliyun", UID, &id);
    join.retain(|(k, _)| *k != "sync_billing_account");
    let wrong = [
        join.clone(),
        vec![
            ("billing_login", "alice"),
            ("billing_password", "not her password"),
        ],
    ]
    .concat();
    let res = second.post_form("/register/activate", &wrong).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The login or password is incorrect.")
    );

    let right = [
        join,
        vec![
            ("billing_login", "alice@example.com"),
            ("billing_password", PASSWORD),
        ],
    ]
    .concat();
    let res = second.post_form("/register/activate", &right).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM accounts").await, 1);
    // One instance settles both workspaces, on two sites, for one account.
    let both = app
        .count(&format!("SELECT count(DISTINCT site) AS n FROM workspaces WHERE aliyun_instance_id = '{id}' AND account_id = (SELECT id FROM accounts)"))
        .await;
    assert_eq!(both, 2);
}

#[tokio::test]
async fn creating_an_account_whose_username_exists_is_refused_with_the_way_out() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    through_company(&app, "cn2", "alice").await;
    let res = app
        .post_form("/register/activate", &activate_fields("direct", "", ""))
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Untick the box and join it"));
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 0);
}

#[tokio::test]
async fn a_concurrent_double_submit_creates_one_workspace() {
    let app = spawn_app().await;
    through_company(&app, "cn2", "alice").await;
    let fields = activate_fields("direct", "", "");
    for res in app.post_form_all_at_once("/register/activate", &fields, 2).await {
        assert_eq!(res.status(), 303);
    }
    assert_eq!(rows(&app).await, (1, 1, 1, 1));
}

#[tokio::test]
async fn step_two_sent_twice_at_once_registers_once_and_both_go_on_to_step_three() {
    let app = spawn_app().await;
    let email = "alice@example.com";
    let code = email_code(&app, email).await;
    let res = app
        .post_form(
            "/register",
            &account_fields("cn1", "alice", email, "13800000001", &code),
        )
        .await;
    assert_eq!(res.status(), 303);
    let answers = app
        .post_form_all_at_once(
            "/register/company",
            &[("company_name", "Example Ltd"), ("agree_terms", "on")],
            2,
        )
        .await;
    for res in answers {
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/register/activate");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM console_users").await, 1);
    assert_eq!(app.get("/register/activate").await.status(), 200);
}

#[tokio::test]
async fn the_steps_cannot_be_skipped() {
    let app = spawn_app().await;
    for path in ["/register/company", "/register/activate", "/register/done"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/register", "{path}");
    }
    let res = app
        .post_form("/register/activate", &activate_fields("direct", "", ""))
        .await;
    assert_eq!(res.headers()["location"], "/register");
    let res = app
        .post_form(
            "/register/company",
            &[("company_name", "X"), ("agree_terms", "on")],
        )
        .await;
    assert_eq!(res.headers()["location"], "/register");
    assert_eq!(rows(&app).await, (0, 0, 0, 0));
}

#[tokio::test]
async fn step_one_checks_every_field_and_keeps_the_input() {
    let app = spawn_app().await;
    let res = app
        .post_form(
            "/register",
            &[
                ("site", "mars"),
                ("username", "1bad"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("email", "nope"),
                ("email_code", "12"),
                ("phone", "123"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    for message in [
        "Choose one of the options.",
        "A username starts with a letter",
        "The password must have at least 12 characters.",
        "Enter an email address like name@example.com.",
        "The code has 6 digits.",
        "Enter a mainland China mobile number",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert!(page.contains("value=\"1bad\""));
    assert!(!page.contains("value=\"short\""), "passwords are never echoed");
    assert_eq!(app.count("SELECT count(*) AS n FROM console_users").await, 0);
}

#[tokio::test]
async fn usernames_emails_and_phones_are_unique_per_site() {
    let app = spawn_app().await;
    let (email, phone) = through_company(&app, "cn1", "alice").await;
    let again = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    // A minute later, a new code for the same address.
    a_minute_later(&app).await;
    let code = email_code(&again, &email).await;
    let res = again
        .post_form(
            "/register",
            &account_fields("cn1", "ALICE", &email, &phone, &code),
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("This username is already registered on this site."));
    assert!(page.contains("This email is already registered on this site."));
    assert!(page.contains("This phone number is already registered on this site."));
    // Another site is free.
    let res = again
        .post_form(
            "/register",
            &account_fields("cn6", "alice", &email, &phone, &code),
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn email_codes_expire_allow_five_wrong_tries_and_resend_after_a_minute() {
    let app = spawn_app().await;
    let email = "bob@example.com";
    let code = email_code(&app, email).await;
    // A second code within the minute is refused.
    let res = app.post_form("/register/email-code", &[("email", email)]).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("You can ask for another in"));

    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let res = app
            .post_form(
                "/register",
                &account_fields("cn1", "bob", email, "13800000000", wrong),
            )
            .await;
        let page = res.text().await.unwrap();
        if left > 0 {
            assert!(page.contains(&format!("{left} tries left")), "{left}");
        }
    }
    // After five wrong tries even the right code is dead.
    let res = app
        .post_form(
            "/register",
            &account_fields("cn1", "bob", email, "13800000000", &code),
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This code has expired or was tried too often.")
    );

    // A new code (a minute later), then ten minutes pass: expired.
    a_minute_later(&app).await;
    let code = email_code(&app, email).await;
    app.execute("UPDATE email_codes SET expires_at = now() - interval '1 second'")
        .await;
    let res = app
        .post_form(
            "/register",
            &account_fields("cn1", "bob", email, "13800000000", &code),
        )
        .await;
    assert!(res.text().await.unwrap().contains("This code has expired"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_codes WHERE code_hash IS NOT NULL AND attempts >= 0")
            .await,
        2
    );
}

#[tokio::test]
async fn the_marketplace_sign_on_prefills_the_verified_instance() {
    let app = spawn_app().await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app.marketplace_sign_on(&id).await;
    assert_eq!(res.status(), 303);
    through_company(&app, "cn1", "alice").await;
    let page = app.get_text("/register/activate").await;
    assert!(page.contains(&format!("value=\"{id}\"")));
    assert!(page.contains(&format!("value=\"{UID}\"")));
    assert!(page.contains("came from Alibaba Cloud Marketplace and is verified"));
}

#[tokio::test]
async fn the_wizard_speaks_both_languages() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/register"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("注册商业版"));
    assert!(page.contains("中国区1（杭州）"));
    let page = app
        .client
        .get(app.url("/register"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("China Region 1 (Hangzhou)"));
}
