//! The SPI inbox: every marketplace call received, with what it did.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{spi_inbox, spi_verify_uses};

/// One received call.
#[derive(Debug, Insertable)]
#[diesel(table_name = spi_inbox)]
pub struct NewInboxRow<'a> {
    pub action: &'a str,
    pub instance_id: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub params: serde_json::Value,
    pub outcome: &'a str,
    pub source: &'a str,
    pub notification_id: Option<&'a str>,
}

impl<'a> NewInboxRow<'a> {
    /// The same call with `outcome`.
    pub fn with_outcome(&self, outcome: &'a str) -> Self {
        NewInboxRow {
            params: self.params.clone(),
            outcome,
            ..*self
        }
    }
}

/// Records a call (inside the transaction of its effect). A failed
/// notification recorded meanwhile by another process is not recorded twice
/// (its effect, applied by both, is idempotent).
pub async fn record(conn: &mut AsyncPgConnection, row: &NewInboxRow<'_>) -> QueryResult<()> {
    diesel::insert_into(spi_inbox::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

/// Whether a failed notification was already processed.
pub async fn has_notification(conn: &mut AsyncPgConnection, notification_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        spi_inbox::table.filter(spi_inbox::notification_id.eq(notification_id)),
    ))
    .get_result(conn)
    .await
}

/// Marks a `verify` token used; `false` when it was used before.
pub async fn use_verify_token(conn: &mut AsyncPgConnection, token: &str) -> QueryResult<bool> {
    diesel::insert_into(spi_verify_uses::table)
        .values(spi_verify_uses::token.eq(token))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}
