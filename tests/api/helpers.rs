//! `spawn_app()`: the real application on random ports against a fresh
//! database, with the sandbox (mail server) on random ports too.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use billing_center::clock::Clock;
use billing_center::db::DbPool;
use billing_center::settings::Settings;
use billing_center::startup::Application;
use diesel_async::RunQueryDsl;
use reqwest::redirect::Policy;
use secrecy::SecretString;
use serde::Deserialize;

/// A running application and a browser-like client for it.
pub struct TestApp {
    pub address: String,
    pub sandbox: String,
    pub database_url: String,
    pub pool: DbPool,
    /// Keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    /// The app's clock: `clock.set(..)` moves "now" for its rules.
    pub clock: Clock,
    /// The sandbox mail server's SMTP port.
    pub smtp_port: u16,
}

/// The server the tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else
/// the local default. Each test gets its own database on it.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `server_url()` with its database replaced by `name`.
pub fn database_url(name: &str) -> String {
    let mut url = url::Url::parse(&server_url()).expect("a database URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A fresh, unique database name, under `TEST_DATABASE_PREFIX` (set by
/// `scripts/test`, which drops that checkout's databases when it ends).
pub fn fresh_database_name() -> String {
    let prefix = std::env::var("TEST_DATABASE_PREFIX").unwrap_or_else(|_| "bc_test_".into());
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// Settings for a test app, with `overrides` on top.
pub fn test_settings(database_url: &str, overrides: &[(&str, &str)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", database_url),
        ("APP_LISTEN", "127.0.0.1:0"),
        ("APP_SANDBOX", "on"),
        ("APP_SANDBOX_LISTEN", "127.0.0.1:0"),
        ("APP_SANDBOX_SMTP_LISTEN", "127.0.0.1:0"),
        (
            "APP_SESSION_KEY",
            "test-session-key-test-session-key-test-session-key",
        ),
        ("APP_WORKERS", "2"),
        ("APP_DATABASE_POOL_SIZE", "8"),
        ("APP_OUTBOX_POLL_MS", "50"),
        ("APP_OUTBOX_RETRY_BASE_MS", "100"),
        ("APP_SWEEP_INTERVAL_MS", "50"),
        // Tests settle the days they need, at any hour: a schedule would
        // freeze the past, the marketplace's cut-off refuse yesterday's data.
        ("APP_SETTLEMENT_SCHEDULE", "off"),
        ("APP_SANDBOX_METERING_CUTOFF", "off"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        env.insert(k.to_string(), v.to_string());
    }
    Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings")
}

/// Starts the app on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app on a fresh database with setting overrides.
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    billing_center::telemetry::init();
    let database_url = database_url(&fresh_database_name());
    let settings = test_settings(&database_url, overrides);
    let clock = Clock::system();
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let sandbox = format!(
        "http://127.0.0.1:{}",
        app.sandbox_port().expect("the sandbox runs")
    );
    let smtp_port = app.sandbox_smtp_port().expect("the sandbox runs");
    tokio::spawn(app.run_until_stopped());
    let pool = billing_center::db::pool(&database_url, 4).expect("a pool");
    TestApp {
        address,
        sandbox,
        database_url,
        pool,
        client: browser(),
        clock,
        smtp_port,
    }
}

/// A client like a browser: keeps cookies, does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("a client")
}

/// Runs the binary against `database_url` with extra environment `env`,
/// typing `stdin` into it.
pub fn run_cli(database_url: &str, env: &[(&str, &str)], args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_billing-center"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("a stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("the binary ends")
}

/// A message as the sandbox mailbox API returns it.
#[derive(Debug, Deserialize)]
pub struct MailboxMessage {
    pub id: u64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: Option<String>,
}

/// The production password of every test account.
pub const PASSWORD: &str = "correct horse battery staple";

/// A created account.
pub struct TestAccount {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub phone: String,
}

impl TestApp {
    /// The same app, for building a second client: `TestApp { client: browser(), ..app.clone_handle() }`.
    pub fn clone_handle(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            sandbox: self.sandbox.clone(),
            database_url: self.database_url.clone(),
            pool: self.pool.clone(),
            client: self.client.clone(),
            clock: self.clock.clone(),
            smtp_port: self.smtp_port,
        }
    }

    /// Another browser, logged in as `login`.
    pub async fn as_user(&self, login: &str) -> TestApp {
        let user = TestApp {
            client: browser(),
            ..self.clone_handle()
        };
        user.login(login).await;
        user
    }

    /// Adds a workspace through `/billing/workspaces/new` (the client must be
    /// logged in), settled as `settle` says (`method` and its fields); returns
    /// its id.
    pub async fn add_workspace(&self, name: &str, site: &str, settle: &[(&str, &str)]) -> String {
        let mut fields = vec![
            ("workspace_name", name),
            ("workspace_language", "en"),
            ("site", site),
        ];
        fields.extend_from_slice(settle);
        let res = self.post_form("/billing/workspaces/new", &fields).await;
        assert_eq!(
            res.status(),
            303,
            "adding {name} on {site}: {}",
            res.text().await.unwrap_or_default()
        );
        let location = res.headers()["location"]
            .to_str()
            .expect("a location")
            .to_string();
        location
            .split_once("added=")
            .map(|(_, id)| id.to_string())
            .expect("the new workspace's id in the redirect")
    }

    /// Runs `billing-center <args>` against this app's database (and its
    /// sandbox marketplace); waits for it to end.
    pub async fn command(&self, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_billing-center"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("APP_ALIYUN_MARKET_ENDPOINT", format!("{}/", self.sandbox))
            .env("APP_SANDBOX", "off")
            .env("APP_SMTP_URL", "smtp://127.0.0.1:1")
            .output()
            .await
            .expect("the command runs")
    }

    /// What the reconciler of this app works with.
    pub fn reconciler(&self) -> billing_center::marketplace::reconciler::Reconciler {
        billing_center::marketplace::reconciler::Reconciler {
            pool: self.pool.clone(),
            market: self.market_client(),
            product_code: PRODUCT.into(),
            notifier: self.notifier(),
            clock: self.clock.clone(),
        }
    }

    /// One reconciliation pass, as `billing-center reconcile` runs it.
    pub async fn reconcile(&self) -> billing_center::marketplace::reconciler::Report {
        billing_center::marketplace::reconciler::reconcile_once(&self.reconciler())
            .await
            .expect("a reconciliation pass")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a body")
    }

    /// The session's CSRF token, read from a form page.
    pub async fn csrf_token(&self) -> String {
        let page = self.get_text("/password/forgot").await;
        csrf_from(&page)
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &token));
        self.client
            .post(self.url(path))
            .form(&body)
            .send()
            .await
            .expect("POST")
    }

    /// Posts `fields` to `path` from `n` tasks released together (one
    /// session, one CSRF token: a double click, a resend after a slow answer,
    /// a scripted flood); their answers, in order.
    pub async fn post_form_all_at_once(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        n: usize,
    ) -> Vec<reqwest::Response> {
        let token = self.csrf_token().await;
        let mut body: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        body.push(("csrf_token".into(), token));
        all_at_once(n, |_| self.client.post(self.url(path)).form(&body).send())
            .await
            .into_iter()
            .map(|sent| sent.expect("POST"))
            .collect()
    }

    /// Creates a Billing Center account with the production hashing.
    pub async fn create_account(&self, username: &str) -> TestAccount {
        use billing_center::db::models::account::{Account, NewAccount};
        let passwords = billing_center::auth::password::Passwords::new(1, Duration::from_secs(30));
        let hash = passwords
            .hash(SecretString::from(PASSWORD))
            .await
            .expect("a hash");
        let email = format!("{username}@example.com");
        let n: u32 = rand_digits();
        let phone = format!("+86139{n:08}");
        let mut conn = self.pool.get().await.expect("a connection");
        let account = Account::create(
            &mut conn,
            &NewAccount {
                username,
                email: &email,
                phone: &phone,
                password_hash: &hash,
                company_name: "Example Ltd",
                language: "en",
            },
        )
        .await
        .expect("insert")
        .expect("unique");
        TestAccount {
            id: account.id,
            username: username.into(),
            email,
            phone,
        }
    }

    /// Logs the client in; panics unless it works.
    pub async fn login(&self, login: &str) {
        let res = self
            .post_form("/login", &[("login", login), ("password", PASSWORD)])
            .await;
        assert_eq!(res.status(), 303, "login as {login}");
    }

    /// Every message the sandbox received for `to`, newest first.
    pub async fn emails_to(&self, to: &str) -> Vec<MailboxMessage> {
        reqwest::Client::new()
            .get(format!("{}/mailbox/api/messages", self.sandbox))
            .query(&[("to", to)])
            .send()
            .await
            .expect("mailbox API")
            .json()
            .await
            .expect("mailbox JSON")
    }

    /// Waits (up to 15 s) until `to` has received `count` messages.
    pub async fn wait_for_emails(&self, to: &str, count: usize) -> Vec<MailboxMessage> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let messages = self.emails_to(to).await;
            if messages.len() >= count || Instant::now() > deadline {
                assert_eq!(messages.len(), count, "emails to {to}");
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Makes the sandbox SMTP listener refuse mail for `seconds` (0: accept).
    pub async fn smtp_refuse(&self, seconds: u64) {
        let res = reqwest::Client::new()
            .post(format!("{}/mailbox/api/faults", self.sandbox))
            .json(&serde_json::json!({ "smtp_refuse_seconds": seconds }))
            .send()
            .await
            .expect("faults API");
        assert!(res.status().is_success());
    }

    /// Runs a SQL statement (to move time forward in stored rows, say).
    pub async fn execute(&self, sql: &str) -> usize {
        let mut conn = self.pool.get().await.expect("a connection");
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql)
    }

    /// Waits (up to 15 s) until the SQL count reaches `at_least`; returns it.
    pub async fn wait_for_count(&self, sql: &str, at_least: i64) -> i64 {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let n = self.count(sql).await;
            if n >= at_least {
                return n;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {sql} to reach {at_least}, got {n}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A count from SQL (`SELECT count(*) AS n ...`).
    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.pool.get().await.expect("a connection");
        diesel::sql_query(sql)
            .get_result::<N>(&mut conn)
            .await
            .expect(sql)
            .n
    }
}

