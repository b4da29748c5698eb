//! "One per minute" limits hold when the requests arrive at once.

use crate::helpers::{link_in, spawn_app};
use crate::register::account_fields;

#[tokio::test]
async fn simultaneous_code_requests_send_one_code_and_it_works() {
    let app = spawn_app().await;
    let email = "racer@example.com";
    let statuses = app
        .post_form_all_at_once("/register/email-code", &[("email", email), ("site", "cn1")], 5)
        .await
        .iter()
        .map(|res| res.status().as_u16())
        .collect::<Vec<_>>();
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [200, 429, 429, 429, 429], "{statuses:?}");

    let emails = app.wait_for_emails(email, 1).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM email_codes").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_outbox WHERE recipient = 'racer@example.com'")
            .await,
        1
    );
    let code = emails[0]
        .text
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap()
        .to_string();
    let res = app
        .post_form(
            "/register",
            &account_fields("cn1", "racer", email, "13800000005", &code),
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn simultaneous_forgot_requests_send_one_reset() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let statuses = app
        .post_form_all_at_once("/password/forgot", &[("email", &alice.email)], 10)
        .await
        .iter()
        .map(|res| res.status().as_u16())
        .collect::<Vec<_>>();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_reset_requests")
            .await,
        1
    );
    app.wait_for_count(
        "SELECT count(*) AS n FROM password_reset_requests WHERE processed_at IS NOT NULL",
        1,
    )
    .await;
    let emails = app.wait_for_emails(&alice.email, 1).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_reset_tokens").await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM email_outbox WHERE recipient = '{}'",
            alice.email
        ))
        .await,
        1
    );
    // And that one link works.
    let path = link_in(&emails[0].text, &app.url("/password/reset/"))
        .trim_start_matches(&app.address)
        .to_string();
    assert_eq!(app.get(&path).await.status(), 200);
}
