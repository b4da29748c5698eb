//! The buyer's pages, styled after Alibaba Cloud Marketplace and labelled
//! simulated: product page with *Activate Now*, the pay-as-you-go terms,
//! *Activation Request Submitted*, and *Purchased Services* with Instance IDs
//! and *Close* / *Expire* / *Renew*. The buyer "logged in to Alibaba Cloud" is
//! a cookie holding their account ID.

use actix_web::cookie::Cookie;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use rand::Rng;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{Market, MarketRefusal, store};
use crate::error::AppError;
use crate::page::ok;

const BUYER_COOKIE: &str = "sandbox_buyer";

/// Registers `/market...`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/market", web::get().to(product))
        .route("/market/activate", web::post().to(terms))
        .route("/market/confirm", web::post().to(confirm))
        .route("/market/purchased", web::get().to(purchased))
        .route("/market/instances/{id}/close", web::get().to(close_dialog))
        .route("/market/instances/{id}/open", web::get().to(open))
        .route("/market/instances/{id}/{operation}", web::post().to(operate));
}

fn buyer(req: &HttpRequest) -> Option<String> {
    req.cookie(BUYER_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| crate::domain::AliUid::parse(v).is_ok())
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

#[derive(Template)]
#[template(path = "sandbox/market_product.html")]
struct ProductPage {
    ali_uid: String,
    error: Option<&'static str>,
}

async fn product(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let ali_uid = buyer(&req).unwrap_or_else(|| {
        let mut rng = rand::rng();
        format!(
            "{}{:015}",
            rng.random_range(1..=9),
            rng.random_range(0..1_000_000_000_000_000u64)
        )
    });
    ok(&ProductPage { ali_uid, error: None })
}

#[derive(Deserialize)]
struct ActivateForm {
    #[serde(default)]
    ali_uid: String,
    #[serde(default)]
    agree: String,
}

#[derive(Template)]
#[template(path = "sandbox/market_terms.html")]
struct TermsPage {
    ali_uid: String,
    error: Option<&'static str>,
}

async fn terms(form: web::Form<ActivateForm>) -> Result<HttpResponse, AppError> {
    let ali_uid = form.into_inner().ali_uid.trim().to_string();
    if crate::domain::AliUid::parse(&ali_uid).is_err() {
        return ok(&ProductPage {
            ali_uid,
            error: Some("The account ID is a number, like 1234567890123456."),
        });
    }
    ok(&TermsPage { ali_uid, error: None })
}

#[derive(Template)]
#[template(path = "sandbox/market_submitted.html")]
struct SubmittedPage {
    instance: store::Instance,
    delivered: bool,
}

async fn confirm(market: web::Data<Market>, form: web::Form<ActivateForm>) -> Result<HttpResponse, AppError> {
    let ActivateForm { ali_uid, agree } = form.into_inner();
    let Ok(uid) = crate::domain::AliUid::parse(&ali_uid) else {
        return ok(&ProductPage {
            ali_uid,
            error: Some("The account ID is a number, like 1234567890123456."),
        });
    };
    if agree != "on" {
        return ok(&TermsPage {
            ali_uid,
            error: Some("Agree to the terms to activate the service."),
        });
    }
    let (instance, delivered) = market.purchase(uid.as_ref()).await?;
    let mut res = ok(&SubmittedPage { instance, delivered })?;
    res.add_cookie(
        &Cookie::build(BUYER_COOKIE, uid.as_ref().to_string())
            .path("/")
            .finish(),
    )
    .map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "sandbox/market_purchased.html")]
struct PurchasedPage {
    ali_uid: Option<String>,
    instances: Vec<store::Instance>,
    retrying: i64,
}

#[derive(Deserialize)]
struct BuyerQuery {
    ali_uid: Option<String>,
}

async fn purchased(
    req: HttpRequest,
    market: web::Data<Market>,
    query: web::Query<BuyerQuery>,
) -> Result<HttpResponse, AppError> {
    let chosen = query
        .into_inner()
        .ali_uid
        .filter(|u| crate::domain::AliUid::parse(u).is_ok());
    let ali_uid = chosen.clone().or_else(|| buyer(&req));
    let instances = match &ali_uid {
        Some(uid) => {
            let mut conn = market.pool.get().await?;
            store::instances_of(&mut conn, Some(uid)).await?
        }
        None => Vec::new(),
    };
    let retrying = market.pending_deliveries().await?;
    let mut res = ok(&PurchasedPage {
        ali_uid,
        instances,
        retrying,
    })?;
    if let Some(uid) = chosen {
        res.add_cookie(&Cookie::build(BUYER_COOKIE, uid).path("/").finish())
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "sandbox/market_close.html")]
struct CloseDialog {
    instance: store::Instance,
}

async fn close_dialog(market: web::Data<Market>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let instance = market.instance(&id).await?.ok_or(AppError::NotFound)?;
    ok(&CloseDialog { instance })
}

async fn operate(
    market: web::Data<Market>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, operation) = path.into_inner();
    let result = match operation.as_str() {
        "close" => market.close(&id, true).await,
        "expire" => market.expire(&id, true).await,
        "renew" => market.renew(&id, true).await,
        _ => return Err(AppError::NotFound),
    };
    match result {
        Ok(_) | Err(MarketRefusal::Closed) => Ok(see_other("/market/purchased")),
        Err(MarketRefusal::Unknown) => Err(AppError::NotFound),
        Err(MarketRefusal::Failed(e)) => Err(AppError::Unexpected(e)),
    }
}

/// "Open": single sign-on into the ISV through the authUrl it returned,
/// signed like Alibaba (`verify`, `instanceId`, `timeStamp`, `token`).
async fn open(market: web::Data<Market>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let instance = market.instance(&id).await?.ok_or(AppError::NotFound)?;
    let Some(auth_url) = instance.auth_url.as_deref().and_then(|u| url::Url::parse(u).ok()) else {
        return Err(AppError::NotFound);
    };
    let mut pairs = vec![
        ("action".to_string(), "verify".to_string()),
        ("instanceId".to_string(), instance.instance_id.clone()),
        (
            "timeStamp".to_string(),
            crate::marketplace::spi::format_time(chrono::Utc::now()),
        ),
    ];
    crate::marketplace::token::sign(&mut pairs, market.spi_key.expose_secret());
    let mut target = auth_url;
    target.query_pairs_mut().extend_pairs(&pairs);
    Ok(HttpResponse::Found()
        .insert_header((LOCATION, target.as_str()))
        .finish())
}
