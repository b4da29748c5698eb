use crate::helpers::{TestAccount, TestApp, all_at_once, browser, error_summary, spawn_app};

const UID: &str = "1234567890123456";

/// A workspace of `account` on `site`, added through the Billing Center,
/// settled by the Billing Center (or by `instance`, which the account then
/// claims: R2).
async fn workspace(app: &TestApp, account: &TestAccount, site: &str, instance: Option<&str>) -> String {
    let user = app.as_user(&account.username).await;
    let name = format!("ws-{site}");
    match instance {
        Some(i) => {
            user.add_workspace(
                &name,
                site,
                &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", i)],
            )
            .await
        }
        None => {
            user.add_workspace(&name, site, &[("method", "billing_center")])
                .await
        }
    }
}

async fn purchase(app: &TestApp) -> String {
    app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn change(app: &TestApp, workspace: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(&format!("/billing/workspaces/{workspace}/settlement"), fields)
        .await
}

fn to_aliyun(instance: &str) -> Vec<(&str, &str)> {
    vec![("method", "aliyun"), ("ali_uid", UID), ("instance_id", instance)]
}

async fn method_of(app: &TestApp, workspace: &str) -> String {
    let aliyun = app
        .count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE id = '{workspace}' AND settlement_method = 'aliyun'"
        ))
        .await;
    if aliyun == 1 {
        "aliyun".into()
    } else {
        "billing_center".into()
    }
}

#[tokio::test]
async fn a_workspace_moves_to_an_alibaba_instance_and_back_after_its_release() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let instance = purchase(&app).await;
    app.login("alice").await;

    let list = app.get_text("/billing/workspaces").await;
    assert!(list.contains(&format!("/billing/workspaces/{ws}/settlement")));
    let res = change(&app, &ws, &to_aliyun(&instance)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(method_of(&app, &ws).await, "aliyun");
    let history = app.get_text("/billing/history").await;
    assert!(history.contains("Chosen in the Billing Center"));
    assert!(history.contains(&instance));

    // R5: locked in while the instance is open, even next month.
    app.clock.set(chrono::Utc::now() + chrono::Duration::days(40));
    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("still open"));

    // Released on the marketplace: the system moved it back (R6), so asking
    // for the Billing Center again is a repeat that changes nothing.
    app.market_operate(&instance, "release", true).await;
    assert_eq!(method_of(&app, &ws).await, "billing_center");
    let history = app.get_text("/billing/history").await;
    assert!(history.contains("Instance closed on the marketplace"));
    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM settlement_changes WHERE workspace_id = '{ws}'"
        ))
        .await,
        3,
        "created, moved by the user, moved back by the release"
    );
}

#[tokio::test]
async fn the_method_changes_once_per_calendar_month_of_beijing_time() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let first = purchase(&app).await;
    app.login("alice").await;
    // 23:59:30 on 30 November in Beijing is 15:59:30 UTC.
    let utc = |d, h, m, s| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, d, h, m, s).unwrap();
    app.clock.set(utc(30, 15, 59, 30));
    assert_eq!(change(&app, &ws, &to_aliyun(&first)).await.status(), 303);
    app.market_operate(&first, "expire", true).await;

    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("can be changed once a month"));
    assert!(
        page.contains("2026-12-01"),
        "names the first day of the next month"
    );

    // 16:00 UTC is midnight in Beijing: a new month, and R5 lets an expired instance go.
    app.clock.set(utc(30, 16, 0, 1));
    assert_eq!(
        change(&app, &ws, &[("method", "billing_center")]).await.status(),
        303
    );
    assert_eq!(method_of(&app, &ws).await, "billing_center");
}

