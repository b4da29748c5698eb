//! `/terms` and `/privacy`: the terms of service and the privacy policy that
//! registration asks to agree to. Their text is a template an operator
//! replaces (`templates/legal/`, see the README).

use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::page::{PageContext, ok};

#[derive(Template)]
#[template(path = "legal/terms.html")]
struct TermsPage {
    ctx: PageContext,
}

#[derive(Template)]
#[template(path = "legal/privacy.html")]
struct PrivacyPage {
    ctx: PageContext,
}

/// GET `/terms`.
pub async fn terms(ctx: PageContext) -> Result<HttpResponse, AppError> {
    ok(&TermsPage { ctx })
}

/// GET `/privacy`.
pub async fn privacy(ctx: PageContext) -> Result<HttpResponse, AppError> {
    ok(&PrivacyPage { ctx })
}