/// The SPI key of the test apps (the development default).
pub const SPI_KEY: &str = "sandbox-spi-key";
/// Our product code (the development default).
pub const PRODUCT: &str = "cmgj00053362";

impl TestApp {
    /// Calls the SPI like the marketplace: `pairs` signed with the SPI key, as GET.
    pub async fn spi(&self, pairs: &[(&str, &str)]) -> reqwest::Response {
        let mut signed: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        billing_center::marketplace::token::sign(&mut signed, SPI_KEY);
        self.client
            .get(self.url("/api/aliyun/spi"))
            .query(&signed)
            .send()
            .await
            .expect("SPI call")
    }

    /// The SPI's JSON answer and status.
    pub async fn spi_json(&self, pairs: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let res = self.spi(pairs).await;
        let status = res.status().as_u16();
        (status, res.json().await.expect("a JSON answer"))
    }

    /// A marketplace purchase in the sandbox (createInstance is delivered).
    pub async fn market_purchase(&self, ali_uid: &str) -> serde_json::Value {
        let res = reqwest::Client::new()
            .post(format!("{}/market/api/instances", self.sandbox))
            .json(&serde_json::json!({ "ali_uid": ali_uid }))
            .send()
            .await
            .expect("market API");
        assert_eq!(res.status(), 201);
        res.json().await.expect("market JSON")
    }

