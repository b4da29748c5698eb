//! The marketplace's JSON API for tests and scripts (SPEC 4.8).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::{Market, MarketRefusal, MeteringFault, store};

/// Registers `/market/api/...`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/market/api/instances", web::post().to(create))
        .route("/market/api/instances", web::get().to(list))
        .route("/market/api/instances/{id}/{operation}", web::post().to(operate))
        .route("/market/api/metering", web::get().to(metering))
        .route("/market/api/faults", web::post().to(faults))
        .route("/market/api/faults", web::get().to(fault_state));
}

fn failure(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message }))
}

fn internal(e: &anyhow::Error) -> HttpResponse {
    tracing::error!(error = %format!("{e:#}"), "sandbox market API");
    failure(StatusCode::INTERNAL_SERVER_ERROR, "sandbox failure")
}

fn described(instance: &store::Instance, delivered: bool) -> serde_json::Value {
    json!({
        "instance_id": instance.instance_id,
        "order_id": instance.order_id,
        "ali_uid": instance.ali_uid,
        "status": instance.status,
        "end_on": instance.end_on,
        "delivered": delivered,
    })
}

#[derive(Deserialize)]
struct NewInstance {
    ali_uid: String,
}

/// `POST /market/api/instances {"ali_uid"}`: a purchase, announced with createInstance.
async fn create(market: web::Data<Market>, body: web::Json<NewInstance>) -> HttpResponse {
    let Ok(uid) = crate::domain::AliUid::parse(&body.ali_uid) else {
        return failure(StatusCode::BAD_REQUEST, "ali_uid must be numeric");
    };
    match market.purchase(uid.as_ref()).await {
        Ok((instance, delivered)) => HttpResponse::Created().json(described(&instance, delivered)),
        Err(e) => internal(&e),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    ali_uid: Option<String>,
}

/// `GET /market/api/instances?ali_uid=`.
async fn list(market: web::Data<Market>, query: web::Query<ListQuery>) -> HttpResponse {
    let result = async {
        let mut conn = market.pool.get().await?;
        Ok::<_, anyhow::Error>(store::instances_of(&mut conn, query.ali_uid.as_deref()).await?)
    }
    .await;
    match result {
        Ok(list) => HttpResponse::Ok().json(list.iter().map(|i| described(i, true)).collect::<Vec<_>>()),
        Err(e) => internal(&e),
    }
}

#[derive(Deserialize)]
struct Notify {
    /// `false` changes the marketplace's state without calling the SPI at all.
    notify: Option<bool>,
}

/// `POST /market/api/instances/{id}/{release|expire|renew}[?notify=false]`.
async fn operate(
    market: web::Data<Market>,
    path: web::Path<(String, String)>,
    query: web::Query<Notify>,
) -> HttpResponse {
    let (id, operation) = path.into_inner();
    let notify = query.notify.unwrap_or(true);
    let result = match operation.as_str() {
        "release" => market.close(&id, notify).await,
        "expire" => market.expire(&id, notify).await,
        "renew" => market.renew(&id, notify).await,
        _ => {
            return failure(StatusCode::NOT_FOUND, "operations are release, expire and renew");
        }
    };
    match result {
        Ok((instance, delivered)) => HttpResponse::Ok().json(described(&instance, delivered)),
        Err(MarketRefusal::Unknown) => failure(StatusCode::NOT_FOUND, "no such instance"),
        Err(MarketRefusal::Closed) => failure(StatusCode::CONFLICT, "the instance is closed"),
        Err(MarketRefusal::Failed(e)) => internal(&e),
    }
}

/// `GET /market/api/metering`: every push received.
async fn metering(market: web::Data<Market>) -> HttpResponse {
    let result = async {
        let mut conn = market.pool.get().await?;
        Ok::<_, anyhow::Error>(store::metering_rows(&mut conn).await?)
    }
    .await;
    match result {
        Ok(rows) => HttpResponse::Ok().json(rows),
        Err(e) => internal(&e),
    }
}

#[derive(Deserialize)]
struct Faults {
    spi_unreachable_seconds: Option<u64>,
    openapi_fail_seconds: Option<u64>,
    openapi_delay_ms: Option<u64>,
    /// The next N PushMeteringData calls answer 503.
    metering_fail: Option<u32>,
    /// The next N PushMeteringData calls answer Service.Flow.Control.
    metering_throttle: Option<u32>,
    /// The next N PushMeteringData calls are recorded, then time out.
    metering_time_out_after_recording: Option<u32>,
}

/// `POST /market/api/faults`: make the SPI unreachable, the OpenAPI fail or
/// slow, or the next metering pushes fail, be throttled or time out after
/// being recorded; answers (like `GET`) how many OpenAPI calls are being
/// answered.
async fn faults(market: web::Data<Market>, body: web::Json<Faults>) -> HttpResponse {
    if let Some(s) = body.spi_unreachable_seconds {
        market.faults.spi_unreachable_for(s);
    }
    if let Some(s) = body.openapi_fail_seconds {
        market.faults.openapi_fail_for(s);
    }
    if let Some(ms) = body.openapi_delay_ms {
        market.faults.openapi_delay(Duration::from_millis(ms));
    }
    for (count, fault) in [
        (body.metering_fail, MeteringFault::Fail),
        (body.metering_throttle, MeteringFault::Throttle),
        (
            body.metering_time_out_after_recording,
            MeteringFault::TimeOutAfterRecording,
        ),
    ] {
        if let Some(n) = count {
            market.faults.metering(fault, n);
        }
    }
    fault_state(market).await
}

/// `GET /market/api/faults`.
async fn fault_state(market: web::Data<Market>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "ok": true, "openapi_in_flight": market.faults.openapi_in_flight() }))
}
