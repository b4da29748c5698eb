//! The SPI actions (SPEC 4.2): parse a verified call into a typed action,
//! apply it through `billing::instances`, and record it in the inbox, all in
//! one transaction. The HTTP endpoint and the reconciler (replaying failed
//! notifications) both come through [`handle`].

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::params::Params;
use crate::billing::instances::{self, Change, Trigger};
use crate::billing::notices::Notifier;
use crate::db::models::aliyun_instance::{AliyunInstance, NewAliyunInstance};
use crate::db::models::spi_inbox::{self, NewInboxRow};
use crate::domain::{AliUid, InstanceId, InstanceStatus};

/// How far a `verify` timeStamp may be from now.
pub const VERIFY_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

/// Parameters with a meaning of their own; any other parameter of
/// createInstance/upgradeInstance is an extra billing item.
const KNOWN: &[&str] = &[
    "action",
    "token",
    "aliUid",
    "orderBizId",
    "orderId",
    "productCode",
    "skuId",
    "trial",
    "expiredOn",
    "template",
    "ecsInstanceId",
    "instanceId",
    "isRefund",
    "timeStamp",
];

/// The actions of the protocol (a metrics label is one of these or `other`).
const ACTIONS: &[&str] = &[
    "createInstance",
    "renewInstance",
    "upgradeInstance",
    "refundRenewInstance",
    "expiredInstance",
    "releaseInstance",
    "verify",
];

/// `action` as a metrics label: bounded, whatever a caller sends.
pub fn metric_label(action: &str) -> &'static str {
    ACTIONS.iter().find(|a| **a == action).copied().unwrap_or("other")
}

/// A marketplace call, parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum SpiCall {
    Create {
        ali_uid: AliUid,
        instance_id: InstanceId,
        order_id: String,
        product_code: String,
        sku_id: String,
        trial: bool,
        expires_on: Option<DateTime<Utc>>,
        extra: serde_json::Map<String, serde_json::Value>,
    },
    Renew {
        instance_id: InstanceId,
        order_id: Option<String>,
        expires_on: DateTime<Utc>,
    },
    Upgrade {
        instance_id: InstanceId,
        sku_id: String,
        order_id: Option<String>,
        extra: serde_json::Map<String, serde_json::Value>,
    },
    RefundRenew {
        instance_id: InstanceId,
        expires_on: DateTime<Utc>,
    },
    Expired {
        instance_id: InstanceId,
    },
    Release {
        instance_id: InstanceId,
        order_id: Option<String>,
    },
    Verify {
        instance_id: InstanceId,
        time_stamp: DateTime<Utc>,
        token: String,
    },
}

/// Alibaba's `yyyy-MM-dd HH:mm:ss`, in Beijing time.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M:%S").ok()?;
    Shanghai
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// The same format, for signing calls like Alibaba (the sandbox).
pub fn format_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn required<'a>(p: &'a Params, name: &str) -> Result<&'a str, String> {
    p.get(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("missing parameter: {name}"))
}

fn optional(p: &Params, name: &str) -> Option<String> {
    p.get(name).filter(|v| !v.trim().is_empty()).map(str::to_string)
}

fn instance(p: &Params, name: &str) -> Result<InstanceId, String> {
    InstanceId::parse(required(p, name)?)
        .map_err(|_| format!("{name} must be a positive number without leading zeros"))
}

fn time(p: &Params, name: &str) -> Result<DateTime<Utc>, String> {
    parse_time(required(p, name)?).ok_or_else(|| format!("{name} must be yyyy-MM-dd HH:mm:ss"))
}

fn extras(p: &Params) -> serde_json::Map<String, serde_json::Value> {
    p.signed()
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(k))
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
        .collect()
}

impl SpiCall {
    /// Reads a call; the message says what is wrong with it.
    pub fn parse(p: &Params) -> Result<Self, String> {
        let action = required(p, "action")?;
        Ok(match action {
            "createInstance" => SpiCall::Create {
                ali_uid: AliUid::parse(required(p, "aliUid")?).map_err(|_| "aliUid must be numeric")?,
                instance_id: instance(p, "orderBizId")?,
                order_id: required(p, "orderId")?.to_string(),
                product_code: required(p, "productCode")?.to_string(),
                sku_id: required(p, "skuId")?.to_string(),
                trial: match required(p, "trial")? {
                    "true" => true,
                    "false" => false,
                    _ => return Err("trial must be true or false".into()),
                },
                expires_on: match optional(p, "expiredOn") {
                    Some(_) => Some(time(p, "expiredOn")?),
                    None => None,
                },
                extra: extras(p),
            },
            "renewInstance" => SpiCall::Renew {
                instance_id: instance(p, "instanceId")?,
                order_id: optional(p, "orderId"),
                expires_on: time(p, "expiredOn")?,
            },
            "upgradeInstance" => SpiCall::Upgrade {
                instance_id: instance(p, "instanceId")?,
                sku_id: required(p, "skuId")?.to_string(),
                order_id: optional(p, "orderId"),
                extra: extras(p),
            },
            "refundRenewInstance" => SpiCall::RefundRenew {
                instance_id: instance(p, "instanceId")?,
                expires_on: time(p, "expiredOn")?,
            },
            "expiredInstance" => SpiCall::Expired {
                instance_id: instance(p, "instanceId")?,
            },
            "releaseInstance" => SpiCall::Release {
                instance_id: instance(p, "instanceId")?,
                order_id: optional(p, "orderId"),
            },
            "verify" => SpiCall::Verify {
                instance_id: instance(p, "instanceId")?,
                time_stamp: time(p, "timeStamp")?,
                token: required(p, "token")?.to_ascii_lowercase(),
            },
            other => {
                let shown: String = other.chars().take(40).collect();
                return Err(format!("unknown action: {shown}"));
            }
        })
    }

