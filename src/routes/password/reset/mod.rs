//! Choose a new password through an emailed one-time link.

pub mod get;
pub mod post;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::error::AppError;
use crate::page::{FormErrors, PageContext, capability_page, render};

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

fn invalid_link(ctx: PageContext) -> Result<HttpResponse, AppError> {
    render(StatusCode::NOT_FOUND, &ResetInvalidPage { ctx }).map(capability_page)
}
