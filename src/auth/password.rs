//! Argon2id hashing on a bounded pool.
//!
//! Each hash takes ~10-25 ms of a core and 19 MiB. Unbounded `spawn_blocking`
//! would let a burst of logins start hundreds at once (tokio allows 512
//! blocking threads), so a semaphore limits how many run; a login that cannot
//! get a slot within the queue timeout is answered 503 rather than piling up.
//!
//! The hashes run on a fixed set of dedicated threads, one per slot, and each
//! thread allocates argon2's 19 MiB working memory once and reuses it. Letting
//! argon2 allocate per hash made glibc keep the freed blocks in per-thread
//! arenas: the process grew to hundreds of MiB under login load. Now memory is
//! slots × 19 MiB, whatever the load.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("every hashing slot stayed busy for the whole queue timeout")]
    Busy,
    #[error("hashing failed: {0}")]
    Failed(String),
}

/// The outcome of a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but stored with weaker parameters than today's: store a new hash.
    YesButRehash,
}

/// OWASP's argon2id parameters: m=19456 KiB, t=2, p=1.
fn params() -> Params {
    Params::new(19_456, 2, 1, Some(32)).unwrap_or_default()
}

/// Stored hashes demanding more memory than this are refused rather than
/// computed (they are not ours).
const MAX_BLOCKS: usize = 64 * 1024;

/// One thread's argon2 working memory, reused for every hash it computes.
struct Memory(Vec<Block>);

impl Memory {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let needed = params.block_count();
        if self.0.len() < needed {
            self.0.resize(needed, Block::new());
        }
        &mut self.0[..needed]
    }
}

/// A PHC string for `password`, computed in `memory`.
fn hash_in(memory: &mut Memory, password: &[u8]) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
    let params = params();
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt, &mut out, memory.blocks(&params))
        .map_err(|e| failed(&e))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed in `memory`.
fn verify_in(memory: &mut Memory, password: &[u8], stored: &str) -> Verified {
    let Ok(phc) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Verified::No;
    };
    let Ok(params) = Params::try_from(&phc) else {
        return Verified::No;
    };
    let Ok(algorithm) = Algorithm::try_from(phc.algorithm) else {
        return Verified::No;
    };
    if params.block_count() > MAX_BLOCKS {
        return Verified::No;
    }
    let version = phc
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return Verified::No;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt,
        &mut out,
        memory.blocks(&params),
    );
    if computed.is_err() || !bool::from(out.as_slice().ct_eq(expected.as_bytes())) {
        return Verified::No;
    }
    let current = argon2::Params::default();
    let weaker = algorithm != Algorithm::Argon2id
        || params.m_cost() < current.m_cost()
        || params.t_cost() < current.t_cost();
    if weaker {
        Verified::YesButRehash
    } else {
        Verified::Yes
    }
}

/// A hash of a random password, verified against when the user does not exist
/// so that unknown users take as long as wrong passwords. Computed by the
/// first hashing thread that needs it, in that thread's memory (its own 19 MiB
/// would otherwise be allocated once more, and stay with the allocator).
static DUMMY_HASH: OnceLock<String> = OnceLock::new();

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    queue_timeout: Duration,
    jobs: SyncSender<Job>,
}

impl Passwords {
    /// At most `concurrency` hashes at once, on as many threads; waiting longer
    /// than `queue_timeout` for a slot fails with [`HashError::Busy`].
    pub fn new(concurrency: usize, queue_timeout: Duration) -> Self {
        let concurrency = concurrency.max(1);
        // Never full: a job is only sent while holding one of `concurrency` permits.
        let (jobs, queue) = sync_channel::<Job>(concurrency);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..concurrency {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || hashing_thread(&queue));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        Passwords {
            slots: Arc::new(Semaphore::new(concurrency)),
            queue_timeout,
            jobs,
        }
    }

