//! Builds the application: database, sandbox, HTTP server, background workers.

use std::net::TcpListener;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use secrecy::ExposeSecret;
use url::Url;

use crate::auth::password::Passwords;
use crate::auth::session_store::PgSessionStore;
use crate::clock::Clock;
use crate::db::{self, DbPool};
use crate::email::worker::Mailer;
use crate::marketplace::openapi::MarketClient;
use crate::settings::Settings;

/// What every handler can reach.
pub struct AppState {
    pub settings: Settings,
    pub pool: DbPool,
    pub passwords: Passwords,
    /// Base of links in emails.
    pub public_url: Url,
    pub market: MarketClient,
    /// Where buyers activate the product (the sandbox's in development).
    pub marketplace_url: Url,
    /// Links and brand for notices and their emails.
    pub notifier: crate::billing::notices::Notifier,
    /// The sites, read once at start-up (they are reference data).
    pub sites: Vec<crate::db::models::site::Site>,
    /// The price list's items (names, units, order), read once at start-up:
    /// reference data too, written only by migrations (prices are not).
    pub price_items: Vec<crate::db::models::price::PriceItem>,
    /// "Now" for the rules (tests move it).
    pub clock: Clock,
    /// Slots for usage requests (`APP_INGEST_CONCURRENCY`).
    pub ingest_slots: std::sync::Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// The marketplace as the rules address it.
    pub fn marketplace(&self) -> crate::billing::binding::Market<'_> {
        crate::billing::binding::Market {
            client: &self.market,
            product_code: &self.settings.aliyun.product_code,
        }
    }
}

/// A built, not yet running, application.
pub struct Application {
    port: u16,
    server: Server,
    sandbox: Option<crate::sandbox::Sandbox>,
    pool: DbPool,
    mailer: Mailer,
    market: MarketClient,
    notifier: crate::billing::notices::Notifier,
    settings: Settings,
    clock: Clock,
}

/// The product on Alibaba Cloud Marketplace.
const PRODUCT_PAGE: &str = "https://market.aliyun.com/products/56838014/cmgj00053362.html";

/// Largest accepted form body; larger posts get 413 before any handler runs.
const MAX_FORM_BYTES: usize = 64 * 1024;

