//! Choose a new password through an emailed one-time link.

pub mod get;
pub mod post;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render};

#[derive(Template)]
#[template(path = "password/reset.html")]
struct ResetPage {
    ctx: PageContext,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "password/reset_invalid.html")]
struct ResetInvalidPage {
    ctx: PageContext,
}

/// The token is in the URL: never leak it to another site through `Referer`.
fn no_referrer(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    res
}

fn invalid_link(ctx: PageContext) -> Result<HttpResponse, AppError> {
    render(StatusCode::NOT_FOUND, &ResetInvalidPage { ctx }).map(no_referrer)
}
