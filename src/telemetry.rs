//! Logs and request observation.
//!
//! Every request gets a random request id, a span carrying it with the method
//! and the *route pattern* (never the raw path or query string, which may hold
//! tokens), one log line when it ends, and its count and latency in the
//! Prometheus metrics.

use std::fmt;
use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filters (default `info`),
/// `APP_LOG_FORMAT=json` switches to JSON lines.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if std::env::var("APP_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second initialisation (tests) keeps the first subscriber.
    drop(result);
}

/// Identifies one request in logs and on error pages.
#[derive(Clone, Debug)]
pub struct RequestId(String);

impl RequestId {
    fn new() -> Self {
        RequestId(uuid::Uuid::new_v4().simple().to_string()[..16].to_string())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The outermost middleware: request id, span, log line, metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = RequestId::new();
    req.extensions_mut().insert(request_id.clone());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = crate::metrics::method_label(req.method());
    let span = tracing::info_span!("request", id = %request_id, %method, %route);
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    crate::metrics::record_request(method, &route, status.as_u16(), elapsed);
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            let cause = result
                .as_ref()
                .ok()
                .and_then(|r| r.response().error())
                .map(|e| format!("{e:#}"))
                .unwrap_or_default();
            tracing::error!(status = status.as_u16(), ms, %cause, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), ms, "request");
        }
    });
    result
}
