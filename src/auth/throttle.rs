//! Login throttling: exponential delays per account (whichever identifier was
//! typed: username, email or phone count together), per typed identifier only
//! when it names no account, and, much looser, per client address, so one
//! attacker cannot lock out everyone behind a shared address and nothing is
//! ever locked permanently.
//!
//! An attempt is counted *before* the password is checked, in one transaction
//! that locks both counters: so thirty attempts at once are counted one after
//! the other, and only those within the free attempts get a password check.
//! The attempt that uses up the free ones sets the first delay; a success
//! forgets the account's attempts (and gives the address its attempt back).

use std::net::IpAddr;
use std::time::Duration;

use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use sha2::{Digest, Sha256};

use crate::db::models::login_throttle;
use crate::domain::LoginIdentifier;
use crate::settings::{ThrottlePolicy, ThrottleSettings};

/// The two counters a login attempt touches: who (an account, or an unknown
/// identifier) and from where.
pub struct ThrottleKeys {
    subject: String,
    ip: String,
}

impl ThrottleKeys {
    /// Keys for an attempt on the account `account_id` from `ip`.
    pub fn account(account_id: i64, ip: IpAddr) -> Self {
        ThrottleKeys {
            subject: format!("acct:{account_id}"),
            ip: format!("ip:{ip}"),
        }
    }

    /// Keys for an attempt with an identifier that names no account. The
    /// identifier is hashed: people sometimes type their password into the
    /// login field.
    pub fn unknown(login: &LoginIdentifier, ip: IpAddr) -> Self {
        let digest = Sha256::digest(login.canonical().as_bytes());
        ThrottleKeys {
            subject: format!("id:{}", hex::encode(digest)),
            ip: format!("ip:{ip}"),
        }
    }
}

/// Takes one attempt on both counters, or none when either is blocked:
/// `Ok(None)` lets the password be checked, `Ok(Some(seconds))` is how long
/// to wait (nothing was counted).
pub async fn take_attempt(
    conn: &mut AsyncPgConnection,
    keys: &ThrottleKeys,
    settings: &ThrottleSettings,
) -> QueryResult<Option<u64>> {
    let outcome = conn
        .transaction(async |conn| {
            // Always the subject first, then the address: one lock order.
            for (key, policy) in [
                (&keys.subject, &settings.per_identifier),
                (&keys.ip, &settings.per_ip),
            ] {
                let counter = login_throttle::take(conn, key, policy.decay).await?;
                if let Some(until) = counter.blocked_until {
                    // Roll back, so that the other counter does not count
                    // an attempt that is not made.
                    return Err(Taken::Blocked(until));
                }
                if let Some(delay) = delay_after(policy, u32::try_from(counter.failures).unwrap_or(u32::MAX))
                {
                    login_throttle::block(conn, key, delay).await?;
                }
            }
            Ok(())
        })
        .await;
    match outcome {
        Ok(()) => Ok(None),
        Err(Taken::Blocked(until)) => {
            let ms = (until - chrono::Utc::now()).num_milliseconds().max(0);
            Ok(Some(u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)))
        }
        Err(Taken::Database(e)) => Err(e),
    }
}

/// Why no attempt was taken.
enum Taken {
    Blocked(chrono::DateTime<chrono::Utc>),
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Taken {
    fn from(e: diesel::result::Error) -> Self {
        Taken::Database(e)
    }
}

/// The password was right: the account's attempts are forgotten, and the
/// address gets this attempt back (it was no failure).
pub async fn record_success(
    conn: &mut AsyncPgConnection,
    keys: &ThrottleKeys,
    settings: &ThrottleSettings,
) -> QueryResult<()> {
    login_throttle::clear(conn, &keys.subject).await?;
    login_throttle::forgive_one(conn, &keys.ip, settings.per_ip.free).await
}

/// The wait imposed after `attempts` consecutive unsuccessful attempts: none
/// before `free`, then `base`, doubling with each further attempt, capped at
/// `max`.
pub fn delay_after(policy: &ThrottlePolicy, attempts: u32) -> Option<Duration> {
    let over = attempts.checked_sub(policy.free)?;
    let factor = 2u32.checked_pow(over.min(20)).unwrap_or(u32::MAX);
    Some(policy.base.saturating_mul(factor).min(policy.max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_with_the_last_free_attempt_double_and_are_capped() {
        let p = ThrottlePolicy {
            free: 3,
            base: Duration::from_secs(30),
            max: Duration::from_secs(900),
            decay: Duration::from_secs(3600),
        };
        assert_eq!(delay_after(&p, 2), None);
        assert_eq!(delay_after(&p, 3), Some(Duration::from_secs(30)));
        assert_eq!(delay_after(&p, 4), Some(Duration::from_secs(60)));
        assert_eq!(delay_after(&p, 5), Some(Duration::from_secs(120)));
        assert_eq!(delay_after(&p, 60), Some(Duration::from_secs(900)));
        assert_eq!(delay_after(&p, u32::MAX), Some(Duration::from_secs(900)));
    }
}
