//! Password-reset requests and the one-time tokens they lead to (only their
//! SHA-256 is stored).

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::password_reset_requests as requests;
use crate::db::schema::password_reset_tokens as tokens;

/// Stores a new token for `account_id`, valid for `ttl`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    account_id: i64,
    ttl: Duration,
) -> QueryResult<()> {
    let expires = chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default();
    diesel::insert_into(tokens::table)
        .values((
            tokens::token_hash.eq(token_hash),
            tokens::account_id.eq(account_id),
            tokens::expires_at.eq(expires),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The account of a token that is unused and unexpired.
pub async fn find_valid(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<Option<i64>> {
    tokens::table
        .filter(tokens::token_hash.eq(token_hash))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(diesel::dsl::now))
        .select(tokens::account_id)
        .first(conn)
        .await
        .optional()
}

/// Uses a valid token up, returning its account; `None` when it was not valid
/// (or another request used it first).
pub async fn consume(conn: &mut AsyncPgConnection, token_hash: &[u8]) -> QueryResult<Option<i64>> {
    diesel::update(
        tokens::table
            .filter(tokens::token_hash.eq(token_hash))
            .filter(tokens::used_at.is_null())
            .filter(tokens::expires_at.gt(diesel::dsl::now)),
    )
    .set(tokens::used_at.eq(diesel::dsl::now))
    .returning(tokens::account_id)
    .get_result(conn)
    .await
    .optional()
}

/// Invalidates every other open token of the account (after a reset).
pub async fn revoke_all(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<()> {
    diesel::update(
        tokens::table
            .filter(tokens::account_id.eq(account_id))
            .filter(tokens::used_at.is_null()),
    )
    .set(tokens::used_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
    .map(drop)
}

/// Removes tokens that can no longer be used.
pub async fn delete_stale(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(tokens::table.filter(tokens::expires_at.lt(diesel::dsl::now)))
        .execute(conn)
        .await
}

/// Records a request for a reset link to `email` (whether or not an account
/// has that address).
pub async fn request(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<()> {
    diesel::insert_into(requests::table)
        .values(requests::email.eq(email.to_lowercase()))
        .execute(conn)
        .await
        .map(drop)
}

/// An unprocessed request.
#[derive(Queryable, Selectable)]
#[diesel(table_name = requests, check_for_backend(diesel::pg::Pg))]
pub struct Request {
    pub id: i64,
    pub email: String,
}

/// The oldest unprocessed request, locked until the transaction ends (other
/// processes skip it).
pub async fn claim_request(conn: &mut AsyncPgConnection) -> QueryResult<Option<Request>> {
    requests::table
        .filter(requests::processed_at.is_null())
        .order(requests::created_at)
        .select(Request::as_select())
        .for_update()
        .skip_locked()
        .first(conn)
        .await
        .optional()
}

/// Marks a request done.
pub async fn mark_processed(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(requests::table.find(id))
        .set(requests::processed_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Removes processed requests older than a day.
pub async fn delete_stale_requests(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
    diesel::delete(
        requests::table
            .filter(requests::processed_at.is_not_null())
            .filter(requests::created_at.lt(day_ago)),
    )
    .execute(conn)
    .await
}
