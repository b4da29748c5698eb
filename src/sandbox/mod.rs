//! The sandbox: the outside world on a developer's machine and in tests. A
//! second HTTP server (and an SMTP listener) that behaves like the real
//! counterparts: a mail server and Alibaba Cloud Marketplace. Product code
//! never imports this module; it talks to the sandbox over HTTP and SMTP
//! exactly as to the real services.

pub mod mailbox;
pub mod market;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use askama::Template;
use secrecy::ExposeSecret;

use crate::settings::Settings;

/// The running sandbox.
pub struct Sandbox {
    pub server: Server,
    pub http_port: u16,
    pub smtp_port: u16,
    pub market: Arc<market::Market>,
}

/// Binds the sandbox's HTTP and SMTP listeners and starts the SMTP thread.
/// `portal` is where the ISV (our portal) listens, for the SPI calls.
pub async fn start(settings: &Settings, portal: SocketAddr) -> anyhow::Result<Sandbox> {
    let smtp_listener = TcpListener::bind(&settings.sandbox_smtp_listen)
        .map_err(|e| anyhow::anyhow!("APP_SANDBOX_SMTP_LISTEN {}: {e}", settings.sandbox_smtp_listen))?;
    let smtp_port = smtp_listener.local_addr()?.port();
    let mailbox = mailbox::Mailbox::default();
    mailbox::smtp::spawn(smtp_listener, mailbox.clone())?;

    let pool = crate::db::pool(settings.database_url.expose_secret(), 4)?;
    let spi_url = url::Url::parse(&format!("http://{portal}/api/aliyun/spi"))?;
    let market = Arc::new(market::Market::new(pool, spi_url, settings).await?);

    let http_listener = TcpListener::bind(&settings.sandbox_listen)
        .map_err(|e| anyhow::anyhow!("APP_SANDBOX_LISTEN {}: {e}", settings.sandbox_listen))?;
    let http_port = http_listener.local_addr()?.port();
    let mailbox = web::Data::new(mailbox);
    let market_data = web::Data::from(Arc::clone(&market));
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::DefaultHeaders::new().add(("X-Sandbox", "simulated")))
            .app_data(mailbox.clone())
            .app_data(market_data.clone())
            .app_data(web::PayloadConfig::new(256 * 1024))
            .route("/", web::get().to(index))
            .route("/", web::post().to(market::openapi::call))
            .configure(mailbox::routes::routes)
            .configure(market::buyer::routes)
            .configure(market::api::routes)
            .configure(crate::routes::static_files::routes)
    })
    .workers(1)
    .disable_signals()
    .listen(http_listener)?
    .run();
    Ok(Sandbox {
        server,
        http_port,
        smtp_port,
        market,
    })
}

#[derive(Template)]
#[template(path = "sandbox/index.html")]
struct IndexPage;

async fn index() -> Result<HttpResponse, crate::error::AppError> {
    crate::page::ok(&IndexPage)
}
