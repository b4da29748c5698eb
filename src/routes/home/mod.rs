//! `/`: the landing page.

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::page::{PageContext, ok};

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    ctx: PageContext,
}

/// GET `/`.
pub async fn index(ctx: PageContext) -> Result<HttpResponse, AppError> {
    ok(&HomePage { ctx })
}
