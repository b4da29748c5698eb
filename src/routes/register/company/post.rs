use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::CompanyPage;
use crate::db::models::console_user::{ConsoleUser, NewConsoleUser};
use crate::domain::CompanyName;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other};
use crate::routes::register::Registration;
use crate::startup::AppState;

#[derive(Deserialize)]
pub struct CompanyForm {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    agree_terms: String,
}

/// POST `/register/company`: creates the console user.
#[tracing::instrument(skip_all)]
pub async fn company(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<CompanyForm>,
) -> Result<HttpResponse, AppError> {
    let Some(mut registration) = Registration::load(&session) else {
        return Ok(see_other("/register"));
    };
    if registration.console_user_id.is_some() {
        return Ok(see_other("/register/activate"));
    }
    let form = form.into_inner();
    let agree = form.agree_terms == "on";
    let mut errors = FormErrors::default();
    let company = CompanyName::parse(&form.company_name)
        .map_err(|e| errors.add("company_name", ctx.invalid(&e)))
        .ok();
    if !agree {
        errors.add("agree_terms", ctx.t("error-agree-terms"));
    }
    let (Some(company), true) = (company, errors.is_empty()) else {
        let page = CompanyPage {
            ctx,
            errors,
            company_name: form.company_name,
            agree,
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let mut conn = state.pool.get().await?;
    let created = ConsoleUser::create(
        &mut conn,
        &NewConsoleUser {
            site: &registration.site,
            username: &registration.username,
            email: &registration.email,
            phone: &registration.phone,
            password_hash: &registration.password_hash,
            company_name: company.as_ref(),
        },
    )
    .await?;
    let Some(user) = created else {
        // Someone registered the same username, email or phone on this site
        // since step 1.
        errors.add("company_name", ctx.t("error-registration-taken-meanwhile"));
        let page = CompanyPage {
            ctx,
            errors,
            company_name: form.company_name,
            agree,
        };
        return render(StatusCode::CONFLICT, &page);
    };
    registration.console_user_id = Some(user.id);
    registration.save(&session)?;
    tracing::info!(console_user = user.id, site = %user.site, "console user registered");
    Ok(see_other("/register/activate"))
}
