//! The simulated Market OpenAPI (`POST /` with `x-acs-action`): checks the
//! signature V3 like Alibaba, answers in Alibaba's JSON shapes and errors,
//! and enforces `PushMeteringData`'s rules (valid JSON array, at most 100
//! records, known instances of this product, `EndTime > StartTime`,
//! `meteringAssit` present, one push per instance per 60 s, daily data by
//! 01:59 the next day), with fault switches for the pushes.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde_json::json;

use super::{Market, MeteringFault, store};
use crate::marketplace::openapi::MeteringRecord;
use crate::marketplace::signature::{Authorization, SigningInput, sha256_hex};

/// Metering keys Alibaba accepts.
const METERING_KEYS: &[&str] = &[
    "Frequency",
    "Period",
    "PeriodMin",
    "Storage",
    "NetworkOut",
    "NetworkIn",
    "Character",
    "DailyActiveUser",
    "VirtualCpu",
    "Unit",
    "Memory",
    "KTokens",
    "Suit",
    "StorageGigaByte",
];

fn error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "RequestId": uuid::Uuid::new_v4().to_string().to_uppercase(),
        "HostId": "market.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={code}"),
    }))
}

fn ok(mut body: serde_json::Value) -> HttpResponse {
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "RequestId".into(),
            uuid::Uuid::new_v4().to_string().to_uppercase().into(),
        );
    }
    HttpResponse::Ok().json(body)
}

/// RFC 3986 decoding of a query string (`+` is a plus, not a space).
fn query_pairs(raw: &str) -> Option<Vec<(String, String)>> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .ok()
                    .map(|c| c.into_owned())
            };
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks the V3 signature of `req`; `Err` is the error response.
#[expect(
    clippy::result_large_err,
    reason = "the error is the response to send, built once per refusal"
)]
fn authenticate(
    market: &Market,
    req: &HttpRequest,
    body: &[u8],
    query: &[(String, String)],
) -> Result<(), HttpResponse> {
    let forbidden = |code: &str, message: &str| Err(error(StatusCode::BAD_REQUEST, code, message));
    let Some(auth) = header(req, "authorization").and_then(Authorization::parse) else {
        return forbidden(
            "MissingAuthorization",
            "Authorization is mandatory for this action.",
        );
    };
    if auth.access_key_id != market.access_key_id {
        return Err(error(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let payload_hash = sha256_hex(body);
    if header(req, "x-acs-content-sha256") != Some(payload_hash.as_str()) {
        return forbidden(
            "InvalidContentSha256",
            "x-acs-content-sha256 does not match the body.",
        );
    }
    let fresh = header(req, "x-acs-date")
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .is_some_and(|d| (Utc::now() - d.with_timezone(&Utc)).abs() <= chrono::Duration::minutes(15));
    if !fresh {
        return forbidden(
            "InvalidTimeStamp.Expired",
            "x-acs-date is missing or more than 15 minutes off.",
        );
    }
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        let value = if name == "host" {
            Some(req.connection_info().host().to_string())
        } else {
            header(req, name).map(str::to_string)
        };
        match value {
            Some(v) => headers.push((name.clone(), v)),
            None => return forbidden("SignatureDoesNotMatch", "A signed header is missing."),
        }
    }
    let required: HashSet<&str> = [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ]
    .into();
    if !required
        .iter()
        .all(|h| auth.signed_headers.iter().any(|s| s == h))
    {
        return forbidden(
            "IncompleteSignature",
            "SignedHeaders must include host and the x-acs-* headers.",
        );
    }
    let input = SigningInput {
        method: req.method().as_str(),
        query,
        headers: &headers,
        payload_hash: &payload_hash,
    };
    let expected = input.signature(market.access_key_secret.expose_secret());
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        expected.as_bytes(),
        auth.signature.as_bytes(),
    )) {
        return forbidden(
            "SignatureDoesNotMatch",
            &format!(
                "Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n{}",
                sha256_hex(input.canonical_request().as_bytes())
            ),
        );
    }
    if !market.fresh_nonce(header(req, "x-acs-signature-nonce").unwrap_or_default()) {
        return forbidden(
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        );
    }
    Ok(())
}

