//! A method a path does not serve is a 405 with `Allow`, before any CSRF
//! check could answer 403.

use reqwest::Method;

use crate::helpers::{TestApp, spawn_app};

async fn send(app: &TestApp, method: &str, path: &str) -> reqwest::Response {
    app.client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("login=alice")
        .send()
        .await
        .unwrap()
}

fn allowed(res: &reqwest::Response) -> Vec<String> {
    let mut methods: Vec<String> = res
        .headers()
        .get("allow")
        .map(|v| {
            v.to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    methods.sort();
    methods
}

#[tokio::test]
async fn a_wrong_method_is_answered_405_with_allow_not_403() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let cases: &[(&str, &str, &[&str])] = &[
        ("PUT", "/login", &["GET", "POST"]),
        ("DELETE", "/login", &["GET", "POST"]),
        ("PATCH", "/password/forgot", &["GET", "POST"]),
        ("PUT", "/password/reset/some-token", &["GET", "POST"]),
        ("PUT", "/register", &["GET", "POST"]),
        ("GET", "/register/email-code", &["POST"]),
        ("GET", "/logout", &["POST"]),
        ("POST", "/", &["GET"]),
        ("POST", "/register/done", &["GET"]),
        ("POST", "/healthz", &["GET"]),
        ("MABC123", "/healthz", &["GET"]),
        ("PUT", "/static/css/app.css", &["GET"]),
        ("DELETE", "/api/aliyun/spi", &["GET", "POST"]),
    ];
    for (method, path, allow) in cases {
        let res = send(&app, method, path).await;
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(allowed(&res), *allow, "{method} {path}");
        if !path.starts_with("/api/") {
            let page = res.text().await.unwrap();
            assert!(
                page.contains("does not accept this kind of request"),
                "{method} {path}"
            );
        }
    }

    app.login("alice").await;
    let cases: &[(&str, &str, &[&str])] = &[
        ("PUT", "/billing/account", &["GET", "POST"]),
        ("POST", "/billing/workspaces", &["GET"]),
        ("DELETE", "/billing", &["GET"]),
        ("PATCH", "/billing/workspaces/new", &["GET", "POST"]),
    ];
    for (method, path, allow) in cases {
        let res = send(&app, method, path).await;
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(allowed(&res), *allow, "{method} {path}");
    }
    // A served method still needs its token.
    let res = send(&app, "POST", "/billing/account").await;
    assert_eq!(res.status(), 403);
}
