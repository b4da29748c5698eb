//! Limits on what anyone may ask for, counted in the database so that every
//! instance shares them and two requests at once cannot both slip through
//! (the hit is an upsert, not a read followed by a write). Each limit is a
//! fixed window per key.

use std::time::Duration;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::db::models::rate_limit;
use crate::settings::RegistrationLimits;

/// At most `max` hits per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

/// One registration email code per address per minute (SPEC: resend after 60 s).
pub const EMAIL_CODE_PER_ADDRESS: Limit = Limit {
    max: 1,
    window: Duration::from_secs(60),
};

/// One password-reset request per address per minute (no mail bombing).
pub const PASSWORD_RESET_PER_ADDRESS: Limit = Limit {
    max: 1,
    window: Duration::from_secs(60),
};

/// Counts one hit of `limit` on `key`: `Ok(None)` when it is within the
/// limit, `Ok(Some(seconds))` to wait otherwise. Call it in the transaction
/// that does the limited thing, so that a rollback gives the hit back.
pub async fn hit(conn: &mut AsyncPgConnection, key: &str, limit: Limit) -> QueryResult<Option<u64>> {
    let window = rate_limit::hit(conn, key, limit.window).await?;
    if u32::try_from(window.hits).unwrap_or(u32::MAX) <= limit.max {
        return Ok(None);
    }
    let ms = (window.ends_at - chrono::Utc::now()).num_milliseconds().max(0);
    Ok(Some(u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1)))
}

/// Registration attempts from one client address per hour.
pub fn registration_per_ip(settings: &RegistrationLimits) -> Limit {
    Limit {
        max: settings.per_ip,
        window: HOUR,
    }
}

/// Registration step-1 attempts for one email address per hour.
pub fn registration_per_email(settings: &RegistrationLimits) -> Limit {
    Limit {
        max: settings.per_email,
        window: HOUR,
    }
}

const HOUR: Duration = Duration::from_secs(60 * 60);

/// The key of a limit on `what` for one email address (case does not make
/// another address).
pub fn email_key(what: &str, email: &str) -> String {
    format!("{what}:email:{}", email.to_lowercase())
}

/// The key of a limit on `what` for one client address.
pub fn ip_key(what: &str, ip: std::net::IpAddr) -> String {
    format!("{what}:ip:{ip}")
}
