use crate::helpers::{PASSWORD, browser, error_summary, spawn_app};

#[tokio::test]
async fn an_account_logs_in_with_its_username_email_or_phone() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    let local_phone = account.phone.trim_start_matches("+86").to_string();

    for login in [
        &account.username,
        &account.email.to_uppercase(),
        &account.phone,
        &local_phone,
    ] {
        let client = crate::helpers::TestApp {
            client: browser(),
            ..app.clone_handle()
        };
        let res = client
            .post_form("/login", &[("login", login), ("password", PASSWORD)])
            .await;
        assert_eq!(res.status(), 303, "{login}");
        assert_eq!(res.headers()["location"], "/billing");
        let page = client.get_text("/billing").await;
        assert!(page.contains("Welcome, alice"), "{login}");
    }
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_account("alice").await;

    let unknown = app
        .post_form("/login", &[("login", "nobody"), ("password", PASSWORD)])
        .await;
    let unknown_status = unknown.status();
    let unknown_page = unknown.text().await.unwrap();
    let wrong = app
        .post_form(
            "/login",
            &[("login", "alice"), ("password", "wrong password here")],
        )
        .await;
    let wrong_status = wrong.status();
    let wrong_page = wrong.text().await.unwrap();

    assert_eq!(unknown_status, 422);
    assert_eq!(wrong_status, 422);
    assert_eq!(error_summary(&unknown_page), error_summary(&wrong_page));
    assert!(wrong_page.contains("The login or password is incorrect."));
    // The typed login is kept, the password never is.
    assert!(wrong_page.contains("value=\"alice\""));
    assert!(!wrong_page.contains("wrong password here"));
}

#[tokio::test]
async fn empty_fields_are_named_in_the_error_summary() {
    let app = spawn_app().await;
    let res = app.post_form("/login", &[]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("href=\"#login\""));
    assert!(page.contains("href=\"#password\""));
    assert!(page.contains("This field is required."));
}

#[tokio::test]
async fn repeated_failures_are_throttled_and_the_throttle_expires() {
    let app = spawn_app().await;
    app.create_account("alice").await;

    // Five free attempts; the fifth failure starts the first delay...
    for _ in 0..5 {
        let res = app
            .post_form("/login", &[("login", "alice"), ("password", "not the password")])
            .await;
        assert_eq!(res.status(), 422);
    }
    // ...so even the right password now waits.
    let res = app
        .post_form("/login", &[("login", "ALICE"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let page = res.text().await.unwrap();
    assert!(page.contains("Too many failed attempts. Try again in"), "{page}");

    // Time passes (the block ends); the right password works again.
    app.execute("UPDATE login_throttle SET blocked_until = now() - interval '1 second'")
        .await;
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
    // A success forgets the account's failures.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_throttle WHERE key LIKE 'acct:%'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_throttle_does_not_lock_out_other_accounts_behind_the_same_address() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.create_account("bob").await;
    for _ in 0..7 {
        app.post_form("/login", &[("login", "alice"), ("password", "not the password")])
            .await;
    }
    let res = app
        .post_form("/login", &[("login", "bob"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn after_login_the_browser_goes_where_it_wanted_but_never_off_site() {
    let app = spawn_app().await;
    app.create_account("alice").await;

    let res = app.get("/billing/account").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fbilling%2Faccount");

    let res = app
        .post_form(
            "/login",
            &[
                ("login", "alice"),
                ("password", PASSWORD),
                ("next", "/billing/account"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/billing/account");

    let other = crate::helpers::TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    let res = other
        .post_form(
            "/login",
            &[
                ("login", "alice"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/billing");
}
