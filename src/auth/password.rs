//! Argon2id hashing on a bounded blocking pool.
//!
//! Each hash takes ~25 ms of a core and 19 MiB. Unbounded `spawn_blocking` would
//! let a burst of logins start hundreds at once (tokio allows 512 blocking
//! threads), so a semaphore limits how many run; a login that cannot get a
//! slot within the queue timeout is answered 503 rather than piling up.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("every hashing slot stayed busy for the whole queue timeout")]
    Busy,
    #[error("hashing failed: {0}")]
    Failed(String),
}

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    queue_timeout: Duration,
}

/// OWASP's argon2id parameters: m=19456 KiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a random password, verified against when the user does not exist
/// so that unknown users take as long as wrong passwords.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(super::random_token().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

impl Passwords {
    /// At most `concurrency` hashes at once; waiting longer than `queue_timeout`
    /// for a slot fails with [`HashError::Busy`].
    pub fn new(concurrency: usize, queue_timeout: Duration) -> Self {
        Passwords {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            queue_timeout,
        }
    }

    /// A PHC string for `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        self.run(move || {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Failed(e.to_string()))
        })
        .await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown user) a
    /// dummy hash is verified so the answer takes the same time and is `false`.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<Verified, HashError> {
        self.run(move || {
            let known = stored.is_some();
            let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Verified::No;
            };
            let matches = argon2()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok();
            match (known && matches, outdated(&parsed)) {
                (false, _) => Verified::No,
                (true, false) => Verified::Yes,
                (true, true) => Verified::YesButRehash,
            }
        })
        .await
    }

    /// Runs `work` on the blocking pool once a slot is free. The permit moves
    /// into the blocking task: a blocking task cannot be cancelled, so the slot
    /// must stay taken until it ends even if the client has gone away.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        actix_web::rt::task::spawn_blocking(move || {
            let _slot = permit;
            work()
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }
}

/// The outcome of a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but stored with weaker parameters than today's: store a new hash.
    YesButRehash,
}

fn outdated(hash: &PasswordHash<'_>) -> bool {
    let current = argon2();
    let wanted = current.params();
    hash.algorithm != argon2::ARGON2ID_IDENT
        || Params::try_from(hash)
            .is_ok_and(|p| p.m_cost() < wanted.m_cost() || p.t_cost() < wanted.t_cost())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pw = Passwords::new(1, Duration::from_secs(5));
        let hash = pw.hash(SecretString::from("right password")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let ok = pw
            .verify(SecretString::from("right password"), Some(hash.clone()))
            .await;
        assert_eq!(ok.unwrap(), Verified::Yes);
        let bad = pw
            .verify(SecretString::from("wrong password"), Some(hash))
            .await;
        assert_eq!(bad.unwrap(), Verified::No);
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let pw = Passwords::new(1, Duration::from_secs(5));
        let res = pw
            .verify(SecretString::from("anything"), None)
            .await
            .unwrap();
        assert_eq!(res, Verified::No);
    }

    #[tokio::test]
    async fn weaker_hashes_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(15_000, 2, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let hash = weak
            .hash_password(b"old password", &salt)
            .unwrap()
            .to_string();
        let pw = Passwords::new(1, Duration::from_secs(5));
        let res = pw
            .verify(SecretString::from("old password"), Some(hash))
            .await
            .unwrap();
        assert_eq!(res, Verified::YesButRehash);
    }

    #[tokio::test]
    async fn a_full_pool_answers_busy_after_the_queue_timeout() {
        let pw = Passwords::new(1, Duration::from_millis(50));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let blocker = pw.clone();
        let held = tokio::spawn(async move { blocker.run(move || wait.recv().ok()).await });
        // Wait until the blocking task holds the only slot.
        while pw.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let res = pw.hash(SecretString::from("queued password")).await;
        assert!(matches!(res, Err(HashError::Busy)));
        release.send(()).unwrap();
        held.await.unwrap().unwrap();
    }
}
