use crate::helpers::spawn_app;

#[tokio::test]
async fn an_email_queued_while_smtp_refuses_is_delivered_exactly_once_after_it_recovers() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    app.smtp_refuse(3600).await;

    let res = app
        .post_form("/password/forgot", &[("email", &account.email)])
        .await;
    assert_eq!(res.status(), 200);
    // The change committed (right after the answer) and its email waits in
    // the outbox.
    app.wait_for_count("SELECT count(*) AS n FROM password_reset_tokens", 1)
        .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_outbox WHERE status = 'pending'")
            .await,
        1
    );
    // The worker tries and fails, at least twice.
    app.wait_for_count(
        "SELECT coalesce(max(attempts), 0)::bigint AS n FROM email_outbox",
        2,
    )
    .await;
    assert!(app.emails_to(&account.email).await.is_empty());
    let failing =
        "SELECT count(*) AS n FROM email_outbox WHERE status = 'pending' AND last_error IS NOT NULL";
    assert_eq!(app.count(failing).await, 1);

    app.smtp_refuse(0).await;
    let emails = app.wait_for_emails(&account.email, 1).await;
    assert!(emails[0].subject.contains("Reset your"));
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 1)
        .await;
    let pending = "SELECT count(*) AS n FROM email_outbox WHERE status = 'pending'";
    assert_eq!(app.count(pending).await, 0);
    assert_eq!(app.emails_to(&account.email).await.len(), 1);
}

#[tokio::test]
async fn an_email_is_given_up_after_the_last_attempt() {
    let app = crate::helpers::spawn_app_with(&[("APP_OUTBOX_MAX_ATTEMPTS", "2")]).await;
    let account = app.create_account("alice").await;
    app.smtp_refuse(3600).await;
    app.post_form("/password/forgot", &[("email", &account.email)])
        .await;
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'dead'", 1)
        .await;
    assert_eq!(
        app.count("SELECT attempts::bigint AS n FROM email_outbox").await,
        2
    );
    app.smtp_refuse(0).await;
    let metrics = app.get_text("/metrics").await;
    assert!(metrics.contains("email_outbox_dead 1"), "{metrics}");
}

#[tokio::test]
async fn the_sandbox_mailbox_lists_and_shows_messages_with_clickable_links() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    app.post_form("/password/forgot", &[("email", &account.email)])
        .await;
    let emails = app.wait_for_emails(&account.email, 1).await;

    let client = reqwest::Client::new();
    let list = client
        .get(format!("{}/mailbox", app.sandbox))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/mailbox/{}", emails[0].id)));
    let page = client
        .get(format!("{}/mailbox/{}", app.sandbox, emails[0].id))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<a href=\"{}/password/reset/", app.address)));
    let html = client
        .get(format!("{}/mailbox/{}/html", app.sandbox, emails[0].id))
        .send()
        .await
        .unwrap();
    assert!(
        html.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert!(html.text().await.unwrap().contains("Choose a new password"));
}
