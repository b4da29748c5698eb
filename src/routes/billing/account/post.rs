use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncConnection;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::AccountPage;
use crate::auth::guard::AccountId;
use crate::auth::login::{Attempt, check_current_password};
use crate::db::models::{account::Account, session as sessions};
use crate::domain::{NewPassword, PasswordProblem};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other, too_many};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// POST `/billing/account`: changes the password and ends every session of
/// the account, this one included.
#[tracing::instrument(skip_all, fields(account_id = account_id.0))]
pub async fn change_password(
    req: HttpRequest,
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let account = current.into_inner().0;
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    if form.current_password.is_empty() {
        errors.add("current_password", ctx.t("error-required"));
    } else {
        let ip = crate::auth::login::client_ip(&req, &state);
        match check_current_password(&state, ip, &account, &form.current_password).await? {
            Attempt::Right => {}
            Attempt::Wrong => errors.add("current_password", ctx.t("error-current-password")),
            Attempt::Throttled(seconds) => {
                errors.add("current_password", ctx.t1("throttled-body", "seconds", seconds));
                let page = AccountPage {
                    ctx,
                    section: "account",
                    account,
                    errors,
                };
                return too_many(&page, seconds);
            }
        }
    }
    let new_password = NewPassword::parse(
        &form.password,
        &form.password_confirm,
        &[&account.username, &account.email],
    );
    match &new_password {
        Err(PasswordProblem::Password(invalid)) => errors.add("password", ctx.invalid(invalid)),
        Err(PasswordProblem::Mismatch) => errors.add("password_confirm", ctx.t("error-password-mismatch")),
        Ok(_) => {}
    }
    let (Ok(new_password), true) = (new_password, errors.is_empty()) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage {
                ctx,
                section: "account",
                account,
                errors,
            },
        );
    };
    let hash = state
        .passwords
        .hash(new_password.secret().expose_secret().into())
        .await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |conn| {
        Account::set_password_hash(conn, account.id, &hash).await?;
        sessions::delete_for_account(conn, account.id).await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    session.purge();
    tracing::info!("password changed; every session ended");
    Ok(see_other("/login?notice=password-changed"))
}