    /// A PHC string for `password`.
    pub async fn hash(&self, password: SecretString) -> Result<String, HashError> {
        self.run(move |memory| hash_in(memory, password.expose_secret().as_bytes()))
            .await?
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown user) a
    /// dummy hash is verified so the answer takes the same time and is `false`.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> Result<Verified, HashError> {
        self.run(move |memory| {
            let phc = match stored.as_deref() {
                Some(phc) => phc,
                None => DUMMY_HASH
                    .get_or_init(|| hash_in(memory, super::random_token().as_bytes()).unwrap_or_default()),
            };
            let verified = verify_in(memory, password.expose_secret().as_bytes(), phc);
            if stored.is_some() { verified } else { Verified::No }
        })
        .await
    }

    /// Runs `work` on a hashing thread once a slot is free. The permit moves
    /// into the job: a started hash cannot be cancelled, so the slot must stay
    /// taken until it ends even if the client has gone away.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Busy)?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _slot = permit;
            let _ = done.send(work(memory));
        });
        self.jobs
            .send(job)
            .map_err(|e| HashError::Failed(e.to_string()))?;
        result.await.map_err(|e| HashError::Failed(e.to_string()))
    }
}

/// A hashing thread: runs jobs until every `Passwords` handle is dropped.
fn hashing_thread(queue: &Mutex<Receiver<Job>>) {
    // Under a login flood, pages come first: the scheduler gives hashing only
    // the CPU that requests leave over (it still gets all of an idle core).
    if let Err(e) = thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min) {
        tracing::warn!(error = %e, "could not lower the hashing thread's priority");
    }
    let mut memory = Memory(Vec::new());
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(job) => job(&mut memory),
            Err(_) => return,
        }
    }
}

/// Hashes per second that `threads` threads reach over `duration`, with the
/// production parameters and no pool or server around them.
pub fn raw_hash_rate(threads: usize, duration: Duration) -> f64 {
    let started = Instant::now();
    let deadline = started + duration;
    let total: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(move || {
                    let mut memory = Memory(Vec::new());
                    let mut n = 0;
                    while Instant::now() < deadline {
                        let _ = hash_in(&mut memory, b"benchmark password");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    total as f64 / started.elapsed().as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher as _;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let pw = Passwords::new(1, Duration::from_secs(5));
        let hash = pw.hash(SecretString::from("right password")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let ok = pw
            .verify(SecretString::from("right password"), Some(hash.clone()))
            .await;
        assert_eq!(ok.unwrap(), Verified::Yes);
        let bad = pw.verify(SecretString::from("wrong password"), Some(hash)).await;
        assert_eq!(bad.unwrap(), Verified::No);
    }

    #[tokio::test]
    async fn hashes_are_standard_phc_strings() {
        use argon2::password_hash::PasswordVerifier as _;
        let pw = Passwords::new(1, Duration::from_secs(5));
        let ours = pw.hash(SecretString::from("interoperable")).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interoperable", &parsed)
                .is_ok()
        );
        // And a hash made by the crate's own hasher verifies here.
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = Argon2::default()
            .hash_password(b"other way", &salt)
            .unwrap()
            .to_string();
        let res = pw
            .verify(SecretString::from("other way"), Some(theirs))
            .await
            .unwrap();
        assert_eq!(res, Verified::Yes);
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let pw = Passwords::new(1, Duration::from_secs(5));
        let res = pw.verify(SecretString::from("anything"), None).await.unwrap();
        assert_eq!(res, Verified::No);
        let garbage = pw
            .verify(SecretString::from("x"), Some("not a hash".into()))
            .await
            .unwrap();
        assert_eq!(garbage, Verified::No);
    }

    #[tokio::test]
    async fn weaker_hashes_ask_for_a_rehash() {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(15_000, 2, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let hash = weak.hash_password(b"old password", &salt).unwrap().to_string();
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
        let held = tokio::spawn(async move { blocker.run(move |_| wait.recv().ok()).await });
        // Wait until the job holds the only slot.
        while pw.slots.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        let res = pw.hash(SecretString::from("queued password")).await;
        assert!(matches!(res, Err(HashError::Busy)));
        release.send(()).unwrap();
        held.await.unwrap().unwrap();
    }
}
