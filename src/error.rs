//! The application error and the error pages.
//!
//! Handlers return [`AppError`] for what is not a form problem (forms re-render
//! themselves with 422). Every 4xx/5xx response without an HTML body, whether
//! from us, an extractor or the router, is turned into `templates/error.html`
//! in the user's language by [`render_error_page`]; 5xx pages show the request
//! id that the log line carries.

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpResponse, HttpResponseBuilder, ResponseError};
use askama::Template;

use crate::domain::Language;
use crate::telemetry::RequestId;

/// What can go wrong outside a form's own validation.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the form's CSRF token is missing or wrong")]
    CsrfToken,
    #[error("a cross-site request was refused")]
    CrossSite,
    #[error("password hashing is saturated")]
    Busy,
    /// The database is down or no connection was free in time: try again.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if crate::db::is_connection_lost(&e) {
            return AppError::Unavailable(format!("database query: {e}"));
        }
        AppError::Unexpected(anyhow::Error::new(e).context("database query"))
    }
}

impl From<crate::db::PoolError> for AppError {
    fn from(e: crate::db::PoolError) -> Self {
        use deadpool::managed::PoolError as P;
        match e {
            // No connection free in time, or none could be opened: an outage
            // or an overload, both temporary.
            P::Timeout(_) | P::Backend(_) | P::Closed => AppError::Unavailable(format!("database pool: {e}")),
            other => AppError::Unexpected(anyhow::anyhow!("database pool: {other}")),
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Pool(e) => e.into(),
            crate::db::DbError::Query(e) => e.into(),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e).context("rendering a template"))
    }
}

impl From<crate::auth::password::HashError> for AppError {
    fn from(e: crate::auth::password::HashError) -> Self {
        match e {
            crate::auth::password::HashError::Busy => AppError::Busy,
            other => AppError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// The message id an error page shows for a specific error, when it has one.
#[derive(Clone, Copy, Debug)]
struct ErrorMessage(&'static str);

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::CsrfToken | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::Busy | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(self.status_code().canonical_reason().unwrap_or("error"));
        let message = match self {
            AppError::CsrfToken => Some("error-page-csrf"),
            AppError::CrossSite => Some("error-page-cross-site"),
            _ => None,
        };
        if let Some(m) = message {
            res.extensions_mut().insert(ErrorMessage(m));
        }
        if let AppError::Unavailable(cause) = self {
            tracing::warn!(%cause, "answered 503");
        }
        if matches!(self, AppError::Busy | AppError::Unavailable(_)) {
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                HeaderValue::from_static("5"),
            );
        }
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: crate::page::PageContext,
    status: u16,
    title: String,
    message: String,
    request_id: Option<String>,
}

/// `ErrorHandlers` hook: replaces a bare error response with the error page.
/// Responses that already are pages (a 422 form, the 429 throttle page) and
/// machine answers (JSON) are left alone.
pub fn render_error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let already_rendered = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if already_rendered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let request = res.request().clone();
    // The page below replaces the response and with it the error: log it now.
    if status.is_server_error()
        && let Some(error) = res.response().error()
    {
        tracing::error!(cause = %format!("{error:#}"), "internal error");
    }
    if request.path().starts_with("/api/") {
        let reason = status.canonical_reason().unwrap_or("error").to_ascii_lowercase();
        let response = keep_headers(&res, HttpResponse::build(status))
            .json(serde_json::json!({ "success": false, "message": reason }));
        return Ok(ErrorHandlerResponse::Response(
            ServiceResponse::new(request, response).map_into_right_body(),
        ));
    }
    let ctx = crate::page::PageContext::for_error(&request);
    let lang = ctx.lang;
    let specific = res.response().extensions().get::<ErrorMessage>().map(|m| m.0);
    let (title_key, message_key) = messages_for(status);
    let page = ErrorPage {
        status: status.as_u16(),
        title: crate::i18n::t(lang, title_key).into_owned(),
        message: crate::i18n::t(lang, specific.unwrap_or(message_key)).into_owned(),
        request_id: status
            .is_server_error()
            .then(|| request.extensions().get::<RequestId>().map(|id| id.to_string()))
            .flatten(),
        ctx,
    };
    let body = page.render().unwrap_or_else(|_| fallback_body(lang, status));
    let response: HttpResponse<BoxBody> = keep_headers(&res, HttpResponse::build(status))
        .content_type("text/html; charset=utf-8")
        .body(body);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, response).map_into_right_body(),
    ))
}

