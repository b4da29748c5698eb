use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;

use super::{ForgotPage, ForgotSentPage};
use crate::db::models::{account::Account, password_reset};
use crate::domain::{EmailAddress, Language};
use crate::email::messages::{EmailContext, password_reset as reset_email};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render};
use crate::routes::password::RESET_TTL;
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// At most one reset email per account per this interval (no mail bombing).
const RESEND_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// POST `/password/forgot`.
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
    if let Some(account) = Account::find_by_email(&mut conn, email.as_ref()).await? {
        let token = crate::auth::random_token();
        let hash = crate::auth::token_hash(&token);
        let link = state
            .public_url
            .join(&format!("/password/reset/{token}"))
            .map_err(anyhow::Error::from)?;
        let mail_ctx = EmailContext {
            lang: Language::parse(&account.language).unwrap_or_default(),
            brand: state.settings.brand_name.clone(),
        };
        let message = reset_email(
            &mail_ctx,
            &account.email,
            &account.username,
            link.as_str(),
            RESET_TTL.as_secs() / 60,
        )?;
        let dedup = format!("password-reset:{}", hex::encode(&hash));
        conn.transaction(async |conn| {
            if password_reset::created_since(conn, account.id, RESEND_INTERVAL).await? {
                return Ok(());
            }
            password_reset::create(conn, &hash, account.id, RESET_TTL).await?;
            crate::email::enqueue(conn, &dedup, &message).await?;
            Ok::<_, diesel::result::Error>(())
        })
        .await?;
        tracing::info!(account_id = account.id, "password reset requested");
    }
    ok(&ForgotSentPage {
        ctx,
        minutes: RESET_TTL.as_secs() / 60,
    })
}
