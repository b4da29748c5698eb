use crate::helpers::{PASSWORD, TestApp, browser, link_in, spawn_app};

const NEW_PASSWORD: &str = "violet submarine under the bridge";

async fn request_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_form("/password/forgot", &[("email", email)]).await
}

#[tokio::test]
async fn a_password_is_reset_through_the_emailed_link() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    let other_device = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    other_device.login("alice").await;

    let res = request_reset(&app, &account.email).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("If an account uses this address")
    );

    let emails = app.wait_for_emails(&account.email, 1).await;
    let email = &emails[0];
    assert!(
        email
            .subject
            .contains("Reset your Guance Billing Center password")
    );
    let link = link_in(&email.text, &app.url("/password/reset/"));
    assert!(email.html.contains(&link), "the HTML part carries the same link");
    assert!(email.message_id.is_some());
    assert_eq!(email.to, account.email);

    let path = link.trim_start_matches(&app.address).to_string();
    let form = app.get(&path).await;
    assert_eq!(form.status(), 200);
    assert_eq!(form.headers()["referrer-policy"], "same-origin");
    let res = app
        .post_form(
            &path,
            &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=password-reset");

    // Every session of the account ended; the new password works.
    assert_eq!(other_device.get("/billing").await.status(), 303);
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", NEW_PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
    // The link works once.
    assert_eq!(app.get(&path).await.status(), 404);
}

#[tokio::test]
async fn the_answer_is_the_same_whether_or_not_the_email_has_an_account() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    let known = request_reset(&app, &account.email).await;
    let known_status = known.status();
    let known_page = known.text().await.unwrap();
    let unknown = request_reset(&app, "nobody@example.com").await;
    assert_eq!(known_status, unknown.status());
    assert_eq!(known_page, unknown.text().await.unwrap());
    app.wait_for_emails(&account.email, 1).await;
    assert!(app.emails_to("nobody@example.com").await.is_empty());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_reset_tokens").await,
        1
    );
}

#[tokio::test]
async fn reset_tokens_are_stored_hashed_and_expire() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    request_reset(&app, &account.email).await;
    let emails = app.wait_for_emails(&account.email, 1).await;
    let link = link_in(&emails[0].text, &app.url("/password/reset/"));
    let token = link.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 22, "at least 128 bits");
    let stored = app
        .count(&format!("SELECT count(*) AS n FROM password_reset_tokens WHERE encode(token_hash, 'escape') LIKE '%{token}%'"))
        .await;
    assert_eq!(stored, 0);

    app.execute("UPDATE password_reset_tokens SET expires_at = now() - interval '1 second'")
        .await;
    let path = link.trim_start_matches(&app.address).to_string();
    let res = app.get(&path).await;
    assert_eq!(res.status(), 404);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This link is invalid or has expired")
    );
    let res = app
        .post_form(
            &path,
            &[("password", NEW_PASSWORD), ("password_confirm", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 404);
    // Nothing changed.
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_weak_or_mismatched_new_password_keeps_the_link_usable() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    request_reset(&app, &account.email).await;
    let emails = app.wait_for_emails(&account.email, 1).await;
    let path = link_in(&emails[0].text, &app.url("/password/reset/"))
        .trim_start_matches(&app.address)
        .to_string();

    let res = app
        .post_form(&path, &[("password", "short"), ("password_confirm", "short")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("at least 12 characters"));
    let res = app
        .post_form(
            &path,
            &[("password", NEW_PASSWORD), ("password_confirm", "something else")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The two passwords do not match.")
    );
    assert_eq!(app.get(&path).await.status(), 200);
}

#[tokio::test]
async fn an_invalid_email_is_explained_next_to_the_field() {
    let app = spawn_app().await;
    let res = request_reset(&app, "not-an-email").await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Enter an email address like name@example.com."));
    assert!(page.contains("value=\"not-an-email\""));
}

#[tokio::test]
async fn unknown_reset_tokens_are_not_found() {
    let app = spawn_app().await;
    let res = app.get("/password/reset/not-a-real-token").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
}
