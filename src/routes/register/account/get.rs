use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::{AccountForm, AccountPage};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok};
use crate::routes::register::{Registration, site_options};
use crate::startup::AppState;

/// GET `/register`: step 1, with what the user typed before when coming back.
pub async fn account_form(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let sites = site_options(&state.sites, ctx.lang);
    let form = Registration::load(&session)
        .filter(|r| r.console_user_id.is_none())
        .map(|r| AccountForm {
            site: r.site,
            username: r.username,
            email: r.email,
            phone: r.phone,
            ..AccountForm::default()
        })
        .unwrap_or_default();
    ok(&AccountPage::new(ctx, sites, form, FormErrors::default()))
}
