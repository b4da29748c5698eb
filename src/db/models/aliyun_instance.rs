//! Marketplace instances (see `billing::instances` for their lifecycle).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::aliyun_instances;
use crate::domain::InstanceStatus;

/// A marketplace instance as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = aliyun_instances, check_for_backend(diesel::pg::Pg))]
pub struct AliyunInstance {
    pub instance_id: String,
    pub ali_uid: String,
    pub product_code: String,
    pub sku_id: String,
    pub order_ids: Vec<String>,
    pub trial: bool,
    pub expires_on: Option<DateTime<Utc>>,
    pub extra: serde_json::Value,
    pub status: String,
    pub claimed_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub renewed_at: Option<DateTime<Utc>>,
    pub upgraded_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
}

/// A new instance from `createInstance` (or found through the OpenAPI).
#[derive(Debug, Insertable)]
#[diesel(table_name = aliyun_instances)]
pub struct NewAliyunInstance<'a> {
    pub instance_id: &'a str,
    pub ali_uid: &'a str,
    pub product_code: &'a str,
    pub sku_id: &'a str,
    pub order_ids: Vec<String>,
    pub trial: bool,
    pub expires_on: Option<DateTime<Utc>>,
    pub extra: serde_json::Value,
    pub status: &'a str,
    /// Set when it is born expired or released (a tombstone came first).
    pub expired_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
}

/// The lifecycle columns a transition may change.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = aliyun_instances)]
pub struct InstanceChange {
    pub status: Option<&'static str>,
    pub sku_id: Option<String>,
    pub order_ids: Option<Vec<String>>,
    pub expires_on: Option<Option<DateTime<Utc>>>,
    pub extra: Option<serde_json::Value>,
    pub renewed_at: Option<DateTime<Utc>>,
    pub upgraded_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
}

impl AliyunInstance {
    /// The status as a value.
    pub fn status(&self) -> InstanceStatus {
        InstanceStatus::from_code(&self.status).unwrap_or(InstanceStatus::Released)
    }

    /// Inserts unless the instance exists; `true` when inserted. Safe under
    /// concurrent duplicates: the primary key decides.
    pub async fn insert_if_absent(
        conn: &mut AsyncPgConnection,
        new: &NewAliyunInstance<'_>,
    ) -> QueryResult<bool> {
        diesel::insert_into(aliyun_instances::table)
            .values(new)
            .on_conflict(aliyun_instances::instance_id)
            .do_nothing()
            .execute(conn)
            .await
            .map(|n| n == 1)
    }

    /// Loads an instance.
    pub async fn find(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<Option<Self>> {
        aliyun_instances::table
            .find(id)
            .select(Self::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Loads and locks an instance until the end of the transaction.
    pub async fn lock(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<Option<Self>> {
        aliyun_instances::table
            .find(id)
            .select(Self::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }

    /// Writes a transition.
    pub async fn apply(conn: &mut AsyncPgConnection, id: &str, change: &InstanceChange) -> QueryResult<()> {
        diesel::update(aliyun_instances::table.find(id))
            .set(change)
            .execute(conn)
            .await
            .map(drop)
    }

    /// R2: claims an opened instance for `account_id` unless another account
    /// did first; `true` when the account holds the claim afterwards.
    pub async fn claim(conn: &mut AsyncPgConnection, id: &str, account_id: i64) -> QueryResult<bool> {
        diesel::update(
            aliyun_instances::table
                .find(id)
                .filter(aliyun_instances::status.eq(InstanceStatus::Opened.code()))
                .filter(
                    aliyun_instances::claimed_by
                        .is_null()
                        .or(aliyun_instances::claimed_by.eq(account_id)),
                ),
        )
        .set(aliyun_instances::claimed_by.eq(account_id))
        .execute(conn)
        .await
        .map(|n| n == 1)
    }

    /// An account's claimed instances that are opened.
    pub async fn open_claimed_by(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Self>> {
        aliyun_instances::table
            .filter(aliyun_instances::claimed_by.eq(account_id))
            .filter(aliyun_instances::status.eq(InstanceStatus::Opened.code()))
            .order(aliyun_instances::created_at)
            .select(Self::as_select())
            .load(conn)
            .await
    }

    /// Every instance an account claimed.
    pub async fn claimed_by(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Self>> {
        aliyun_instances::table
            .filter(aliyun_instances::claimed_by.eq(account_id))
            .order(aliyun_instances::created_at)
            .select(Self::as_select())
            .load(conn)
            .await
    }

    /// Opened instances some Billing Center account has claimed (the
    /// reconciler checks these against the marketplace).
    pub async fn claimed_and_open(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
        aliyun_instances::table
            .filter(aliyun_instances::claimed_by.is_not_null())
            .filter(aliyun_instances::status.eq(InstanceStatus::Opened.code()))
            .select(aliyun_instances::instance_id)
            .order(aliyun_instances::instance_id)
            .load(conn)
            .await
    }
}
