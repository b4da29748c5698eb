//! POST `/register/email-code`: emails a 6-digit code to the address typed in
//! step 1 (the button posts the whole step-1 form, which comes back filled in).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection;
use rand::Rng;

use super::account::{AccountForm, AccountPage};
use super::site_options;
use crate::db::models::email_code;
use crate::domain::EmailAddress;
use crate::email::messages::{EmailContext, email_code as code_email};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render};
use crate::startup::AppState;

/// Sends a code unless one was sent to the address less than a minute ago.
#[tracing::instrument(skip_all)]
pub async fn send_code(
    ctx: PageContext,
    state: web::Data<AppState>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
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
    let mail_ctx = EmailContext {
        lang: ctx.lang,
        brand: state.settings.brand_name.clone(),
    };
    let message = code_email(&mail_ctx, email.as_ref(), &code, minutes)?;
    let now = chrono::Utc::now();
    let wait = conn
        .transaction(async |conn| {
            if let Some(wait) = email_code::resend_wait(conn, email.as_ref(), now).await? {
                return Ok(Some(wait));
            }
            let id = email_code::create(conn, email.as_ref(), &code, now).await?;
            crate::email::enqueue(conn, &format!("email-code:{id}"), &message).await?;
            Ok::<_, diesel::result::Error>(None)
        })
        .await?;
    if let Some(seconds) = wait {
        errors.add("email", ctx.t1("error-email-code-resend", "seconds", seconds));
        return render(
            StatusCode::TOO_MANY_REQUESTS,
            &AccountPage::new(ctx, sites, form, errors),
        );
    }
    let notice = ctx.t1("notice-email-code-sent", "email", email.as_ref());
    let page = AccountPage {
        notice: Some(notice),
        ..AccountPage::new(ctx, sites, form, errors)
    };
    ok(&page)
}
