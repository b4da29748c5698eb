//! `/billing/workspaces/new`: a further workspace for this account on any site
//! (the same fields and rules as registration step 3).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::settlement::{SettlementForm, allowed_methods, refusal_message};
use crate::auth::guard::CurrentAccount;
use crate::billing::binding::{Created, NewWorkspaceSpec, add_workspace};
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self};
use crate::domain::{FormKey, Language, WorkspaceName};
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok, render, see_other};
use crate::startup::AppState;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewWorkspaceForm {
    #[serde(default)]
    workspace_name: String,
    #[serde(default)]
    workspace_language: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    ali_uid: String,
    #[serde(default)]
    instance_id: String,
    #[serde(default)]
    registered_instance_id: String,
    /// The one-time key of this rendering of the form.
    #[serde(default)]
    form_key: String,
}

/// A site as the form offers it: with the methods it allows this account.
struct SiteChoice {
    code: String,
    name: String,
    methods: String,
}

#[derive(Template)]
#[template(path = "billing/new_workspace.html")]
struct NewWorkspacePage {
    ctx: PageContext,
    section: &'static str,
    sites: Vec<SiteChoice>,
    /// The site is chosen in the same form: every method is offered, and the
    /// site's own are named beside it.
    aliyun_offered: bool,
    workspace_name: String,
    workspace_language: String,
    site: String,
    registered: Vec<AliyunInstance>,
    marketplace_url: String,
    errors: FormErrors,
    form: SettlementForm,
    form_key: String,
}

async fn page(
    ctx: PageContext,
    state: &AppState,
    account: &crate::db::models::account::Account,
    form: NewWorkspaceForm,
    errors: FormErrors,
) -> Result<NewWorkspacePage, AppError> {
    let conn = state.pool.get().await?;
    let separator = ctx.t("list-separator");
    let sites = state
        .sites
        .iter()
        .map(|s| SiteChoice {
            code: s.code.clone(),
            name: s.name(ctx.lang).to_string(),
            methods: allowed_methods(&ctx, Some(s), account.arbitrary_settlement).join(&separator),
        })
        .collect();
    let registered = AliyunInstance::open_claimed_by(&conn, account.id).await?;
    Ok(NewWorkspacePage {
        section: "workspaces",
        sites,
        aliyun_offered: true,
        workspace_name: form.workspace_name,
        workspace_language: form.workspace_language,
        site: form.site,
        registered,
        marketplace_url: state.marketplace_url.to_string(),
        errors,
        form: SettlementForm {
            method: form.method,
            ali_uid: form.ali_uid,
            instance_id: form.instance_id,
            registered_instance_id: form.registered_instance_id,
        },
        // A re-rendered form keeps its key: it is still the same submission.
        form_key: FormKey::parse(&form.form_key)
            .unwrap_or_else(FormKey::generate)
            .to_string(),
        ctx,
    })
}

/// GET `/billing/workspaces/new`: settled by the Billing Center account, or
/// by the instance the buyer came with from the marketplace.
pub async fn new_form(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<CurrentAccount>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let account = &current.0;
    let from_marketplace = {
        let conn = state.pool.get().await?;
        super::marketplace_instance(&conn, &session, account.id).await?
    };
    let settle = match &from_marketplace {
        Some(instance) => SettlementForm::with_instance(instance, account.id),
        None => SettlementForm {
            method: "billing_center".into(),
            ..SettlementForm::default()
        },
    };
    let form = NewWorkspaceForm {
        workspace_language: if ctx.lang == Language::Zh { "zh" } else { "en" }.into(),
        method: settle.method,
        ali_uid: settle.ali_uid,
        instance_id: settle.instance_id,
        registered_instance_id: settle.registered_instance_id,
        ..NewWorkspaceForm::default()
    };
    ok(&page(ctx, &state, account, form, FormErrors::default()).await?)
}

/// POST `/billing/workspaces/new`.
#[tracing::instrument(skip_all, fields(account_id = current.0.id))]
pub async fn create(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<CurrentAccount>,
    session: Session,
    form: web::Form<NewWorkspaceForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let account = current.into_inner().0;
    let mut errors = FormErrors::default();
    let name = WorkspaceName::parse(&form.workspace_name)
        .map_err(|e| errors.add("workspace_name", ctx.invalid(&e)))
        .ok();
    let language = Language::parse(&form.workspace_language)
        .map_err(|e| errors.add("workspace_language", ctx.invalid(&e)))
        .ok();
    let site = site::find(&state.sites, &form.site).map(|s| s.code.clone());
    if site.is_none() {
        errors.add("site", ctx.t("error-choice"));
    }
    let settle = SettlementForm {
        method: form.method.clone(),
        ali_uid: form.ali_uid.clone(),
        instance_id: form.instance_id.clone(),
        registered_instance_id: form.registered_instance_id.clone(),
    };
    let target = settle.target(&ctx, &mut errors);
    let (Some(name), Some(language), Some(site), Some(target), true) =
        (name, language, site, target, errors.is_empty())
    else {
        let page = page(ctx, &state, &account, form, errors).await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let spec = NewWorkspaceSpec {
        name: &name,
        language,
        site: &site,
        console_user_id: None,
        actor: &account.username,
    };
    let result = add_workspace(
        &state.pool,
        state.marketplace(),
        &state.sites,
        &account,
        &spec,
        &target,
        FormKey::parse(&form.form_key).as_ref(),
        state.clock.now(),
    )
    .await?;
    match result {
        // A repeat of the form lands where the first submission did.
        Ok(Created::New(workspace)) => {
            super::bound_marketplace_instance(&session, target.instance_id());
            Ok(see_other(&format!("/billing/workspaces?added={}", workspace.id)))
        }
        Ok(Created::Repeat(id)) => Ok(see_other(&format!("/billing/workspaces?added={id}"))),
        Err(refusal) => {
            refusal_message(&ctx, refusal, &mut errors);
            let page = page(ctx, &state, &account, form, errors).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