/// `POST /`: one Market OpenAPI call.
pub async fn call(market: web::Data<Market>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let _in_flight = market.faults.openapi_call();
    let delay = market.faults.openapi_delay_now();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if market.faults.openapi_failing() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        );
    }
    let Some(query) = query_pairs(req.query_string()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "The query string is not valid UTF-8.",
        );
    };
    if let Err(response) = authenticate(&market, &req, &body, &query) {
        return response;
    }
    if header(&req, "x-acs-version") != Some(crate::marketplace::openapi::VERSION) {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        );
    }
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let result = match header(&req, "x-acs-action").unwrap_or_default() {
        "DescribeInstanceForIsv" => describe_instance(&market, param("InstanceId")).await,
        "DescribeOrderForIsv" => describe_order(&market, param("OrderId")).await,
        "PushMeteringData" => push_metering(&market, param("Metering")).await,
        "DescribeFailedNotifications" => {
            failed_notifications(&market, param("PageNumber"), param("PageSize")).await
        }
        "ConfirmNotification" => confirm(&market, param("NotificationRequestId")).await,
        other => Ok(error(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            &format!("Specified api {other} is not found."),
        )),
    };
    result.unwrap_or_else(|e| {
        tracing::error!(error = %format!("{e:#}"), "sandbox OpenAPI");
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UnknownError",
            "The request processing has failed due to some unknown error.",
        )
    })
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

async fn describe_instance(market: &Market, id: Option<&str>) -> anyhow::Result<HttpResponse> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "Invalid.Parameter",
            "InstanceId is mandatory for this action.",
        ));
    };
    let Some(i) = market
        .instance(id)
        .await?
        .filter(|i| i.product_code == market.product_code)
    else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "InstanceNotFound",
            "The specified instance does not exist.",
        ));
    };
    Ok(ok(json!({
        "InstanceId": i.instance_id.parse::<i64>().unwrap_or_default(),
        "OrderId": i.order_id.parse::<i64>().unwrap_or_default(),
        "ProductCode": i.product_code,
        "ProductSkuCode": i.sku_id,
        "ProductName": "Guance Observability (pay-as-you-go)",
        "ProductType": "APP",
        "Status": i.status,
        "BeganOn": ms(i.began_on),
        "EndOn": i.end_on.map(ms),
        "CreatedOn": ms(i.created_on),
        "IsTrial": i.trial,
        "AppJson": json!({ "frontEndUrl": i.front_end_url, "authUrl": i.auth_url }).to_string(),
    })))
}

async fn describe_order(market: &Market, id: Option<&str>) -> anyhow::Result<HttpResponse> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "Invalid.Parameter",
            "OrderId is mandatory for this action.",
        ));
    };
    let mut conn = market.pool.get().await?;
    let Some(o) = store::order(&mut conn, id)
        .await?
        .filter(|o| o.product_code == market.product_code)
    else {
        return Ok(error(
            StatusCode::NOT_FOUND,
            "OrderNotFound",
            "The specified order does not exist.",
        ));
    };
    Ok(ok(json!({
        "OrderId": o.order_id.parse::<i64>().unwrap_or_default(),
        "AliUid": o.ali_uid.parse::<i64>().unwrap_or_default(),
        "OrderType": o.order_type,
        "OrderStatus": o.order_status,
        "PayStatus": o.pay_status,
        "ProductCode": o.product_code,
        "ProductSkuCode": o.sku_id,
        "ProductName": "Guance Observability (pay-as-you-go)",
        "InstanceIds": [o.instance_id],
        "CreatedOn": ms(o.created_on),
        "PaidOn": ms(o.created_on),
        "PaymentPrice": 0.0,
    })))
}

/// The last moment a daily record ending at `end` (Unix seconds) is billed:
/// 01:59 Beijing time on the day after the one it covers.
fn daily_cutoff(end: i64) -> Option<DateTime<Utc>> {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600)?;
    let covered = DateTime::from_timestamp(end - 1, 0)?
        .with_timezone(&beijing)
        .date_naive();
    let cutoff = covered.succ_opt()?.and_hms_opt(1, 59, 0)?;
    Some(cutoff.and_local_timezone(beijing).single()?.with_timezone(&Utc))
}

