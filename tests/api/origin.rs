//! The origin check against what browsers really send. Chrome posts a form of
//! a page whose referrer policy is `no-referrer` with `Origin: null`, and
//! always with fetch metadata.

use crate::helpers::{PASSWORD, TestApp, csrf_from, link_in, spawn_app};

const NEW_PASSWORD: &str = "violet submarine under the bridge";

/// A form post as Chrome sends it from `page` (a URL of this app) under
/// `policy`: `Origin` and `Referer` follow the policy, fetch metadata does not.
fn chrome_post(app: &TestApp, path: &str, page: &str, policy: &str) -> reqwest::RequestBuilder {
    let request = app
        .client
        .post(app.url(path))
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "navigate")
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-user", "?1")
        .header("cache-control", "max-age=0");
    match policy {
        "no-referrer" => request.header("origin", "null"),
        "same-origin" => request
            .header("origin", app.address.as_str())
            .header("referer", page),
        other => panic!("no such policy in this test: {other}"),
    }
}

#[tokio::test]
async fn a_password_reset_is_finished_with_the_headers_chrome_sends() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    app.post_form("/password/forgot", &[("email", &account.email)])
        .await;
    let emails = app.wait_for_emails(&account.email, 1).await;
    let link = link_in(&emails[0].text, &app.url("/password/reset/"));
    let path = link.trim_start_matches(&app.address).to_string();

    // The page keeps its URL (the token) from other sites, not from itself.
    let res = app.get(&path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<meta name="referrer" content="same-origin">"#));
    assert!(!page.contains("no-referrer"));

    // Under that policy Chrome sends the page as Origin and Referer.
    let token = csrf_from(&page);
    let fields = [
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
        ("csrf_token", token.as_str()),
    ];
    let res = chrome_post(&app, &path, &link, "same-origin")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=password-reset");

    // And the login that follows, from the login page.
    let login_page = app.get_text("/login?notice=password-reset").await;
    let token = csrf_from(&login_page);
    let res = chrome_post(&app, "/login", &app.url("/login"), "same-origin")
        .form(&[
            ("login", "alice"),
            ("password", NEW_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(app.get("/billing").await.status(), 200);
}

#[tokio::test]
async fn origin_null_from_a_same_origin_page_passes_but_not_from_another_site() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.post_form("/password/forgot", &[("email", "alice@example.com")])
        .await;
    let emails = app.wait_for_emails("alice@example.com", 1).await;
    let link = link_in(&emails[0].text, &app.url("/password/reset/"));
    let path = link.trim_start_matches(&app.address).to_string();
    let token = csrf_from(&app.get_text(&path).await);
    let fields = [
        ("password", NEW_PASSWORD),
        ("password_confirm", NEW_PASSWORD),
        ("csrf_token", token.as_str()),
    ];

    // What a page of another site (a sandboxed frame, a data: URL) sends.
    for (origin, site) in [
        ("null", "cross-site"),
        ("null", "same-site"),
        ("https://evil.example", "cross-site"),
    ] {
        let res = app
            .client
            .post(app.url(&path))
            .header("origin", origin)
            .header("sec-fetch-site", site)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{origin} {site}");
        assert!(res.text().await.unwrap().contains("sent from another site"));
    }
    // `Origin: null` and nothing else that vouches for the post.
    let res = app
        .client
        .post(app.url(&path))
        .header("origin", "null")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // What Chrome sends from a page of ours under `no-referrer` (the reset
    // page before this fix): accepted.
    let res = chrome_post(&app, &path, &link, "no-referrer")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", NEW_PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
    assert_ne!(PASSWORD, NEW_PASSWORD);
}

#[tokio::test]
async fn notice_pages_keep_their_link_from_other_sites_and_their_forms_work() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    // Unknown and known notice links carry the same policy; a logged-in
    // reader sees the logout button in the header.
    let res = app.get("/notices/an-unknown-token").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<meta name="referrer" content="same-origin">"#));
    let token = csrf_from(&page);
    let link = app.url("/notices/an-unknown-token");
    let res = chrome_post(&app, "/logout", &link, "same-origin")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=logged-out");
}
