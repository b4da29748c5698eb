//! CSRF protection for every form POST (SPEC §6).
//!
//! Two independent checks, both before any handler runs:
//! 1. Fetch metadata and origin: a browser sends `Sec-Fetch-Site` and `Origin`
//!    with cross-site posts; either one naming another site is refused.
//! 2. A synchronizer token: a random value kept in the server-side session and
//!    echoed by every form as the hidden field `csrf_token`, compared in
//!    constant time.
//!
//! Machine endpoints under `/api/` authenticate by their own tokens and are not
//! checked. (Why not `actix-csrf-middleware`: it rotates the token after every
//! accepted POST, which breaks a second open tab and every re-rendered form,
//! and it sets its own pre-session cookies beside our session; the check here
//! is short and has no such state.)

use actix_session::SessionExt;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, ORIGIN};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use subtle::ConstantTimeEq;

use super::session_keys;
use crate::error::AppError;

/// The hidden form field carrying the token.
pub const FIELD: &str = "csrf_token";

/// Paths whose callers authenticate otherwise (signed SPI calls, bearer keys).
const EXEMPT_PREFIX: &str = "/api/";

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The session's token, created on first use.
pub fn token(session: &actix_session::Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(session_keys::CSRF) {
        return existing;
    }
    let fresh = super::random_token();
    // Insertion only fails to serialise, which a String cannot.
    let _ = session.insert(session_keys::CSRF, &fresh);
    fresh
}

/// Replaces the token (at login and logout, when the privilege level changes).
pub fn rotate(session: &actix_session::Session) {
    let _ = session.insert(session_keys::CSRF, super::random_token());
}

/// The middleware; wrap it inside the session middleware.
pub async fn protect<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || req.path().starts_with(EXEMPT_PREFIX) {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    // Refusals become responses here, so the error pages (an outer
    // middleware) render them.
    let refuse =
        |req: ServiceRequest, error: actix_web::Error| Ok(req.error_response(error).map_into_right_body());
    if !same_origin(&req) {
        return refuse(req, AppError::CrossSite.into());
    }
    let body = match req.extract::<Bytes>().await {
        Ok(body) => body,
        Err(e) => return refuse(req, e),
    };
    let presented = form_urlencoded::parse(&body)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned());
    let expected = req.get_session().get::<String>(session_keys::CSRF).ok().flatten();
    let valid = match (expected, presented) {
        (Some(e), Some(p)) => bool::from(e.as_bytes().ct_eq(p.as_bytes())),
        _ => false,
    };
    if !valid {
        return refuse(req, AppError::CsrfToken.into());
    }
    req.set_payload(Payload::from(body));
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// False when the browser says the request comes from another site.
fn same_origin(req: &ServiceRequest) -> bool {
    let header = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header(&SEC_FETCH_SITE)
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match header(&ORIGIN) {
        None => true,
        Some(origin) => {
            let host = req.connection_info().host().to_ascii_lowercase();
            url::Url::parse(origin).ok().is_some_and(|url| {
                let origin_host = match (url.host_str(), url.port()) {
                    (Some(h), Some(p)) => format!("{h}:{p}"),
                    (Some(h), None) => h.to_string(),
                    _ => return false,
                };
                origin_host.eq_ignore_ascii_case(&host)
            })
        }
    }
}
