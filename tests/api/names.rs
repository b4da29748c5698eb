//! Workspace and company names show what they say: no invisible or
//! reordering characters, at least one visible one.

use crate::helpers::{TestApp, spawn_app};

async fn post_in(app: &TestApp, lang: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let token = app.csrf_token().await;
    let mut body = fields.to_vec();
    body.push(("csrf_token", &token));
    let res = app
        .client
        .post(app.url(path))
        .header("accept-language", lang)
        .form(&body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn invisible_and_bidi_company_names_are_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let email = "names@example.com";
    let code = crate::register::email_code(&app, email).await;
    let res = app
        .post_form(
            "/register",
            &crate::register::account_fields("cn2", "names", email, "13800000003", &code),
        )
        .await;
    assert_eq!(res.status(), 303);

    for (name, lang, message) in [
        (
            "invoice\u{202E}txt.exe",
            "en",
            "Remove the invisible formatting characters",
        ),
        (
            "\u{FEFF}\u{200B}\u{200B}",
            "en",
            "Remove the invisible formatting characters",
        ),
        (
            "\u{3164}\u{3164}",
            "en",
            "Use at least one visible letter, digit or sign.",
        ),
        ("Example\u{200D}Ltd", "zh-CN", "请删除不可见的格式字符"),
        ("\u{115F}", "zh-CN", "请至少包含一个可见的文字、数字或符号。"),
    ] {
        let (status, page) = post_in(
            &app,
            lang,
            "/register/company",
            &[("company_name", name), ("agree_terms", "on")],
        )
        .await;
        assert_eq!(status, 422, "{name:?}");
        assert!(page.contains(message), "{name:?} in {lang}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM console_users").await, 0);
    let (status, _) = post_in(
        &app,
        "en",
        "/register/company",
        &[("company_name", "Example Ltd"), ("agree_terms", "on")],
    )
    .await;
    assert_eq!(status, 303);
}

#[tokio::test]
async fn invisible_and_bidi_workspace_names_are_refused_with_a_clear_message() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    for (name, lang, message) in [
        (
            "prod\u{202E}gnits",
            "en",
            "Remove the invisible formatting characters",
        ),
        ("\u{200B}", "zh-CN", "请删除不可见的格式字符"),
        (
            "\u{2800}",
            "en",
            "Use at least one visible letter, digit or sign.",
        ),
    ] {
        let (status, page) = post_in(
            &app,
            lang,
            "/billing/workspaces/new",
            &[
                ("workspace_name", name),
                ("workspace_language", "en"),
                ("site", "us1"),
                ("method", "billing_center"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{name:?}");
        assert!(page.contains(message), "{name:?} in {lang}");
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 0);
}
