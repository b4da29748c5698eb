//! Nobody learns which addresses, usernames or phones are registered without
//! proving an emailed code, and "forgot password" does the same for every
//! address.

use crate::helpers::{TestApp, browser, spawn_app, spawn_app_with};
use crate::register::{a_minute_later, account_fields, email_code, through_company};

const TAKEN: &str = "already registered on this site";

#[tokio::test]
async fn step_one_says_taken_only_once_the_emailed_code_is_proven() {
    let app = spawn_app().await;
    let (email, phone) = through_company(&app, "cn1", "alice").await;
    let prober = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    for code in ["", "123456", "000000"] {
        let res = prober
            .post_form("/register", &account_fields("cn1", "alice", &email, &phone, code))
            .await;
        assert_eq!(res.status(), 422, "code {code:?}");
        let page = res.text().await.unwrap();
        assert!(!page.contains(TAKEN), "code {code:?} told: {page}");
    }
    // Whoever reads alice's mailbox may learn it (each field's message:
    // `register::usernames_emails_and_phones_are_unique_per_site`).
    a_minute_later(&app).await;
    let code = email_code(&prober, &email).await;
    let res = prober
        .post_form(
            "/register",
            &account_fields("cn1", "alice", &email, &phone, &code),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(TAKEN));
}

#[tokio::test]
async fn step_one_is_throttled_per_client_address() {
    let app = spawn_app_with(&[("APP_REGISTER_ATTEMPTS_PER_IP", "3")]).await;
    for i in 0..3 {
        let email = format!("probe{i}@example.com");
        let res = app
            .post_form(
                "/register",
                &account_fields("cn1", "probe", &email, "13800000009", "123456"),
            )
            .await;
        assert_eq!(res.status(), 422, "{email}");
    }
    let res = app
        .post_form(
            "/register",
            &account_fields("cn1", "probe", "probe9@example.com", "13800000009", "123456"),
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many registration attempts.")
    );
    // Email codes count from the same address too.
    let res = app
        .post_form("/register/email-code", &[("email", "fresh@example.com")])
        .await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn step_one_is_throttled_per_email() {
    let app = spawn_app_with(&[("APP_REGISTER_ATTEMPTS_PER_EMAIL", "2")]).await;
    let step = |email: &'static str| {
        let app = app.clone_handle();
        async move {
            app.post_form(
                "/register",
                &account_fields("cn1", "probe", email, "13800000009", "123456"),
            )
            .await
            .status()
            .as_u16()
        }
    };
    assert_eq!(step("target@example.com").await, 422);
    assert_eq!(step("TARGET@example.com").await, 422);
    assert_eq!(step("target@example.com").await, 429);
    assert_eq!(step("other@example.com").await, 422);
}

#[tokio::test]
async fn forgot_records_the_same_for_known_and_unknown_addresses_and_mails_only_accounts() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let known = app
        .post_form("/password/forgot", &[("email", &alice.email)])
        .await;
    let known_status = known.status();
    let known_page = known.text().await.unwrap();
    let unknown = app
        .post_form("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known_status, 200);
    assert_eq!(unknown.status(), known_status);
    assert_eq!(unknown.text().await.unwrap(), known_page);

    // One request row each, of one shape, both processed.
    let rows = "SELECT count(*) AS n FROM password_reset_requests \
                WHERE email IN ('alice@example.com', 'nobody@example.com') AND processed_at IS NOT NULL";
    assert_eq!(app.wait_for_count(rows, 2).await, 2);
    // Only the account gets a link and an email.
    app.wait_for_emails(&alice.email, 1).await;
    assert!(app.emails_to("nobody@example.com").await.is_empty());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_outbox WHERE recipient = 'nobody@example.com'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_reset_tokens").await,
        1
    );
}
