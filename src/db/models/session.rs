//! Server-side session rows (see `auth::session_store`). Every query here runs
//! on every page view, so each is one every connection keeps prepared: diesel
//! DSL, or a constant [`Prepared`] text.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::prefetch::PagePrefetch;
use crate::db::models::overview;
use crate::db::prepared::{Bind, Prepared};
use crate::db::schema::sessions;

/// A live session's state and expiries.
#[derive(QueryableByName)]
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
#[derive(Clone, Debug, serde::Deserialize)]
pub struct SessionAccount {
    pub account: crate::db::models::account::Account,
    pub attention: bool,
    pub balance: Option<rust_decimal::Decimal>,
}

/// A live session as [`load_with_account`] reads it.
#[derive(QueryableByName)]
pub struct LoadedSession {
    #[diesel(embed)]
    pub live: LiveSession,
    /// The [`SessionAccount`] as JSON, when the session is logged in.
    #[diesel(sql_type = Nullable<Text>)]
    pub account: Option<String>,
    /// The page's data as JSON, when it was asked for (`auth::prefetch`).
    #[diesel(sql_type = Nullable<Text>)]
    pub page: Option<String>,
}

/// The session's statement, with the page's column in `{page}`. The account
/// comes as JSON built by PostgreSQL (its balance as text, so exact), which
/// the login guard reads; no column of it is decoded here.
fn statement(page: &str) -> String {
    format!(
        "SELECT s.state, s.expires_at, s.absolute_expires_at, \
           (SELECT json_build_object( \
              'account', a, \
              'attention', EXISTS (SELECT 1 FROM workspaces w \
                                   WHERE w.account_id = a.id AND w.status <> 'active'), \
              'balance', (SELECT l.balance_after::text FROM ledger_entries l \
                          WHERE l.account_id = a.id ORDER BY l.id DESC LIMIT 1))::text \
            FROM accounts a WHERE a.id = s.account_id) AS account, \
           {page} AS page \
         FROM sessions s \
         WHERE s.id_hash = $? AND s.expires_at > $? AND s.absolute_expires_at > $?"
    )
}

/// Loads a session that has passed neither timeout, with its account when it
/// is logged in and the data of the page asked for: one statement for what
/// every Billing Center page starts with. Each variant's text is built once,
/// so that every connection keeps it prepared.
pub async fn load_with_account(
    conn: &mut AsyncPgConnection,
    id_hash: &[u8],
    page: Option<PagePrefetch>,
) -> QueryResult<Option<LoadedSession>> {
    static PLAIN: LazyLock<String> = LazyLock::new(|| statement("NULL::text"));
    static OVERVIEW: LazyLock<String> = LazyLock::new(|| statement(overview::COLUMN));
    let now = Utc::now();
    let mut binds = Vec::with_capacity(6);
    let sql: &'static str = match page {
        None => &PLAIN,
        Some(PagePrefetch::Overview {
            month_start,
            yesterday,
        }) => {
            binds.extend(overview::binds(month_start, yesterday));
            &OVERVIEW
        }
    };
    binds.extend([
        Bind::Bytea(id_hash),
        Bind::Timestamptz(now),
        Bind::Timestamptz(now),
    ]);
    Prepared::new(sql, binds).get_result(conn).await.optional()
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
