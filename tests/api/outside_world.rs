//! A slow, failing or lost outside world: the marketplace answering slowly,
//! the database going away, a mail conversation cut short. The portal stays
//! up, answers 503 (never 500) when it cannot work, and loses or repeats
//! nothing.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::{TestApp, eventually, spawn_app, spawn_app_with};

const UID: &str = "1234567890123456";

/// A purchase whose createInstance never reached us: binding it makes the
/// portal ask the Market OpenAPI.
async fn unknown_purchase(app: &TestApp) -> String {
    app.market_faults(json!({ "spi_unreachable_seconds": 3600 }))
        .await;
    let id = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.instance_status(&id).await, None);
    id
}

async fn openapi_in_flight(app: &TestApp) -> u64 {
    reqwest::get(format!("{}/market/api/faults", app.sandbox))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["openapi_in_flight"]
        .as_u64()
        .unwrap()
}

/// A gauge or counter of the app's `/metrics` (asked without a session,
/// which an outage would refuse to load).
async fn metric(app: &TestApp, name: &str) -> f64 {
    let text = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0.0)
}

/// Runs SQL on the server's maintenance database (to cut the app's off).
async fn on_server(sql: &str) {
    let url = crate::helpers::database_url("postgres");
    let mut conn = <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url)
        .await
        .unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap();
}

fn database_name(app: &TestApp) -> String {
    app.database_url.rsplit('/').next().unwrap().to_string()
}

/// The app's database refuses connections and loses the ones it had.
pub async fn cut_database(app: &TestApp) {
    let name = database_name(app);
    on_server(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false")).await;
    on_server(&format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
    ))
    .await;
}

/// The app's database accepts connections again.
pub async fn restore_database(app: &TestApp) {
    on_server(&format!(
        "ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true",
        database_name(app)
    ))
    .await;
}

