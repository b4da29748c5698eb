//! `GET|POST /api/aliyun/spi`: the endpoint Alibaba Cloud Marketplace calls.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::error::AppError;
use crate::marketplace::params::Params;
use crate::marketplace::spi::{self, Reply, Source};
use crate::marketplace::token;
use crate::startup::AppState;

/// The session key remembering the instance a `verify` sign-on brought.
pub const SESSION_INSTANCE: &str = "marketplace_instance";

fn json_reply(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

fn rejected(status: StatusCode, message: &str) -> HttpResponse {
    json_reply(status, json!({ "success": false, "message": message }))
}

/// Handles one marketplace call: read every parameter (query, then form body),
/// check the token, apply, answer as the protocol says.
#[tracing::instrument(skip_all, fields(action))]
pub async fn spi(
    req: HttpRequest,
    body: web::Bytes,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mut params = Params::default();
    let mut read = params.extend_from(req.query_string().as_bytes());
    let form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if read.is_ok() && form {
        read = params.extend_from(&body);
    }
    if let Err(e) = read {
        metrics::counter!("spi_rejected_total", "reason" => "malformed").increment(1);
        return Ok(rejected(StatusCode::BAD_REQUEST, &e.to_string()));
    }
    let action: String = params.get("action").unwrap_or("").chars().take(40).collect();
    tracing::Span::current().record("action", action.as_str());
    if !token::is_valid(&params, state.settings.aliyun.spi_key.expose_secret()) {
        metrics::counter!("spi_rejected_total", "reason" => "token").increment(1);
        tracing::warn!("SPI call with a missing or wrong token refused");
        return Ok(rejected(StatusCode::FORBIDDEN, "invalid token"));
    }

    let product_code = state.settings.aliyun.product_code.clone();
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let reply = spi::handle(
        &mut conn,
        &params,
        Source::Spi,
        &product_code,
        &state.notifier,
        now,
    )
    .await?;
    drop(conn);
    metrics::counter!("spi_calls_total", "action" => spi::metric_label(&action)).increment(1);
    Ok(match reply {
        Reply::Created { instance_id } => json_reply(
            StatusCode::OK,
            json!({
                "instanceId": instance_id,
                "appInfo": {
                    "frontEndUrl": state.public_url.as_str(),
                    "authUrl": state.public_url.join("/api/aliyun/spi").map_err(anyhow::Error::from)?.as_str(),
                },
            }),
        ),
        Reply::Success => json_reply(StatusCode::OK, json!({ "success": true })),
        Reply::Verified { instance_id } => {
            session
                .insert(SESSION_INSTANCE, &instance_id)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session: {e}")))?;
            crate::page::see_other("/marketplace/welcome")
        }
        Reply::Rejected(message) if action == "verify" => {
            tracing::info!(%message, "marketplace sign-on refused");
            crate::routes::marketplace::sign_on_refused(&req)?
        }
        Reply::Rejected(message) => rejected(StatusCode::BAD_REQUEST, &message),
    })
}
