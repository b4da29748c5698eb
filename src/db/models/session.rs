//! Server-side session rows (see `auth::session_store`). Every query here runs
//! on every page view, so all are diesel DSL queries, which diesel-async keeps
//! as prepared statements.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::sessions;

/// A live session's state and expiries.
#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct LiveSession {
    pub state: serde_json::Value,
    pub expires_at: DateTime<Utc>,
    pub absolute_expires_at: DateTime<Utc>,
}

fn after(d: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// The logged-in account as the Billing Center pages need it, read with its
/// session: the account, whether any of its workspaces is in grace or locked,
/// and its cash balance when it has a ledger.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SessionAccount {
    pub account: crate::db::models::account::Account,
    pub attention: bool,
    pub balance: Option<rust_decimal::Decimal>,
}

/// Loads a session that has passed neither timeout, with its account when it
/// is logged in: one query for what every Billing Center page starts with.
pub async fn load_with_account(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
) -> QueryResult<Option<(LiveSession, Option<SessionAccount>)>> {
    use crate::db::models::account::Account;
    use crate::db::schema::{accounts, ledger_entries, workspaces};
    let now = Utc::now();
    let row: Option<(LiveSession, Option<Account>, bool, Option<rust_decimal::Decimal>)> = sessions::table
        .left_join(accounts::table)
        .filter(sessions::id_hash.eq(id_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::absolute_expires_at.gt(now))
        .select((
            LiveSession::as_select(),
            Option::<Account>::as_select(),
            diesel::dsl::exists(
                workspaces::table
                    .filter(workspaces::account_id.nullable().eq(sessions::account_id))
                    .filter(workspaces::status.ne("active")),
            ),
            ledger_entries::table
                .filter(ledger_entries::account_id.nullable().eq(sessions::account_id))
                .order(ledger_entries::id.desc())
                .select(ledger_entries::balance_after)
                .limit(1)
                .single_value(),
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(live, account, attention, balance)| {
        let account = account.map(|account| SessionAccount {
            account,
            attention,
            balance,
        });
        (live, account)
    }))
}

/// Stores a new session.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    state: &serde_json::Value,
    account_id: Option<i64>,
    idle: Duration,
    absolute: Duration,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::state.eq(state),
            sessions::account_id.eq(account_id),
            sessions::expires_at.eq(after(idle.min(absolute))),
            sessions::absolute_expires_at.eq(after(absolute)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Replaces a live session's state; `false` when it no longer exists (expired,
/// logged out, or revoked).
pub async fn update(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    state: &serde_json::Value,
    account_id: Option<i64>,
    idle: Duration,
) -> QueryResult<bool> {
    let now = Utc::now();
    diesel::update(
        sessions::table
            .find(id_hash)
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::absolute_expires_at.gt(now)),
    )
    .set((
        sessions::state.eq(state),
        sessions::account_id.eq(account_id),
        sessions::expires_at.eq(after(idle)),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Pushes a live session's idle expiry to `now + idle`.
pub async fn touch(conn: &mut AsyncPgConnection, id_hash: &[u8], idle: Duration) -> QueryResult<()> {
    diesel::update(
        sessions::table
            .find(id_hash)
            .filter(sessions::expires_at.gt(Utc::now())),
    )
    .set(sessions::expires_at.eq(after(idle)))
    .execute(conn)
    .await
    .map(drop)
}

/// Deletes one session.
pub async fn delete(conn: &mut AsyncPgConnection, id_hash: &[u8]) -> QueryResult<()> {
    diesel::delete(sessions::table.find(id_hash))
        .execute(conn)
        .await
        .map(drop)
}

/// Revokes every session of an account (password change or reset).
pub async fn delete_for_account(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::account_id.eq(account_id)))
        .execute(conn)
        .await
}

/// Removes sessions past either timeout.
pub async fn delete_expired(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let now = Utc::now();
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(now)
                .or(sessions::absolute_expires_at.lt(now)),
        ),
    )
    .execute(conn)
    .await
}
