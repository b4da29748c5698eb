//! Every route, registered in one place. One folder per page: `get.rs`
//! renders, `post.rs` handles the form.

pub mod api;
pub mod billing;
pub mod health;
pub mod home;
pub mod locale;
pub mod login;
pub mod logout;
pub mod marketplace;
pub mod notices;
pub mod password;
pub mod register;
pub mod static_files;

use actix_web::middleware::from_fn;
use actix_web::web;

/// Registers the portal's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::index))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/locale/{code}", web::get().to(locale::switch))
        .route("/login", web::get().to(login::get::login_form))
        .route("/login", web::post().to(login::post::login))
        .route("/logout", web::post().to(logout::logout))
        .route(
            "/password/forgot",
            web::get().to(password::forgot::get::forgot_form),
        )
        .route("/password/forgot", web::post().to(password::forgot::post::forgot))
        .route(
            "/password/reset/{token}",
            web::get().to(password::reset::get::reset_form),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(password::reset::post::reset),
        )
        .route("/register", web::get().to(register::account::get::account_form))
        .route("/register", web::post().to(register::account::post::account))
        .route(
            "/register/email-code",
            web::post().to(register::email_code::send_code),
        )
        .route(
            "/register/company",
            web::get().to(register::company::get::company_form),
        )
        .route(
            "/register/company",
            web::post().to(register::company::post::company),
        )
        .route(
            "/register/activate",
            web::get().to(register::activate::get::activate_form),
        )
        .route(
            "/register/activate",
            web::post().to(register::activate::post::activate),
        )
        .route("/register/done", web::get().to(register::done::done))
        .route(
            "/marketplace/welcome",
            web::get().to(marketplace::welcome::welcome),
        )
        .route("/notices/{token}", web::get().to(notices::show))
        .route("/api/aliyun/spi", web::get().to(api::aliyun_spi::spi))
        .route("/api/aliyun/spi", web::post().to(api::aliyun_spi::spi))
        .route("/api/v1/usage", web::post().to(api::usage::ingest))
        .configure(static_files::routes)
        .service(
            web::scope("/billing")
                .wrap(from_fn(crate::auth::guard::require_login))
                .route("", web::get().to(billing::overview::get::overview))
                .route("/workspaces", web::get().to(billing::workspaces::list))
                .route(
                    "/workspaces/new",
                    web::get().to(billing::workspaces::new::new_form),
                )
                .route(
                    "/workspaces/new",
                    web::post().to(billing::workspaces::new::create),
                )
                .route(
                    "/workspaces/{id}/settlement",
                    web::get().to(billing::workspaces::settlement::settlement_form),
                )
                .route(
                    "/workspaces/{id}/settlement",
                    web::post().to(billing::workspaces::settlement::change),
                )
                .route(
                    "/cloud-accounts",
                    web::get().to(billing::cloud_accounts::cloud_accounts),
                )
                .route("/bills", web::get().to(billing::bills::bills))
                .route("/bills.csv", web::get().to(billing::bills::export::bills_csv))
                .route("/wallet", web::get().to(billing::wallet::wallet))
                .route("/history", web::get().to(billing::history::history))
                .route("/notices", web::get().to(billing::notices::notices))
                .route("/account", web::get().to(billing::account::get::account_page))
                .route(
                    "/account",
                    web::post().to(billing::account::post::change_password),
                ),
        );
}