/// `builder` with the headers of `res` (`Allow`, `Retry-After`, ...) but
/// those of its body.
fn keep_headers<B>(res: &ServiceResponse<B>, mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    for (name, value) in res.headers() {
        if name != CONTENT_TYPE && name != actix_web::http::header::CONTENT_LENGTH {
            builder.insert_header((name.clone(), value.clone()));
        }
    }
    builder
}

fn messages_for(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        404 => ("error-404-title", "error-404-body"),
        405 => ("error-405-title", "error-405-body"),
        403 => ("error-403-title", "error-403-body"),
        413 => ("error-413-title", "error-413-body"),
        400..=499 => ("error-400-title", "error-400-body"),
        503 => ("error-503-title", "error-503-body"),
        _ => ("error-500-title", "error-500-body"),
    }
}

fn fallback_body(lang: Language, status: StatusCode) -> String {
    format!(
        "<!doctype html><title>{status}</title><p>{}</p>",
        crate::i18n::t(lang, "error-500-body")
    )
}

/// App-wide middleware inside the session middleware: when the answer is an
/// error, copies who is logged in (if anyone) into the request, for the
/// header of the error page that [`render_error_page`] renders outside the
/// session middleware. It reads the session the middleware already loaded:
/// an anonymous visitor (no session cookie) costs nothing, and no row is
/// written.
pub async fn remember_visitor<B: actix_web::body::MessageBody>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    use actix_session::SessionExt;
    let res = next.call(req).await?;
    if res.status().is_client_error() || res.status().is_server_error() {
        let request = res.request();
        let username = request
            .get_session()
            .get::<String>(crate::auth::session_keys::USERNAME)
            .ok()
            .flatten();
        if let Some(username) = username {
            let csrf = crate::auth::csrf::form_token(request);
            request
                .extensions_mut()
                .insert(crate::page::Visitor { username, csrf });
        }
    }
    Ok(res)
}

/// Middleware around the session middleware: when its store (PostgreSQL)
/// cannot be reached it fails the request with an opaque 500 before any
/// handler runs; that is an outage, answered 503 with `Retry-After` and the
/// error page like any other.
pub async fn session_store_outage<B: actix_web::body::MessageBody>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // The request itself cannot be kept (routing needs it unshared), so what
    // the page needs is taken now.
    let ctx = crate::page::PageContext::anonymous(req.request());
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    match next.call(req).await {
        Err(e) if is_session_store_failure(&e) => {
            tracing::warn!(cause = %e, "the session store is unavailable");
            Err(OutagePage::render(ctx, request_id).into())
        }
        other => other,
    }
}

/// Whether actix-session failed because its store did (the only other
/// failures, cookie encoding, cannot happen with our random keys).
fn is_session_store_failure(e: &actix_web::Error) -> bool {
    use actix_session::storage::{LoadError, SaveError, UpdateError};
    use actix_web::error::InternalError;
    e.as_error::<InternalError<LoadError>>().is_some()
        || e.as_error::<InternalError<SaveError>>().is_some()
        || e.as_error::<InternalError<UpdateError>>().is_some()
        || e.as_error::<InternalError<anyhow::Error>>().is_some()
}

/// The 503 page of an outage met outside any handler: a finished response
/// (error pages and default headers are not applied to errors), so it carries
/// the security headers itself.
#[derive(Debug)]
struct OutagePage(String);

impl OutagePage {
    fn render(ctx: crate::page::PageContext, request_id: Option<String>) -> Self {
        let status = StatusCode::SERVICE_UNAVAILABLE;
        let (title, message) = messages_for(status);
        let lang = ctx.lang;
        let page = ErrorPage {
            status: status.as_u16(),
            title: crate::i18n::t(lang, title).into_owned(),
            message: crate::i18n::t(lang, message).into_owned(),
            request_id,
            ctx,
        };
        OutagePage(page.render().unwrap_or_else(|_| fallback_body(lang, status)))
    }
}

impl std::fmt::Display for OutagePage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the database is unavailable")
    }
}

impl ResponseError for OutagePage {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::ServiceUnavailable();
        res.content_type("text/html; charset=utf-8")
            .insert_header((actix_web::http::header::RETRY_AFTER, "5"));
        for header in crate::startup::SECURITY_HEADERS {
            res.insert_header(header);
        }
        res.body(self.0.clone())
    }
}
