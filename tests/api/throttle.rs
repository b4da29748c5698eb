//! Login throttling per account, counted before the password is checked.

use crate::helpers::{PASSWORD, TestApp, browser, spawn_app, spawn_app_with};

async fn login_status(app: &TestApp, login: &str, password: &str) -> u16 {
    app.post_form("/login", &[("login", login), ("password", password)])
        .await
        .status()
        .as_u16()
}

fn another_browser(app: &TestApp) -> TestApp {
    TestApp {
        client: browser(),
        ..app.clone_handle()
    }
}

#[tokio::test]
async fn wrong_passwords_through_any_identifier_count_against_the_one_account() {
    let app = spawn_app().await;
    let carol = app.create_account("carol").await;
    app.create_account("dave").await;
    let identifiers = [&carol.username, &carol.email, &carol.phone];

    // Five free guesses for the account, however they are spread...
    let mut statuses = Vec::new();
    for identifier in identifiers.iter().cycle().take(6) {
        statuses.push(login_status(&app, identifier, "not carol's password").await);
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429]);
    // ...then every way in to it waits, the right password included.
    for identifier in identifiers {
        assert_eq!(
            login_status(&app, identifier, PASSWORD).await,
            429,
            "{identifier}"
        );
    }
    // Another account behind the same address is not affected.
    assert_eq!(login_status(&app, "dave", PASSWORD).await, 303);
    // When the delay is over, carol logs in with her email.
    app.execute("UPDATE login_throttle SET blocked_until = now() - interval '1 second'")
        .await;
    assert_eq!(login_status(&app, &carol.email, PASSWORD).await, 303);
}

#[tokio::test]
async fn unknown_logins_are_throttled_per_typed_identifier() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(login_status(&app, "nobody", "a guess at a password").await, 422);
    }
    assert_eq!(login_status(&app, "nobody", "a guess at a password").await, 429);
    assert_eq!(login_status(&app, "somebody", "a guess at a password").await, 422);
}

#[tokio::test]
async fn the_current_password_of_a_password_change_is_throttled_with_the_account() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    let change = |current: &'static str| {
        let app = app.clone_handle();
        async move {
            app.post_form(
                "/billing/account",
                &[
                    ("current_password", current),
                    ("password", "a brand new passphrase for alice"),
                    ("password_confirm", "a brand new passphrase for alice"),
                ],
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(change("a wrong guess").await.status(), 422);
    }
    let res = change(PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Too many failed attempts. Try again in")
    );
    // The same account counter stops a login elsewhere.
    assert_eq!(login_status(&another_browser(&app), "alice", PASSWORD).await, 429);
    // Nothing changed.
    app.execute("UPDATE login_throttle SET blocked_until = NULL")
        .await;
    assert_eq!(login_status(&another_browser(&app), "alice", PASSWORD).await, 303);
}

#[tokio::test]
async fn thirty_wrong_passwords_at_once_get_at_most_the_free_checks() {
    let app = spawn_app_with(&[("APP_HASH_QUEUE_TIMEOUT_MS", "30000")]).await;
    app.create_account("alice").await;
    let statuses = app
        .post_form_all_at_once("/login", &[("login", "alice"), ("password", "a wrong guess")], 30)
        .await
        .iter()
        .map(|res| res.status().as_u16())
        .collect::<Vec<_>>();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + refused, 30, "{statuses:?}");
    assert!(checked <= 5, "{checked} full checks: {statuses:?}");
    assert_eq!(
        app.count("SELECT failures::bigint AS n FROM login_throttle WHERE key LIKE 'acct:%'")
            .await,
        5
    );
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_escape_the_address_throttle() {
    let app = spawn_app_with(&[
        ("APP_TRUST_FORWARDED_FOR", "on"),
        ("APP_LOGIN_FREE_FAILURES_PER_IP", "3"),
    ])
    .await;
    let attempt = |login: String, forwarded: String| {
        let app = app.clone_handle();
        async move {
            let token = app.csrf_token().await;
            app.client
                .post(app.url("/login"))
                .header("x-forwarded-for", forwarded)
                .form(&[
                    ("login", login.as_str()),
                    ("password", "a guess"),
                    ("csrf_token", &token),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The client writes what it likes on the left; the proxy appends what it saw.
    for i in 0..3 {
        let status = attempt(format!("user{i}"), format!("10.9.8.{i}, 203.0.113.7")).await;
        assert_eq!(status, 422);
    }
    assert_eq!(attempt("user9".into(), "10.9.8.9, 203.0.113.7".into()).await, 429);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_throttle WHERE key LIKE 'ip:10.9.8.%'")
            .await,
        0
    );
    // Another address the proxy saw is another counter.
    assert_eq!(
        attempt("user9".into(), "203.0.113.7, 198.51.100.1".into()).await,
        422
    );
}
