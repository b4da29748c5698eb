//! `/healthz`, `/readyz`, `/metrics`.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::db::models::email_outbox::OutboxEmail;
use crate::settings::MetricsAccess;
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

/// Prometheus text exposition, to whom [`MetricsAccess`] allows; anyone else
/// gets the 404 of a page that does not exist.
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let allowed = match &state.settings.metrics {
        MetricsAccess::Open => true,
        MetricsAccess::Closed => false,
        MetricsAccess::Token(token) => req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|presented| {
                bool::from(presented.as_bytes().ct_eq(token.expose_secret().as_bytes()))
            }),
    };
    if !allowed {
        return HttpResponse::NotFound().finish();
    }
    let depth = match state.pool.get().await {
        Ok(mut conn) => OutboxEmail::depth(&mut conn).await.unwrap_or((-1, -1)),
        Err(_) => (-1, -1),
    };
    crate::metrics::set_gauges(&state.pool, depth.0, depth.1);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render())
}
