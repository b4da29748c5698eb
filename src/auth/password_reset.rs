//! Password reset by email, in two steps so that the page does the same work
//! whether or not an account has the address (no timing tells them apart):
//! the page only records a request (one per address per minute, whoever
//! asks); [`process_requests`] then looks the address up and, for an account
//! only, creates the one-time link and queues the email. Unknown addresses
//! are processed to nothing.

use std::time::Duration;

use anyhow::Context;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use url::Url;

use super::rate_limit;
use crate::db::DbPool;
use crate::db::models::{account::Account, password_reset};
use crate::domain::Language;
use crate::email::messages::{EmailContext, password_reset as reset_email};
use crate::settings::Brand;

/// How long a reset link works.
pub const RESET_TTL: Duration = Duration::from_secs(30 * 60);

/// Records a request for `email`, unless one was recorded in the last minute
/// (the limit and the row in one transaction: ten requests at once record
/// one). `true` when recorded.
pub async fn request(conn: &mut AsyncPgConnection, email: &str) -> diesel::QueryResult<bool> {
    conn.transaction(async |conn| {
        let key = rate_limit::email_key("password-reset", email);
        if rate_limit::hit(conn, &key, rate_limit::PASSWORD_RESET_PER_ADDRESS)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        password_reset::request(conn, email).await?;
        Ok(true)
    })
    .await
}

/// Turns every pending request into a link and an email (for accounts), each
/// in its own transaction; returns how many were processed. Safe to run in
/// several processes at once (`SKIP LOCKED`).
pub async fn process_requests(pool: &DbPool, public_url: &Url, brand: &Brand) -> anyhow::Result<usize> {
    let mut conn = pool.get().await.context("borrowing a connection")?;
    let mut processed = 0;
    while process_one(&mut conn, public_url, brand).await? {
        processed += 1;
    }
    Ok(processed)
}

async fn process_one(conn: &mut AsyncPgConnection, public_url: &Url, brand: &Brand) -> anyhow::Result<bool> {
    conn.transaction(async |conn| {
        let Some(request) = password_reset::claim_request(conn).await? else {
            return Ok(false);
        };
        if let Some(account) = Account::find_by_email(conn, &request.email).await? {
            let token = super::random_token();
            let hash = super::token_hash(&token);
            let link = public_url.join(&format!("/password/reset/{token}"))?;
            let mail_ctx = EmailContext::new(Language::parse(&account.language).unwrap_or_default(), brand);
            let message = reset_email(
                &mail_ctx,
                &account.email,
                &account.username,
                link.as_str(),
                RESET_TTL.as_secs() / 60,
            )?;
            password_reset::create(conn, &hash, account.id, RESET_TTL).await?;
            crate::email::enqueue(conn, &format!("password-reset:{}", hex::encode(&hash)), &message).await?;
            tracing::info!(account_id = account.id, "password reset link queued");
        }
        password_reset::mark_processed(conn, request.id).await?;
        Ok(true)
    })
    .await
}
