use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::{LoginPage, ThrottledPage};
use crate::auth::password::Verified;
use crate::auth::throttle::{self, ThrottleKeys};
use crate::auth::{csrf, session_keys};
use crate::db::models::account::Account;
use crate::domain::LoginIdentifier;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other};
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

    let keys = ThrottleKeys::new(&identifier, client_ip(&req, &state));
    let mut conn = state.pool.get().await?;
    if let Some(seconds) = throttle::wait_time(&mut conn, &keys).await? {
        tracing::info!(seconds, "login throttled");
        return render(StatusCode::TOO_MANY_REQUESTS, &ThrottledPage { ctx, seconds }).map(|mut res| {
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(seconds),
            );
            res
        });
    }
    let account = Account::find_by_login(&mut conn, &identifier).await?;
    // Never hold a connection while hashing.
    drop(conn);

    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state
        .passwords
        .verify(SecretString::from(password.clone()), stored)
        .await?;
    let mut conn = state.pool.get().await?;
    let account = match (verified, account) {
        (Verified::Yes | Verified::YesButRehash, Some(account)) => account,
        _ => {
            throttle::record_failure(&mut conn, &keys, &state.settings.auth.throttle).await?;
            tracing::info!("login failed");
            errors.add("login", ctx.t("login-failed"));
            return refuse(ctx, errors, login, next);
        }
    };
    throttle::record_success(&mut conn, &keys).await?;
    if verified == Verified::YesButRehash {
        let hash = state.passwords.hash(SecretString::from(password)).await?;
        Account::set_password_hash(&mut conn, account.id, &hash).await?;
    }
    // A new session id at every login (no fixation), and a new CSRF token.
    session.renew();
    session
        .insert(session_keys::ACCOUNT_ID, account.id)
        .and_then(|()| session.insert(session_keys::USERNAME, &account.username))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session: {e}")))?;
    csrf::rotate(&session);
    tracing::info!(account_id = account.id, "logged in");
    Ok(see_other(crate::auth::guard::safe_next(Some(&next))))
}

/// The form again, with its messages and without the password.
fn refuse(
    ctx: PageContext,
    errors: FormErrors,
    login: String,
    next: String,
) -> Result<HttpResponse, AppError> {
    let next = crate::auth::guard::safe_next(Some(&next)).to_string();
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

/// The client's address: the peer, or the first `X-Forwarded-For` hop when the
/// proxy in front is trusted to set it.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> std::net::IpAddr {
    let forwarded = state
        .settings
        .trust_forwarded_for
        .then(|| req.connection_info().realip_remote_addr().map(str::to_string))
        .flatten()
        .and_then(|a| {
            a.parse::<std::net::SocketAddr>()
                .map(|s| s.ip())
                .or_else(|_| a.parse())
                .ok()
        });
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}
