use actix_web::{HttpResponse, web};

use super::{ResetPage, invalid_link};
use crate::db::models::password_reset;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, capability_page, ok};
use crate::startup::AppState;

/// GET `/password/reset/{token}`.
pub async fn reset_form(
    ctx: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    match password_reset::find_valid(&mut conn, &crate::auth::token_hash(&token)).await? {
        Some(_) => ok(&ResetPage {
            ctx,
            errors: FormErrors::default(),
        })
        .map(capability_page),
        None => invalid_link(ctx),
    }
}
