//! `/billing/workspaces/{id}/settlement`: the change dialog as a page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::billing::Refusal;
use crate::billing::binding::Target;
use crate::billing::settlement::{change_blocked, change_settlement};
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self, Site};
use crate::db::models::workspace::Workspace;
use crate::domain::{AliUid, InstanceId, SettlementMethod};
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

    /// The form filled in with the marketplace's instance: as a registered
    /// instance when this account claimed it, else by account and instance ID.
    pub fn with_instance(instance: &AliyunInstance, account_id: i64) -> Self {
        if instance.claimed_by == Some(account_id) {
            SettlementForm {
                method: "registered".into(),
                registered_instance_id: instance.instance_id.clone(),
                ..SettlementForm::default()
            }
        } else {
            SettlementForm {
                method: "aliyun".into(),
                ali_uid: instance.account_id().to_string(),
                instance_id: instance.instance_id.clone(),
                ..SettlementForm::default()
            }
        }
    }
}

/// The methods `site` offers to an account (`arbitrary`: with
/// `arbitrary_settlement`, every method), as labels for the page.
pub fn allowed_methods(ctx: &PageContext, site: Option<&Site>, arbitrary: bool) -> Vec<String> {
    [SettlementMethod::BillingCenter, SettlementMethod::Aliyun]
        .into_iter()
        .filter(|m| arbitrary || site.is_some_and(|s| s.allows(*m)))
        .map(|m| ctx.t(&format!("method-{}", m.code())).into_owned())
        .collect()
}

/// Puts a refusal's message on its field.
pub fn refusal_message(ctx: &PageContext, refusal: Refusal, errors: &mut FormErrors) {
    let (field, key) = refusal.field_and_message();
    let message = match refusal {
        Refusal::OncePerMonth(date) => ctx.t1(key, "date", date.format("%Y-%m-%d")),
        _ => ctx.t(key).into_owned(),
    };
    errors.add(field, message);
}

#[derive(Template)]
#[template(path = "billing/settlement.html")]
struct SettlementPage {
    ctx: PageContext,
    section: &'static str,
    workspace: Workspace,
    site_name: String,
    /// The methods the workspace's site allows this account, as labels.
    allowed: Vec<String>,
    /// Whether the site allows this account the Alibaba Cloud method.
    aliyun_offered: bool,
    /// Why no change can succeed now (R5, R3), in the page's words.
    blocked: Option<String>,
    registered: Vec<AliyunInstance>,
    marketplace_url: String,
    errors: FormErrors,
    form: SettlementForm,
}

async fn page(
    ctx: PageContext,
    state: &AppState,
    account: &crate::db::models::account::Account,
    session: &Session,
    id: &str,
    form: Option<SettlementForm>,
    errors: FormErrors,
) -> Result<SettlementPage, AppError> {
    if !crate::domain::is_workspace_id(id) {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.get().await?;
    let workspace = Workspace::find_for_account(&mut conn, account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let registered = AliyunInstance::open_claimed_by(&conn, account.id).await?;
    let form = match form {
        Some(form) => form,
        None => match super::marketplace_instance(&conn, session, account.id).await? {
            Some(instance) => SettlementForm::with_instance(&instance, account.id),
            None => SettlementForm {
                method: if workspace.settlement_method == "aliyun" {
                    "billing_center"
                } else {
                    "aliyun"
                }
                .into(),
                ..SettlementForm::default()
            },
        },
    };
    drop(conn);
    let site = site::find(&state.sites, &workspace.site);
    let arbitrary = account.arbitrary_settlement;
    let bound = workspace.aliyun_instance_id.as_deref().map(|id| {
        match registered.iter().any(|i| i.instance_id == id) {
            true => crate::domain::InstanceStatus::Opened,
            false => crate::domain::InstanceStatus::Released,
        }
    });
    let blocked = change_blocked(&workspace, bound, site, arbitrary).map(|refusal| match refusal {
        Refusal::LockedIn => ctx.t("error-settlement-locked-in").into_owned(),
        _ => ctx.t1(
            "workspaces-only-method",
            "method",
            ctx.t(&format!("method-{}", workspace.settlement_method)),
        ),
    });
    Ok(SettlementPage {
        section: "workspaces",
        site_name: site.map(|s| s.name(ctx.lang).to_string()).unwrap_or_default(),
        allowed: allowed_methods(&ctx, site, arbitrary),
        aliyun_offered: arbitrary || site.is_some_and(|s| s.allows(SettlementMethod::Aliyun)),
        blocked,
        workspace,
        registered,
        marketplace_url: state.marketplace_url.to_string(),
        errors,
        form,
        ctx,
    })
}

/// GET `/billing/workspaces/{id}/settlement`.
pub async fn settlement_form(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
    session: Session,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let account = &current.0;
    ok(&page(ctx, &state, account, &session, &id, None, FormErrors::default()).await?)
}

/// POST `/billing/workspaces/{id}/settlement`.
#[tracing::instrument(skip_all, fields(account_id = current.0.id))]
pub async fn change(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
    session: Session,
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
        let page = page(ctx, &state, &account, &session, &id, Some(form), errors).await?;
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
        Ok(_) | Err(Refusal::Unchanged) => {
            super::bound_marketplace_instance(&session, target.instance_id());
            Ok(see_other(&format!("/billing/workspaces?changed={id}")))
        }
        Err(Refusal::NotFound) => Err(AppError::NotFound),
        Err(refusal) => {
            tracing::info!(?refusal, "settlement change refused");
            refusal_message(&ctx, refusal, &mut errors);
            let page = page(ctx, &state, &account, &session, &id, Some(form), errors).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
