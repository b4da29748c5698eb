//! POST `/register/email-code`: emails a 6-digit code to the address typed in
//! step 1 (the button posts the whole step-1 form, which comes back filled in).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncConnection;
use rand::Rng;

use super::account::{AccountForm, AccountPage};
use super::site_options;
use crate::auth::rate_limit;
use crate::db::models::email_code;
use crate::domain::EmailAddress;
use crate::email::messages::{EmailContext, email_code as code_email};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render, too_many};
use crate::startup::AppState;

/// Why no code was sent.
enum Refused {
    /// A code went to this address less than a minute ago.
    Resend(u64),
    /// Too many registration attempts from this client address.
    Throttled(u64),
}

/// Sends a code unless one was sent to the address less than a minute ago
/// (or this client address asked too often). The limits and the code are
/// written in one transaction: three requests at once send one code.
#[tracing::instrument(skip_all)]
pub async fn send_code(
    req: HttpRequest,
    ctx: PageContext,
    state: web::Data<AppState>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let sites = site_options(&state.sites, ctx.lang);
    let mut errors = FormErrors::default();
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(invalid) => {
            errors.add("email", ctx.invalid(&invalid));
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AccountPage::new(ctx, sites, form, errors),
            );
        }
    };
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let minutes = email_code::VALID_FOR.as_secs() / 60;
    let mail_ctx = EmailContext::new(ctx.lang, &state.settings.brand);
    let message = code_email(&mail_ctx, email.as_ref(), &code, minutes)?;
    let ip = crate::auth::login::client_ip(&req, &state);
    let per_ip = rate_limit::registration_per_ip(&state.settings.auth.registration);
    let now = chrono::Utc::now();
    let mut conn = state.pool.get().await?;
    let refused = conn
        .transaction(async |conn| {
            if let Some(wait) = rate_limit::hit(conn, &rate_limit::ip_key("register", ip), per_ip).await? {
                return Ok(Some(Refused::Throttled(wait)));
            }
            let address = rate_limit::email_key("email-code", email.as_ref());
            if let Some(wait) = rate_limit::hit(conn, &address, rate_limit::EMAIL_CODE_PER_ADDRESS).await? {
                return Ok(Some(Refused::Resend(wait)));
            }
            let id = email_code::create(conn, email.as_ref(), &code, now).await?;
            crate::email::enqueue(conn, &format!("email-code:{id}"), &message).await?;
            Ok::<_, diesel::result::Error>(None)
        })
        .await?;
    drop(conn);
    match refused {
        None => {}
        Some(Refused::Resend(seconds)) => {
            errors.add("email", ctx.t1("error-email-code-resend", "seconds", seconds));
            return too_many(&AccountPage::new(ctx, sites, form, errors), seconds);
        }
        Some(Refused::Throttled(seconds)) => {
            errors.add(
                "email",
                ctx.t1("error-register-throttled", "minutes", seconds.div_ceil(60)),
            );
            return too_many(&AccountPage::new(ctx, sites, form, errors), seconds);
        }
    }
    let notice = ctx.t1("notice-email-code-sent", "email", email.as_ref());
    let page = AccountPage {
        notice: Some(notice),
        ..AccountPage::new(ctx, sites, form, errors)
    };
    ok(&page)
}
