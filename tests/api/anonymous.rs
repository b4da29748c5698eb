//! Anonymous visitors write no session row: their forms carry a signed token
//! bound to a cookie, and the login page needs no database.

use crate::helpers::{PASSWORD, TestApp, browser, csrf_from, spawn_app, spawn_app_with};
use crate::outside_world::{cut_database, restore_database};

const ANONYMOUS_PAGES: &[&str] = &["/", "/login", "/register", "/password/forgot"];

#[tokio::test]
async fn anonymous_page_views_write_no_session_rows_and_the_login_still_works() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let cookieless = reqwest::Client::new();
    for _ in 0..50 {
        for path in ANONYMOUS_PAGES {
            let res = cookieless.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
        }
    }
    // A browser that keeps its cookies, too.
    for path in ANONYMOUS_PAGES {
        assert_eq!(app.get(path).await.status(), 200);
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 0);

    // The login from that page works, and only it creates a session.
    let token = csrf_from(&app.get_text("/login").await);
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "alice"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 1);
}

#[tokio::test]
async fn an_anonymous_token_works_only_with_its_own_cookie() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let token = csrf_from(&app.get_text("/login").await);
    let form = [
        ("login", "alice"),
        ("password", PASSWORD),
        ("csrf_token", token.as_str()),
    ];

    // Another browser (another cookie, or none) cannot use it.
    let other = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    other.get("/login").await;
    for client in [&other.client, &reqwest::Client::new()] {
        let res = client.post(app.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403);
    }
    // A forged cookie with a token of the attacker's making neither.
    let forged = "a".repeat(43);
    let res = reqwest::Client::new()
        .post(app.url("/login"))
        .header("cookie", format!("csrf={forged}"))
        .form(&[
            ("login", "alice"),
            ("password", PASSWORD),
            ("csrf_token", &forged),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 0);
    // The owner's browser can.
    let res = app
        .client
        .post(app.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_registration_wizard_keeps_its_state_without_an_early_session() {
    let app = spawn_app().await;
    app.get("/register").await;
    let email = "wizard@example.com";
    let code = crate::register::email_code(&app, email).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 0);
    let res = app
        .post_form(
            "/register",
            &crate::register::account_fields("cn2", "wizard", email, "13800000002", &code),
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM sessions").await, 1);
    let res = app
        .post_form(
            "/register/company",
            &[("company_name", "Example Ltd"), ("agree_terms", "on")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/register/activate");
}

#[tokio::test]
async fn during_a_database_outage_the_login_page_renders_and_the_login_answers_503() {
    let app = spawn_app_with(&[("APP_DATABASE_WAIT_MS", "500")]).await;
    app.create_account("alice").await;

    cut_database(&app).await;
    let res = reqwest::Client::new()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A browser gets the form with a working token, and its post reaches
    // the login, which needs the database: 503, not a refused token or a 500.
    let page = app.get_text("/login").await;
    let token = csrf_from(&page);
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "alice"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));

    // When it is back, the same form logs in.
    restore_database(&app).await;
    let mut status = 0;
    for _ in 0..100 {
        status = app
            .client
            .post(app.url("/login"))
            .form(&[("login", "alice"), ("password", PASSWORD), ("csrf_token", &token)])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status != 503 {
            break;
        }
    }
    assert_eq!(status, 303);
}
