//! Checking credentials, the one way: throttle first, then the account and its
//! hash on the bounded pool (a dummy hash when there is no account, so timing
//! says nothing), then the throttle's bookkeeping and, when the stored hash is
//! weaker than today's parameters, a new hash. The login page and joining an
//! existing account at registration both come through [`authenticate`].

use std::net::IpAddr;

use actix_web::HttpRequest;
use secrecy::SecretString;

use super::password::Verified;
use super::throttle::{self, ThrottleKeys};
use crate::db::models::account::Account;
use crate::domain::LoginIdentifier;
use crate::error::AppError;
use crate::startup::AppState;

/// What the credentials proved.
pub enum Authenticated {
    Account(Account),
    /// Too many failures: wait this many seconds (nothing was checked).
    Throttled(u64),
    /// Unknown login or wrong password (deliberately not told apart).
    Failed,
}

/// Checks `password` for `identifier`, coming from `ip`.
pub async fn authenticate(
    state: &AppState,
    ip: IpAddr,
    identifier: &LoginIdentifier,
    password: &str,
) -> Result<Authenticated, AppError> {
    let keys = ThrottleKeys::new(identifier, ip);
    let mut conn = state.pool.get().await?;
    if let Some(seconds) = throttle::wait_time(&mut conn, &keys).await? {
        tracing::info!(seconds, "login throttled");
        return Ok(Authenticated::Throttled(seconds));
    }
    let account = Account::find_by_login(&mut conn, identifier).await?;
    // Never hold a connection while hashing.
    drop(conn);
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state
        .passwords
        .verify(SecretString::from(password.to_string()), stored)
        .await?;
    let mut conn = state.pool.get().await?;
    let account = match (verified, account) {
        (Verified::Yes | Verified::YesButRehash, Some(account)) => account,
        _ => {
            throttle::record_failure(&mut conn, &keys, &state.settings.auth.throttle).await?;
            tracing::info!("login failed");
            return Ok(Authenticated::Failed);
        }
    };
    throttle::record_success(&mut conn, &keys).await?;
    if verified == Verified::YesButRehash {
        let hash = state
            .passwords
            .hash(SecretString::from(password.to_string()))
            .await?;
        Account::set_password_hash(&mut conn, account.id, &hash).await?;
    }
    Ok(Authenticated::Account(account))
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop when the
/// proxy in front is trusted to set it.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> IpAddr {
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
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}
