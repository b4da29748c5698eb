//! Login throttling: exponential delays per login identifier and, much looser,
//! per client address, so one attacker cannot lock out everyone behind a shared
//! address and no account is ever locked permanently.

use std::net::IpAddr;
use std::time::Duration;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use sha2::{Digest, Sha256};

use crate::db::models::login_throttle;
use crate::domain::LoginIdentifier;
use crate::settings::{ThrottlePolicy, ThrottleSettings};

/// The two counters a login attempt touches.
pub struct ThrottleKeys {
    identifier: String,
    ip: String,
}

impl ThrottleKeys {
    /// Keys for this identifier and address. The identifier is hashed: people
    /// sometimes type their password into the login field.
    pub fn new(login: &LoginIdentifier, ip: IpAddr) -> Self {
        let digest = Sha256::digest(login.canonical().as_bytes());
        ThrottleKeys {
            identifier: format!("id:{}", hex::encode(digest)),
            ip: format!("ip:{ip}"),
        }
    }

    fn both(&self) -> [String; 2] {
        [self.identifier.clone(), self.ip.clone()]
    }
}

/// How long the caller must still wait, if at all (rounded up to seconds).
pub async fn wait_time(conn: &mut AsyncPgConnection, keys: &ThrottleKeys) -> QueryResult<Option<u64>> {
    let until = login_throttle::blocked_until(conn, &keys.both()).await?;
    Ok(until.map(|t| {
        let ms = (t - chrono::Utc::now()).num_milliseconds().max(0);
        u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)
    }))
}

/// Records a failed attempt on both counters, blocking each one that is past
/// its free failures.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    keys: &ThrottleKeys,
    settings: &ThrottleSettings,
) -> QueryResult<()> {
    let counts = login_throttle::add_failures(
        conn,
        [&keys.identifier, &keys.ip],
        settings.per_identifier.decay.max(settings.per_ip.decay),
    )
    .await?;
    let policies = [&settings.per_identifier, &settings.per_ip];
    for ((key, policy), failures) in [&keys.identifier, &keys.ip].into_iter().zip(policies).zip(counts) {
        if let Some(delay) = delay_after(policy, u32::try_from(failures).unwrap_or(u32::MAX)) {
            login_throttle::block(conn, key, delay).await?;
        }
    }
    Ok(())
}

/// A successful login forgets the identifier's failures (not the address's).
pub async fn record_success(conn: &mut AsyncPgConnection, keys: &ThrottleKeys) -> QueryResult<()> {
    login_throttle::clear(conn, std::slice::from_ref(&keys.identifier)).await
}

/// The wait imposed after `failures` consecutive failures: none for the first
/// `free`, then `base`, doubling each time, capped at `max`.
pub fn delay_after(policy: &ThrottlePolicy, failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(policy.free)?.checked_sub(1)?;
    let factor = 2u32.checked_pow(over.min(20)).unwrap_or(u32::MAX);
    Some(policy.base.saturating_mul(factor).min(policy.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures_and_are_capped() {
        let p = ThrottlePolicy {
            free: 3,
            base: Duration::from_secs(30),
            max: Duration::from_secs(900),
            decay: Duration::from_secs(3600),
        };
        assert_eq!(delay_after(&p, 3), None);
        assert_eq!(delay_after(&p, 4), Some(Duration::from_secs(30)));
        assert_eq!(delay_after(&p, 5), Some(Duration::from_secs(60)));
        assert_eq!(delay_after(&p, 6), Some(Duration::from_secs(120)));
        assert_eq!(delay_after(&p, 60), Some(Duration::from_secs(900)));
        assert_eq!(delay_after(&p, u32::MAX), Some(Duration::from_secs(900)));
    }
}