    /// A marketplace purchase for `ali_uid`: its instance ID.
    pub async fn purchase_instance(&self, ali_uid: &str) -> String {
        self.market_purchase(ali_uid).await["instance_id"]
            .as_str()
            .expect("an instance ID")
            .to_string()
    }

    /// The marketplace's sign-on (`verify`) for `instance_id`, as the buyer's
    /// browser follows it from the Alibaba Cloud console.
    pub async fn marketplace_sign_on(&self, instance_id: &str) -> reqwest::Response {
        let mut pairs = vec![
            ("action".to_string(), "verify".to_string()),
            ("instanceId".to_string(), instance_id.to_string()),
            (
                "timeStamp".to_string(),
                billing_center::marketplace::spi::format_time(chrono::Utc::now()),
            ),
        ];
        billing_center::marketplace::token::sign(&mut pairs, SPI_KEY);
        self.client
            .get(self.url("/api/aliyun/spi"))
            .query(&pairs)
            .send()
            .await
            .expect("GET the SPI")
    }

    /// `release`, `expire` or `renew` in the sandbox; `notify: false` skips the SPI.
    pub async fn market_operate(
        &self,
        instance_id: &str,
        operation: &str,
        notify: bool,
    ) -> serde_json::Value {
        let res = reqwest::Client::new()
            .post(format!(
                "{}/market/api/instances/{instance_id}/{operation}?notify={notify}",
                self.sandbox
            ))
            .send()
            .await
            .expect("market API");
        assert!(res.status().is_success(), "{operation}: {}", res.status());
        res.json().await.expect("market JSON")
    }

