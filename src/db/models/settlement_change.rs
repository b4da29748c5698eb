//! The append-only history of settlement methods.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::settlement_changes;

/// One change to record.
#[derive(Debug, Insertable)]
#[diesel(table_name = settlement_changes)]
pub struct NewSettlementChange<'a> {
    pub workspace_id: &'a str,
    pub from_method: Option<&'a str>,
    pub to_method: &'a str,
    pub aliyun_instance_id: Option<&'a str>,
    pub reason: &'a str,
    pub actor: &'a str,
}

/// How many changes the user made to a workspace since `since` (R4).
pub async fn user_changes_since(
    conn: &mut AsyncPgConnection,
    workspace_id: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> QueryResult<i64> {
    settlement_changes::table
        .filter(settlement_changes::workspace_id.eq(workspace_id))
        .filter(settlement_changes::reason.eq("user"))
        .filter(settlement_changes::created_at.ge(since))
        .count()
        .get_result(conn)
        .await
}

/// Appends a change.
pub async fn record(conn: &mut AsyncPgConnection, change: &NewSettlementChange<'_>) -> QueryResult<()> {
    diesel::insert_into(settlement_changes::table)
        .values(change)
        .execute(conn)
        .await
        .map(drop)
}
