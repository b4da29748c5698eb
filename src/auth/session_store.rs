//! actix-session's `SessionStore` over the `sessions` table.
//!
//! The cookie carries a random 64-character key; the table is keyed by its
//! SHA-256. Sessions expire after `idle` without use and `absolute` after they
//! were created (a login renews the key, so `absolute` counts from the login).
//! The account id is copied out of the state into its own column so that all
//! of an account's sessions can be revoked at once.

use std::collections::HashMap;
use std::time::Duration;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use rand::distr::{Alphanumeric, SampleString as _};

use super::prefetch::PagePrefetch;
use super::session_keys;
use crate::db::DbPool;
use crate::db::models::session;

/// Sessions in PostgreSQL.
#[derive(Clone)]
pub struct PgSessionStore {
    pool: DbPool,
    idle: Duration,
    absolute: Duration,
}

impl PgSessionStore {
    /// A store with the given idle and absolute timeouts.
    pub fn new(pool: DbPool, idle: Duration, absolute: Duration) -> Self {
        PgSessionStore { pool, idle, absolute }
    }
}

type State = HashMap<String, String>;

fn account_of(state: &State) -> Option<i64> {
    state.get(session_keys::ACCOUNT_ID).and_then(|v| v.parse().ok())
}

/// The state as stored: without what was only read along with it.
fn to_json(state: &State) -> serde_json::Value {
    serde_json::Value::Object(
        state
            .iter()
            .filter(|(k, _)| !session_keys::is_read_only(k))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

fn from_json(value: serde_json::Value) -> anyhow::Result<State> {
    Ok(serde_json::from_value(value)?)
}

fn new_key() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 64)
}

fn ttl(cookie_ttl: &CookieDuration, fallback: Duration) -> Duration {
    u64::try_from(cookie_ttl.whole_seconds()).map_or(fallback, Duration::from_secs)
}

impl PgSessionStore {
    async fn insert(&self, state: &State, idle: Duration) -> anyhow::Result<SessionKey> {
        let key = new_key();
        let mut conn = self.pool.get().await?;
        session::insert(
            &mut conn,
            &super::token_hash(&key),
            &to_json(state),
            account_of(state),
            idle,
            self.absolute,
        )
        .await?;
        Ok(SessionKey::try_from(key)?)
    }
}

impl SessionStore for PgSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let mut conn = self.pool.get().await.map_err(|e| LoadError::Other(e.into()))?;
        let hash = super::token_hash(key.as_ref());
        let Some(loaded) = session::load_with_account(&mut conn, &hash, PagePrefetch::asked())
            .await
            .map_err(|e| LoadError::Other(e.into()))?
        else {
            return Ok(None);
        };
        // Extend the idle expiry at most once a minute, so that ordinary page
        // views stay read-only.
        let refresh_after = chrono::Utc::now()
            + chrono::Duration::from_std(self.idle.saturating_sub(Duration::from_secs(60)))
                .unwrap_or_default();
        if loaded.live.expires_at < refresh_after {
            session::touch(&mut conn, &hash, self.idle)
                .await
                .map_err(|e| LoadError::Other(e.into()))?;
        }
        let mut state = from_json(loaded.live.state).map_err(LoadError::Deserialization)?;
        // Values are JSON texts, as actix-session keeps them.
        for (key, read) in [
            (session_keys::ACCOUNT, loaded.account),
            (session_keys::PAGE, loaded.page),
        ] {
            if let Some(json) = read {
                state.insert(key.to_string(), json);
            }
        }
        Ok(Some(state))
    }

    async fn save(&self, state: State, ttl_: &CookieDuration) -> Result<SessionKey, SaveError> {
        self.insert(&state, ttl(ttl_, self.idle))
            .await
            .map_err(SaveError::Other)
    }

    async fn update(
        &self,
        key: SessionKey,
        mut state: State,
        ttl_: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let idle = ttl(ttl_, self.idle);
        let mut conn = self.pool.get().await.map_err(|e| UpdateError::Other(e.into()))?;
        let hash = super::token_hash(key.as_ref());
        let live = session::update(&mut conn, &hash, &to_json(&state), account_of(&state), idle)
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if live {
            return Ok(key);
        }
        // The session ended (revoked, expired) while this request ran. Keep the
        // anonymous part of the state under a new key, never the login: a
        // revoked session must not come back.
        drop(conn);
        state.remove(session_keys::ACCOUNT_ID);
        state.remove(session_keys::USERNAME);
        self.insert(&state, idle).await.map_err(UpdateError::Other)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl_: &CookieDuration) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        session::touch(&mut conn, &super::token_hash(key.as_ref()), ttl(ttl_, self.idle)).await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        session::delete(&mut conn, &super::token_hash(key.as_ref())).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_read_along_with_the_session_is_never_stored() {
        let state: State = [
            (session_keys::ACCOUNT_ID, "7"),
            (session_keys::CSRF, "token"),
            (session_keys::ACCOUNT, r#"{"account":{}}"#),
            (session_keys::PAGE, r#"{"workspaces":[]}"#),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            to_json(&state),
            serde_json::json!({ session_keys::ACCOUNT_ID: "7", session_keys::CSRF: "token" })
        );
    }
}
