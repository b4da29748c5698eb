//! The Market OpenAPI client (product `Market`, version `2015-11-01`, RPC
//! style), signed with signature V3. Parameters travel in the query with an
//! empty body, as Alibaba's SDK sends them.
//!
//! Every call has a timeout. Calls that only read (or that are idempotent
//! acknowledgements) are retried with exponential backoff and jitter;
//! `PushMeteringData` is never retried here: the marketplace does not
//! deduplicate pushes, so an ambiguous failure must be reconciled, not resent.

use std::time::Duration;

use rand::Rng;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

use super::signature::{SigningInput, canonical_query, sha256_hex};

/// The API version every call names.
pub const VERSION: &str = "2015-11-01";

/// Alibaba's error codes, one variant per thing a caller acts on differently.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    #[error("SignatureDoesNotMatch: {0}")]
    SignatureDoesNotMatch(String),
    #[error("the AccessKey is unknown or disabled: {0}")]
    InvalidAccessKey(String),
    #[error("Service.Flow.Control: {0}")]
    FlowControl(String),
    #[error("{code}: {message}")]
    InvalidParameter { code: String, message: String },
    #[error("permission denied ({code}): {message}")]
    PermissionDenied { code: String, message: String },
    #[error("{code}: {message}")]
    NotFound { code: String, message: String },
    #[error("HTTP {status} {code}: {message}")]
    Other {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the marketplace did not answer within {0:?}")]
    Timeout(Duration),
    /// The request may have left (the connection broke after it opened).
    #[error("the marketplace is unreachable: {0}")]
    Unreachable(String),
    /// No connection could be opened: the request certainly did not arrive.
    #[error("the marketplace could not be reached: {0}")]
    NotSent(String),
    #[error("unexpected answer: {0}")]
    Malformed(String),
}

impl MarketError {
    /// Worth trying again later: the call may well succeed then.
    pub fn is_transient(&self) -> bool {
        match self {
            MarketError::Timeout(_)
            | MarketError::Unreachable(_)
            | MarketError::NotSent(_)
            | MarketError::FlowControl(_) => true,
            MarketError::Other { status, .. } => *status >= 500,
            _ => false,
        }
    }

    fn from_body(status: u16, body: &ErrorBody) -> Self {
        let code = body.code.clone();
        let message = body.message.clone();
        match code.as_str() {
            "SignatureDoesNotMatch" | "IncompleteSignature" => MarketError::SignatureDoesNotMatch(message),
            "InvalidAccessKeyId.NotFound" | "InvalidAccessKeyId.Inactive" => {
                MarketError::InvalidAccessKey(message)
            }
            "Service.Flow.Control" | "Throttling" | "Throttling.User" => MarketError::FlowControl(message),
            c if c.starts_with("Invalid.Parameter")
                || c.starts_with("InvalidParameter")
                || c == "Metering.Data.Exceeded" =>
            {
                MarketError::InvalidParameter { code, message }
            }
            "Permission.Denied" | "IllegalPermission" | "Forbidden.RAM" | "Auth.CallerType" => {
                MarketError::PermissionDenied { code, message }
            }
            c if c.contains("NotFound") || c.contains("NotExist") => MarketError::NotFound { code, message },
            _ => MarketError::Other {
                status,
                code,
                message,
            },
        }
    }
}

/// Alibaba's error body.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub request_id: String,
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// Accepts an id sent as a JSON number (Alibaba's Long) or string.
fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("expected an id, got {other}"))),
    }
}

/// `DescribeInstanceForIsv`: the instance as the marketplace sees it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceInfo {
    #[serde(deserialize_with = "id")]
    pub instance_id: String,
    #[serde(deserialize_with = "id")]
    pub order_id: String,
    pub product_code: String,
    #[serde(default)]
    pub product_sku_code: String,
    /// `OPENING`, `OPENED`, `EXPIRED` or `CLOSED` for APP products.
    pub status: String,
    /// Epoch milliseconds.
    #[serde(default)]
    pub began_on: Option<i64>,
    #[serde(default)]
    pub end_on: Option<i64>,
    #[serde(default)]
    pub is_trial: bool,
}

