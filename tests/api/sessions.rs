use crate::helpers::{PASSWORD, TestApp, browser, spawn_app};

/// The session cookie a response sets, if any.
fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("id="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// GET `path` with only `cookie`, as a stolen or replayed cookie would be sent.
async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

async fn login_and_capture(app: &TestApp) -> String {
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 303);
    session_cookie(&res).expect("a session cookie at login")
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    // Registration step 1 keeps the wizard in an anonymous session.
    let email = "newcomer@example.com";
    let code = crate::register::email_code(&app, email).await;
    let res = app
        .post_form(
            "/register",
            &crate::register::account_fields("cn1", "newcomer", email, "13800000001", &code),
        )
        .await;
    assert_eq!(res.status(), 303);
    let before = session_cookie(&res).expect("an anonymous session for the wizard");
    let after = login_and_capture(&app).await;
    assert_ne!(before, after);
    // The pre-login id is not logged in.
    let res = get_with_cookie(&app, "/billing", &before).await;
    assert_eq!(res.status(), 303);
    let res = get_with_cookie(&app, "/billing", &after).await;
    assert_eq!(res.status(), 200);
}

/// The `Set-Cookie` header of `res` for the cookie `name`.
fn set_cookie<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
}

#[tokio::test]
async fn the_cookies_are_http_only_and_same_site_lax() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let form = app.get("/login").await;
    let csrf = set_cookie(&form, "csrf").expect("the anonymous form cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("SameSite=Lax"),
        "{csrf}"
    );
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", PASSWORD)])
        .await;
    let session = set_cookie(&res, "id").expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
}

#[tokio::test]
async fn secure_cookies_use_the_host_prefix() {
    let app = crate::helpers::spawn_app_with(&[("APP_COOKIE_SECURE", "true")]).await;
    app.create_account("alice").await;
    let res = app.get("/login").await;
    assert!(res.headers().contains_key("strict-transport-security"));
    let header = set_cookie(&res, "__Host-csrf")
        .expect("a form cookie")
        .to_string();
    assert!(header.contains("Secure") && header.contains("Path=/"), "{header}");
    // A browser over https sends the cookie back; this client over http must
    // be told to.
    let nonce = header.split(';').next().unwrap().to_string();
    let page = res.text().await.unwrap();
    let token = crate::helpers::csrf_from(&page);
    let res = crate::helpers::browser()
        .post(app.url("/login"))
        .header("cookie", nonce)
        .form(&[("login", "alice"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let header = set_cookie(&res, "__Host-id").expect("a session cookie");
    assert!(header.contains("Secure"), "{header}");
}

#[tokio::test]
async fn a_session_is_unusable_after_logout() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let cookie = login_and_capture(&app).await;

    let res = app.post_form("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=logged-out");

    let res = get_with_cookie(&app, "/billing", &cookie).await;
    assert_eq!(res.status(), 303);
    let sql = format!(
        "SELECT count(*) AS n FROM sessions WHERE account_id = {}",
        alice.id
    );
    assert_eq!(app.count(&sql).await, 0);
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_the_account() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.create_account("bob").await;
    let laptop = login_and_capture(&app).await;
    let phone = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    phone.login("alice").await;
    let bob = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    bob.login("bob").await;

    let res = phone
        .post_form(
            "/billing/account",
            &[
                ("current_password", PASSWORD),
                ("password", "a brand new passphrase for alice"),
                ("password_confirm", "a brand new passphrase for alice"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?notice=password-changed");

    assert_eq!(get_with_cookie(&app, "/billing", &laptop).await.status(), 303);
    assert_eq!(phone.get("/billing").await.status(), 303);
    // Other accounts keep their sessions.
    assert_eq!(bob.get("/billing").await.status(), 200);
    // The new password works, the old one does not.
    let res = app
        .post_form("/login", &[("login", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post_form(
            "/login",
            &[
                ("login", "alice"),
                ("password", "a brand new passphrase for alice"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_a_good_new_one() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;

    let res = app
        .post_form(
            "/billing/account",
            &[
                ("current_password", "not it"),
                ("password", "password1234"),
                ("password_confirm", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("The current password is not correct."));
    assert!(page.contains("This password is too easy to guess."));
    // Nothing changed: still logged in with the old password.
    assert_eq!(app.get("/billing").await.status(), 200);
}

#[tokio::test]
async fn sessions_end_after_the_idle_and_the_absolute_timeout() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    assert_eq!(app.get("/billing").await.status(), 200);

    // 30 minutes without a request.
    app.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .await;
    assert_eq!(app.get("/billing").await.status(), 303);

    app.login("alice").await;
    assert_eq!(app.get("/billing").await.status(), 200);
    // 12 hours after the login, however active.
    app.execute("UPDATE sessions SET absolute_expires_at = now() - interval '1 second'")
        .await;
    assert_eq!(app.get("/billing").await.status(), 303);
}

#[tokio::test]
async fn activity_extends_the_idle_timeout() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    app.execute("UPDATE sessions SET expires_at = now() + interval '5 minutes'")
        .await;
    assert_eq!(app.get("/billing").await.status(), 200);
    let extended = app
        .count("SELECT count(*) AS n FROM sessions WHERE expires_at > now() + interval '29 minutes'")
        .await;
    assert_eq!(extended, 1);
}
