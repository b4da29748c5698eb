//! Marketplace instances (see `billing::instances` for their lifecycle).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::db::prepared::{Bind, Prepared};
use crate::db::schema::aliyun_instances;
use crate::domain::InstanceStatus;

/// A marketplace instance as stored. Its details (account, product, SKU) are
/// `None` only while we know it solely from a release or expiry that came
/// before its `createInstance` (R8; such an instance is never opened).
#[derive(Clone, Debug, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = aliyun_instances, check_for_backend(diesel::pg::Pg))]
pub struct AliyunInstance {
    pub instance_id: String,
    pub ali_uid: Option<String>,
    pub product_code: Option<String>,
    pub sku_id: Option<String>,
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

/// What the create statement found.
#[derive(QueryableByName)]
struct Created {
    /// It inserted the instance or completed one known only as ended.
    #[diesel(sql_type = Bool)]
    applied: bool,
    /// The instance was there, created, before the statement began.
    #[diesel(sql_type = Bool)]
    repeat: bool,
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

    /// Whether its `createInstance` reached us (else we only know it ended).
    pub fn created(&self) -> bool {
        self.ali_uid.is_some()
    }

    /// The buyer's Alibaba Cloud account ID, for pages: every instance an
    /// account claimed or a buyer signed on with was created, so has one.
    pub fn account_id(&self) -> &str {
        self.ali_uid.as_deref().unwrap_or_default()
    }

    /// `createInstance`, recorded in the SPI inbox by the same statement: a
    /// new instance is inserted; one we knew only as ended gets its details
    /// and stays ended; a repeat changes nothing. One statement, so a repeat
    /// takes no lock and needs no transaction; `true` when it changed something.
    pub async fn create_recording(
        conn: &mut AsyncPgConnection,
        new: &NewAliyunInstance<'_>,
        inbox: &crate::db::models::spi_inbox::NewInboxRow<'_>,
        outcomes: [&str; 2],
    ) -> QueryResult<bool> {
        // The values once, in `v`; a constant text, so each connection keeps
        // the statement prepared (`Prepared`) instead of planning it per call.
        const SQL: &str = "WITH v AS (
                 SELECT $? AS instance_id, $? AS ali_uid, $? AS product_code, $? AS sku_id,
                        $? AS order_ids, $? AS trial, $? AS expires_on, $? AS extra),
             ins AS (
                 INSERT INTO aliyun_instances
                     (instance_id, ali_uid, product_code, sku_id, order_ids, trial, expires_on, extra, status)
                 SELECT v.*, 'opened' FROM v
                 -- A repeat (most calls) is seen here and never attempts the
                 -- insert, which would leave a dead row behind each time.
                 WHERE NOT EXISTS (SELECT 1 FROM aliyun_instances a WHERE a.instance_id = v.instance_id)
                 ON CONFLICT (instance_id) DO NOTHING
                 RETURNING 1),
             fill AS (
                 UPDATE aliyun_instances a
                 SET ali_uid = v.ali_uid, product_code = v.product_code, sku_id = v.sku_id,
                     order_ids = v.order_ids, trial = v.trial, expires_on = v.expires_on, extra = v.extra
                 FROM v
                 WHERE a.instance_id = v.instance_id AND a.ali_uid IS NULL AND NOT EXISTS (SELECT 1 FROM ins)
                 RETURNING 1),
             done AS (
                 SELECT EXISTS (SELECT 1 FROM ins) OR EXISTS (SELECT 1 FROM fill) AS applied,
                        EXISTS (SELECT 1 FROM aliyun_instances a, v
                                WHERE a.instance_id = v.instance_id AND a.ali_uid IS NOT NULL) AS repeat),
             recorded AS (
                 INSERT INTO spi_inbox (action, instance_id, order_id, params, outcome, source, notification_id)
                 SELECT $?, v.instance_id, $?, $?, CASE WHEN applied THEN $? ELSE $? END, $?, $?
                 FROM done, v WHERE applied OR repeat
                 ON CONFLICT DO NOTHING)
             SELECT applied, repeat FROM done";
        let done: Created = Prepared::new(
            SQL,
            vec![
                Bind::Text(new.instance_id),
                Bind::Text(new.ali_uid),
                Bind::Text(new.product_code),
                Bind::Text(new.sku_id),
                Bind::TextArray(&new.order_ids),
                Bind::Bool(new.trial),
                Bind::OptionalTimestamptz(new.expires_on),
                Bind::Jsonb(&new.extra),
                Bind::Text(inbox.action),
                Bind::OptionalText(inbox.order_id),
                Bind::Jsonb(&inbox.params),
                Bind::Text(outcomes[0]),
                Bind::Text(outcomes[1]),
                Bind::Text(inbox.source),
                Bind::OptionalText(inbox.notification_id),
            ],
        )
        .get_result(conn)
        .await?;
        if done.applied || done.repeat {
            return Ok(done.applied);
        }
        // The row appeared while this statement ran (its snapshot could not
        // see it): a release or expiry remembered it, or another create made
        // it. A fresh statement sees it; complete it if it lacks details.
        conn.transaction(async |conn| {
            let filled = diesel::update(
                aliyun_instances::table
                    .find(new.instance_id)
                    .filter(aliyun_instances::ali_uid.is_null()),
            )
            .set((
                aliyun_instances::ali_uid.eq(new.ali_uid),
                aliyun_instances::product_code.eq(new.product_code),
                aliyun_instances::sku_id.eq(new.sku_id),
                aliyun_instances::order_ids.eq(&new.order_ids),
                aliyun_instances::trial.eq(new.trial),
                aliyun_instances::expires_on.eq(new.expires_on),
                aliyun_instances::extra.eq(&new.extra),
            ))
            .execute(conn)
            .await?
                == 1;
            let outcome = if filled { outcomes[0] } else { outcomes[1] };
            crate::db::models::spi_inbox::record(conn, &inbox.with_outcome(outcome)).await?;
            Ok(filled)
        })
        .await
    }

