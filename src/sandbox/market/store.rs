//! Queries over the simulated marketplace's tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::schema::{deliveries, failed_notifications, instances, metering, orders};

/// A purchased instance, as the marketplace keeps it.
#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = instances, check_for_backend(diesel::pg::Pg))]
pub struct Instance {
    pub instance_id: String,
    pub order_id: String,
    pub ali_uid: String,
    pub product_code: String,
    pub sku_id: String,
    /// `OPENED`, `EXPIRED` or `CLOSED`.
    pub status: String,
    pub trial: bool,
    pub began_on: DateTime<Utc>,
    pub end_on: Option<DateTime<Utc>>,
    pub created_on: DateTime<Utc>,
    pub auth_url: Option<String>,
    pub front_end_url: Option<String>,
}

/// An order of an instance.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub struct Order {
    pub order_id: String,
    pub instance_id: String,
    pub ali_uid: String,
    pub order_type: String,
    pub order_status: String,
    pub pay_status: String,
    pub product_code: String,
    pub sku_id: String,
    pub created_on: DateTime<Utc>,
}

/// An SPI call to make (or made).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: i64,
    pub instance_id: String,
    pub action: String,
    pub params: serde_json::Value,
    pub attempts: i32,
}

/// A notification given up on, for `DescribeFailedNotifications`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = failed_notifications, check_for_backend(diesel::pg::Pg))]
pub struct FailedNotification {
    pub notification_request_id: String,
    pub action: String,
    pub message: String,
    pub create_time: DateTime<Utc>,
}

/// One received usage record.
#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = metering, check_for_backend(diesel::pg::Pg))]
pub struct MeteringRow {
    pub request_id: String,
    pub instance_id: String,
    pub start_time: i64,
    pub end_time: i64,
    pub entities: serde_json::Value,
    pub received_at: DateTime<Utc>,
}

diesel::define_sql_function!(fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt);

async fn next_id(conn: &mut AsyncPgConnection, sequence: &str) -> QueryResult<String> {
    diesel::select(nextval(sequence))
        .get_result::<i64>(conn)
        .await
        .map(|n| n.to_string())
}

/// A new pay-as-you-go purchase: an opened instance and its order.
pub async fn purchase(
    conn: &mut AsyncPgConnection,
    ali_uid: &str,
    product_code: &str,
    sku_id: &str,
) -> QueryResult<Instance> {
    conn.transaction(async |conn| {
        let instance_id = next_id(conn, "sandbox.instance_ids").await?;
        let order_id = next_id(conn, "sandbox.order_ids").await?;
        diesel::insert_into(orders::table)
            .values((
                orders::order_id.eq(&order_id),
                orders::instance_id.eq(&instance_id),
                orders::ali_uid.eq(ali_uid),
                orders::order_type.eq("NEW"),
                orders::product_code.eq(product_code),
                orders::sku_id.eq(sku_id),
            ))
            .execute(conn)
            .await?;
        diesel::insert_into(instances::table)
            .values((
                instances::instance_id.eq(&instance_id),
                instances::order_id.eq(&order_id),
                instances::ali_uid.eq(ali_uid),
                instances::product_code.eq(product_code),
                instances::sku_id.eq(sku_id),
                instances::status.eq("OPENED"),
            ))
            .returning(Instance::as_returning())
            .get_result(conn)
            .await
    })
    .await
}

/// A renewal order for `instance_id`.
pub async fn renewal_order(conn: &mut AsyncPgConnection, instance: &Instance) -> QueryResult<String> {
    let order_id = next_id(conn, "sandbox.order_ids").await?;
    diesel::insert_into(orders::table)
        .values((
            orders::order_id.eq(&order_id),
            orders::instance_id.eq(&instance.instance_id),
            orders::ali_uid.eq(&instance.ali_uid),
            orders::order_type.eq("RENEW"),
            orders::product_code.eq(&instance.product_code),
            orders::sku_id.eq(&instance.sku_id),
        ))
        .execute(conn)
        .await?;
    Ok(order_id)
}

