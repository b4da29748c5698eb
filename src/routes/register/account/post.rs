use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel_async::AsyncConnection;
use secrecy::ExposeSecret;

use super::{AccountForm, AccountPage};
use crate::db::models::console_user::ConsoleUser;
use crate::db::models::email_code::{self, CodeCheck};
use crate::db::models::site::{self, Site};
use crate::domain::{EmailAddress, EmailCode, NewPassword, PasswordProblem, Phone, Username};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other};
use crate::routes::register::{Registration, site_options};
use crate::startup::AppState;

/// The step-1 values that passed their rules.
struct Valid {
    username: Username,
    email: EmailAddress,
    phone: Phone,
    password: NewPassword,
    code: EmailCode,
}

/// Every field's own rule; messages go to `errors`.
fn validate(ctx: &PageContext, sites: &[Site], form: &AccountForm, errors: &mut FormErrors) -> Option<Valid> {
    let site = site::find(sites, &form.site);
    if site.is_none() {
        errors.add("site", ctx.t("error-choice"));
    }
    let username = Username::parse(&form.username)
        .map_err(|e| errors.add("username", ctx.invalid(&e)))
        .ok();
    let password = NewPassword::parse(
        &form.password,
        &form.password_confirm,
        &[&form.username, &form.email],
    )
    .map_err(|p| match p {
        PasswordProblem::Password(e) => errors.add("password", ctx.invalid(&e)),
        PasswordProblem::Mismatch => errors.add("password_confirm", ctx.t("error-password-mismatch")),
    })
    .ok();
    let email = EmailAddress::parse(&form.email)
        .map_err(|e| errors.add("email", ctx.invalid(&e)))
        .ok();
    let code = EmailCode::parse(&form.email_code)
        .map_err(|e| errors.add("email_code", ctx.invalid(&e)))
        .ok();
    let phone = Phone::parse(&form.phone)
        .map_err(|e| errors.add("phone", ctx.invalid(&e)))
        .ok();
    site?;
    Some(Valid {
        username: username?,
        email: email?,
        phone: phone?,
        password: password?,
        code: code?,
    })
}

/// POST `/register`: checks step 1 and moves on to step 2.
#[tracing::instrument(skip_all)]
pub async fn account(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut conn = state.pool.get().await?;
    let sites = &state.sites;
    let mut errors = FormErrors::default();
    let valid = validate(&ctx, sites, &form, &mut errors);
    if let Some(v) = &valid {
        let taken = ConsoleUser::taken_on_site(
            &mut conn,
            &form.site,
            v.username.as_ref(),
            v.email.as_ref(),
            v.phone.as_ref(),
        )
        .await?;
        if taken.username {
            errors.add("username", ctx.t("error-username-taken"));
        }
        if taken.email {
            errors.add("email", ctx.t("error-email-taken"));
        }
        if taken.phone {
            errors.add("phone", ctx.t("error-phone-taken"));
        }
    }
    // The code is checked whatever else is wrong (a wrong code counts a try),
    // and used up only when everything else is right.
    if let Some(v) = &valid {
        let consume = errors.is_empty();
        let now = chrono::Utc::now();
        let checked = conn
            .transaction(async |conn| {
                email_code::check(conn, v.email.as_ref(), v.code.as_ref(), consume, now).await
            })
            .await?;
        match checked {
            CodeCheck::Valid => {}
            CodeCheck::Wrong(left) => {
                errors.add("email_code", ctx.t1("error-email-code-wrong", "left", left))
            }
            CodeCheck::Expired => errors.add("email_code", ctx.t("error-email-code-expired")),
        }
    }
    drop(conn);
    let (Some(v), true) = (valid, errors.is_empty()) else {
        let sites = site_options(sites, ctx.lang);
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage::new(ctx, sites, form, errors),
        );
    };
    let password_hash = state
        .passwords
        .hash(v.password.secret().expose_secret().into())
        .await?;
    Registration {
        site: form.site,
        username: v.username.as_ref().to_string(),
        email: v.email.as_ref().to_string(),
        phone: v.phone.as_ref().to_string(),
        password_hash,
        console_user_id: None,
        workspace_id: None,
    }
    .save(&session)?;
    Ok(see_other("/register/company"))
}