#[tokio::test]
async fn a_slow_marketplace_neither_drains_the_pool_nor_holds_up_other_pages() {
    let app = spawn_app_with(&[("APP_DATABASE_POOL_SIZE", "8")]).await;
    app.create_account("alice").await;
    app.create_account("bob").await;
    let alice = app.as_user("alice").await;
    let bob = app.as_user("bob").await;
    let mut workspaces = Vec::new();
    for n in 0..24 {
        workspaces.push(
            alice
                .add_workspace(&format!("ws{n}"), "cn1", &[("method", "billing_center")])
                .await,
        );
    }
    let instance = unknown_purchase(&app).await;
    app.market_faults(json!({ "openapi_delay_ms": 3000 })).await;

    // 24 settlement changes wait for the marketplace at once (three times the pool).
    let token = alice.csrf_token().await;
    let changes: Vec<_> = workspaces
        .iter()
        .map(|ws| {
            let (client, url) = (
                alice.client.clone(),
                alice.url(&format!("/billing/workspaces/{ws}/settlement")),
            );
            let form = [
                ("method", "aliyun".to_string()),
                ("ali_uid", UID.to_string()),
                ("instance_id", instance.clone()),
                ("csrf_token", token.clone()),
            ];
            tokio::spawn(async move {
                client
                    .post(url)
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    eventually("24 questions to the marketplace at once", || async {
        openapi_in_flight(&app).await >= 24
    })
    .await;

    // Meanwhile another user's pages and an anonymous visitor are served, and
    // no request waits for a connection.
    assert_eq!(bob.get("/billing").await.status(), 200);
    assert_eq!(
        crate::helpers::browser()
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(metric(&app, "db_pool_waiting").await, 0.0);
    assert!(
        openapi_in_flight(&app).await > 0,
        "the pages were answered while the marketplace was still thinking"
    );

    // Every waiting change gets its answer, none a 5xx.
    for change in changes {
        assert_eq!(change.await.unwrap(), 303);
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM workspaces WHERE aliyun_instance_id = '{instance}'"
        ))
        .await,
        24
    );
}

#[tokio::test]
async fn a_request_that_cannot_get_a_connection_in_time_answers_503_with_retry_after() {
    let app = spawn_app_with(&[("APP_DATABASE_POOL_SIZE", "1"), ("APP_DATABASE_WAIT_MS", "300")]).await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let ws = alice
        .add_workspace("Production", "cn1", &[("method", "billing_center")])
        .await;
    let instance = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = app.as_user("alice").await;

    // Someone holds the workspace's row: the settlement change waits for it
    // inside its transaction, on the pool's only connection.
    let mut holder = app.pool.get().await.unwrap();
    diesel::sql_query("BEGIN").execute(&mut holder).await.unwrap();
    diesel::sql_query(format!("SELECT 1 FROM workspaces WHERE id = '{ws}' FOR UPDATE"))
        .execute(&mut holder)
        .await
        .unwrap();
    let token = alice.csrf_token().await;
    let change = {
        let (client, url) = (
            alice.client.clone(),
            alice.url(&format!("/billing/workspaces/{ws}/settlement")),
        );
        let form = [
            ("method", "aliyun"),
            ("ali_uid", UID),
            ("instance_id", &instance),
            ("csrf_token", &token),
        ]
        .map(|(k, v)| (k, v.to_string()));
        tokio::spawn(async move { client.post(url).form(&form).send().await.unwrap() })
    };
    let waiting_on_lock = "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
    app.wait_for_count(waiting_on_lock, 1).await;

    let res = other.get("/billing").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(res.text().await.unwrap().contains("try again"));

    diesel::sql_query("ROLLBACK").execute(&mut holder).await.unwrap();
    drop(holder);
    // The change itself went through once the row was free.
    assert_eq!(change.await.unwrap().status(), 303);
    assert_eq!(other.get("/billing").await.status(), 200);
}

#[tokio::test]
async fn pages_answer_503_during_a_database_outage_and_work_again_after_it() {
    let app = spawn_app_with(&[("APP_DATABASE_WAIT_MS", "500")]).await;
    app.create_account("alice").await;
    app.login("alice").await;
    let token = app.csrf_token().await;

    cut_database(&app).await;
    for path in ["/billing", "/billing/workspaces", "/readyz"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 503, "{path}");
        if path != "/readyz" {
            assert_eq!(res.headers()["retry-after"], "5", "{path}");
            assert!(res.text().await.unwrap().contains("try again"), "{path}");
        }
    }
    let res = app
        .client
        .post(app.url("/billing/workspaces/new"))
        .form(&[
            ("workspace_name", "Down"),
            ("site", "us1"),
            ("method", "billing_center"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);

    restore_database(&app).await;
    eventually("the pool reconnects", || async {
        app.get("/billing").await.status() == 200
    })
    .await;
    assert_eq!(app.count("SELECT count(*) AS n FROM workspaces").await, 0);
}

#[tokio::test]
async fn an_email_is_sent_once_when_the_database_is_lost_between_sending_and_recording_it() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    // The mail server keeps each message, then waits a while before saying so.
    reqwest::Client::new()
        .post(format!("{}/mailbox/api/faults", app.sandbox))
        .json(&json!({ "smtp_hold_ms": 1500 }))
        .send()
        .await
        .unwrap();
    let res = crate::helpers::browser()
        .get(app.url("/password/forgot"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.post_form("/password/forgot", &[("email", "alice@example.com")])
            .await
            .status(),
        200
    );
    app.wait_for_emails("alice@example.com", 1).await;

    // While the worker waits for the server's answer, the database goes away.
    cut_database(&app).await;
    eventually("the worker fails to record the delivery", || async {
        metric(&app, "email_outbox_record_failures_total").await >= 1.0
    })
    .await;
    restore_database(&app).await;

    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 1)
        .await;
    assert_eq!(app.emails_to("alice@example.com").await.len(), 1);
    assert_eq!(
        app.count("SELECT max(attempts)::bigint AS n FROM email_outbox")
            .await,
        1
    );
}

#[tokio::test]
async fn an_email_leased_by_a_worker_that_died_is_sent_once_when_its_lease_runs_out() {
    let app = spawn_app().await;
    // A worker leased an email in the transaction that queued it, then died.
    {
        use billing_center::db::models::email_outbox::OutboxEmail;
        use diesel_async::AsyncConnection;
        let mut conn = app.pool.get().await.unwrap();
        conn.transaction(async |conn| {
            let email = billing_center::email::Email {
                to: "carol@example.com".into(),
                subject: "Hello".into(),
                text: "Hello".into(),
                html: "<p>Hello</p>".into(),
            };
            billing_center::email::enqueue(conn, "test:orphan", &email).await?;
            let leased = OutboxEmail::lease_due(conn, 10, Duration::from_millis(800)).await?;
            assert_eq!(leased.len(), 1);
            Ok::<_, diesel::result::Error>(())
        })
        .await
        .unwrap();
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_outbox WHERE leased_until > now()")
            .await,
        1
    );
    // The app's worker takes it over once the lease runs out, and sends it once.
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 1)
        .await;
    assert_eq!(app.emails_to("carol@example.com").await.len(), 1);
}

#[tokio::test]
async fn sent_and_dead_emails_keep_their_metadata_but_not_their_links() {
    let app = spawn_app_with(&[("APP_OUTBOX_MAX_ATTEMPTS", "1")]).await;
    app.create_account("alice").await;
    app.create_account("bob").await;
    app.post_form("/password/forgot", &[("email", "alice@example.com")])
        .await;
    let emails = app.wait_for_emails("alice@example.com", 1).await;
    let link = crate::helpers::link_in(&emails[0].text, &app.url("/password/reset/"));
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 1)
        .await;
    // Given up after its one attempt while the mail server refuses.
    app.smtp_refuse(3600).await;
    app.post_form("/password/forgot", &[("email", "bob@example.com")])
        .await;
    app.wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'dead'", 1)
        .await;

    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM email_outbox WHERE text_body LIKE '%{token}%' OR html_body LIKE '%{token}%'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_outbox WHERE text_body IS NULL AND html_body IS NULL AND subject <> '' AND recipient <> ''")
            .await,
        2
    );
    // The emailed link itself still works.
    assert_eq!(
        crate::helpers::browser()
            .get(&link)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn the_reconciler_expires_an_instance_whose_refunded_renewal_we_never_heard_of() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let alice = app.as_user("alice").await;
    let instance = app.market_purchase(UID).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();
    alice
        .add_workspace(
            "Production",
            "cn1",
            &[("method", "aliyun"), ("ali_uid", UID), ("instance_id", &instance)],
        )
        .await;
    // Renewed until 2035; the refund of that renewal never reached us.
    let (status, _) = app
        .spi_json(&[
            ("action", "renewInstance"),
            ("instanceId", &instance),
            ("expiredOn", "2035-01-01 00:00:00"),
        ])
        .await;
    assert_eq!(status, 200);
    // So an expiry call looks overtaken by the renewal and is ignored...
    app.market_operate(&instance, "expire", true).await;
    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("opened"));
    // ...but the reconciler reads the marketplace's state, EXPIRED, and applies it.
    let report = app.reconcile().await;
    assert_eq!(report.instances_expired, 1);
    assert_eq!(app.instance_status(&instance).await.as_deref(), Some("expired"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM workspaces WHERE status = 'grace'")
            .await,
        1
    );
}