impl Application {
    /// Binds the listeners, then creates the database if needed and migrates
    /// it: a taken port stops the start before anything is written.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Clock::system()).await
    }

    /// [`Self::build`] with the clock the rules read (a test's).
    pub async fn build_with_clock(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let listener = bind("APP_LISTEN", &settings.listen)?;
        let address = listener.local_addr()?;
        let sandbox_listeners = match settings.sandbox {
            true => Some(crate::sandbox::Listeners {
                http: bind("APP_SANDBOX_LISTEN", &settings.sandbox_listen)?,
                smtp: bind("APP_SANDBOX_SMTP_LISTEN", &settings.sandbox_smtp_listen)?,
            }),
            false => None,
        };

        let database_url = settings.database_url.expose_secret().to_string();
        db::ensure_database(&database_url).await?;
        db::run_migrations(&database_url).await?;
        let pool = db::pool_waiting(&database_url, settings.database_pool_size, settings.database_wait)?;

        let sandbox = match sandbox_listeners {
            Some(listeners) => Some(crate::sandbox::start(&settings, listeners, address).await?),
            None => None,
        };
        let smtp_url = match (&settings.smtp_url, &sandbox) {
            (Some(url), _) => url.expose_secret().to_string(),
            (None, Some(sandbox)) => format!("smtp://127.0.0.1:{}", sandbox.smtp_port),
            (None, None) => {
                anyhow::bail!("no mail server: set APP_SMTP_URL or turn APP_SANDBOX on")
            }
        };
        let mailer = Mailer::new(&smtp_url, &settings.mail_from, settings.outbox.send_timeout)?;
        let market_endpoint = match (&settings.aliyun.market_endpoint, &sandbox) {
            (Some(url), _) => url.clone(),
            (None, Some(sandbox)) => Url::parse(&format!("http://127.0.0.1:{}/", sandbox.http_port))?,
            (None, None) => {
                anyhow::bail!("no Market OpenAPI: set APP_ALIYUN_MARKET_ENDPOINT or turn APP_SANDBOX on")
            }
        };
        let market = MarketClient::new(
            market_endpoint,
            settings.aliyun.access_key_id.clone(),
            settings.aliyun.access_key_secret.clone(),
            settings.aliyun.openapi_timeout,
        );
        let marketplace_url = match &sandbox {
            Some(sandbox) => Url::parse(&format!("http://127.0.0.1:{}/market", sandbox.http_port))?,
            None => Url::parse(PRODUCT_PAGE)?,
        };
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{address}"))?,
        };
        crate::metrics::install();
        let notifier = crate::billing::notices::Notifier {
            public_url: public_url.clone(),
            brand: settings.brand.clone(),
        };
        let (sites, price_items) = {
            let mut conn = pool.get().await.context("connecting to the database")?;
            let sites = crate::db::models::site::Site::all(&mut conn)
                .await
                .context("loading the sites")?;
            let items = crate::db::models::price::PriceItem::all(&conn)
                .await
                .context("loading the price list's items")?;
            (sites, items)
        };

        let state = web::Data::new(AppState {
            passwords: Passwords::new(settings.auth.hash_concurrency, settings.auth.hash_queue_timeout),
            ingest_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(settings.ingest_concurrency)),
            settings: settings.clone(),
            pool: pool.clone(),
            public_url,
            market: market.clone(),
            marketplace_url,
            sites,
            price_items,
            notifier: notifier.clone(),
            clock: clock.clone(),
        });
        let store = PgSessionStore::new(
            pool.clone(),
            settings.auth.session_idle,
            settings.auth.session_absolute,
        );
        let key = Key::derive_from(settings.session_key.expose_secret().as_bytes());
        let secure = settings.cookie_secure;
        let idle = actix_web::cookie::time::Duration::seconds(
            i64::try_from(settings.auth.session_idle.as_secs()).unwrap_or(1800),
        );
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(store.clone(), key.clone())
                // `__Host-` pins the cookie to this host over https; browsers
                // refuse the prefix on plain http, used only in development.
                .cookie_name(if secure { "__Host-id" } else { "id" }.to_string())
                .cookie_secure(secure)
                .cookie_http_only(true)
                // The cookie holds only a random key; signing it is enough.
                .cookie_content_security(actix_session::config::CookieContentSecurity::Signed)
                .cookie_same_site(SameSite::Lax)
                .session_lifecycle(
                    BrowserSession::default()
                        .state_ttl(idle)
                        .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
                )
                .build();
            // The last `wrap` is the outermost layer.
            App::new()
                .wrap(from_fn(crate::auth::csrf::anonymous_cookie))
                .wrap(from_fn(crate::error::remember_visitor))
                .wrap(sessions)
                .wrap(from_fn(crate::auth::prefetch::ask))
                .wrap(from_fn(crate::error::session_store_outage))
                .wrap(ErrorHandlers::new().default_handler(crate::error::render_error_page))
                .wrap(security_headers(secure))
                .wrap(from_fn(crate::telemetry::observe))
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
                .app_data(web::FormConfig::default().limit(MAX_FORM_BYTES))
                .configure(crate::routes::routes)
        })
        .workers(settings.workers)
        .shutdown_signal(stop_requested())
        .listen(listener)?
        .run();

        Ok(Application {
            port: address.port(),
            server,
            sandbox,
            pool,
            mailer,
            market,
            notifier,
            settings,
            clock,
        })
    }

    /// The portal's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The sandbox's HTTP port, when it runs.
    pub fn sandbox_port(&self) -> Option<u16> {
        self.sandbox.as_ref().map(|s| s.http_port)
    }

    /// The sandbox's SMTP port, when it runs.
    pub fn sandbox_smtp_port(&self) -> Option<u16> {
        self.sandbox.as_ref().map(|s| s.smtp_port)
    }

    /// Serves until the servers stop, with the background workers running.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tokio::spawn(crate::email::worker::run(
            self.pool.clone(),
            self.mailer,
            self.settings.outbox,
        ));
        tokio::spawn(housekeeping(
            self.pool.clone(),
            self.settings.clone(),
            self.notifier.public_url.clone(),
        ));
        tokio::spawn(sweeper(
            self.pool.clone(),
            self.notifier.clone(),
            self.clock.clone(),
            self.settings.sweep_interval,
        ));
        if self.settings.billing.schedule {
            tokio::spawn(crate::billing::daily_bills::run(self.pool.clone()));
        }
        tokio::spawn(crate::marketplace::metering::run(
            self.pool.clone(),
            self.market.clone(),
            crate::marketplace::metering::MeteringConfig::from_settings(&self.settings),
            self.settings.billing.metering_poll,
        ));
        tokio::spawn(crate::marketplace::reconciler::run(
            crate::marketplace::reconciler::Reconciler {
                pool: self.pool.clone(),
                market: self.market,
                product_code: self.settings.aliyun.product_code.clone(),
                notifier: self.notifier,
                clock: self.clock,
            },
            self.settings.aliyun.reconcile_interval,
        ));
        let Some(sandbox) = self.sandbox else {
            return self.server.await;
        };
        // The portal owns the signals; when it stops, the sandbox stops too.
        tokio::spawn(crate::sandbox::market::notifier::run(sandbox.market));
        let sandbox_handle = sandbox.server.handle();
        let sandbox_task = tokio::spawn(sandbox.server);
        let result = self.server.await;
        sandbox_handle.stop(true).await;
        let _ = sandbox_task.await;
        result
    }
}