/// `DescribeOrderForIsv`: who bought, and whether it is paid.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderInfo {
    #[serde(deserialize_with = "id")]
    pub order_id: String,
    #[serde(deserialize_with = "id")]
    pub ali_uid: String,
    #[serde(default)]
    pub order_type: String,
    /// `NORMAL`, `REFUND` or `DELETE`.
    #[serde(default)]
    pub order_status: String,
    /// `PAID` or `UNPAID`.
    #[serde(default)]
    pub pay_status: String,
    #[serde(default)]
    pub product_code: String,
    #[serde(default)]
    pub product_sku_code: String,
}

/// One usage record of `PushMeteringData`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct MeteringRecord {
    pub instance_id: String,
    /// Unix seconds, as a string (as Alibaba's samples send them).
    pub start_time: String,
    pub end_time: String,
    pub entities: Vec<MeteringEntity>,
}

/// One measured item of a record.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct MeteringEntity {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
    /// The billing item id from the ISV console (sic: Alibaba's spelling).
    #[serde(rename = "meteringAssit", default, skip_serializing_if = "String::is_empty")]
    pub metering_assit: String,
}

/// `PushMeteringData`'s answer.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PushResult {
    #[serde(default)]
    pub request_id: String,
    pub success: bool,
}

/// A notification the marketplace could not deliver.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailedNotification {
    pub action: String,
    /// JSON object of the call's parameters.
    pub message: String,
    pub notification_request_id: String,
    #[serde(default)]
    pub create_time: Option<String>,
}

/// One page of `DescribeFailedNotifications`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailedNotifications {
    pub total_count: u64,
    #[serde(default)]
    pub notification_list: Vec<FailedNotification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Acknowledged {
    #[serde(default)]
    success: bool,
}

/// The client.
#[derive(Clone)]
pub struct MarketClient {
    http: reqwest::Client,
    endpoint: Url,
    access_key_id: String,
    secret: SecretString,
    timeout: Duration,
    retries: u32,
}

impl MarketClient {
    /// A client for `endpoint` (e.g. `https://market.aliyuncs.com/`).
    pub fn new(endpoint: Url, access_key_id: String, secret: SecretString, timeout: Duration) -> Self {
        MarketClient {
            http: reqwest::Client::builder().build().unwrap_or_default(),
            endpoint,
            access_key_id,
            secret,
            timeout,
            retries: 2,
        }
    }

    /// `DescribeInstanceForIsv`.
    pub async fn describe_instance(&self, instance_id: &str) -> Result<InstanceInfo, MarketError> {
        self.call("DescribeInstanceForIsv", &[("InstanceId", instance_id)], true)
            .await
    }

    /// `DescribeOrderForIsv`.
    pub async fn describe_order(&self, order_id: &str) -> Result<OrderInfo, MarketError> {
        self.call("DescribeOrderForIsv", &[("OrderId", order_id)], true)
            .await
    }

    /// `PushMeteringData` (not retried: see the module docs).
    pub async fn push_metering(&self, records: &[MeteringRecord]) -> Result<PushResult, MarketError> {
        let metering = serde_json::to_string(records).map_err(|e| MarketError::Malformed(e.to_string()))?;
        self.call("PushMeteringData", &[("Metering", &metering)], false)
            .await
    }

    /// `DescribeFailedNotifications`.
    pub async fn failed_notifications(
        &self,
        page: u32,
        size: u32,
    ) -> Result<FailedNotifications, MarketError> {
        let (page, size) = (page.to_string(), size.to_string());
        self.call(
            "DescribeFailedNotifications",
            &[("PageNumber", &page), ("PageSize", &size)],
            true,
        )
        .await
    }

    /// `ConfirmNotification` (idempotent: a confirmed notification stays confirmed).
    pub async fn confirm_notification(&self, notification_request_id: &str) -> Result<(), MarketError> {
        let ack: Acknowledged = self
            .call(
                "ConfirmNotification",
                &[("NotificationRequestId", notification_request_id)],
                true,
            )
            .await?;
        if ack.success {
            Ok(())
        } else {
            Err(MarketError::Malformed("Success=false".into()))
        }
    }

