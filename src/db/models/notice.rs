//! Cancellation, expiry and lock notices.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::notices;

/// A notice as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = notices, check_for_backend(diesel::pg::Pg))]
pub struct Notice {
    pub id: i64,
    pub account_id: i64,
    pub instance_id: String,
    pub kind: String,
    pub reason: String,
    pub workspaces: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A new notice.
#[derive(Debug, Insertable)]
#[diesel(table_name = notices)]
pub struct NewNotice<'a> {
    pub account_id: i64,
    pub instance_id: &'a str,
    pub kind: &'a str,
    pub reason: &'a str,
    pub workspaces: serde_json::Value,
    pub token_hash: &'a [u8],
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// One workspace as a notice remembers it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NoticeWorkspace {
    pub id: String,
    pub name: String,
    pub site: String,
    pub from: String,
    pub to: String,
}

impl Notice {
    /// Stores a notice.
    pub async fn create(conn: &mut AsyncPgConnection, new: &NewNotice<'_>) -> QueryResult<Notice> {
        diesel::insert_into(notices::table)
            .values(new)
            .returning(Notice::as_returning())
            .get_result(conn)
            .await
    }

    /// The notice a link's token opens, unless it expired.
    pub async fn by_token(
        conn: &mut AsyncPgConnection,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> QueryResult<Option<Notice>> {
        notices::table
            .filter(notices::token_hash.eq(token_hash))
            .filter(notices::expires_at.gt(now))
            .select(Notice::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// An account's notices, newest first.
    pub async fn of_account(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Notice>> {
        notices::table
            .filter(notices::account_id.eq(account_id))
            .order((notices::created_at.desc(), notices::id.desc()))
            .select(Notice::as_select())
            .load(conn)
            .await
    }

    /// The workspaces as recorded.
    pub fn workspace_list(&self) -> Vec<NoticeWorkspace> {
        serde_json::from_value(self.workspaces.clone()).unwrap_or_default()
    }
}
