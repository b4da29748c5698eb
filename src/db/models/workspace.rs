//! Workspaces and their settlement.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rand::RngCore;

use crate::db::schema::workspaces;

/// A workspace as stored.
#[derive(Clone, Debug, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub site: String,
    pub language: String,
    pub account_id: i64,
    pub console_user_id: Option<i64>,
    pub settlement_method: String,
    pub aliyun_instance_id: Option<String>,
    pub status: String,
    pub grace_deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A new workspace.
#[derive(Debug, Insertable)]
#[diesel(table_name = workspaces)]
pub struct NewWorkspace<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub site: &'a str,
    pub language: &'a str,
    pub account_id: i64,
    pub console_user_id: Option<i64>,
    pub settlement_method: &'a str,
    pub aliyun_instance_id: Option<&'a str>,
}

/// A fresh public workspace id: `wksp_` and 32 hex digits.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("wksp_{}", hex::encode(bytes))
}

impl Workspace {
    /// Inserts a workspace.
    pub async fn create(conn: &mut AsyncPgConnection, new: &NewWorkspace<'_>) -> QueryResult<Workspace> {
        diesel::insert_into(workspaces::table)
            .values(new)
            .returning(Workspace::as_returning())
            .get_result(conn)
            .await
    }

    /// The workspace a console user's registration activated, if any.
    pub async fn of_console_user(
        conn: &mut AsyncPgConnection,
        console_user_id: i64,
    ) -> QueryResult<Option<Workspace>> {
        workspaces::table
            .filter(workspaces::console_user_id.eq(console_user_id))
            .select(Workspace::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// An account's workspace by id (another account's id finds nothing).
    pub async fn find_for_account(
        conn: &mut AsyncPgConnection,
        account_id: i64,
        id: &str,
    ) -> QueryResult<Option<Workspace>> {
        workspaces::table
            .find(id)
            .filter(workspaces::account_id.eq(account_id))
            .select(Workspace::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Loads and locks an account's workspace for the rest of the transaction.
    pub async fn lock_for_account(
        conn: &mut AsyncPgConnection,
        account_id: i64,
        id: &str,
    ) -> QueryResult<Option<Workspace>> {
        workspaces::table
            .find(id)
            .filter(workspaces::account_id.eq(account_id))
            .select(Workspace::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// Sets the settlement; a workspace that was in grace or locked because of
    /// its old binding becomes active.
    pub async fn set_settlement(
        conn: &mut AsyncPgConnection,
        id: &str,
        method: &str,
        instance_id: Option<&str>,
    ) -> QueryResult<Workspace> {
        diesel::update(workspaces::table.find(id))
            .set((
                workspaces::settlement_method.eq(method),
                workspaces::aliyun_instance_id.eq(instance_id),
                workspaces::status.eq("active"),
                workspaces::grace_deadline.eq(None::<DateTime<Utc>>),
            ))
            .returning(Workspace::as_returning())
            .get_result(conn)
            .await
    }

    /// Locks every workspace bound to an instance, in id order (after the
    /// instance row: see `billing::binding`).
    pub async fn lock_bound_to(
        conn: &mut AsyncPgConnection,
        instance_id: &str,
    ) -> QueryResult<Vec<Workspace>> {
        workspaces::table
            .filter(workspaces::aliyun_instance_id.eq(instance_id))
            .order(workspaces::id)
            .select(Workspace::as_select())
            .for_update()
            .load(conn)
            .await
    }

    /// R7: the workspaces of an expired instance keep working until `deadline`.
    pub async fn start_grace(
        conn: &mut AsyncPgConnection,
        instance_id: &str,
        deadline: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::update(workspaces::table.filter(workspaces::aliyun_instance_id.eq(instance_id)))
            .set((
                workspaces::status.eq("grace"),
                workspaces::grace_deadline.eq(Some(deadline)),
            ))
            .execute(conn)
            .await
    }

    /// Instances with workspaces whose grace ended by `now`.
    pub async fn instances_past_grace(
        conn: &mut AsyncPgConnection,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<String>> {
        workspaces::table
            .filter(workspaces::status.eq("grace"))
            .filter(workspaces::grace_deadline.le(now))
            .filter(workspaces::aliyun_instance_id.is_not_null())
            .select(workspaces::aliyun_instance_id.assume_not_null())
            .distinct()
            .load(conn)
            .await
    }

    /// Locks the workspaces of `instance_id` whose grace ended by `now`;
    /// returns them.
    pub async fn lock_past_grace(
        conn: &mut AsyncPgConnection,
        instance_id: &str,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<Workspace>> {
        diesel::update(
            workspaces::table
                .filter(workspaces::aliyun_instance_id.eq(instance_id))
                .filter(workspaces::status.eq("grace"))
                .filter(workspaces::grace_deadline.le(now)),
        )
        .set(workspaces::status.eq("locked"))
        .returning(Workspace::as_returning())
        .get_results(conn)
        .await
    }

    /// A renewed instance's workspaces are active again.
    pub async fn end_grace(conn: &mut AsyncPgConnection, instance_id: &str) -> QueryResult<usize> {
        diesel::update(workspaces::table.filter(workspaces::aliyun_instance_id.eq(instance_id)))
            .set((
                workspaces::status.eq("active"),
                workspaces::grace_deadline.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await
    }

    /// An account's workspaces in grace or locked, soonest deadline first.
    pub async fn needing_attention(
        conn: &mut AsyncPgConnection,
        account_id: i64,
    ) -> QueryResult<Vec<Workspace>> {
        workspaces::table
            .filter(workspaces::account_id.eq(account_id))
            .filter(workspaces::status.ne("active"))
            .order(workspaces::grace_deadline)
            .select(Workspace::as_select())
            .load(conn)
            .await
    }

    /// Every workspace of an account, oldest first.
    pub async fn of_account(mut conn: &AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Workspace>> {
        oldest_first(account_id)
            .select(Workspace::as_select())
            .load(&mut conn)
            .await
    }

    /// The ids and names of the account's workspaces, in the order of
    /// [`Self::of_account`]: what a filter offers (pipelined when `conn` is
    /// shared), without the rest of each row.
    pub async fn names_of_account(
        mut conn: &AsyncPgConnection,
        account_id: i64,
    ) -> QueryResult<Vec<(String, String)>> {
        oldest_first(account_id)
            .select((workspaces::id, workspaces::name))
            .load(&mut conn)
            .await
    }
}

/// An account's workspaces, oldest first (ties by id).
#[diesel::dsl::auto_type]
fn oldest_first(account_id: i64) -> _ {
    workspaces::table
        .filter(workspaces::account_id.eq(account_id))
        .order((workspaces::created_at, workspaces::id))
}