    #[tracing::instrument(skip(self, query), fields(endpoint = %self.endpoint))]
    async fn call<T: DeserializeOwned>(
        &self,
        action: &str,
        query: &[(&str, &str)],
        idempotent: bool,
    ) -> Result<T, MarketError> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let attempts = if idempotent { self.retries + 1 } else { 1 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(action, &query).await {
                Err(e) if e.is_transient() && attempt < attempts => {
                    let base = 200u64 * 2u64.pow(attempt - 1);
                    let jitter = rand::rng().random_range(0..=base / 2);
                    tracing::warn!(attempt, error = %e, "Market OpenAPI call will be retried");
                    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
                }
                result => return result,
            }
        }
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        action: &str,
        query: &[(String, String)],
    ) -> Result<T, MarketError> {
        let host = match (self.endpoint.host_str(), self.endpoint.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(MarketError::Unreachable("the endpoint has no host".into())),
        };
        let payload_hash = sha256_hex(b"");
        let headers: Vec<(String, String)> = vec![
            ("host".into(), host),
            ("x-acs-action".into(), action.into()),
            ("x-acs-version".into(), VERSION.into()),
            (
                "x-acs-date".into(),
                chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            (
                "x-acs-signature-nonce".into(),
                uuid::Uuid::new_v4().simple().to_string(),
            ),
            ("x-acs-content-sha256".into(), payload_hash.clone()),
        ];
        let signing = SigningInput {
            method: "POST",
            query,
            headers: &headers,
            payload_hash: &payload_hash,
        };
        let authorization = signing.authorization(&self.access_key_id, self.secret.expose_secret());
        let mut url = self.endpoint.clone();
        url.set_path("/");
        // Sent exactly as signed: the canonical (sorted, RFC 3986) query.
        let canonical = canonical_query(query);
        url.set_query(Some(&canonical).filter(|q| !q.is_empty()).map(String::as_str));

        let mut request = self
            .http
            .post(url)
            .timeout(self.timeout)
            .header("accept", "application/json");
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            request = request.header(name, value);
        }
        let response = request
            .header("authorization", authorization)
            .send()
            .await
            .map_err(|e| {
                // A connect timeout is a timeout too, but nothing was sent.
                if e.is_connect() {
                    MarketError::NotSent(e.to_string())
                } else if e.is_timeout() {
                    MarketError::Timeout(self.timeout)
                } else {
                    MarketError::Unreachable(e.to_string())
                }
            })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                MarketError::Timeout(self.timeout)
            } else {
                MarketError::Unreachable(e.to_string())
            }
        })?;
        if !(200..300).contains(&status) {
            return Err(match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(error) => MarketError::from_body(status, &error),
                Err(_) => MarketError::Other {
                    status,
                    code: "UnknownError".into(),
                    message: String::from_utf8_lossy(&body).chars().take(200).collect(),
                },
            });
        }
        serde_json::from_slice(&body).map_err(|e| MarketError::Malformed(format!("{action}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_map_to_variants() {
        let body = |code: &str| ErrorBody {
            request_id: String::new(),
            code: code.into(),
            message: "m".into(),
        };
        assert!(matches!(
            MarketError::from_body(400, &body("SignatureDoesNotMatch")),
            MarketError::SignatureDoesNotMatch(_)
        ));
        assert!(matches!(
            MarketError::from_body(400, &body("Service.Flow.Control")),
            MarketError::FlowControl(_)
        ));
        assert!(matches!(
            MarketError::from_body(400, &body("Invalid.Parameter.Metering")),
            MarketError::InvalidParameter { .. }
        ));
        assert!(matches!(
            MarketError::from_body(404, &body("InstanceNotFound")),
            MarketError::NotFound { .. }
        ));
        assert!(MarketError::from_body(503, &body("ServiceUnavailable")).is_transient());
        assert!(!MarketError::from_body(400, &body("SignatureDoesNotMatch")).is_transient());
    }

    #[test]
    fn ids_may_be_numbers_or_strings() {
        let info: InstanceInfo = serde_json::from_str(
            r#"{"InstanceId":241127000001,"OrderId":"77","ProductCode":"cmgj00053362","Status":"OPENED"}"#,
        )
        .unwrap();
        assert_eq!(info.instance_id, "241127000001");
        assert_eq!(info.order_id, "77");
    }

    #[test]
    fn metering_serialises_in_alibabas_shape() {
        let record = MeteringRecord {
            instance_id: "1".into(),
            start_time: "100".into(),
            end_time: "200".into(),
            entities: vec![MeteringEntity {
                key: "Unit".into(),
                value: "5".into(),
                metering_assit: "a-Unit-1".into(),
            }],
        };
        assert_eq!(
            serde_json::to_string(&[record]).unwrap(),
            r#"[{"InstanceId":"1","StartTime":"100","EndTime":"200","Entities":[{"Key":"Unit","Value":"5","meteringAssit":"a-Unit-1"}]}]"#
        );
    }
}
