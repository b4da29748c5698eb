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

/// Appends a change.
pub async fn record(conn: &mut AsyncPgConnection, change: &NewSettlementChange<'_>) -> QueryResult<()> {
    diesel::insert_into(settlement_changes::table)
        .values(change)
        .execute(conn)
        .await
        .map(drop)
}