    /// Switches sandbox marketplace faults.
    pub async fn market_faults(&self, faults: serde_json::Value) {
        let res = reqwest::Client::new()
            .post(format!("{}/market/api/faults", self.sandbox))
            .json(&faults)
            .send()
            .await
            .expect("faults API");
        assert!(res.status().is_success());
    }

    /// Waits until the marketplace gave up delivering a call and keeps it as
    /// a failed notification for us to pull.
    pub async fn wait_for_failed_notification(&self) {
        let market = self.market_client();
        eventually("a failed notification", || async {
            market
                .failed_notifications(1, 10)
                .await
                .expect("DescribeFailedNotifications")
                .total_count
                > 0
        })
        .await;
    }

    /// A Market OpenAPI client for the sandbox with the given secret and timeout.
    pub fn market_client_with(
        &self,
        secret: &str,
        timeout: Duration,
    ) -> billing_center::marketplace::openapi::MarketClient {
        billing_center::marketplace::openapi::MarketClient::new(
            url::Url::parse(&format!("{}/", self.sandbox)).expect("a URL"),
            "sandbox-ak".into(),
            SecretString::from(secret.to_string()),
            timeout,
        )
    }

    /// What the app's notices use (its public URL and brand).
    pub fn notifier(&self) -> billing_center::billing::notices::Notifier {
        billing_center::billing::notices::Notifier {
            public_url: url::Url::parse(&self.address).expect("a URL"),
            brand: test_settings(&self.database_url, &[]).brand,
        }
    }

    /// The client the app itself uses.
    pub fn market_client(&self) -> billing_center::marketplace::openapi::MarketClient {
        self.market_client_with("sandbox-secret", Duration::from_secs(5))
    }

    /// An instance's stored status, if we know it.
    pub async fn instance_status(&self, instance_id: &str) -> Option<String> {
        let conn = self.pool.get().await.expect("a connection");
        billing_center::db::models::aliyun_instance::AliyunInstance::find(&conn, instance_id)
            .await
            .expect("query")
            .map(|i| i.status)
    }
}

/// Waits (up to 15 s) until `condition` holds; `what` names it if it never does.
pub async fn eventually<F: std::future::Future<Output = bool>>(what: &str, condition: impl Fn() -> F) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !condition().await {
        assert!(Instant::now() < deadline, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `f(0)`, ..., `f(n - 1)` each on its own task, released together by a
/// barrier so that they really overlap; their outputs, in order.
pub async fn all_at_once<T, Fut>(n: usize, f: impl Fn(usize) -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, work) = (barrier.clone(), f(i));
            tokio::spawn(async move {
                barrier.wait().await;
                work.await
            })
        })
        .collect();
    let mut outputs = Vec::with_capacity(n);
    for task in tasks {
        outputs.push(task.await.expect("a task of all_at_once"));
    }
    outputs
}

fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 100_000_000) as u32
}

/// The `csrf_token` hidden field of a page.
pub fn csrf_from(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("a csrf_token field") + marker.len();
    page[start..].split('"').next().expect("a value").to_string()
}

/// The first link in `text` that starts with `prefix`.
pub fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("a link starting {prefix} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .expect("a link")
        .to_string()
}

/// The error summary of a refused form page (its HTML, up to its end).
pub fn error_summary(page: &str) -> &str {
    let start = page.find("error-summary").expect("an error summary");
    let end = page[start..].find("</div>").map_or(page.len(), |e| start + e);
    &page[start..end]
}