/// Binds `address`, the value of the setting `variable`; the error names the
/// variable and where to change it.
fn bind(variable: &str, address: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).map_err(|e| {
        anyhow::anyhow!(
            "{variable} {address}: {e}; set {variable} to a free address (in the environment or in .env)"
        )
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, which both stop the server
/// gracefully: it stops accepting and lets requests in flight finish (30 s at
/// most). Left to itself, actix would cut them short on Ctrl-C.
async fn stop_requested() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Headers on every response: no framing, no sniffing, no inline script.
pub const SECURITY_HEADERS: [(&str, &str); 7] = [
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
];

fn security_headers(secure: bool) -> DefaultHeaders {
    let headers = SECURITY_HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, pair| headers.add(pair));
    if secure {
        headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    } else {
        headers
    }
}

/// Locks workspaces whose grace ended (R7), every `interval`. Safe on every
/// instance at once: a workspace is locked under its instance's row lock.
async fn sweeper(
    pool: DbPool,
    notifier: crate::billing::notices::Notifier,
    clock: Clock,
    interval: Duration,
) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        if let Err(e) = crate::billing::instances::sweep(&pool, &notifier, clock.now()).await {
            tracing::warn!(error = %format!("{e:#}"), "sweep");
        }
    }
}

/// Every ten minutes: deletes what can no longer be used (expired sessions,
/// stale throttle counters and limits, spent reset tokens and requests) and
/// processes reset requests a crash left behind.
async fn housekeeping(pool: DbPool, settings: Settings, public_url: Url) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let result: anyhow::Result<()> = async {
            let mut conn = pool.get().await?;
            db::models::session::delete_expired(&mut conn).await?;
            db::models::login_throttle::delete_stale(&mut conn, settings.auth.throttle.per_identifier.decay)
                .await?;
            db::models::password_reset::delete_stale(&mut conn).await?;
            db::models::password_reset::delete_stale_requests(&mut conn).await?;
            db::models::rate_limit::delete_stale(&mut conn).await?;
            drop(conn);
            // Requests a crash left unprocessed.
            crate::auth::password_reset::process_requests(&pool, &public_url, &settings.brand).await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %format!("{e:#}"), "housekeeping");
        }
    }
}
