//! What the money tests share: usage records, workspaces added through the
//! Billing Center (at a past moment of the app's clock when a test needs a
//! settlement history), settling a day, the sandbox's received pushes, the CLI.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};

use billing_center::billing::daily_bills::{Settled, settle_day};
use billing_center::billing::usage::business_day;

use crate::helpers::{PASSWORD, TestAccount, TestApp, run_cli, spawn_app_with};

/// The buyer's Alibaba Cloud account ID in the money tests.
pub const UID: &str = "1234567890123456";

/// The form fields that settle a new workspace by the Billing Center account.
pub fn by_billing_center() -> [(&'static str, &'static str); 1] {
    [("method", "billing_center")]
}

/// The form fields that settle a workspace by `instance`, bought by `ali_uid`.
pub fn by_instance<'a>(ali_uid: &'a str, instance: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("method", "aliyun"),
        ("ali_uid", ali_uid),
        ("instance_id", instance),
    ]
}

/// The development ingest key of a site.
pub fn key_of(site: &str) -> String {
    format!("sandbox-ingest-{site}")
}

/// The business day `n` days before today (Asia/Shanghai).
pub fn days_ago(n: i64) -> NaiveDate {
    business_day(Utc::now()) - Duration::days(n)
}

/// `hour` o'clock of `day` in Asia/Shanghai, as RFC 3339 in UTC.
pub fn hour_of(day: NaiveDate, hour: u32) -> String {
    instant(day, hour).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `hour` o'clock of `day` in Asia/Shanghai.
pub fn instant(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// One usage record.
pub fn record(workspace: &str, hour: &str, item: &str, quantity: u64, retention: Option<u32>) -> Value {
    let mut r = json!({ "workspace_id": workspace, "hour": hour, "item": item, "quantity": quantity });
    if let Some(days) = retention {
        r["retention_days"] = json!(days);
    }
    r
}

/// The worked example of the price list (¥13.40 in all), spread over the
/// hours of `day` so that each item's sum is the example's quantity.
pub fn worked_example(workspace: &str, day: NaiveDate) -> Vec<Value> {
    vec![
        record(workspace, &hour_of(day, 1), "timeline", 2_000, Some(3)),
        record(workspace, &hour_of(day, 13), "timeline", 4_000, Some(3)),
        record(workspace, &hour_of(day, 0), "logs", 1_500_000, Some(7)),
        record(workspace, &hour_of(day, 23), "logs", 500_000, Some(7)),
        record(workspace, &hour_of(day, 9), "trace", 2_000_000, Some(3)),
        record(workspace, &hour_of(day, 9), "pv", 20_000, Some(3)),
        record(workspace, &hour_of(day, 10), "trigger", 20_000, None),
    ]
}

/// Overrides that make metering fast enough for tests: a short per-instance
/// interval on both sides (ours longer than the sandbox's), a quick pusher.
pub const FAST_METERING: [(&str, &str); 3] = [
    ("APP_METERING_POLL_MS", "100"),
    ("APP_METERING_INTERVAL_MS", "300"),
    ("APP_SANDBOX_METERING_INTERVAL_MS", "200"),
];

/// An app with fast metering and `extra` overrides.
pub async fn money_app(extra: &[(&str, &str)]) -> TestApp {
    let overrides: Vec<(&str, &str)> = FAST_METERING.iter().chain(extra).copied().collect();
    spawn_app_with(&overrides).await
}

impl TestApp {
    /// POSTs a usage body with `key`; the status and the JSON answer.
    pub async fn post_usage(&self, key: &str, body: &Value) -> (u16, Value) {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/usage"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("usage API");
        let status = res.status().as_u16();
        (status, res.json().await.expect("a JSON answer"))
    }

    /// Ingests `records` for `site`; panics unless they are accepted.
    pub async fn ingest(&self, site: &str, records: Vec<Value>) -> Value {
        let (status, body) = self
            .post_usage(&key_of(site), &json!({ "site": site, "records": records }))
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Signs `username` up on `site` as a customer does (SPEC J2: the email
    /// code from the sandbox mailbox, the company, the activation with a
    /// Billing Center account), at the app clock's `at`; the account and its
    /// first workspace, `workspace` settled as `settle` says
    /// (`activation_method` `direct`, or `aliyun` with `ali_uid` and
    /// `instance_id`).
    pub async fn register(
        &self,
        username: &str,
        site: &str,
        workspace: &str,
        settle: &[(&str, &str)],
        at: DateTime<Utc>,
    ) -> (TestAccount, String) {
        let visitor = TestApp {
            client: crate::helpers::browser(),
            ..self.clone_handle()
        };
        let email = format!("{username}@example.com");
        let phone = format!("138{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
        let sent = visitor
            .post_form("/register/email-code", &[("email", &email), ("site", site)])
            .await;
        assert_eq!(sent.status(), 200);
        let mail = self.wait_for_emails(&email, 1).await;
        let code = mail[0]
            .text
            .split_whitespace()
            .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
            .expect("a code")
            .to_string();
        let now = self.clock.now();
        self.clock.set(at);
        for (path, fields) in [
            (
                "/register",
                vec![
                    ("site", site),
                    ("username", username),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("email", &email),
                    ("email_code", &code),
                    ("phone", &phone),
                ],
            ),
            (
                "/register/company",
                vec![("company_name", "Example Ltd"), ("agree_terms", "on")],
            ),
            (
                "/register/activate",
                [
                    ("workspace_name", workspace),
                    ("workspace_language", "en"),
                    ("sync_billing_account", "on"),
                    ("agree_terms", "on"),
                ]
                .into_iter()
                .chain(settle.iter().copied())
                .collect(),
            ),
        ] {
            let res = visitor.post_form(path, &fields).await;
            assert_eq!(
                res.status(),
                303,
                "{path}: {}",
                res.text().await.unwrap_or_default()
            );
        }
        self.clock.set(now);
        #[derive(diesel::QueryableByName)]
        struct Made {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            account_id: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            workspace_id: String,
        }
        let mut conn = self.pool.get().await.expect("a connection");
        let made: Made = diesel_async::RunQueryDsl::get_result(
            diesel::sql_query(
                "SELECT a.id AS account_id, w.id AS workspace_id FROM accounts a \
                 JOIN workspaces w ON w.account_id = a.id WHERE a.username = $1",
            )
            .bind::<diesel::sql_types::Text, _>(username),
            &mut conn,
        )
        .await
        .expect("the account and its workspace");
        let account = TestAccount {
            id: made.account_id,
            username: username.into(),
            email,
            phone,
        };
        (account, made.workspace_id)
    }

    /// A workspace of `account` on `site`, added through the Billing Center
    /// at `since` (the app's clock is moved there for the request, then put
    /// back), named `name` and settled as `settle` says (the fields of the
    /// form: [`by_billing_center`] or [`by_instance`], which claims it: R2).
    pub async fn workspace_named(
        &self,
        account: &TestAccount,
        site: &str,
        name: &str,
        settle: &[(&str, &str)],
        since: DateTime<Utc>,
    ) -> String {
        let user = self.as_user(&account.username).await;
        let now = self.clock.now();
        self.clock.set(since);
        let id = user.add_workspace(name, site, settle).await;
        self.clock.set(now);
        id
    }

    /// A workspace of `account` on `site`, settled by `instance` (bought by
    /// [`UID`]) or the Billing Center account, added at `since`.
    pub async fn workspace_since(
        &self,
        account: &TestAccount,
        site: &str,
        instance: Option<&str>,
        since: DateTime<Utc>,
    ) -> String {
        let name = format!("WS {}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
        let settle = match instance {
            Some(i) => by_instance(UID, i).to_vec(),
            None => by_billing_center().to_vec(),
        };
        self.workspace_named(account, site, &name, &settle, since).await
    }

    /// A workspace added 40 days ago (see [`TestApp::workspace_since`]).
    pub async fn workspace(&self, account: &TestAccount, site: &str, instance: Option<&str>) -> String {
        self.workspace_since(account, site, instance, Utc::now() - Duration::days(40))
            .await
    }

    /// Settles `day` as the schedule would.
    pub async fn settle(&self, day: NaiveDate) -> Settled {
        let mut conn = self.pool.get().await.unwrap();
        settle_day(&mut conn, day, Utc::now()).await.unwrap()
    }

    /// Every push the sandbox marketplace received.
    pub async fn pushes(&self) -> Vec<Value> {
        reqwest::get(format!("{}/market/api/metering", self.sandbox))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits (up to 15 s) for `n` windows in `state`.
    pub async fn wait_for_windows(&self, state: &str, n: i64) {
        self.wait_for_count(
            &format!("SELECT count(*) AS n FROM metering_windows WHERE state = '{state}'"),
            n,
        )
        .await;
    }

    /// Runs an operator command against this app's database and sandbox.
    pub fn operator(&self, args: &[&str]) -> std::process::Output {
        let endpoint = format!("{}/", self.sandbox);
        let env: Vec<(&str, &str)> = FAST_METERING
            .iter()
            .copied()
            .chain([("APP_ALIYUN_MARKET_ENDPOINT", endpoint.as_str())])
            .collect();
        run_cli(&self.database_url, &env, args, "")
    }
}

/// The command's standard output, asserting it succeeded.
pub fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The command's standard error, asserting it failed.
pub fn failed(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Alice's two workspaces, settled two ways, with their month.
pub struct Billed {
    pub direct: String,
    pub aliyun: String,
    pub instance: String,
    pub month: billing_center::domain::Month,
}

/// Alice, signed up with a Billing Center workspace "Production" (cn1), and
/// one she added settled by an Alibaba instance, "Hong Kong" (cn6), each billed the worked example
/// (¥13.40) yesterday: settled, and the metering window confirmed.
pub async fn two_methods_billed(app: &TestApp) -> Billed {
    let instance = app.purchase_instance(UID).await;
    let since = Utc::now() - Duration::days(40);
    let (alice, direct) = app
        .register(
            "alice",
            "cn1",
            "Production",
            &[("activation_method", "direct")],
            since,
        )
        .await;
    let aliyun = app
        .workspace_named(&alice, "cn6", "Hong Kong", &by_instance(UID, &instance), since)
        .await;
    let day = days_ago(1);
    app.ingest("cn1", worked_example(&direct, day)).await;
    app.ingest("cn6", worked_example(&aliyun, day)).await;
    app.settle(day).await;
    app.wait_for_windows("confirmed", 1).await;
    Billed {
        direct,
        aliyun,
        instance,
        month: billing_center::domain::Month::of(day),
    }
}