/// One instance.
pub async fn instance(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<Option<Instance>> {
    instances::table
        .find(id)
        .select(Instance::as_select())
        .first(conn)
        .await
        .optional()
}

/// One order.
pub async fn order(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<Option<Order>> {
    orders::table
        .find(id)
        .select(Order::as_select())
        .first(conn)
        .await
        .optional()
}

/// A buyer's instances (all when `ali_uid` is `None`), newest first.
pub async fn instances_of(conn: &mut AsyncPgConnection, ali_uid: Option<&str>) -> QueryResult<Vec<Instance>> {
    let mut query = instances::table
        .select(Instance::as_select())
        .order(instances::created_on.desc())
        .into_boxed();
    if let Some(uid) = ali_uid {
        query = query.filter(instances::ali_uid.eq(uid.to_string()));
    }
    query.load(conn).await
}

/// The accounts with the latest purchases, most recent first, at most `limit`.
pub async fn recent_buyers(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<String>> {
    instances::table
        .group_by(instances::ali_uid)
        .select(instances::ali_uid)
        .order(diesel::dsl::max(instances::created_on).desc())
        .limit(limit)
        .load(conn)
        .await
}

/// Changes an instance's status and end.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: &str,
    status: &str,
    end_on: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(instances::table.find(id))
        .set((instances::status.eq(status), instances::end_on.eq(end_on)))
        .execute(conn)
        .await
        .map(drop)
}

/// Remembers the access details the ISV answered createInstance with.
pub async fn set_app_info(
    conn: &mut AsyncPgConnection,
    id: &str,
    front_end: Option<&str>,
    auth: Option<&str>,
) -> QueryResult<()> {
    diesel::update(instances::table.find(id))
        .set((
            instances::front_end_url.eq(front_end),
            instances::auth_url.eq(auth),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Queues an SPI call whose first attempt the caller makes right away (the
/// retry worker leaves it alone until that attempt is recorded).
pub async fn queue(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    action: &str,
    params: &serde_json::Value,
) -> QueryResult<Delivery> {
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::instance_id.eq(instance_id),
            deliveries::action.eq(action),
            deliveries::params.eq(params),
            deliveries::next_attempt_at.eq(Utc::now() + chrono::Duration::hours(1)),
        ))
        .returning(Delivery::as_returning())
        .get_result(conn)
        .await
}

/// Locks due pending calls (inside a transaction).
pub async fn claim_due(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Delivery>> {
    deliveries::table
        .filter(deliveries::status.eq("pending"))
        .filter(deliveries::next_attempt_at.le(diesel::dsl::now))
        .order(deliveries::id)
        .limit(limit)
        .select(Delivery::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Records an attempt: `delivered`, retried at `retry_at`, or given up (then
/// it becomes a failed notification).
pub async fn record_attempt(
    conn: &mut AsyncPgConnection,
    delivery: &Delivery,
    result: Result<(), &str>,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let (status, error) = match (result, retry_at) {
        (Ok(()), _) => ("delivered", None),
        (Err(e), Some(_)) => ("pending", Some(e)),
        (Err(e), None) => ("failed", Some(e)),
    };
    diesel::update(deliveries::table.find(delivery.id))
        .set((
            deliveries::status.eq(status),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::last_error.eq(error),
            deliveries::next_attempt_at.eq(retry_at.unwrap_or_else(Utc::now)),
        ))
        .execute(conn)
        .await?;
    if status == "failed" {
        let mut message = delivery.params.as_object().cloned().unwrap_or_default();
        message.insert("action".into(), delivery.action.clone().into());
        diesel::insert_into(failed_notifications::table)
            .values((
                failed_notifications::notification_request_id.eq(uuid::Uuid::new_v4().to_string()),
                failed_notifications::action.eq(&delivery.action),
                failed_notifications::message.eq(serde_json::Value::Object(message).to_string()),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Unconfirmed failed notifications, oldest first: (total, page).
pub async fn failed(
    conn: &mut AsyncPgConnection,
    page: i64,
    size: i64,
) -> QueryResult<(i64, Vec<FailedNotification>)> {
    let open = || failed_notifications::table.filter(failed_notifications::confirmed_at.is_null());
    let total = open().count().get_result(conn).await?;
    let list = open()
        .order(failed_notifications::create_time)
        .offset((page - 1).max(0) * size)
        .limit(size)
        .select(FailedNotification::as_select())
        .load(conn)
        .await?;
    Ok((total, list))
}

/// Confirms a failed notification; `false` when there is none with that id.
pub async fn confirm(conn: &mut AsyncPgConnection, id: &str) -> QueryResult<bool> {
    diesel::update(failed_notifications::table.find(id))
        .set(failed_notifications::confirmed_at.eq(Some(Utc::now())))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// When the instance's usage was last pushed.
pub async fn last_push(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
) -> QueryResult<Option<DateTime<Utc>>> {
    metering::table
        .filter(metering::instance_id.eq(instance_id))
        .select(diesel::dsl::max(metering::received_at))
        .get_result(conn)
        .await
}

/// Stores one pushed record.
pub async fn store_metering(
    conn: &mut AsyncPgConnection,
    request_id: &str,
    instance_id: &str,
    start: i64,
    end: i64,
    entities: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(metering::table)
        .values((
            metering::request_id.eq(request_id),
            metering::instance_id.eq(instance_id),
            metering::start_time.eq(start),
            metering::end_time.eq(end),
            metering::entities.eq(entities),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Every pushed record, oldest first.
pub async fn metering_rows(conn: &mut AsyncPgConnection) -> QueryResult<Vec<MeteringRow>> {
    metering::table
        .order(metering::id)
        .select(MeteringRow::as_select())
        .load(conn)
        .await
}
