//! Where the marketplace's single sign-on (`verify`) brings the buyer.

pub mod welcome;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::page::{PageContext, render};

#[derive(Template)]
#[template(path = "marketplace/sign_on_refused.html")]
struct SignOnRefusedPage {
    ctx: PageContext,
}

/// The page for a stale, reused or unknown sign-on link (403).
pub fn sign_on_refused(req: &HttpRequest) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::FORBIDDEN,
        &SignOnRefusedPage {
            ctx: PageContext::anonymous(req),
        },
    )
}
