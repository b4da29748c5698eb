//! Checking credentials, the one way: the account is looked up, an attempt is
//! taken on the throttle (per account, or per identifier when it names no
//! account, and per client address) before any hashing, then the hash is
//! checked on the bounded pool (a dummy hash when there is no account, so
//! timing says nothing); a success forgets the account's attempts and, when
//! the stored hash is weaker than today's parameters, stores a new one. The
//! login page, joining an existing account at registration and the current
//! password of a password change all come through here.

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
    let mut conn = state.pool.get().await?;
    let account = Account::find_by_login(&mut conn, identifier).await?;
    drop(conn);
    let keys = match &account {
        Some(account) => ThrottleKeys::account(account.id, ip),
        None => ThrottleKeys::unknown(identifier, ip),
    };
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let verified = match attempt(state, &keys, stored, password).await? {
        Checked::Throttled(seconds) => return Ok(Authenticated::Throttled(seconds)),
        Checked::Verified(verified) => verified,
    };
    let Some(account) = account.filter(|_| verified != Verified::No) else {
        return Ok(Authenticated::Failed);
    };
    if verified == Verified::YesButRehash {
        let hash = state
            .passwords
            .hash(SecretString::from(password.to_string()))
            .await?;
        let mut conn = state.pool.get().await?;
        Account::set_password_hash(&mut conn, account.id, &hash).await?;
    }
    Ok(Authenticated::Account(account))
}

/// Checks the current password of the logged-in `account` (before a password
/// change), throttled like a login to that account.
pub async fn check_current_password(
    state: &AppState,
    ip: IpAddr,
    account: &Account,
    password: &str,
) -> Result<Attempt, AppError> {
    let keys = ThrottleKeys::account(account.id, ip);
    Ok(
        match attempt(state, &keys, Some(account.password_hash.clone()), password).await? {
            Checked::Throttled(seconds) => Attempt::Throttled(seconds),
            Checked::Verified(Verified::No) => Attempt::Wrong,
            Checked::Verified(Verified::Yes | Verified::YesButRehash) => Attempt::Right,
        },
    )
}

/// The outcome of a throttled check of the current password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Right,
    Wrong,
    /// Too many attempts: wait this many seconds (nothing was checked).
    Throttled(u64),
}

/// What [`attempt`] found.
enum Checked {
    Verified(Verified),
    Throttled(u64),
}

/// Takes an attempt on `keys`, then (unless throttled) checks `password`
/// against `stored` without holding a connection while hashing.
async fn attempt(
    state: &AppState,
    keys: &ThrottleKeys,
    stored: Option<String>,
    password: &str,
) -> Result<Checked, AppError> {
    let policy = &state.settings.auth.throttle;
    let mut conn = state.pool.get().await?;
    if let Some(seconds) = throttle::take_attempt(&mut conn, keys, policy).await? {
        tracing::info!(seconds, "login throttled");
        return Ok(Checked::Throttled(seconds));
    }
    drop(conn);
    let has_account = stored.is_some();
    let verified = state
        .passwords
        .verify(SecretString::from(password.to_string()), stored)
        .await?;
    if !has_account || verified == Verified::No {
        tracing::info!("password check failed");
        return Ok(Checked::Verified(Verified::No));
    }
    let mut conn = state.pool.get().await?;
    throttle::record_success(&mut conn, keys, policy).await?;
    Ok(Checked::Verified(verified))
}

/// The client's address: the peer, or, when a reverse proxy in front is
/// trusted (`APP_TRUST_FORWARDED_FOR`), the right-most `X-Forwarded-For`
/// entry: the address that proxy saw. The entries left of it are whatever
/// the client chose to send.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> IpAddr {
    let forwarded = state
        .settings
        .trust_forwarded_for
        .then(|| right_most_forwarded_for(req))
        .flatten();
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// The last address of the last `X-Forwarded-For` header (a proxy appends to
/// the list, or adds a header line; both end with what it saw).
fn right_most_forwarded_for(req: &HttpRequest) -> Option<IpAddr> {
    let last = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())?;
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}
