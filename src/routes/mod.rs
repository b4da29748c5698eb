//! Every route, registered in one place. One folder per page: `get.rs`
//! renders, `post.rs` handles the form.

pub mod api;
pub mod billing;
pub mod health;
pub mod home;
pub mod legal;
pub mod locale;
pub mod login;
pub mod logout;
pub mod marketplace;
pub mod notices;
pub mod password;
pub mod register;
pub mod static_files;

use actix_web::middleware::from_fn;
use actix_web::{FromRequest, Handler, Resource, Responder, Route, web};

/// A form POST: the CSRF check wraps the route, so it runs only once routing
/// found a handler for the method (a wrong method is a 405 with `Allow`).
fn form<F, Args>(handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::post().to(handler).wrap(from_fn(crate::auth::csrf::protect))
}

/// A page that only answers GET.
fn page<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path).route(web::get().to(handler))
}

/// Registers the portal's routes: one resource per path, so a method the path
/// does not serve is answered 405 with `Allow`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/", home::index))
        .service(page("/healthz", health::healthz))
        .service(page("/readyz", health::readyz))
        .service(page("/metrics", health::metrics))
        .service(page("/locale/{code}", locale::switch))
        .service(
            web::resource("/login")
                .route(web::get().to(login::get::login_form))
                .route(form(login::post::login)),
        )
        .service(web::resource("/logout").route(form(logout::logout)))
        .service(
            web::resource("/password/forgot")
                .route(web::get().to(password::forgot::get::forgot_form))
                .route(form(password::forgot::post::forgot)),
        )
        .service(
            web::resource("/password/reset/{token}")
                .route(web::get().to(password::reset::get::reset_form))
                .route(form(password::reset::post::reset)),
        )
        .service(
            web::resource("/register")
                .route(web::get().to(register::account::get::account_form))
                .route(form(register::account::post::account)),
        )
        .service(web::resource("/register/email-code").route(form(register::email_code::send_code)))
        .service(
            web::resource("/register/company")
                .route(web::get().to(register::company::get::company_form))
                .route(form(register::company::post::company)),
        )
        .service(
            web::resource("/register/activate")
                .route(web::get().to(register::activate::get::activate_form))
                .route(form(register::activate::post::activate)),
        )
        .service(page("/register/done", register::done::done))
        .service(page("/marketplace/welcome", marketplace::welcome::welcome))
        .service(page("/notices/{token}", notices::show))
        .service(page("/terms", legal::terms))
        .service(page("/privacy", legal::privacy))
        .service(
            web::resource("/api/aliyun/spi")
                .route(web::get().to(api::aliyun_spi::spi))
                .route(web::post().to(api::aliyun_spi::spi)),
        )
        .service(web::resource("/api/v1/usage").route(web::post().to(api::usage::ingest)))
        .configure(static_files::routes)
        .service(
            web::scope("/billing")
                .wrap(from_fn(crate::auth::guard::require_login))
                .service(page("", billing::overview::get::overview))
                .service(page("/workspaces", billing::workspaces::list))
                .service(
                    web::resource("/workspaces/new")
                        .route(web::get().to(billing::workspaces::new::new_form))
                        .route(form(billing::workspaces::new::create)),
                )
                .service(
                    web::resource("/workspaces/{id}/settlement")
                        .route(web::get().to(billing::workspaces::settlement::settlement_form))
                        .route(form(billing::workspaces::settlement::change)),
                )
                .service(page("/cloud-accounts", billing::cloud_accounts::cloud_accounts))
                .service(page("/bills", billing::bills::bills))
                .service(page("/bills.csv", billing::bills::export::bills_csv))
                .service(page("/wallet", billing::wallet::wallet))
                .service(page("/history", billing::history::history))
                .service(page("/notices", billing::notices::notices))
                .service(
                    web::resource("/account")
                        .route(web::get().to(billing::account::get::account_page))
                        .route(form(billing::account::post::change_password)),
                ),
        );
}
