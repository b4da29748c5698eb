//! CSRF protection for every form POST (SPEC §6).
//!
//! Two independent checks, both before the handler runs and after routing (the
//! check wraps each form route, so a wrong method is a 405 with `Allow`, not a
//! refused token):
//! 1. Fetch metadata and origin: what browsers really send. `Sec-Fetch-Site`,
//!    when present, decides (`same-origin` or `none` pass); `Origin: null` is
//!    what Chrome sends from a page with `Referrer-Policy: no-referrer` even to
//!    its own site, so it is proof of nothing when fetch metadata says
//!    `same-origin`, and refused only when nothing else vouches for the post.
//!    An `Origin` naming another host is always refused.
//! 2. A token, echoed by every form as the hidden field `csrf_token` and
//!    compared in constant time:
//!    - logged in: a synchronizer token kept in the server-side session;
//!    - anonymous: a signed double submit, so that a visitor who only looks at
//!      a form writes no database row: a random nonce in its own cookie
//!      (`__Host-csrf` over https, which no subdomain can set), and as the form
//!      value the HMAC-SHA256 of that nonce under a key derived from
//!      `APP_SESSION_KEY`.
//!
//! Machine endpoints under `/api/` authenticate by their own tokens and are not
//! wrapped. (Why not `actix-csrf-middleware`: it rotates the token after every
//! accepted POST, which breaks a second open tab and every re-rendered form;
//! the check here is short and keeps no state but one cookie.)

use std::cell::RefCell;
use std::rc::Rc;

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, ORIGIN};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, web};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::session_keys;
use crate::error::AppError;
use crate::startup::AppState;

/// The hidden form field carrying the token.
pub const FIELD: &str = "csrf_token";

static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Length of the anonymous nonce (as made by `auth::random_token`).
const NONCE_LEN: usize = 43;

/// The anonymous visitor's cookie: `__Host-` pins it to this host over https
/// (browsers refuse the prefix on plain http, used only in development).
fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-csrf" } else { "csrf" }
}

/// The anonymous visitor's nonce for this request: the cookie's, or a fresh
/// one made the first time a page asks for a token (the response then sets
/// the cookie). A request extension, put there by [`anonymous_cookie`].
#[derive(Clone, Default)]
struct Nonce(Rc<RefCell<NonceState>>);

#[derive(Default)]
struct NonceState {
    value: Option<String>,
    fresh: bool,
}

impl Nonce {
    fn from_cookie(value: Option<String>) -> Self {
        let value = value.filter(|v| v.len() == NONCE_LEN && v.bytes().all(|b| b.is_ascii_alphanumeric()));
        Nonce(Rc::new(RefCell::new(NonceState { value, fresh: false })))
    }

    fn get_or_make(&self) -> String {
        let mut state = self.0.borrow_mut();
        match &state.value {
            Some(value) => value.clone(),
            None => {
                let value = super::random_token();
                state.value = Some(value.clone());
                state.fresh = true;
                value
            }
        }
    }

    fn fresh(&self) -> Option<String> {
        let state = self.0.borrow();
        state.fresh.then(|| state.value.clone()).flatten()
    }

    fn existing(&self) -> Option<String> {
        self.0.borrow().value.clone()
    }
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length; the error case cannot happen.
    let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default()));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The anonymous token for `nonce`, under a key derived from
/// `APP_SESSION_KEY` for this one purpose (so it never doubles as anything
/// else).
fn signed(state: &AppState, nonce: &str) -> String {
    let key = hmac_sha256(
        state.settings.session_key.expose_secret().as_bytes(),
        b"billing-center anonymous csrf v1",
    );
    hex::encode(hmac_sha256(&key, nonce.as_bytes()))
}

fn logged_in(session: &Session) -> bool {
    session
        .get::<i64>(session_keys::ACCOUNT_ID)
        .ok()
        .flatten()
        .is_some()
}

/// The token a form on this page must carry: the session's synchronizer token
/// when logged in, else the signed anonymous token.
pub fn form_token(req: &HttpRequest) -> String {
    let session = req.get_session();
    if logged_in(&session) {
        return synchronizer(&session);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return String::new();
    };
    let nonce = req.extensions().get::<Nonce>().cloned().unwrap_or_default();
    signed(state, &nonce.get_or_make())
}

/// The session's synchronizer token, created on first use.
fn synchronizer(session: &Session) -> String {
    if let Ok(Some(existing)) = session.get::<String>(session_keys::CSRF) {
        return existing;
    }
    let fresh = super::random_token();
    // Insertion only fails to serialise, which a String cannot.
    let _ = session.insert(session_keys::CSRF, &fresh);
    fresh
}

/// Replaces the synchronizer token (at login, when the privilege level changes).
pub fn rotate(session: &Session) {
    let _ = session.insert(session_keys::CSRF, super::random_token());
}

/// App-wide middleware (inside the session middleware): reads the anonymous
/// nonce cookie, and sets it on the response when the page made a new one.
pub async fn anonymous_cookie<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.settings.cookie_secure);
    let name = cookie_name(secure);
    let nonce = Nonce::from_cookie(req.cookie(name).map(|c| c.value().to_string()));
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.call(req).await?;
    if let Some(value) = nonce.fresh() {
        let cookie = Cookie::build(name, value)
            .path("/")
            .secure(secure)
            .http_only(true)
            .same_site(SameSite::Lax)
            .finish();
        // Only fails for invalid cookie values, which an alphanumeric nonce is not.
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

/// Route middleware of every form POST: the origin check, then the token.
pub async fn protect<B: MessageBody>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
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
    let expected = expected_token(req.request());
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

/// The token this request's form must have carried, if it can have one.
fn expected_token(req: &HttpRequest) -> Option<String> {
    let session = req.get_session();
    if logged_in(&session) {
        return session.get::<String>(session_keys::CSRF).ok().flatten();
    }
    let state = req.app_data::<web::Data<AppState>>()?;
    let nonce = req.extensions().get::<Nonce>().and_then(Nonce::existing)?;
    Some(signed(state, &nonce))
}

/// False when the browser says, or cannot rule out, that the post comes from
/// another site.
fn same_origin(req: &ServiceRequest) -> bool {
    let header = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let fetch_site = header(&SEC_FETCH_SITE);
    if fetch_site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    match header(&ORIGIN) {
        None => true,
        // An opaque origin: a `no-referrer` page of ours (then fetch metadata
        // says same-origin) or a sandboxed frame or data: URL elsewhere.
        Some("null") => fetch_site.is_some(),
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
