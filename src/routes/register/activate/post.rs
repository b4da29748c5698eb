use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::ActivateForm;
use super::get::page;
use crate::auth::login::{Authenticated, authenticate};
use crate::billing::Refusal;
use crate::billing::binding::Target;
use crate::billing::registration::{ActivationRequest, BillingAccount, activate as activate_workspace};
use crate::db::models::account::Account;
use crate::domain::{AliUid, InstanceId, Language, LoginIdentifier, WorkspaceName};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, render, see_other};
use crate::routes::api::aliyun_spi::SESSION_INSTANCE;
use crate::routes::register::Registration;
use crate::startup::AppState;

/// The existing Billing Center account the user proved they hold, checked
/// like a login (throttled, equal timing for unknown accounts).
async fn join_account(
    req: &HttpRequest,
    ctx: &PageContext,
    state: &AppState,
    form: &ActivateForm,
    errors: &mut FormErrors,
) -> Result<Option<Account>, AppError> {
    if form.billing_login.trim().is_empty() {
        errors.add("billing_login", ctx.t("error-required"));
    }
    if form.billing_password.is_empty() {
        errors.add("billing_password", ctx.t("error-required"));
    }
    let Ok(identifier) = LoginIdentifier::parse(&form.billing_login) else {
        if errors.get("billing_login").is_none() {
            errors.add("billing_login", ctx.t("login-failed"));
        }
        return Ok(None);
    };
    if form.billing_password.is_empty() {
        return Ok(None);
    }
    let ip = crate::auth::login::client_ip(req, state);
    match authenticate(state, ip, &identifier, &form.billing_password).await? {
        Authenticated::Account(account) => Ok(Some(account)),
        Authenticated::Throttled(seconds) => {
            errors.add("billing_login", ctx.t1("throttled-body", "seconds", seconds));
            Ok(None)
        }
        Authenticated::Failed => {
            errors.add("billing_login", ctx.t("login-failed"));
            Ok(None)
        }
    }
}

fn refusal_message(ctx: &PageContext, refusal: Refusal, errors: &mut FormErrors) {
    let (field, message) = refusal.field_and_message();
    // The registration form calls the method field `activation_method`.
    let field = if field == "method" {
        "activation_method"
    } else {
        field
    };
    errors.add(field, ctx.t(message));
}

/// POST `/register/activate`: activates the workspace (one transaction).
#[tracing::instrument(skip_all)]
pub async fn activate(
    req: HttpRequest,
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<ActivateForm>,
) -> Result<HttpResponse, AppError> {
    let Some(mut registration) = Registration::load(&session) else {
        return Ok(see_other("/register"));
    };
    let Some(console_user_id) = registration.console_user_id else {
        return Ok(see_other("/register/company"));
    };
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let name = WorkspaceName::parse(&form.workspace_name)
        .map_err(|e| errors.add("workspace_name", ctx.invalid(&e)))
        .ok();
    let language = Language::parse(&form.workspace_language)
        .map_err(|e| errors.add("workspace_language", ctx.invalid(&e)))
        .ok();
    let target = match form.activation_method.as_str() {
        "direct" => Some(Target::BillingCenter),
        "aliyun" => {
            let uid = AliUid::parse(&form.ali_uid)
                .map_err(|e| errors.add("ali_uid", ctx.invalid(&e)))
                .ok();
            let id = InstanceId::parse(&form.instance_id)
                .map_err(|e| errors.add("instance_id", ctx.invalid(&e)))
                .ok();
            uid.zip(id)
                .map(|(ali_uid, instance_id)| Target::Aliyun { ali_uid, instance_id })
        }
        _ => {
            errors.add("activation_method", ctx.t("error-choice"));
            None
        }
    };
    if form.agree_terms != "on" {
        errors.add("agree_terms", ctx.t("error-agree-terms"));
    }
    let account = if form.sync_billing_account == "on" {
        Some(BillingAccount::Create {
            ui_language: ctx.lang,
        })
    } else {
        join_account(&req, &ctx, &state, &form, &mut errors)
            .await?
            .map(BillingAccount::Join)
    };
    let request = match (name, language, target, account, errors.is_empty()) {
        (Some(workspace_name), Some(language), Some(target), Some(account), true) => ActivationRequest {
            console_user_id,
            site: registration.site.clone(),
            workspace_name,
            language,
            target,
            account,
        },
        _ => return refuse(ctx, &session, &state, &registration, form, errors).await,
    };
    let result = activate_workspace(
        &state.pool,
        state.marketplace(),
        &state.sites,
        &request,
        state.clock.now(),
    )
    .await?;
    match result {
        Ok(workspace) => {
            registration.workspace_id = Some(workspace.id);
            registration.joined_account = matches!(request.account, BillingAccount::Join(_));
            registration.save(&session)?;
            session.remove(SESSION_INSTANCE);
            Ok(see_other("/register/done"))
        }
        Err(Refusal::NotFound) => Ok(see_other("/register")),
        Err(refusal) => {
            refusal_message(&ctx, refusal, &mut errors);
            refuse(ctx, &session, &state, &registration, form, errors).await
        }
    }
}

async fn refuse(
    ctx: PageContext,
    session: &Session,
    state: &AppState,
    registration: &Registration,
    form: ActivateForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let form = ActivateForm {
        billing_password: String::new(),
        ..form
    };
    let page = page(ctx, session, state, registration, Some(form), errors).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
