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

/// The sandbox's listeners, bound by the caller before anything else
/// happens at start-up, so that a taken port stops it at once.
pub struct Listeners {
    /// `APP_SANDBOX_LISTEN`: pages, JSON API and Market OpenAPI.
    pub http: TcpListener,
    /// `APP_SANDBOX_SMTP_LISTEN`: the mail server.
    pub smtp: TcpListener,
}

/// Starts the SMTP thread and builds the HTTP server on `listeners`.
/// `portal` is where the ISV (our portal) listens, for the SPI calls.
pub async fn start(settings: &Settings, listeners: Listeners, portal: SocketAddr) -> anyhow::Result<Sandbox> {
    let Listeners {
        http: http_listener,
        smtp: smtp_listener,
    } = listeners;
    let smtp_port = smtp_listener.local_addr()?.port();
    let mailbox = mailbox::Mailbox::default();
    mailbox::smtp::spawn(smtp_listener, mailbox.clone())?;

    let pool = crate::db::pool(settings.database_url.expose_secret(), 4)?;
    let spi_url = url::Url::parse(&format!("http://{portal}/api/aliyun/spi"))?;
    let market = Arc::new(market::Market::new(pool, spi_url, settings).await?);

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
