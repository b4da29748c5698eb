//! The sandbox: the outside world on a developer's machine and in tests. A
//! second HTTP server (and an SMTP listener) that behaves like the real
//! counterparts. Product code never imports this module; it talks to the
//! sandbox over HTTP and SMTP exactly as to the real services.

pub mod mailbox;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpResponse, HttpServer, middleware, web};

use crate::settings::Settings;

/// The running sandbox.
pub struct Sandbox {
    pub server: Server,
    pub http_port: u16,
    pub smtp_port: u16,
}

/// Binds the sandbox's HTTP and SMTP listeners and starts the SMTP thread.
pub fn start(settings: &Settings) -> anyhow::Result<Sandbox> {
    let smtp_listener = TcpListener::bind(&settings.sandbox_smtp_listen).map_err(|e| {
        anyhow::anyhow!(
            "APP_SANDBOX_SMTP_LISTEN {}: {e}",
            settings.sandbox_smtp_listen
        )
    })?;
    let smtp_port = smtp_listener.local_addr()?.port();
    let mailbox = mailbox::Mailbox::default();
    mailbox::smtp::spawn(smtp_listener, mailbox.clone())?;

    let http_listener = TcpListener::bind(&settings.sandbox_listen)
        .map_err(|e| anyhow::anyhow!("APP_SANDBOX_LISTEN {}: {e}", settings.sandbox_listen))?;
    let http_port = http_listener.local_addr()?.port();
    let mailbox = web::Data::new(mailbox);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::DefaultHeaders::new().add(("X-Sandbox", "simulated")))
            .app_data(mailbox.clone())
            .route("/", web::get().to(index))
            .configure(mailbox::routes::routes)
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
    })
}

async fn index() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/mailbox"))
        .finish()
}
