//! R1: before an instance settles a workspace, check that it exists, is ours,
//! belongs to the account ID the user typed, and is opened. Our own record
//! (from the SPI) answers first ([`check_record`]); the Market OpenAPI answers
//! when we have never heard of the instance ([`ask_marketplace`]:
//! `DescribeInstanceForIsv`, then `DescribeOrderForIsv` for the buyer's
//! account). The two halves are separate so that the slow one runs with no
//! database connection held (see `billing::binding`).

use chrono::{DateTime, TimeZone, Utc};

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

/// An instance the marketplace vouched for, to store before binding it.
#[derive(Clone, Debug)]
pub struct VerifiedInstance {
    pub instance_id: String,
    pub ali_uid: String,
    pub product_code: String,
    pub sku_id: String,
    pub order_id: String,
    pub trial: bool,
    pub expires_on: Option<DateTime<Utc>>,
}

impl VerifiedInstance {
    /// The row to insert for it.
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

/// R1 against our own record of the instance.
pub fn check_record(
    local: &AliyunInstance,
    ali_uid: &AliUid,
    product_code: &str,
) -> Result<(), VerifyFailure> {
    // An instance known only from its end (no details yet) fails on its status.
    if let (Some(code), Some(uid)) = (&local.product_code, &local.ali_uid) {
        if code != product_code {
            return Err(VerifyFailure::UnknownInstance);
        }
        if uid != ali_uid.as_ref() {
            return Err(VerifyFailure::AccountMismatch);
        }
    }
    match local.status() {
        InstanceStatus::Opened => Ok(()),
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

/// R1 for an instance we have no record of: the marketplace's word. Network
/// calls only: call it holding no connection.
pub async fn ask_marketplace(
    market: &MarketClient,
    product_code: &str,
    instance_id: &InstanceId,
    ali_uid: &AliUid,
) -> Result<VerifiedInstance, VerifyFailure> {
    let instance = market
        .describe_instance(instance_id.as_ref())
        .await
        .map_err(|e| remote_failure(&e))?;
    if instance.product_code != product_code {
        return Err(VerifyFailure::UnknownInstance);
    }
    match instance.status.as_str() {
        "OPENED" | "OPENING" => {}
        "EXPIRED" => return Err(VerifyFailure::Expired),
        _ => return Err(VerifyFailure::Closed),
    }
    let order = market
        .describe_order(&instance.order_id)
        .await
        .map_err(|e| remote_failure(&e))?;
    if order.ali_uid != ali_uid.as_ref() {
        return Err(VerifyFailure::AccountMismatch);
    }
    if matches!(order.order_status.as_str(), "REFUND" | "DELETE") {
        return Err(VerifyFailure::Closed);
    }
    Ok(VerifiedInstance {
        instance_id: instance_id.as_ref().to_string(),
        ali_uid: order.ali_uid,
        product_code: instance.product_code,
        sku_id: instance.product_sku_code,
        order_id: instance.order_id,
        trial: instance.is_trial,
        expires_on: instance
            .end_on
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
    })
}
