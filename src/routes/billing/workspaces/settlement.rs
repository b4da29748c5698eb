//! `/billing/workspaces/{id}/settlement`: the change dialog as a page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::AccountId;
use crate::billing::Refusal;
use crate::billing::binding::Target;
use crate::billing::settlement::change_settlement;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::workspace::Workspace;
use crate::domain::{AliUid, InstanceId};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render, see_other};
use crate::startup::AppState;

/// The settlement fields (SPEC 4.1).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettlementForm {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub ali_uid: String,
    #[serde(default)]
    pub instance_id: String,
    #[serde(default)]
    pub registered_instance_id: String,
}

impl SettlementForm {
    /// The target the form names; messages go to `errors`.
    pub fn target(&self, ctx: &PageContext, errors: &mut FormErrors) -> Option<Target> {
        match self.method.as_str() {
            "billing_center" => Some(Target::BillingCenter),
            "aliyun" => {
                let uid = AliUid::parse(&self.ali_uid)
                    .map_err(|e| errors.add("ali_uid", ctx.invalid(&e)))
                    .ok();
                let id = InstanceId::parse(&self.instance_id)
                    .map_err(|e| errors.add("instance_id", ctx.invalid(&e)))
                    .ok();
                uid.zip(id)
                    .map(|(ali_uid, instance_id)| Target::Aliyun { ali_uid, instance_id })
            }
            "registered" => InstanceId::parse(&self.registered_instance_id)
                .map_err(|_| errors.add("registered_instance_id", ctx.t("error-instance-not-registered")))
                .ok()
                .map(|instance_id| Target::Registered { instance_id }),
            _ => {
                errors.add("method", ctx.t("error-choice"));
                None
            }
        }
    }

    /// Whether `method` is the one chosen (for the radio buttons).
    pub fn is(&self, method: &str) -> bool {
        self.method == method
    }
}

/// Puts a refusal's message on its field.
pub fn refusal_message(ctx: &PageContext, refusal: Refusal, errors: &mut FormErrors) {
    let (field, key) = refusal.field_and_message();
    let message = match refusal {
        Refusal::OncePerMonth(date) => ctx.t1(key, "date", date.format("%Y-%m-%d")),
        _ => ctx.t(key),
    };
    errors.add(field, message);
}

#[derive(Template)]
#[template(path = "billing/settlement.html")]
struct SettlementPage {
    ctx: PageContext,
    section: &'static str,
    workspace: Workspace,
    registered: Vec<AliyunInstance>,
    marketplace_url: String,
    errors: FormErrors,
    form: SettlementForm,
}

async fn page(
    ctx: PageContext,
    state: &AppState,
    account_id: AccountId,
    id: &str,
    form: Option<SettlementForm>,
    errors: FormErrors,
) -> Result<SettlementPage, AppError> {
    if !crate::domain::is_workspace_id(id) {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.get().await?;
    let workspace = Workspace::find_for_account(&mut conn, account_id.0, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let registered = AliyunInstance::open_claimed_by(&mut conn, account_id.0).await?;
    let form = form.unwrap_or_else(|| SettlementForm {
        method: if workspace.settlement_method == "aliyun" {
            "billing_center"
        } else {
            "aliyun"
        }
        .into(),
        ..SettlementForm::default()
    });
    Ok(SettlementPage {
        ctx,
        section: "workspaces",
        workspace,
        registered,
        marketplace_url: state.marketplace_url.to_string(),
        errors,
        form,
    })
}

/// GET `/billing/workspaces/{id}/settlement`.
pub async fn settlement_form(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ok(&page(ctx, &state, *account_id, &id, None, FormErrors::default()).await?)
}

/// POST `/billing/workspaces/{id}/settlement`.
#[tracing::instrument(skip_all, fields(account_id = account_id.0))]
pub async fn change(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
    id: web::Path<String>,
    form: web::Form<SettlementForm>,
) -> Result<HttpResponse, AppError> {
    if !crate::domain::is_workspace_id(&id) {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner();
    let mut errors = FormErrors::default();
    let account = current.into_inner().0;
    let Some(target) = form.target(&ctx, &mut errors) else {
        let page = page(ctx, &state, *account_id, &id, Some(form), errors).await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let result = change_settlement(
        &state.pool,
        state.marketplace(),
        &state.sites,
        &account,
        &id,
        &target,
        state.clock.now(),
    )
    .await?;
    match result {
        // Already settled as asked: an identical repeat (a double click, a
        // resend) lands where the first one did.
        Ok(_) | Err(Refusal::Unchanged) => Ok(see_other("/billing/workspaces?changed=1")),
        Err(Refusal::NotFound) => Err(AppError::NotFound),
        Err(refusal) => {
            refusal_message(&ctx, refusal, &mut errors);
            let page = page(ctx, &state, *account_id, &id, Some(form), errors).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
