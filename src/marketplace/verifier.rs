//! R1: before an instance settles a workspace, check that it exists, is ours,
//! belongs to the account ID the user typed, and is opened. Our own record
//! (from the SPI) answers first; the Market OpenAPI answers when we have
//! never heard of the instance (`DescribeInstanceForIsv`, then
//! `DescribeOrderForIsv` for the buyer's account).

use chrono::{DateTime, TimeZone, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use super::openapi::{MarketClient, MarketError};
use crate::db::models::aliyun_instance::{AliyunInstance, NewAliyunInstance};
use crate::domain::{AliUid, InstanceId, InstanceStatus};

/// Why an instance cannot be bound; each has its own message on the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyFailure {
    /// Neither we nor the marketplace know it (or it is another product's).
    UnknownInstance,
    /// It belongs to another Alibaba Cloud account.
    AccountMismatch,
    /// It has expired.
    Expired,
    /// It was closed (released).
    Closed,
    /// The marketplace could not be asked; try again.
    Unreachable,
}

impl VerifyFailure {
    /// The form message id.
    pub fn message(self) -> &'static str {
        match self {
            VerifyFailure::UnknownInstance => "error-instance-unknown",
            VerifyFailure::AccountMismatch => "error-instance-account-mismatch",
            VerifyFailure::Expired => "error-instance-expired",
            VerifyFailure::Closed => "error-instance-closed",
            VerifyFailure::Unreachable => "error-marketplace-unreachable",
        }
    }
}

/// A verified instance, and what to store when we learnt of it from the OpenAPI.
#[derive(Clone, Debug)]
pub struct VerifiedInstance {
    pub instance_id: String,
    pub ali_uid: String,
    pub product_code: String,
    pub sku_id: String,
    pub order_id: String,
    pub trial: bool,
    pub expires_on: Option<DateTime<Utc>>,
    /// False when only the OpenAPI knew it: store it with [`Self::new_row`].
    pub known_locally: bool,
}

impl VerifiedInstance {
    /// The row to insert for an instance learnt from the OpenAPI.
    pub fn new_row(&self) -> NewAliyunInstance<'_> {
        NewAliyunInstance {
            instance_id: &self.instance_id,
            ali_uid: &self.ali_uid,
            product_code: &self.product_code,
            sku_id: &self.sku_id,
            order_ids: vec![self.order_id.clone()],
            trial: self.trial,
            expires_on: self.expires_on,
            extra: serde_json::json!({}),
            status: InstanceStatus::Opened.code(),
        }
    }
}

fn from_local(
    local: &AliyunInstance,
    ali_uid: &AliUid,
    product_code: &str,
) -> Result<VerifiedInstance, VerifyFailure> {
    if local.product_code != product_code {
        return Err(VerifyFailure::UnknownInstance);
    }
    if local.ali_uid != ali_uid.as_ref() {
        return Err(VerifyFailure::AccountMismatch);
    }
    match local.status() {
        InstanceStatus::Opened => Ok(VerifiedInstance {
            instance_id: local.instance_id.clone(),
            ali_uid: local.ali_uid.clone(),
            product_code: local.product_code.clone(),
            sku_id: local.sku_id.clone(),
            order_id: local.order_ids.first().cloned().unwrap_or_default(),
            trial: local.trial,
            expires_on: local.expires_on,
            known_locally: true,
        }),
        InstanceStatus::Expired => Err(VerifyFailure::Expired),
        InstanceStatus::Released => Err(VerifyFailure::Closed),
    }
}

fn remote_failure(e: &MarketError) -> VerifyFailure {
    match e {
        MarketError::NotFound { .. }
        | MarketError::InvalidParameter { .. }
        | MarketError::PermissionDenied { .. } => VerifyFailure::UnknownInstance,
        other => {
            tracing::warn!(error = %other, "the Market OpenAPI could not verify an instance");
            VerifyFailure::Unreachable
        }
    }
}

/// Applies R1 to `instance_id` claimed by the holder of `ali_uid`.
pub async fn verify_instance(
    conn: &mut AsyncPgConnection,
    market: &MarketClient,
    product_code: &str,
    instance_id: &InstanceId,
    ali_uid: &AliUid,
) -> QueryResult<Result<VerifiedInstance, VerifyFailure>> {
    if let Some(local) = AliyunInstance::find(conn, instance_id.as_ref()).await? {
        return Ok(from_local(&local, ali_uid, product_code));
    }
    let instance = match market.describe_instance(instance_id.as_ref()).await {
        Ok(instance) => instance,
        Err(e) => return Ok(Err(remote_failure(&e))),
    };
    if instance.product_code != product_code {
        return Ok(Err(VerifyFailure::UnknownInstance));
    }
    match instance.status.as_str() {
        "OPENED" | "OPENING" => {}
        "EXPIRED" => return Ok(Err(VerifyFailure::Expired)),
        _ => return Ok(Err(VerifyFailure::Closed)),
    }
    let order = match market.describe_order(&instance.order_id).await {
        Ok(order) => order,
        Err(e) => return Ok(Err(remote_failure(&e))),
    };
    if order.ali_uid != ali_uid.as_ref() {
        return Ok(Err(VerifyFailure::AccountMismatch));
    }
    if matches!(order.order_status.as_str(), "REFUND" | "DELETE") {
        return Ok(Err(VerifyFailure::Closed));
    }
    Ok(Ok(VerifiedInstance {
        instance_id: instance_id.as_ref().to_string(),
        ali_uid: order.ali_uid,
        product_code: instance.product_code,
        sku_id: instance.product_sku_code,
        order_id: instance.order_id,
        trial: instance.is_trial,
        expires_on: instance
            .end_on
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        known_locally: false,
    }))
}
