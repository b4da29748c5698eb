use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::{ActivateForm, ActivatePage};
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self};
use crate::domain::{Language, SettlementMethod};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, see_other};
use crate::routes::api::aliyun_spi::SESSION_INSTANCE;
use crate::routes::register::Registration;
use crate::startup::AppState;

/// The page for `registration`, with `form` as typed (or defaults).
pub async fn page(
    ctx: PageContext,
    session: &Session,
    state: &AppState,
    registration: &Registration,
    form: Option<ActivateForm>,
    errors: FormErrors,
) -> Result<ActivatePage, AppError> {
    let conn = state.pool.get().await?;
    let sites = &state.sites;
    let site = site::find(sites, &registration.site).ok_or(AppError::NotFound)?;
    let aliyun_allowed = site.allows(SettlementMethod::Aliyun);
    let remembered = session.get::<String>(SESSION_INSTANCE).ok().flatten();
    let marketplace = match remembered {
        Some(id) => AliyunInstance::find(&conn, &id).await?,
        None => None,
    };
    let form = form.unwrap_or_else(|| ActivateForm {
        workspace_language: if ctx.lang == Language::Zh { "zh" } else { "en" }.into(),
        activation_method: if aliyun_allowed { "aliyun" } else { "direct" }.into(),
        ali_uid: marketplace
            .as_ref()
            .map(|i| i.account_id().to_string())
            .unwrap_or_default(),
        instance_id: marketplace
            .as_ref()
            .map(|i| i.instance_id.clone())
            .unwrap_or_default(),
        sync_billing_account: "on".into(),
        ..ActivateForm::default()
    });
    Ok(ActivatePage {
        site_name: site.name(ctx.lang).to_string(),
        aliyun_allowed,
        marketplace_url: state.marketplace_url.to_string(),
        from_marketplace: marketplace.is_some_and(|i| i.instance_id == form.instance_id),
        ctx,
        errors,
        form,
    })
}

/// GET `/register/activate` (steps 1 and 2 must be done).
pub async fn activate_form(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(registration) = Registration::load(&session) else {
        return Ok(see_other("/register"));
    };
    if registration.console_user_id.is_none() {
        return Ok(see_other("/register/company"));
    }
    if registration.workspace_id.is_some() {
        return Ok(see_other("/register/done"));
    }
    ok(&page(ctx, &session, &state, &registration, None, FormErrors::default()).await?)
}
