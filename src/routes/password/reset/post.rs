use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{ResetPage, invalid_link};
use crate::db::models::{account::Account, password_reset, session};
use crate::domain::{NewPassword, PasswordProblem};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, capability_page, render, see_other};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// POST `/password/reset/{token}`: sets the password, uses the link up and
/// ends every session of the account.
#[tracing::instrument(skip_all)]
pub async fn reset(
    ctx: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let hash = crate::auth::token_hash(&token);
    let mut conn = state.pool.get().await?;
    let Some(account_id) = password_reset::find_valid(&mut conn, &hash).await? else {
        return invalid_link(ctx);
    };
    let Some(account) = Account::find(&mut conn, account_id).await? else {
        return invalid_link(ctx);
    };
    drop(conn);
    let form = form.into_inner();
    let password = match NewPassword::parse(
        &form.password,
        &form.password_confirm,
        &[&account.username, &account.email],
    ) {
        Ok(p) => p,
        Err(problem) => {
            let mut errors = FormErrors::default();
            match problem {
                PasswordProblem::Password(invalid) => errors.add("password", ctx.invalid(&invalid)),
                PasswordProblem::Mismatch => errors.add("password_confirm", ctx.t("error-password-mismatch")),
            }
            return render(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { ctx, errors }).map(capability_page);
        }
    };
    let new_hash = state
        .passwords
        .hash(password.secret().expose_secret().into())
        .await?;
    let mut conn = state.pool.get().await?;
    let done = conn
        .transaction(async |conn| {
            // Consuming re-checks the token under the update, so two
            // concurrent submissions cannot both succeed.
            let Some(account_id) = password_reset::consume(conn, &hash).await? else {
                return Ok(false);
            };
            Account::set_password_hash(conn, account_id, &new_hash).await?;
            password_reset::revoke_all(conn, account_id).await?;
            session::delete_for_account(conn, account_id).await?;
            Ok::<_, diesel::result::Error>(true)
        })
        .await?;
    if !done {
        return invalid_link(ctx);
    }
    tracing::info!(account_id = account.id, "password reset");
    Ok(capability_page(see_other("/login?notice=password-reset")))
}