#[tokio::test]
async fn concurrent_changes_of_one_workspace_cannot_both_succeed() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let a = purchase(&app).await;
    let b = purchase(&app).await;
    app.login("alice").await;
    let token = app.csrf_token().await;
    let statuses = all_at_once(2, |i| {
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("/billing/workspaces/{ws}/settlement")),
        );
        let mut form = to_aliyun(if i == 0 { &a } else { &b })
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>();
        form.push(("csrf_token".into(), token.clone()));
        async move {
            client
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    })
    .await;
    let mut statuses = statuses;
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM settlement_changes WHERE workspace_id = '{ws}' AND reason = 'user'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_settlement_change_sent_four_times_at_once_is_made_once_and_every_copy_lands_on_the_list() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let instance = purchase(&app).await;
    app.login("alice").await;
    let path = format!("/billing/workspaces/{ws}/settlement");
    let answers = app.post_form_all_at_once(&path, &to_aliyun(&instance), 4).await;
    for res in answers {
        let (status, location) = (res.status(), res.headers().get("location").cloned());
        // A refused copy names its reason: the error summary of the page.
        let refused = if status == 303 {
            String::new()
        } else {
            res.text().await.unwrap_or_default()
        };
        let reason = match refused.contains("error-summary") {
            true => error_summary(&refused),
            false => refused
                .find("<main")
                .and_then(|m| refused.get(m..m + 3000))
                .unwrap_or(&refused),
        };
        assert_eq!(status, 303, "a copy was refused: {reason}");
        assert_eq!(
            location.unwrap(),
            format!("/billing/workspaces?changed={ws}").as_str()
        );
    }
    assert_eq!(method_of(&app, &ws).await, "aliyun");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM settlement_changes WHERE workspace_id = '{ws}' AND reason = 'user'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_new_workspace_form_sent_four_times_at_once_creates_one_workspace() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    let form = app.get_text("/billing/workspaces/new").await;
    let marker = "name=\"form_key\" value=\"";
    let start = form.find(marker).expect("a one-time form key") + marker.len();
    let key = form[start..].split('"').next().unwrap().to_string();
    let fields = [
        ("workspace_name", "Production"),
        ("workspace_language", "en"),
        ("site", "us1"),
        ("method", "billing_center"),
        ("form_key", key.as_str()),
    ];
    let answers = app
        .post_form_all_at_once("/billing/workspaces/new", &fields, 4)
        .await;
    let locations: std::collections::HashSet<String> = answers
        .iter()
        .map(|res| {
            assert_eq!(res.status(), 303);
            res.headers()["location"].to_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        locations.len(),
        1,
        "every copy is sent to the one workspace: {locations:?}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 1);
    // The same key later still finds it; a fresh form makes a second workspace.
    assert_eq!(
        app.post_form("/billing/workspaces/new", &fields).await.status(),
        303
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 1);
    app.add_workspace("Staging", "us1", &[("method", "billing_center")])
        .await;
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 2);
}

#[tokio::test]
async fn a_registered_instance_settles_workspaces_on_two_sites() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = purchase(&app).await;
    workspace(&app, &alice, "cn1", Some(&instance)).await;
    let hk = workspace(&app, &alice, "cn6", None).await;
    app.login("alice").await;
    let form = app
        .get_text(&format!("/billing/workspaces/{hk}/settlement"))
        .await;
    assert!(form.contains(&format!("<option value=\"{instance}\"")));
    let res = change(
        &app,
        &hk,
        &[("method", "registered"), ("registered_instance_id", &instance)],
    )
    .await;
    assert_eq!(res.status(), 303);
    let page = app.get_text("/billing/cloud-accounts").await;
    assert!(page.contains("China Region 1 (Hangzhou)") && page.contains("China Region 6 (Hong Kong)"));
}

#[tokio::test]
async fn each_rule_has_its_refusal() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let bob = app.create_account("bob").await;
    let oregon = workspace(&app, &alice, "us1", None).await;
    let hangzhou = workspace(&app, &alice, "cn1", None).await;
    let bobs_instance = purchase(&app).await;
    workspace(&app, &bob, "cn1", Some(&bobs_instance)).await;
    let mine = purchase(&app).await;
    app.login("alice").await;

    // R3, then lifted by arbitrary settlement.
    let res = change(&app, &oregon, &to_aliyun(&mine)).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This site allows no settlement other than by the Billing Center account.")
    );
    // R2.
    let res = change(&app, &hangzhou, &to_aliyun(&bobs_instance)).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("already associated with another Billing Center account")
    );
    // R1.
    let res = change(
        &app,
        &hangzhou,
        &[
            ("method", "aliyun"),
            ("ali_uid", "6543210987654321"),
            ("instance_id", &mine),
        ],
    )
    .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("belongs to another Alibaba Cloud account")
    );
    // A registered instance that is not ours.
    let res = change(
        &app,
        &hangzhou,
        &[
            ("method", "registered"),
            ("registered_instance_id", &bobs_instance),
        ],
    )
    .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose one of the open instances registered on this account.")
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM settlement_changes WHERE reason = 'user'")
            .await,
        0
    );

    let out = app
        .command(&[
            "account",
            "set-arbitrary-settlement",
            "--username",
            "alice",
            "--on",
        ])
        .await;
    assert!(out.status.success());
    assert_eq!(change(&app, &oregon, &to_aliyun(&mine)).await.status(), 303);
}

