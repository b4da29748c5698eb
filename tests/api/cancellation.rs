use serde_json::json;

use crate::helpers::{TestAccount, TestApp, all_at_once, link_in, spawn_app, spawn_app_with};

const UID: &str = "1234567890123456";

/// A purchased instance that settles one workspace per (name, site), each
/// added by `account` through the Billing Center (so the account claims it).
async fn bound(app: &TestApp, account: &TestAccount, workspaces: &[(&str, &str)]) -> String {
    let instance = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let user = app.as_user(&account.username).await;
    for (name, site) in workspaces {
        user.add_workspace(
            name,
            site,
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    }
    instance
}

async fn release(app: &TestApp, instance: &str) -> (u16, serde_json::Value) {
    app.spi_json(&[
        ("action", "releaseInstance"),
        ("instanceId", instance),
        ("isRefund", "false"),
    ])
    .await
}

#[tokio::test]
async fn a_release_switches_every_workspace_and_mails_a_link_to_the_notice() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(
        &app,
        &alice,
        &[("Production", "cn1"), ("Staging", "cn1"), ("Hong Kong", "cn6")],
    )
    .await;

    app.market_operate(&instance, "release", true).await;

    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("released"));
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces WHERE settlement_method = 'billing_center' AND aliyun_instance_id IS NULL").await, 3);
    assert_eq!(app.count("SELECT count(*) AS n FROM settlement_changes WHERE reason = 'marketplace_release' AND from_method = 'aliyun'").await, 3);
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM notices WHERE kind = 'release' AND jsonb_array_length(workspaces) = 3"
        )
        .await,
        1
    );

    let emails = app.wait_for_emails(&alice.email, 1).await;
    let email = &emails[0];
    assert!(
        email.subject.contains(&instance) && email.subject.contains("3 workspaces"),
        "{}",
        email.subject
    );
    let link = link_in(&email.text, &app.url("/notices/"));
    for part in [&email.text, &email.html] {
        assert!(part.contains(&link));
        for name in ["Production", "Staging", "Hong Kong"] {
            assert!(part.contains(name), "{name}");
        }
        assert!(part.contains("deducted from your Billing Center balance"));
    }
    assert!(email.text.contains("(UTC+8)") && email.text.contains("UTC"));

    // The link opens the notice without logging in.
    let res = reqwest::get(&link).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
    assert!(
        res.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("Your Alibaba Cloud instance was closed"));
    assert!(page.contains("Hong Kong") && page.contains("China Region 6 (Hong Kong)"));
    assert!(page.contains("Alibaba Cloud account") && page.contains("Billing Center account"));
    assert!(page.contains("Log in to the Billing Center"));
    assert!(
        !page.contains(&alice.email),
        "no account details on the public page"
    );

    app.login("alice").await;
    let notices = app.get_text("/billing/notices").await;
    assert!(notices.contains("Your Alibaba Cloud instance was closed") && notices.contains("Staging"));
}

#[tokio::test]
async fn a_release_with_no_workspace_still_tells_the_claiming_account_and_unclaimed_ones_tell_nobody() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    // A claimed instance settling nothing: the product never unbinds an open
    // instance's last workspace, so this state is written directly.
    let claimed = bound(&app, &alice, &[]).await;
    app.execute(&format!(
        "UPDATE aliyun_instances SET claimed_by = {} WHERE instance_id = '{claimed}'",
        alice.id
    ))
    .await;
    let unclaimed = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    release(&app, &claimed).await;
    release(&app, &unclaimed).await;
    let emails = app.wait_for_emails(&alice.email, 1).await;
    assert!(
        emails[0]
            .text
            .contains("No workspace was settled by this instance")
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM email_outbox").await, 1);
}

