//! `POST /api/v1/usage`: hourly usage from the sites (SPEC 4.4).
//!
//! `Authorization: Bearer <site ingest key>`, the key of the body's `site`
//! (compared in constant time). The body is read only once the key checks
//! out, up to a bound. Answers are JSON: 200 with counts, 401, 400 for a body
//! that is not the expected JSON, 413 beyond the bounds, 422 listing every
//! bad record, 409 naming the records that would change a settled day.

use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

use crate::billing::usage::{self, Fields, Ingested, MAX_RECORDS};
use crate::startup::AppState;

/// The largest body read: 10,000 generous records.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A request as the sites send it (read without copying a field).
#[derive(Deserialize)]
struct UsageBody<'a> {
    #[serde(borrow)]
    site: Cow<'a, str>,
    #[serde(borrow)]
    records: Vec<WireRecord<'a>>,
}

#[derive(Deserialize)]
struct WireRecord<'a> {
    #[serde(borrow)]
    workspace_id: Cow<'a, str>,
    #[serde(borrow)]
    hour: Cow<'a, str>,
    #[serde(borrow)]
    item: Cow<'a, str>,
    quantity: u64,
    #[serde(default)]
    retention_days: Option<u64>,
}

impl WireRecord<'_> {
    fn fields(&self) -> Fields<'_> {
        Fields {
            object: true,
            workspace_id: Some(&self.workspace_id),
            hour: Some(&self.hour),
            item: Some(&self.item),
            quantity: Some(self.quantity),
            retention_days: Ok(self.retention_days),
        }
    }
}

/// A request with a record of another shape: read loosely, so that each bad
/// field can be named.
#[derive(Deserialize)]
struct LooseBody {
    site: String,
    records: Vec<serde_json::Value>,
}

fn answer(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

fn refused(status: StatusCode, message: &str) -> HttpResponse {
    answer(status, json!({ "errors": [{ "message": message }] }))
}

/// The site whose ingest key the request carries, if any. Every key is
/// compared, in constant time, whichever matches.
fn site_of(req: &HttpRequest, state: &AppState) -> Option<String> {
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?
        .trim()
        .as_bytes();
    let mut site = None;
    for (code, key) in &state.settings.site_ingest_keys {
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            presented,
            key.expose_secret().as_bytes(),
        )) {
            site = Some(code.clone());
        }
    }
    site
}

/// Reads the body up to `limit` bytes; `None` beyond it. The buffer starts at
/// the declared length (bodies run to megabytes: growing by doubling would
/// copy them several times and hold twice their size).
async fn read_body(
    mut payload: web::Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<Option<web::BytesMut>, actix_web::Error> {
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// 503 with `Retry-After`: no slot or no connection in time.
fn busy() -> HttpResponse {
    let mut res = refused(StatusCode::SERVICE_UNAVAILABLE, "busy: try again shortly");
    res.headers_mut().insert(
        RETRY_AFTER,
        actix_web::http::header::HeaderValue::from_static("1"),
    );
    res
}

/// POST `/api/v1/usage`.
#[tracing::instrument(skip_all, fields(site, records))]
pub async fn ingest(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let Some(site) = site_of(&req, &state) else {
        return refused(StatusCode::UNAUTHORIZED, "missing or wrong site ingest key");
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return refused(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than 4 MiB");
    }
    // A slot before the body is read: the memory of the requests in hand is
    // bounded by the slots, whatever the number of clients.
    let slot = tokio::time::timeout(state.settings.database_wait, state.ingest_slots.acquire()).await;
    let Ok(Ok(_slot)) = slot else {
        return busy();
    };
    let body = match read_body(payload, declared, MAX_BODY_BYTES).await {
        Ok(Some(body)) => body,
        Ok(None) => return refused(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than 4 MiB"),
        Err(_) => return refused(StatusCode::BAD_REQUEST, "the body could not be read"),
    };
    // Well-formed bodies are read typed; only a body that is not goes
    // through JSON values, to name each bad field.
    let typed = serde_json::from_slice::<UsageBody>(&body);
    let loose = match &typed {
        Ok(_) => None,
        Err(_) => match serde_json::from_slice::<LooseBody>(&body) {
            Ok(loose) => Some(loose),
            Err(e) => {
                let message = format!("expected {{\"site\", \"records\": [...]}}: {e}");
                return refused(StatusCode::BAD_REQUEST, &message);
            }
        },
    };
    let (body_site, fields): (&str, Vec<Fields<'_>>) = match (&typed, &loose) {
        (Ok(body), _) => (&body.site, body.records.iter().map(WireRecord::fields).collect()),
        (Err(_), Some(loose)) => (&loose.site, loose.records.iter().map(Fields::of_value).collect()),
        (Err(_), None) => return refused(StatusCode::BAD_REQUEST, "the body is not JSON"),
    };
    // A key is valid only for its own site.
    if body_site != site {
        return refused(StatusCode::UNAUTHORIZED, "missing or wrong site ingest key");
    }
    tracing::Span::current().record("site", site.as_str());
    tracing::Span::current().record("records", fields.len());
    if fields.len() > MAX_RECORDS {
        return refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {MAX_RECORDS} records per request"),
        );
    }
    match usage::ingest(&state.pool, &site, &fields, chrono::Utc::now()).await {
        Ok(Ingested::Stored(counts)) => answer(StatusCode::OK, json!(counts)),
        Ok(Ingested::Invalid(errors)) => {
            answer(StatusCode::UNPROCESSABLE_ENTITY, json!({ "errors": errors }))
        }
        Ok(Ingested::Settled(errors)) => answer(StatusCode::CONFLICT, json!({ "errors": errors })),
        Err(e) if e.downcast_ref::<crate::db::PoolError>().is_some() => {
            tracing::warn!(error = %e, "usage ingestion: no database connection");
            busy()
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "usage ingestion");
            refused(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
