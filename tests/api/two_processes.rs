//! Two `billing-center serve` processes on one database, both running the
//! outbox worker, the sweeper and the reconciler (beside the test's own app,
//! which plays the marketplace and the mail server): releases, settlement
//! changes and emails go through both, and nothing is lost or done twice.

use std::collections::HashSet;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{TestApp, all_at_once, browser, spawn_app};

const UID: &str = "1234567890123456";

/// A `billing-center serve` process on `app`'s database, talking to `app`'s
/// sandbox marketplace and mail server; killed when dropped.
struct Instance {
    /// A client of this process, like `TestApp`'s, sharing the database.
    app: TestApp,
    _process: tokio::process::Child,
}

async fn serve(app: &TestApp) -> Instance {
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_billing-center"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("APP_LISTEN", "127.0.0.1:0")
        .env("APP_SANDBOX", "off")
        .env("APP_SMTP_URL", format!("smtp://127.0.0.1:{}", app.smtp_port))
        .env("APP_ALIYUN_MARKET_ENDPOINT", format!("{}/", app.sandbox))
        .env(
            "APP_SESSION_KEY",
            "test-session-key-test-session-key-test-session-key",
        )
        .env("APP_WORKERS", "2")
        .env("APP_DATABASE_POOL_SIZE", "4")
        .env("APP_OUTBOX_POLL_MS", "50")
        .env("APP_RECONCILE_INTERVAL_SECS", "1")
        .env("APP_SWEEP_INTERVAL_MS", "100")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("billing-center serve starts");
    let mut lines = BufReader::new(process.stdout.take().expect("its stdout")).lines();
    let address = loop {
        let line = lines.next_line().await.unwrap().expect("the portal's address");
        if let Some(rest) = line.strip_prefix("Billing Center portal: ") {
            break rest.trim_end_matches('/').to_string();
        }
    };
    Instance {
        app: TestApp {
            address,
            client: browser(),
            ..app.clone_handle()
        },
        _process: process,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_database_lose_nothing_and_do_nothing_twice() {
    let market = spawn_app().await;
    let (one, two) = (serve(&market).await, serve(&market).await);
    market.create_account("alice").await;
    one.app.login("alice").await;
    two.app.login("alice").await;

    // Workspaces bound to three instances, through either process.
    let instances: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(
                market.market_purchase(UID).await["instance_id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        ids
    };
    let bind = |i: usize| {
        [
            ("method", "aliyun"),
            ("ali_uid", UID),
            ("instance_id", instances[i].as_str()),
        ]
    };
    one.app.add_workspace("A1", "cn1", &bind(0)).await;
    two.app.add_workspace("A2", "cn6", &bind(0)).await;
    one.app.add_workspace("B1", "cn1", &bind(1)).await;
    two.app.add_workspace("C1", "cn1", &bind(2)).await;
    // A settlement change through the second process, of a workspace added through the first.
    let moving = one
        .app
        .add_workspace("Moving", "cn1", &[("method", "billing_center")])
        .await;
    let path = format!("/billing/workspaces/{moving}/settlement");
    let res = two.app.post_form(&path, &bind(2)).await;
    assert_eq!(res.status(), 303);

    // The marketplace delivers the first release to both processes at once.
    let releases = all_at_once(2, |i| {
        let (app, id) = (
            if i == 0 {
                one.app.clone_handle()
            } else {
                two.app.clone_handle()
            },
            instances[0].clone(),
        );
        async move {
            app.spi_json(&[("action", "releaseInstance"), ("instanceId", &id)])
                .await
                .0
        }
    })
    .await;
    assert_eq!(releases, [200, 200]);
    // The second instance is closed without a call: a reconciler finds it.
    market.market_operate(&instances[1], "release", false).await;
    // The third expires: both processes' sweepers and reconcilers run meanwhile.
    market.market_operate(&instances[2], "expire", true).await;

    market
        .wait_for_count("SELECT count(*) AS n FROM notices WHERE kind = 'release'", 2)
        .await;
    let emails = market.wait_for_emails("alice@example.com", 3).await;
    market
        .wait_for_count("SELECT count(*) AS n FROM email_outbox WHERE status = 'sent'", 3)
        .await;

    // Exactly once each: notices, emails, history rows.
    assert_eq!(market.count("SELECT count(*) AS n FROM notices").await, 3);
    assert_eq!(market.count("SELECT count(*) AS n FROM email_outbox").await, 3);
    let subjects: HashSet<&str> = emails.iter().map(|e| e.subject.as_str()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    let history = async |reason: &str| {
        market
            .count(&format!(
                "SELECT count(*) AS n FROM settlement_changes WHERE reason = '{reason}'"
            ))
            .await
    };
    assert_eq!(history("workspace_added").await, 5);
    assert_eq!(history("user").await, 1);
    assert_eq!(history("marketplace_release").await, 2, "A1 and A2");
    assert_eq!(history("reconciliation").await, 1, "B1");
    assert_eq!(
        market
            .count("SELECT count(*) AS n FROM workspaces WHERE status = 'grace'")
            .await,
        2,
        "C1 and Moving"
    );
    // Nothing lost: every workspace of a closed instance settles by the Billing Center.
    assert_eq!(
        market
            .count("SELECT count(*) AS n FROM workspaces WHERE settlement_method = 'billing_center' AND name IN ('A1', 'A2', 'B1')")
            .await,
        3
    );

    // Both processes still serve the account, and agree.
    for instance in [&one, &two] {
        let page = instance.app.get_text("/billing/workspaces").await;
        for name in ["A1", "A2", "B1", "C1", "Moving"] {
            assert!(page.contains(name), "{name}");
        }
    }
}
