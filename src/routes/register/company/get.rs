use actix_session::Session;
use actix_web::HttpResponse;

use super::CompanyPage;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, see_other};
use crate::routes::register::Registration;

/// GET `/register/company` (step 1 must be done).
pub async fn company_form(ctx: PageContext, session: Session) -> Result<HttpResponse, AppError> {
    match Registration::load(&session) {
        None => Ok(see_other("/register")),
        Some(r) if r.console_user_id.is_some() => Ok(see_other("/register/activate")),
        Some(_) => ok(&CompanyPage {
            ctx,
            errors: FormErrors::default(),
            company_name: String::new(),
            agree: false,
        }),
    }
}
