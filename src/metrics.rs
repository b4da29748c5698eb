//! Prometheus metrics: request counts and latencies by route, the database
//! pool, the email outbox depth.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How often recorded histogram samples are folded into their buckets. Until
/// then the recorder keeps every sample: without this, memory grew by 16
/// bytes a request (5 MiB per 350,000 anonymous page views).
const UPKEEP: Duration = Duration::from_secs(5);

/// Folds the samples in, every [`UPKEEP`], for the life of the process.
fn start_upkeep(handle: PrometheusHandle) {
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                handle.run_upkeep();
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the metrics upkeep thread");
    }
}

/// Installs the recorder once per process (several apps in one test process
/// share it).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .map(|b| b.build_recorder());
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                // Fails only when another recorder is installed; ours still renders.
                let _ = metrics::set_global_recorder(recorder);
                start_upkeep(handle.clone());
                handle
            }
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// The `method` label: the standard methods by name, anything else `other`,
/// so that no request can add a series.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    STANDARD
        .into_iter()
        .find(|m| *m == method.as_str())
        .unwrap_or("other")
}

/// Counts one request and its latency. Every label is bounded: `method` by
/// [`method_label`], `route` is a registered pattern or `unmatched`, `status`
/// a three-digit code.
pub fn record_request(method: &'static str, route: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// Sets the gauges read at scrape time.
pub fn set_gauges(pool: &crate::db::DbPool, outbox_pending: i64, outbox_dead: i64) {
    let status = pool.status();
    metrics::gauge!("db_pool_max_size").set(status.max_size as f64);
    metrics::gauge!("db_pool_connections").set(status.size as f64);
    metrics::gauge!("db_pool_available").set(status.available as f64);
    metrics::gauge!("db_pool_waiting").set(status.waiting as f64);
    metrics::gauge!("email_outbox_pending").set(outbox_pending as f64);
    metrics::gauge!("email_outbox_dead").set(outbox_dead as f64);
}

/// The Prometheus text exposition.
pub fn render() -> String {
    install().render()
}
