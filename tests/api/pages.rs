use crate::helpers::{TestApp, spawn_app};

const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/login",
    "/password/forgot",
    "/register",
    "/marketplace/welcome",
];
const ACCOUNT_PAGES: &[&str] = &[
    "/billing",
    "/billing/account",
    "/billing/workspaces",
    "/billing/workspaces/new",
    "/billing/cloud-accounts",
    "/billing/history",
];

fn assert_security_headers(res: &reqwest::Response, path: &str) {
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{path}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{path}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
    assert!(h.contains_key("referrer-policy"), "{path}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    for path in PUBLIC_PAGES
        .iter()
        .chain(&["/no-such-page", "/static/css/app.css", "/healthz"])
    {
        let res = app.get(path).await;
        assert_security_headers(&res, path);
    }
    app.login("alice").await;
    for path in ACCOUNT_PAGES {
        assert_security_headers(&app.get(path).await, path);
    }
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "x")])
        .send()
        .await
        .unwrap();
    assert_security_headers(&res, "POST /login without a token");
}

async fn assert_language(app: &TestApp, path: &str, accept: &str, lang: &str, phrase: &str) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept-language", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&format!("<html lang=\"{lang}\">")),
        "{path} in {lang}"
    );
    assert!(page.contains(phrase), "{path} in {lang} says {phrase}");
}

#[tokio::test]
async fn every_page_renders_in_english_and_simplified_chinese() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    for path in PUBLIC_PAGES {
        assert_language(&app, path, "en-US,en;q=0.9", "en", "Billing Center").await;
        assert_language(&app, path, "zh-CN,zh;q=0.9,en;q=0.5", "zh-CN", "费用中心").await;
    }
    app.login("alice").await;
    for path in ACCOUNT_PAGES {
        assert_language(&app, path, "en", "en", "Billing Center").await;
        assert_language(&app, path, "zh-CN", "zh-CN", "费用中心").await;
    }
}

#[tokio::test]
async fn the_language_switcher_overrides_the_browser_language() {
    let app = spawn_app().await;
    let res = app.get("/locale/zh?next=%2Flogin").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let page = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("登录费用中心"));
    // No open redirect through the switcher.
    let res = app.get("/locale/en?next=https%3A%2F%2Fevil.example%2F").await;
    assert_eq!(res.headers()["location"], "/billing");
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_in_the_users_language() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url("/nowhere"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("页面不存在"));
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let account = app.create_account("alice").await;
    app.get("/login").await;

    let missing = app
        .client
        .post(app.url("/password/forgot"))
        .form(&[("email", &account.email)])
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    assert!(missing.text().await.unwrap().contains("The form has expired"));
    let wrong = app
        .client
        .post(app.url("/password/forgot"))
        .form(&[("email", account.email.as_str()), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_reset_tokens").await,
        0
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused_even_with_a_token() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let token = app.csrf_token().await;
    let form = [
        ("login", "alice"),
        ("password", crate::helpers::PASSWORD),
        ("csrf_token", token.as_str()),
    ];

    let res = app
        .client
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("sent from another site"));
    let res = app
        .client
        .post(app.url("/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .post(app.url("/login"))
        .header("origin", "null")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The same form from our own origin works.
    let res = app
        .client
        .post(app.url("/login"))
        .header("origin", app.address.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn malformed_forms_get_4xx_pages_never_500() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let token = app.csrf_token().await;
    let huge = "x".repeat(1024 * 1024);

    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "missing fields",
            app.client
                .post(app.url("/login"))
                .form(&[("csrf_token", token.as_str())]),
        ),
        (
            "1 MB value",
            app.client
                .post(app.url("/login"))
                .form(&[("csrf_token", token.as_str()), ("login", huge.as_str())]),
        ),
        (
            "invalid UTF-8",
            app.client
                .post(app.url("/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    [
                        b"csrf_token=".as_slice(),
                        token.as_bytes(),
                        b"&login=%FF%FE&password=\xff\xfe",
                    ]
                    .concat(),
                ),
        ),
        (
            "wrong content type",
            app.client
                .post(app.url("/login"))
                .header("content-type", "application/json")
                .body(format!("{{\"csrf_token\":\"{token}\",\"login\":\"alice\"}}")),
        ),
        (
            "no content type",
            app.client
                .post(app.url("/login"))
                .body(format!("csrf_token={token}&login=alice&password=x")),
        ),
        (
            "repeated fields",
            app.client
                .post(app.url("/password/forgot"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf_token={token}&email=a@b.cn&email=c@d.cn")),
        ),
    ];
    for (name, request) in cases {
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{name}: {status}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/html"), "{name}: {content_type}");
    }
    // The account still logs in.
    app.login("alice").await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.get("/login").await;
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    assert!(metrics.contains("db_pool_max_size"));
    assert!(metrics.contains("email_outbox_pending 0"));
}

#[tokio::test]
async fn billing_pages_require_a_login() {
    let app = spawn_app().await;
    for path in ACCOUNT_PAGES {
        let res = app.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=")
        );
    }
    let res = app
        .post_form("/billing/account", &[("current_password", "x")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
}

#[tokio::test]
async fn stylesheets_are_cached_and_revalidated() {
    let app = spawn_app().await;
    let res = app.get("/static/css/app.css").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let again = app
        .client
        .get(app.url("/static/css/app.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}