#[tokio::test]
async fn repeated_and_concurrent_releases_make_one_notice_and_one_email() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    let answers = all_at_once(3, |_| {
        let (app, instance) = (app.clone_handle(), instance.clone());
        async move { release(&app, &instance).await }
    })
    .await;
    for answer in answers {
        assert_eq!(answer, (200, json!({ "success": true })));
    }
    release(&app, &instance).await;
    app.wait_for_emails(&alice.email, 1).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM email_outbox").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM settlement_changes WHERE reason = 'marketplace_release'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_release_racing_a_settlement_change_leaves_nothing_bound_to_the_released_instance() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    app.login("alice").await;
    let ws = app
        .add_workspace("Moving", "cn1", &[("method", "billing_center")])
        .await;
    let path = format!("/billing/workspaces/{ws}/settlement");
    let token = app.csrf_token().await;
    let mut outcomes = all_at_once(2, |i| {
        let (app, path, instance, token) =
            (app.clone_handle(), path.clone(), instance.clone(), token.clone());
        async move {
            if i == 1 {
                return release(&app, &instance).await.0;
            }
            let form = [
                ("method", "registered"),
                ("registered_instance_id", instance.as_str()),
                ("csrf_token", token.as_str()),
            ];
            let res = app.client.post(app.url(&path)).form(&form).send().await.unwrap();
            res.status().as_u16()
        }
    })
    .await;
    let released = outcomes.pop().unwrap();
    let changed = outcomes.pop().unwrap();
    assert_eq!(released, 200);
    assert!([303, 422].contains(&changed), "{changed}");
    let bound_to_released = app
        .count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE aliyun_instance_id = '{instance}'"
        ))
        .await;
    assert_eq!(bound_to_released, 0);
    assert_eq!(app.count("SELECT count(*) AS n FROM notices").await, 1);
}

#[tokio::test]
async fn an_expiry_starts_a_grace_period_that_a_renewal_ends() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    app.market_operate(&instance, "expire", true).await;
    let grace = app
        .count("SELECT count(*) AS n FROM workspaces WHERE status = 'grace' AND grace_deadline BETWEEN now() + interval '13 days 23 hours' AND now() + interval '14 days 1 hour'")
        .await;
    assert_eq!(grace, 1);
    let emails = app.wait_for_emails(&alice.email, 1).await;
    assert!(emails[0].subject.contains("expired") && emails[0].subject.contains("14 days of grace"));
    // Alibaba bills nothing after the expiry: the account pays from the next day.
    let charged = "from the day after it (Beijing time), their usage is charged to your Billing Center balance until you renew";
    for part in [&emails[0].text, &emails[0].html] {
        assert!(part.contains(charged), "{part}");
    }
    let link = link_in(&emails[0].text, &app.url("/notices/"));
    assert!(
        reqwest::get(&link)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains(charged)
    );
    let chinese = reqwest::Client::new()
        .get(&link)
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        chinese.contains("自到期次日（北京时间）起，其用量费用将从您的费用中心余额中扣除，直至您续费该实例"),
        "{chinese}"
    );
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM notices WHERE kind = 'expiry' AND reason = 'marketplace_expiry'"
        )
        .await,
        1
    );
    app.login("alice").await;
    assert!(app.get_text("/billing").await.contains("is in its grace period"));

    app.market_operate(&instance, "renew", true).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces WHERE status = 'active' AND grace_deadline IS NULL")
            .await,
        1
    );
    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("opened"));
}

