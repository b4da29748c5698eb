use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ForgotPage, ForgotSentPage};
use crate::auth::password_reset;
use crate::domain::EmailAddress;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// POST `/password/forgot`: records the request and answers the same page
/// whatever the address (see `auth::password_reset`).
#[tracing::instrument(skip_all)]
pub async fn forgot(
    ctx: PageContext,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let raw = form.into_inner().email;
    let email = match EmailAddress::parse(&raw) {
        Ok(email) => email,
        Err(invalid) => {
            let mut errors = FormErrors::default();
            errors.add("email", ctx.invalid(&invalid));
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPage {
                    ctx,
                    errors,
                    email: raw,
                },
            );
        }
    };
    let mut conn = state.pool.get().await?;
    let recorded = password_reset::request(&mut conn, email.as_ref()).await?;
    drop(conn);
    if recorded {
        // After the answer, not before: the page waits for nothing that
        // depends on the address. (A crash here leaves the request for the
        // housekeeping pass.)
        let (pool, public_url, brand) = (
            state.pool.clone(),
            state.public_url.clone(),
            state.settings.brand.clone(),
        );
        actix_web::rt::spawn(async move {
            if let Err(e) = password_reset::process_requests(&pool, &public_url, &brand).await {
                tracing::warn!(error = %format!("{e:#}"), "processing password reset requests");
            }
        });
    }
    ok(&ForgotSentPage {
        ctx,
        minutes: password_reset::RESET_TTL.as_secs() / 60,
    })
}