    fn instance_id(&self) -> &InstanceId {
        match self {
            SpiCall::Create { instance_id, .. }
            | SpiCall::Renew { instance_id, .. }
            | SpiCall::Upgrade { instance_id, .. }
            | SpiCall::RefundRenew { instance_id, .. }
            | SpiCall::Expired { instance_id }
            | SpiCall::Release { instance_id, .. }
            | SpiCall::Verify { instance_id, .. } => instance_id,
        }
    }

    fn order_id(&self) -> Option<&str> {
        match self {
            SpiCall::Create { order_id, .. } => Some(order_id),
            SpiCall::Renew { order_id, .. }
            | SpiCall::Upgrade { order_id, .. }
            | SpiCall::Release { order_id, .. } => order_id.as_deref(),
            _ => None,
        }
    }
}

/// Where a call came from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// The SPI endpoint (token already verified).
    Spi,
    /// A failed notification pulled by the reconciler, with its request id.
    FailedNotification(&'a str),
}

/// What to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// createInstance: `{"instanceId": ..., "appInfo": ...}`.
    Created { instance_id: String },
    /// `{"success": true}`.
    Success,
    /// verify passed: send the browser to the welcome page with this instance.
    Verified { instance_id: String },
    /// 400 with a message (recorded in the inbox as a rejection).
    Rejected(String),
}

