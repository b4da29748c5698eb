//! The stylesheets, compiled into the binary so it runs from any directory.
//! Served with an ETag and a day of caching.

use actix_web::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, web};

const APP_CSS: &str = include_str!("../../static/css/app.css");
const SANDBOX_CSS: &str = include_str!("../../static/css/sandbox.css");

/// Registers `/static/...`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/static/css/app.css")
            .route(web::get().to(|req: HttpRequest| async move { css(&req, APP_CSS) })),
    )
    .service(
        web::resource("/static/css/sandbox.css")
            .route(web::get().to(|req: HttpRequest| async move { css(&req, SANDBOX_CSS) })),
    );
}

fn css(req: &HttpRequest, body: &'static str) -> HttpResponse {
    use sha2::{Digest, Sha256};
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(body.as_bytes()))[..16]);
    let cached = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((ETAG, etag))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"));
    if cached {
        res.finish()
    } else {
        res.content_type("text/css; charset=utf-8").body(body)
    }
}