#[tokio::test]
async fn after_the_deadline_workspaces_lock_until_the_user_switches_them() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    app.market_operate(&instance, "expire", true).await;
    // A second before the deadline a sweep leaves it; once the deadline
    // passes, the sweeper (every 50 ms here) locks the workspace, once.
    let expired_at = app.clock.now();
    let sweep = async |at| {
        billing_center::billing::instances::sweep(&app.pool, &app.notifier(), at)
            .await
            .unwrap()
    };
    assert_eq!(
        sweep(expired_at + chrono::Duration::days(14) - chrono::Duration::seconds(1)).await,
        0
    );
    app.clock
        .set(expired_at + chrono::Duration::days(14) + chrono::Duration::seconds(1));
    app.wait_for_count("SELECT count(*) AS n FROM workspaces WHERE status = 'locked'", 1)
        .await;
    assert_eq!(sweep(app.clock.now()).await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces WHERE status = 'locked'")
            .await,
        1
    );
    let emails = app.wait_for_emails(&alice.email, 2).await;
    assert!(emails[0].subject.contains("locked"));

    // R5 lets a workspace leave an expired instance; switching unlocks it.
    app.login("alice").await;
    let ws = app.count("SELECT count(*) AS n FROM workspaces").await;
    assert_eq!(ws, 1);
    let list = app.get_text("/billing/workspaces").await;
    let id = format!(
        "wksp_{}",
        &list.split("/billing/workspaces/wksp_").nth(1).unwrap()[..32]
    );
    let res = app
        .post_form(
            &format!("/billing/workspaces/{id}/settlement"),
            &[("method", "billing_center")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces WHERE status = 'active' AND settlement_method = 'billing_center'").await, 1);
}

#[tokio::test]
async fn unknown_tampered_and_expired_notice_links_are_not_found() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    release(&app, &instance).await;
    let emails = app.wait_for_emails(&alice.email, 1).await;
    let link = link_in(&emails[0].text, &app.url("/notices/"));
    // Another last character (never the same one: that would be the link itself).
    let last = if link.ends_with('x') { 'y' } else { 'x' };
    let tampered = format!("{}{last}", &link[..link.len() - 1]);
    for url in [tampered, app.url("/notices/unknown"), app.url("/notices/%00")] {
        let res = reqwest::get(&url).await.unwrap();
        assert_eq!(res.status(), 404, "{url}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("This notice link is invalid or has expired")
        );
    }
    // 90 days later the link no longer works.
    app.clock
        .set(app.clock.now() + chrono::Duration::days(90) + chrono::Duration::seconds(1));
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_release_while_smtp_refuses_commits_and_mails_once_after_recovery() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let instance = bound(&app, &alice, &[("Production", "cn1")]).await;
    app.smtp_refuse(3600).await;
    assert_eq!(release(&app, &instance).await.0, 200);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces WHERE settlement_method = 'billing_center'")
            .await,
        1
    );
    app.wait_for_count(
        "SELECT coalesce(max(attempts), 0)::bigint AS n FROM email_outbox",
        1,
    )
    .await;
    assert!(app.emails_to(&alice.email).await.is_empty());
    app.smtp_refuse(0).await;
    app.wait_for_emails(&alice.email, 1).await;
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 1)
        .await;
    assert_eq!(app.emails_to(&alice.email).await.len(), 1);
}

#[tokio::test]
async fn a_lost_release_still_reaches_the_account_through_the_reconciler() {
    let app = spawn_app_with(&[("APP_SANDBOX_SPI_RETRY_MS", "20,20")]).await;
    let alice = app.create_account("alice").await;
    let failed = bound(&app, &alice, &[("Production", "cn1")]).await;
    let silent = bound(&app, &alice, &[("Staging", "cn6")]).await;
    app.market_faults(json!({ "spi_unreachable_seconds": 60 })).await;
    app.market_operate(&failed, "release", true).await;
    app.market_operate(&silent, "release", false).await;
    app.wait_for_failed_notification().await;

    let report = app.reconcile().await;
    assert_eq!(report.notifications_applied, 1);
    assert_eq!(report.instances_released, 1);
    app.reconcile().await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces WHERE settlement_method = 'billing_center'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM notices WHERE reason = 'marketplace_release'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM notices WHERE reason = 'reconciliation'")
            .await,
        1
    );
    app.wait_for_emails(&alice.email, 2).await;
    assert_eq!(app.count("SELECT count(*) AS n FROM email_outbox").await, 2);
}

#[tokio::test]
async fn a_change_before_a_release_is_switched_back_and_one_after_it_is_refused() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    let first = bound(&app, &alice, &[("Production", "cn1")]).await;
    let second = bound(&app, &alice, &[("Other", "cn1")]).await;
    app.login("alice").await;
    let mut ids = Vec::new();
    for name in ["Early", "Late"] {
        ids.push(
            app.add_workspace(name, "cn1", &[("method", "billing_center")])
                .await,
        );
    }
    let to = |instance: &str| {
        vec![
            ("method".to_string(), "registered".to_string()),
            ("registered_instance_id".to_string(), instance.to_string()),
        ]
    };
    let post = |id: &str, fields: Vec<(String, String)>| {
        let app = &app;
        let path = format!("/billing/workspaces/{id}/settlement");
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post_form(&path, &fields).await
        }
    };

    // The change commits first: the release finds the workspace bound and switches it back.
    assert_eq!(post(&ids[0], to(&first)).await.status(), 303);
    release(&app, &first).await;
    let early = app
        .count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE id = '{}' AND settlement_method = 'billing_center'",
            ids[0]
        ))
        .await;
    assert_eq!(early, 1);
    assert_eq!(
        app.count("SELECT jsonb_array_length(workspaces)::bigint AS n FROM notices")
            .await,
        2
    );

    // The release commits first: the change is refused.
    release(&app, &second).await;
    let res = post(&ids[1], to(&second)).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Choose one of the open instances registered on this account.")
    );
}
