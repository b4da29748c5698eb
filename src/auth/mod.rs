//! Who the user is: password hashing on a bounded pool, login throttling, the
//! PostgreSQL session store, the login guard and CSRF protection.

pub mod csrf;
pub mod guard;
pub mod login;
pub mod next;
pub mod password;
pub mod password_reset;
pub mod prefetch;
pub mod rate_limit;
pub mod session_store;
pub mod throttle;

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// A fresh random token: 43 URL-safe characters from the OS-seeded CSPRNG
/// (about 256 bits), for CSRF tokens, reset links and generated keys.
pub fn random_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// SHA-256 of a token, the only form in which tokens are stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Session keys used by the application.
pub mod session_keys {
    /// The logged-in account's id.
    pub const ACCOUNT_ID: &str = "account_id";
    /// The logged-in account's username, for the page header.
    pub const USERNAME: &str = "username";
    /// The synchronizer CSRF token.
    pub const CSRF: &str = "csrf";
    /// The logged-in account (`db::models::session::SessionAccount`), read
    /// by the session store with the session in one query and handed to the
    /// login guard through the state; never written back.
    pub const ACCOUNT: &str = "_account";
    /// The page's data, read with the session when the page asked for it
    /// (`auth::prefetch`); never written back.
    pub const PAGE: &str = "_page";

    /// Whether `key` holds what the session store read along with the
    /// session (a leading `_`), which it never writes back.
    pub fn is_read_only(key: &str) -> bool {
        key.starts_with('_')
    }
}