    /// Remembers that the marketplace ended an instance we have no record of:
    /// the row, with no details, in status `ended`. `false` when a row exists
    /// (a create got there first): then lock that one.
    pub async fn remember_ended(
        conn: &mut AsyncPgConnection,
        id: &str,
        ended: InstanceStatus,
        now: DateTime<Utc>,
    ) -> QueryResult<bool> {
        let (expired_at, released_at) = match ended {
            InstanceStatus::Released => (None, Some(now)),
            _ => (Some(now), None),
        };
        diesel::insert_into(aliyun_instances::table)
            .values((
                aliyun_instances::instance_id.eq(id),
                aliyun_instances::status.eq(ended.code()),
                aliyun_instances::expired_at.eq(expired_at),
                aliyun_instances::released_at.eq(released_at),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await
            .map(|n| n == 1)
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
    pub async fn find(mut conn: &AsyncPgConnection, id: &str) -> QueryResult<Option<Self>> {
        aliyun_instances::table
            .find(id)
            .select(Self::as_select())
            .first(&mut conn)
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
    pub async fn open_claimed_by(mut conn: &AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Self>> {
        aliyun_instances::table
            .filter(aliyun_instances::claimed_by.eq(account_id))
            .filter(aliyun_instances::status.eq(InstanceStatus::Opened.code()))
            .order(aliyun_instances::created_at)
            .select(Self::as_select())
            .load(&mut conn)
            .await
    }

    /// Every instance an account claimed.
    pub async fn claimed_by(mut conn: &AsyncPgConnection, account_id: i64) -> QueryResult<Vec<Self>> {
        aliyun_instances::table
            .filter(aliyun_instances::claimed_by.eq(account_id))
            .order(aliyun_instances::created_at)
            .select(Self::as_select())
            .load(&mut conn)
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
