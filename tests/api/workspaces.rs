use crate::helpers::{TestAccount, TestApp, browser, spawn_app};

const UID: &str = "1234567890123456";

/// A workspace of `account` on `site`, settled by the Billing Center (or by
/// `instance`, which the account then claims).
async fn workspace(app: &TestApp, account: &TestAccount, site: &str, instance: Option<&str>) -> String {
    let id = billing_center::db::models::workspace::new_id();
    let (method, bound) = match instance {
        Some(i) => ("aliyun", format!("'{i}'")),
        None => ("billing_center", "NULL".to_string()),
    };
    if let Some(i) = instance {
        app.execute(&format!(
            "UPDATE aliyun_instances SET claimed_by = {} WHERE instance_id = '{i}'",
            account.id
        ))
        .await;
    }
    app.execute(&format!(
        "INSERT INTO workspaces (id, name, site, language, account_id, settlement_method, aliyun_instance_id) VALUES ('{id}', 'ws-{site}', '{site}', 'en', {}, '{method}', {bound})",
        account.id
    ))
    .await;
    id
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
    assert!(history.contains("Changed by a user"));
    assert!(history.contains(&instance));

    // R5: locked in while the instance is open.
    app.execute("UPDATE settlement_changes SET created_at = created_at - interval '40 days'")
        .await;
    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("still open"));

    // Released on the marketplace: the system moved it back (R6), so there is
    // nothing left for the user to change.
    app.market_operate(&instance, "release", true).await;
    assert_eq!(method_of(&app, &ws).await, "billing_center");
    let history = app.get_text("/billing/history").await;
    assert!(history.contains("Instance closed on the marketplace"));
    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert!(res.text().await.unwrap().contains("already settled this way"));
}

#[tokio::test]
async fn the_method_changes_once_per_calendar_month() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let first = purchase(&app).await;
    app.login("alice").await;
    assert_eq!(change(&app, &ws, &to_aliyun(&first)).await.status(), 303);
    app.market_operate(&first, "expire", true).await;

    let res = change(&app, &ws, &[("method", "billing_center")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("can be changed once a month"));
    let next = billing_center::billing::settlement::next_month_start(chrono::Utc::now())
        .format("%Y-%m-%d")
        .to_string();
    assert!(page.contains(&next), "names {next}");

    // Next month (the earlier change moved back in time): allowed, and R5 lets an expired instance go.
    app.execute("UPDATE settlement_changes SET created_at = created_at - interval '32 days'")
        .await;
    assert_eq!(
        change(&app, &ws, &[("method", "billing_center")]).await.status(),
        303
    );
}

#[tokio::test]
async fn concurrent_changes_of_one_workspace_cannot_both_succeed() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    let a = purchase(&app).await;
    let b = purchase(&app).await;
    app.login("alice").await;
    let (fa, fb) = (to_aliyun(&a), to_aliyun(&b));
    let (x, y) = tokio::join!(change(&app, &ws, &fa), change(&app, &ws, &fb));
    let mut statuses = [x.status().as_u16(), y.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM settlement_changes WHERE workspace_id = '{ws}'"
        ))
        .await,
        1
    );
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
    app.execute(&format!(
        "UPDATE aliyun_instances SET claimed_by = {} WHERE instance_id = '{bobs_instance}'",
        bob.id
    ))
    .await;
    let mine = purchase(&app).await;
    app.login("alice").await;

    // R3, then lifted by arbitrary settlement.
    let res = change(&app, &oregon, &to_aliyun(&mine)).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("This site does not allow this settlement method.")
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
    // Same method.
    let res = change(&app, &hangzhou, &[("method", "billing_center")]).await;
    assert!(res.text().await.unwrap().contains("already settled this way"));
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
    assert_eq!(app.count("SELECT count(*) AS n FROM settlement_changes").await, 0);

    app.execute(&format!(
        "UPDATE accounts SET arbitrary_settlement = true WHERE id = {}",
        alice.id
    ))
    .await;
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
    let alice = app.create_account("alice").await;
    let ws = workspace(&app, &alice, "cn1", None).await;
    app.execute(&format!(
        "INSERT INTO settlement_changes (workspace_id, from_method, to_method, reason, actor, created_at) SELECT '{ws}', 'billing_center', 'billing_center', 'user', 'actor' || n, now() - n * interval '1 day' FROM generate_series(1, 25) n"
    ))
    .await;
    app.login("alice").await;
    let first = app.get_text("/billing/history").await;
    assert!(first.contains("actor1<") && first.contains("actor20<") && !first.contains("actor21<"));
    assert!(first.contains("page=2"));
    let second = app.get_text("/billing/history?page=2").await;
    assert!(second.contains("actor21<") && second.contains("actor25<"));
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
    let ws = workspace(&app, &alice, "cn1", None).await;
    app.execute(&format!(
        "UPDATE workspaces SET status = 'grace', grace_deadline = '2026-12-11 02:00:00+00' WHERE id = '{ws}'"
    ))
    .await;
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
    app.execute("UPDATE workspaces SET status = 'locked'").await;
    assert!(app.get_text("/billing").await.contains("is locked"));
}
