//! Registration email codes: 6 digits, 10 minutes, 5 tries (one per minute
//! per address: `auth::rate_limit::EMAIL_CODE_PER_ADDRESS`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use crate::db::schema::email_codes;

/// How long a code works.
pub const VALID_FOR: Duration = Duration::from_secs(10 * 60);
/// Wrong tries before a code stops working.
pub const MAX_TRIES: i32 = 5;

/// The stored form of a code: SHA-256 of the address and the code.
pub fn hash(email: &str, code: &str) -> Vec<u8> {
    Sha256::digest(format!("{}:{code}", email.to_lowercase()).as_bytes()).to_vec()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = email_codes, check_for_backend(diesel::pg::Pg))]
struct Latest {
    id: i64,
    code_hash: Vec<u8>,
    attempts: i32,
    expires_at: DateTime<Utc>,
    consumed_at: Option<DateTime<Utc>>,
}

async fn latest(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<Latest>> {
    email_codes::table
        .filter(email_codes::email.eq(email.to_lowercase()))
        .order(email_codes::created_at.desc())
        .select(Latest::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Stores a new code for `email`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    email: &str,
    code: &str,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(email_codes::table)
        .values((
            email_codes::email.eq(email.to_lowercase()),
            email_codes::code_hash.eq(hash(email, code)),
            email_codes::created_at.eq(now),
            email_codes::expires_at.eq(now + chrono::Duration::from_std(VALID_FOR).unwrap_or_default()),
        ))
        .returning(email_codes::id)
        .get_result(conn)
        .await
}

/// What checking a typed code found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: the code proves the address (not used up yet).
    Valid(ValidCode),
    /// Wrong; this many tries are left.
    Wrong(i32),
    /// No code was sent, or it expired, was used, or had too many wrong tries.
    Expired,
}

/// A code found right, still locked by the transaction that checked it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidCode(i64);

/// Checks the latest code of `email` (locking it until the transaction
/// ends); a wrong try is counted.
pub async fn check(
    conn: &mut AsyncPgConnection,
    email: &str,
    code: &str,
    now: DateTime<Utc>,
) -> QueryResult<CodeCheck> {
    let Some(l) = latest(conn, email).await? else {
        return Ok(CodeCheck::Expired);
    };
    if l.consumed_at.is_some() || l.expires_at <= now || l.attempts >= MAX_TRIES {
        return Ok(CodeCheck::Expired);
    }
    let matches = bool::from(subtle::ConstantTimeEq::ct_eq(
        l.code_hash.as_slice(),
        hash(email, code).as_slice(),
    ));
    if !matches {
        spend_try(conn, ValidCode(l.id)).await?;
        return Ok(CodeCheck::Wrong(MAX_TRIES - l.attempts - 1));
    }
    Ok(CodeCheck::Valid(ValidCode(l.id)))
}

/// Counts a try on a code without using it up (a right code that was only
/// used to learn that something is taken).
pub async fn spend_try(conn: &mut AsyncPgConnection, code: ValidCode) -> QueryResult<()> {
    diesel::update(email_codes::table.find(code.0))
        .set(email_codes::attempts.eq(email_codes::attempts + 1))
        .execute(conn)
        .await
        .map(drop)
}

/// Uses a right code up.
pub async fn consume(conn: &mut AsyncPgConnection, code: ValidCode, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(email_codes::table.find(code.0))
        .set(email_codes::consumed_at.eq(Some(now)))
        .execute(conn)
        .await
        .map(drop)
}