/// Applies a call with a valid token (or a replayed failed notification) and
/// records it in the inbox, atomically: a `createInstance` in one statement
/// (see `AliyunInstance::create_recording`), any other call in one
/// transaction with its effect.
pub async fn handle(
    conn: &mut AsyncPgConnection,
    params: &Params,
    source: Source<'_>,
    product_code: &str,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> QueryResult<Reply> {
    let (source_code, notification_id) = match source {
        Source::Spi => ("spi", None),
        Source::FailedNotification(id) => ("failed_notification", Some(id)),
    };
    if let Some(id) = notification_id
        && spi_inbox::has_notification(conn, id).await?
    {
        return Ok(Reply::Success);
    }
    let call = SpiCall::parse(params);
    let inbox = NewInboxRow {
        action: params.get("action").unwrap_or(""),
        instance_id: call.as_ref().ok().map(|c| c.instance_id().as_ref()),
        order_id: call.as_ref().ok().and_then(SpiCall::order_id),
        params: params.to_json(),
        outcome: "",
        source: source_code,
        notification_id,
    };
    let call = match &call {
        Err(message) => {
            let outcome = format!("rejected: {message}");
            spi_inbox::record(conn, &inbox.with_outcome(&outcome)).await?;
            return Ok(Reply::Rejected(message.clone()));
        }
        Ok(call) => call,
    };
    if let SpiCall::Create { .. } = call {
        return create(conn, call, product_code, &inbox).await;
    }
    conn.transaction(async |conn| {
        let (reply, outcome) = apply(conn, call, notifier, now).await?;
        spi_inbox::record(conn, &inbox.with_outcome(&outcome)).await?;
        Ok(reply)
    })
    .await
}

/// `createInstance`: the instance (R8: created once, whatever the order and
/// repeats) and its inbox row in one statement.
async fn create(
    conn: &mut AsyncPgConnection,
    call: &SpiCall,
    product_code: &str,
    inbox: &NewInboxRow<'_>,
) -> QueryResult<Reply> {
    let SpiCall::Create {
        ali_uid,
        instance_id,
        order_id,
        product_code: code,
        sku_id,
        trial,
        expires_on,
        extra,
    } = call
    else {
        return Ok(Reply::Rejected("not a createInstance".into()));
    };
    if code != product_code {
        let message = format!("productCode {code} is not this product");
        let outcome = format!("rejected: {message}");
        spi_inbox::record(conn, &inbox.with_outcome(&outcome)).await?;
        return Ok(Reply::Rejected(message));
    }
    let new = NewAliyunInstance {
        instance_id: instance_id.as_ref(),
        ali_uid: ali_uid.as_ref(),
        product_code: code,
        sku_id,
        order_ids: vec![order_id.clone()],
        trial: *trial,
        expires_on: *expires_on,
        extra: serde_json::Value::Object(extra.clone()),
        status: InstanceStatus::Opened.code(),
    };
    let outcomes = [Change::Applied.outcome(), Change::Unchanged.outcome()];
    AliyunInstance::create_recording(conn, &new, inbox, outcomes).await?;
    Ok(Reply::Created {
        instance_id: instance_id.to_string(),
    })
}

/// Every call but `createInstance`, inside the caller's transaction.
async fn apply(
    conn: &mut AsyncPgConnection,
    call: &SpiCall,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> QueryResult<(Reply, String)> {
    let id = call.instance_id().as_ref();
    let success = |change: Change| (Reply::Success, change.outcome().to_string());
    Ok(match call {
        SpiCall::Create { .. } => (
            Reply::Rejected("createInstance is applied on its own".into()),
            String::new(),
        ),
        SpiCall::Renew {
            order_id, expires_on, ..
        } => success(instances::renew(conn, id, *expires_on, order_id.as_deref(), now).await?),
        SpiCall::Upgrade {
            sku_id,
            order_id,
            extra,
            ..
        } => success(instances::upgrade(conn, id, sku_id, order_id.as_deref(), extra.clone(), now).await?),
        SpiCall::RefundRenew { expires_on, .. } => {
            success(instances::refund_renewal(conn, id, *expires_on).await?)
        }
        SpiCall::Expired { .. } => {
            success(instances::on_instance_expired(conn, id, Trigger::Marketplace, notifier, now).await?)
        }
        SpiCall::Release { .. } => {
            success(instances::on_instance_released(conn, id, Trigger::Marketplace, notifier, now).await?)
        }
        SpiCall::Verify {
            time_stamp, token, ..
        } => verify(conn, id, *time_stamp, token, now).await?,
    })
}

/// Single sign-on from the marketplace console: fresh, used once, for an
/// instance we know.
async fn verify(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    time_stamp: DateTime<Utc>,
    token: &str,
    now: DateTime<Utc>,
) -> QueryResult<(Reply, String)> {
    let rejected = |m: &str| (Reply::Rejected(m.to_string()), format!("rejected: {m}"));
    if (now - time_stamp).abs() > VERIFY_WINDOW {
        return Ok(rejected("timeStamp is outside the 5-minute window"));
    }
    if !spi_inbox::use_verify_token(conn, token).await? {
        return Ok(rejected("this sign-in link was already used"));
    }
    let known = AliyunInstance::find(conn, instance_id).await?;
    match known.filter(AliyunInstance::created) {
        Some(_) => Ok((
            Reply::Verified {
                instance_id: instance_id.to_string(),
            },
            "verified".into(),
        )),
        None => Ok(rejected("unknown instance")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<SpiCall, String> {
        SpiCall::parse(&Params::parse(q.as_bytes()).unwrap())
    }

    #[test]
    fn create_instance_with_extra_billing_items() {
        let call = parse("action=createInstance&aliUid=1234567890123456&orderBizId=42&orderId=7&productCode=cmgj00053362&skuId=s&trial=false&Count=2&token=x").unwrap();
        let SpiCall::Create {
            extra,
            instance_id,
            trial,
            expires_on,
            ..
        } = call
        else {
            panic!()
        };
        assert_eq!(instance_id.as_ref(), "42");
        assert!(!trial);
        assert_eq!(expires_on, None);
        assert_eq!(extra.get("Count"), Some(&serde_json::json!("2")));
        assert_eq!(extra.len(), 1);
    }

    #[test]
    fn bad_calls_say_what_is_wrong() {
        assert_eq!(parse("instanceId=1").unwrap_err(), "missing parameter: action");
        assert_eq!(parse("action=dance").unwrap_err(), "unknown action: dance");
        assert_eq!(
            parse("action=releaseInstance").unwrap_err(),
            "missing parameter: instanceId"
        );
        for bad in ["abc", "0", "007"] {
            assert_eq!(
                parse(&format!("action=releaseInstance&instanceId={bad}")).unwrap_err(),
                "instanceId must be a positive number without leading zeros"
            );
        }
        assert_eq!(
            parse("action=renewInstance&instanceId=1&expiredOn=tomorrow").unwrap_err(),
            "expiredOn must be yyyy-MM-dd HH:mm:ss"
        );
    }

    #[test]
    fn times_are_beijing_time() {
        let t = parse_time("2026-11-27 08:00:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-27T00:00:00+00:00");
        assert_eq!(format_time(t), "2026-11-27 08:00:00");
    }
}
