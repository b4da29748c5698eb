//! The append-only history of settlement methods.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::{settlement_changes, workspaces};

/// A change as the history page shows it.
#[derive(Clone, Debug, Queryable)]
pub struct HistoryEntry {
    pub workspace_id: String,
    pub workspace_name: String,
    pub from_method: Option<String>,
    pub to_method: String,
    pub aliyun_instance_id: Option<String>,
    pub reason: String,
    pub actor: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// One page of an account's changes, newest first, and how many there are.
pub async fn history_of_account(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<HistoryEntry>)> {
    let of_account = || {
        settlement_changes::table
            .inner_join(workspaces::table)
            .filter(workspaces::account_id.eq(account_id))
    };
    let total = of_account().count().get_result(conn).await?;
    let entries = of_account()
        .order((
            settlement_changes::created_at.desc(),
            settlement_changes::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((
            settlement_changes::workspace_id,
            workspaces::name,
            settlement_changes::from_method,
            settlement_changes::to_method,
            settlement_changes::aliyun_instance_id,
            settlement_changes::reason,
            settlement_changes::actor,
            settlement_changes::created_at,
        ))
        .load(conn)
        .await?;
    Ok((total, entries))
}

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
    pub created_at: chrono::DateTime<chrono::Utc>,
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

/// One row per switched workspace, in one statement (a release may switch
/// a thousand).
pub async fn record_many(
    conn: &mut AsyncPgConnection,
    switched: &[crate::db::models::notice::NoticeWorkspace],
    instance_id: &str,
    reason: &str,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<()> {
    if switched.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewSettlementChange<'_>> = switched
        .iter()
        .map(|w| NewSettlementChange {
            workspace_id: &w.id,
            from_method: Some(&w.from),
            to_method: &w.to,
            aliyun_instance_id: Some(instance_id),
            reason,
            actor,
            created_at: now,
        })
        .collect();
    diesel::insert_into(settlement_changes::table)
        .values(&rows)
        .execute(conn)
        .await
        .map(drop)
}
