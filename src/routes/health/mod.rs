//! `/healthz`, `/readyz`, `/metrics`.

use actix_web::{HttpResponse, web};

use crate::db::models::email_outbox::OutboxEmail;
use crate::startup::AppState;

/// Liveness: the process answers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Readiness: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match crate::db::ping(&state.pool).await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("application/json")
                .body(r#"{"ready":false,"reason":"database unreachable"}"#)
        }
    }
}

/// Prometheus text exposition.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let depth = match state.pool.get().await {
        Ok(mut conn) => OutboxEmail::depth(&mut conn).await.unwrap_or((-1, -1)),
        Err(_) => (-1, -1),
    };
    crate::metrics::set_gauges(&state.pool, depth.0, depth.1);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render())
}