#[tokio::test]
async fn another_accounts_ids_are_not_found_on_every_route() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    app.create_account("mallory").await;
    let mallory = TestApp {
        client: browser(),
        ..app.clone_handle()
    };
    mallory.login("mallory").await;
    assert_eq!(
        mallory
            .get(&format!("/billing/workspaces/{ws}/settlement"))
            .await
            .status(),
        404
    );
    assert_eq!(change(&mallory, &ws, &[("method", "aliyun")]).await.status(), 404);
    assert!(!mallory.get_text("/billing/workspaces").await.contains(&ws));
    assert!(!mallory.get_text("/billing/history").await.contains(&ws));
    for bad in ["nope", "wksp_%27%3B", "%00", &"x".repeat(300)] {
        let status = mallory
            .get(&format!("/billing/workspaces/{bad}/settlement"))
            .await
            .status()
            .as_u16();
        assert_eq!(status, 404, "{bad}");
    }
    assert_eq!(method_of(&app, &ws).await, "billing_center");
}

#[tokio::test]
async fn the_history_is_paginated_newest_first() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    app.login("alice").await;
    // Each new workspace is one history row, a day apart.
    let start = chrono::Utc::now();
    for n in 1..=25 {
        app.clock.set(start + chrono::Duration::days(n));
        app.add_workspace(&format!("ws{n:02}"), "us1", &[("method", "billing_center")])
            .await;
    }
    let first = app.get_text("/billing/history").await;
    assert!(
        first.contains(">ws25<") && first.contains(">ws06<") && !first.contains(">ws05<"),
        "{first}"
    );
    assert!(first.contains("page=2"));
    let second = app.get_text("/billing/history?page=2").await;
    assert!(second.contains(">ws05<") && second.contains(">ws01<"));
    assert_eq!(app.get("/billing/history?page=abc").await.status(), 200);
    assert_eq!(
        app.get("/billing/workspaces?site=%FF&method=").await.status(),
        200
    );
}

#[tokio::test]
async fn a_further_workspace_is_added_on_any_site_with_the_same_rules() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = purchase(&app).await;
    workspace(&app, &alice, "cn1", Some(&instance)).await;
    app.login("alice").await;
    assert_eq!(app.get("/billing/workspaces/new").await.status(), 200);

    let base = |site: &'static str| {
        vec![
            ("workspace_name", "Staging"),
            ("workspace_language", "en"),
            ("site", site),
        ]
    };
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[base("us1"), vec![("method", "billing_center")]].concat(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[
                base("cn6"),
                vec![("method", "registered"), ("registered_instance_id", &instance)],
            ]
            .concat(),
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[
                base("us1"),
                vec![("method", "registered"), ("registered_instance_id", &instance)],
            ]
            .concat(),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This site does not allow this settlement method.")
    );
    let res = app
        .post_form(
            "/billing/workspaces/new",
            &[("workspace_name", ""), ("site", "mars"), ("method", "x")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE account_id = {}",
            alice.id
        ))
        .await,
        3
    );
    let bound = app
        .count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE aliyun_instance_id = '{instance}'"
        ))
        .await;
    assert_eq!(bound, 2);
}

#[tokio::test]
async fn every_billing_page_warns_about_workspaces_in_grace_or_locked() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = purchase(&app).await;
    workspace(&app, &alice, "cn1", Some(&instance)).await;
    // Expired at 02:00 UTC on 27 November: 14 days of grace.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 27, 2, 0, 0).unwrap());
    app.market_operate(&instance, "expire", true).await;
    app.login("alice").await;
    for path in [
        "/billing",
        "/billing/workspaces",
        "/billing/cloud-accounts",
        "/billing/history",
        "/billing/account",
    ] {
        let page = app.get_text(path).await;
        assert!(page.contains("is in its grace period"), "{path}");
        assert!(page.contains("2026-12-11 10:00 (UTC+8)"), "{path}");
    }
    // The deadline passes: the sweeper (every 50 ms in tests) locks it.
    app.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 11, 2, 0, 1).unwrap());
    app.wait_for_count("SELECT count(*) AS n FROM workspaces WHERE status = 'locked'", 1)
        .await;
    assert!(app.get_text("/billing").await.contains("is locked"));
}
