use actix_web::HttpResponse;

use super::ForgotPage;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok};

/// GET `/password/forgot`.
pub async fn forgot_form(ctx: PageContext) -> Result<HttpResponse, AppError> {
    ok(&ForgotPage {
        ctx,
        errors: FormErrors::default(),
        email: String::new(),
    })
}
