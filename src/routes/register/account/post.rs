use std::net::IpAddr;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel_async::AsyncConnection;
use secrecy::ExposeSecret;

use super::{AccountForm, AccountPage};
use crate::auth::rate_limit;
use crate::db::models::console_user::{ConsoleUser, Taken};
use crate::db::models::email_code::{self, CodeCheck};
use crate::db::models::site::{self, Site};
use crate::domain::{EmailAddress, EmailCode, NewPassword, PasswordProblem, Phone, Username};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other, too_many};
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

/// What the database said about a step 1 whose fields are all well formed.
enum Proof {
    /// The code proves the address and nothing is taken: the code is used up.
    Proven,
    /// The code proves the address, so its owner may learn what is taken
    /// (each such answer spends a try of the code).
    Taken(Taken),
    WrongCode(i32),
    ExpiredCode,
    /// Too many attempts from this client address or for this email.
    Throttled(u64),
}

/// The limits, then the code, then (only for a proven address) whether the
/// username, email or phone is taken: one transaction, the code row locked.
async fn prove(state: &AppState, ip: IpAddr, site: &str, v: &Valid) -> Result<Proof, AppError> {
    let limits = &state.settings.auth.registration;
    let now = chrono::Utc::now();
    let mut conn = state.pool.get().await?;
    let proof = conn
        .transaction(async |conn| {
            let per_ip = rate_limit::registration_per_ip(limits);
            let per_email = rate_limit::registration_per_email(limits);
            for (key, limit) in [
                (rate_limit::ip_key("register", ip), per_ip),
                (rate_limit::email_key("register", v.email.as_ref()), per_email),
            ] {
                if let Some(wait) = rate_limit::hit(conn, &key, limit).await? {
                    return Ok(Proof::Throttled(wait));
                }
            }
            let code = match email_code::check(conn, v.email.as_ref(), v.code.as_ref(), now).await? {
                CodeCheck::Valid(code) => code,
                CodeCheck::Wrong(left) => return Ok(Proof::WrongCode(left)),
                CodeCheck::Expired => return Ok(Proof::ExpiredCode),
            };
            let taken = ConsoleUser::taken_on_site(
                conn,
                site,
                v.username.as_ref(),
                v.email.as_ref(),
                v.phone.as_ref(),
            )
            .await?;
            if taken.none() {
                email_code::consume(conn, code, now).await?;
                Ok(Proof::Proven)
            } else {
                email_code::spend_try(conn, code).await?;
                Ok(Proof::Taken(taken))
            }
        })
        .await
        .map_err(|e: diesel::result::Error| AppError::from(e))?;
    Ok(proof)
}

/// POST `/register`: checks step 1 and moves on to step 2. Nothing here tells
/// whether an email, username or phone is registered until the emailed code
/// proves the address, and attempts are limited per client and per email.
#[tracing::instrument(skip_all)]
pub async fn account(
    req: HttpRequest,
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let sites = &state.sites;
    let mut errors = FormErrors::default();
    let valid = validate(&ctx, sites, &form, &mut errors);
    let (Some(v), true) = (valid, errors.is_empty()) else {
        let sites = site_options(sites, ctx.lang);
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage::new(ctx, sites, form, errors),
        );
    };
    let ip = crate::auth::login::client_ip(&req, &state);
    match prove(&state, ip, &form.site, &v).await? {
        Proof::Proven => {}
        Proof::Throttled(seconds) => {
            errors.add(
                "email",
                ctx.t1("error-register-throttled", "minutes", seconds.div_ceil(60)),
            );
            let sites = site_options(sites, ctx.lang);
            return too_many(&AccountPage::new(ctx, sites, form, errors), seconds);
        }
        Proof::Taken(taken) => {
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
        Proof::WrongCode(left) => errors.add("email_code", ctx.t1("error-email-code-wrong", "left", left)),
        Proof::ExpiredCode => errors.add("email_code", ctx.t("error-email-code-expired")),
    }
    if !errors.is_empty() {
        let sites = site_options(sites, ctx.lang);
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &AccountPage::new(ctx, sites, form, errors),
        );
    }
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
        joined_account: false,
    }
    .save(&session)?;
    Ok(see_other("/register/company"))
}
