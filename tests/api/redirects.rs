//! `next` (after login, after switching language) never leaves the site and
//! never breaks the `Location` header.

use crate::helpers::{PASSWORD, spawn_app};

/// Query-string forms of `next` values that a browser would resolve to
/// another site, or that are not valid in a header.
const HOSTILE: &[&str] = &[
    "/%09/evil.example",
    "/%0A/evil.example",
    "/%0D/evil.example",
    "/%7F/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/..//evil.example",
    "https%3A%2F%2Fevil.example%2F",
];

#[tokio::test]
async fn the_language_switcher_only_goes_back_to_pages_of_this_site() {
    let app = spawn_app().await;
    for next in HOSTILE {
        let res = app.get(&format!("/locale/en?next={next}")).await;
        assert_eq!(res.status(), 303, "{next}");
        assert_eq!(res.headers()["location"], "/billing", "{next}");
    }
    let res = app
        .get("/locale/zh?next=%2Fbilling%2Fworkspaces%3Fsite%3Dcn1%26method%3Daliyun")
        .await;
    assert_eq!(
        res.headers()["location"],
        "/billing/workspaces?site=cn1&method=aliyun"
    );
}

#[tokio::test]
async fn a_login_with_a_hostile_next_lands_on_the_billing_center_never_a_500() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    for next in HOSTILE {
        // The form carries only a safe value...
        let page = app.get_text(&format!("/login?next={next}")).await;
        assert!(
            page.contains("name=\"next\" value=\"/billing\""),
            "{next}: {page}"
        );
        // ...and a forged post is corrected after the login succeeded.
        let raw: String = form_urlencoded::parse(format!("next={next}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        let res = app
            .post_form(
                "/login",
                &[("login", "alice"), ("password", PASSWORD), ("next", &raw)],
            )
            .await;
        assert_eq!(res.status(), 303, "{next}");
        assert_eq!(res.headers()["location"], "/billing", "{next}");
    }
    let res = app
        .post_form(
            "/login",
            &[
                ("login", "alice"),
                ("password", PASSWORD),
                ("next", "/billing/workspaces?site=cn1&method=aliyun"),
            ],
        )
        .await;
    assert_eq!(
        res.headers()["location"],
        "/billing/workspaces?site=cn1&method=aliyun"
    );
}
