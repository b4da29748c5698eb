//! The buyer's pages, styled after Alibaba Cloud Marketplace and labelled
//! simulated: product page with *Activate Now*, the pay-as-you-go terms,
//! *Activation Request Submitted*, and *Purchased Services* with Instance IDs
//! and *Close* / *Expire* / *Renew*. The buyer "logged in to Alibaba Cloud" is
//! a cookie holding their account ID, set when they activate or look an
//! account up, so *Purchased Services* shows their instances without asking.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use rand::Rng;
use secrecy::ExposeSecret;
use serde::Deserialize;

use super::{Market, MarketRefusal, store};
use crate::domain::AliUid;
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

/// The message for an account ID that is not one.
const NOT_AN_ACCOUNT_ID: &str = "The account ID is a number, like 1234567890123456.";

/// The remembered buyer, if any.
fn buyer(req: &HttpRequest) -> Option<AliUid> {
    req.cookie(BUYER_COOKIE)
        .and_then(|c| AliUid::parse(c.value()).ok())
}

/// Remembers `buyer` as the one "logged in to Alibaba Cloud" in this browser.
fn remember(res: &mut HttpResponse, buyer: &AliUid) -> Result<(), AppError> {
    let cookie = Cookie::build(BUYER_COOKIE, buyer.as_ref().to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    res.add_cookie(&cookie)
        .map_err(|e| AppError::Unexpected(e.into()))
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
    let ali_uid = buyer(&req).map(|b| b.as_ref().to_string()).unwrap_or_else(|| {
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
    if AliUid::parse(&ali_uid).is_err() {
        return ok(&ProductPage {
            ali_uid,
            error: Some(NOT_AN_ACCOUNT_ID),
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
    let Ok(uid) = AliUid::parse(&ali_uid) else {
        return ok(&ProductPage {
            ali_uid,
            error: Some(NOT_AN_ACCOUNT_ID),
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
    remember(&mut res, &uid)?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "sandbox/market_purchased.html")]
struct PurchasedPage {
    /// The account shown (or typed, when `error` says it is not an ID).
    ali_uid: Option<String>,
    error: Option<&'static str>,
    instances: Vec<store::Instance>,
    /// When no account is known: the accounts that bought lately, to pick from.
    recent_buyers: Vec<String>,
    retrying: i64,
}

#[derive(Deserialize)]
struct BuyerQuery {
    ali_uid: Option<String>,
}

/// How many recent buyers the page offers when it knows no account.
const RECENT_BUYERS: i64 = 10;

/// The instances of the account looked up (`?ali_uid=`, which is then
/// remembered) or else of the remembered buyer; with neither, the field to
/// look one up and the accounts that bought lately.
async fn purchased(
    req: HttpRequest,
    market: web::Data<Market>,
    query: web::Query<BuyerQuery>,
) -> Result<HttpResponse, AppError> {
    let typed = query.into_inner().ali_uid.filter(|u| !u.trim().is_empty());
    let (shown, error) = match typed.as_deref().map(AliUid::parse) {
        Some(Ok(uid)) => (Some(uid), None),
        Some(Err(_)) => (None, Some(NOT_AN_ACCOUNT_ID)),
        None => (buyer(&req), None),
    };
    let mut conn = market.pool.get().await?;
    let (instances, recent_buyers) = match &shown {
        Some(uid) => (
            store::instances_of(&mut conn, Some(uid.as_ref())).await?,
            Vec::new(),
        ),
        None => (Vec::new(), store::recent_buyers(&mut conn, RECENT_BUYERS).await?),
    };
    drop(conn);
    let retrying = market.pending_deliveries().await?;
    // An account looked up becomes the remembered buyer.
    let looked_up = shown.clone().filter(|_| typed.is_some());
    let page = PurchasedPage {
        ali_uid: match error {
            Some(_) => typed,
            None => shown.as_ref().map(|u| u.as_ref().to_string()),
        },
        error,
        instances,
        recent_buyers,
        retrying,
    };
    let mut res = ok(&page)?;
    if let Some(uid) = &looked_up {
        remember(&mut res, uid)?;
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
