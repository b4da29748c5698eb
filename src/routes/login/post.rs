use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{LoginPage, ThrottledPage};
use crate::auth::login::{Authenticated, authenticate};
use crate::auth::{csrf, session_keys};
use crate::domain::LoginIdentifier;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other, too_many};
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// POST `/login`.
#[tracing::instrument(skip_all)]
pub async fn login(
    req: HttpRequest,
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        login,
        password,
        next,
    } = form.into_inner();
    let mut errors = FormErrors::default();
    if login.trim().is_empty() {
        errors.add("login", ctx.t("error-required"));
    }
    if password.is_empty() {
        errors.add("password", ctx.t("error-required"));
    }
    let identifier = LoginIdentifier::parse(&login).ok();
    let Some(identifier) = identifier.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.add("login", ctx.t("login-failed"));
        }
        return refuse(ctx, errors, login, next);
    };

    let ip = crate::auth::login::client_ip(&req, &state);
    let account = match authenticate(&state, ip, &identifier, &password).await? {
        Authenticated::Account(account) => account,
        Authenticated::Throttled(seconds) => {
            return too_many(&ThrottledPage { ctx, seconds }, seconds);
        }
        Authenticated::Failed => {
            errors.add("login", ctx.t("login-failed"));
            return refuse(ctx, errors, login, next);
        }
    };
    // A new session id at every login (no fixation), and a new CSRF token.
    session.renew();
    session
        .insert(session_keys::ACCOUNT_ID, account.id)
        .and_then(|()| session.insert(session_keys::USERNAME, &account.username))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session: {e}")))?;
    csrf::rotate(&session);
    tracing::info!(account_id = account.id, "logged in");
    Ok(see_other(&crate::auth::next::safe_next(Some(&next))))
}

/// The form again, with its messages and without the password.
fn refuse(
    ctx: PageContext,
    errors: FormErrors,
    login: String,
    next: String,
) -> Result<HttpResponse, AppError> {
    let next = crate::auth::next::safe_next(Some(&next));
    render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &LoginPage {
            ctx,
            errors,
            notice: None,
            login,
            next,
        },
    )
}