async fn push_metering(market: &Market, metering: Option<&str>) -> anyhow::Result<HttpResponse> {
    let fault = market.faults.next_metering_fault();
    match fault {
        Some(MeteringFault::Fail) => {
            return Ok(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            ));
        }
        Some(MeteringFault::Throttle) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "Service.Flow.Control",
                "Request was denied due to flow control.",
            ));
        }
        Some(MeteringFault::TimeOutAfterRecording) | None => {}
    }
    let invalid = |m: &str| Ok(error(StatusCode::BAD_REQUEST, "Invalid.Parameter.Metering", m));
    let Some(raw) = metering else {
        return invalid("Metering is mandatory for this action.");
    };
    let records: Vec<MeteringRecord> = match serde_json::from_str(raw) {
        Ok(r) => r,
        Err(e) => return invalid(&format!("Metering is not a valid JSON array: {e}")),
    };
    if records.is_empty() {
        return invalid("Metering has no records.");
    }
    if records.len() > 100 {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "Metering.Data.Exceeded",
            "At most 100 records per request.",
        ));
    }
    let mut conn = market.pool.get().await?;
    let mut seen = HashSet::new();
    for r in &records {
        let (Ok(start), Ok(end)) = (r.start_time.parse::<i64>(), r.end_time.parse::<i64>()) else {
            return invalid("StartTime and EndTime are Unix seconds.");
        };
        if end <= start {
            return invalid("EndTime must be after StartTime.");
        }
        if market.metering_cutoff && daily_cutoff(end).is_none_or(|cutoff| Utc::now() > cutoff) {
            return invalid("The billing cut-off for this period (01:59 the next day) has passed.");
        }
        if r.entities.is_empty() {
            return invalid("Entities is empty.");
        }
        for e in &r.entities {
            if !METERING_KEYS.contains(&e.key.as_str()) {
                return invalid(&format!("Key {} is not a metering key.", e.key));
            }
            if e.value.parse::<u64>().is_err() {
                return invalid("Value must be a non-negative integer.");
            }
            if e.metering_assit.is_empty() {
                return invalid("meteringAssit is empty");
            }
        }
        match market.instance(&r.instance_id).await? {
            Some(i) if i.product_code == market.product_code => {}
            _ => {
                return Ok(error(
                    StatusCode::BAD_REQUEST,
                    "Invalid.Parameter.Instance",
                    "The instance does not exist or is not of this product.",
                ));
            }
        }
        let interval = chrono::Duration::from_std(market.metering_interval).unwrap_or(chrono::Duration::MAX);
        let recent = store::last_push(&mut conn, &r.instance_id)
            .await?
            .is_some_and(|t| Utc::now() - t < interval);
        if recent || !seen.insert(r.instance_id.clone()) {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                "Service.Flow.Control",
                "One push per instance per 60 seconds.",
            ));
        }
    }
    let request_id = uuid::Uuid::new_v4().to_string().to_uppercase();
    for r in &records {
        let entities = serde_json::to_value(&r.entities)?;
        let (start, end) = (
            r.start_time.parse().unwrap_or_default(),
            r.end_time.parse().unwrap_or_default(),
        );
        store::store_metering(&mut conn, &request_id, &r.instance_id, start, end, &entities).await?;
    }
    if fault == Some(MeteringFault::TimeOutAfterRecording) {
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
    Ok(HttpResponse::Ok().json(json!({ "RequestId": request_id, "Success": true })))
}

async fn failed_notifications(
    market: &Market,
    page: Option<&str>,
    size: Option<&str>,
) -> anyhow::Result<HttpResponse> {
    let page: i64 = page.and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let size: i64 = size
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=100).contains(s))
        .unwrap_or(10);
    let mut conn = market.pool.get().await?;
    let (total, list) = store::failed(&mut conn, page, size).await?;
    let list: Vec<_> = list
        .into_iter()
        .map(|n| {
            json!({
                "Action": n.action,
                "Message": n.message,
                "NotificationRequestId": n.notification_request_id,
                "CreateTime": n.create_time.format("%Y-%m-%d %H:%M:%S").to_string(),
            })
        })
        .collect();
    Ok(ok(
        json!({ "TotalCount": total, "PageNumber": page, "PageSize": size, "NotificationList": list }),
    ))
}

async fn confirm(market: &Market, id: Option<&str>) -> anyhow::Result<HttpResponse> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "Invalid.Parameter",
            "NotificationRequestId is mandatory for this action.",
        ));
    };
    let mut conn = market.pool.get().await?;
    if store::confirm(&mut conn, id).await? {
        Ok(ok(json!({ "Success": true })))
    } else {
        Ok(error(
            StatusCode::NOT_FOUND,
            "NotificationNotFound",
            "The notification does not exist.",
        ))
    }
}
