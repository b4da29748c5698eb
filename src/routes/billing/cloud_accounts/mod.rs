//! GET `/billing/cloud-accounts`: each claimed instance and the workspaces it settles.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::billing::workspaces::{WorkspaceRow, rows};
use crate::startup::AppState;

struct CloudAccount {
    instance: AliyunInstance,
    expires: Option<String>,
    workspaces: Vec<WorkspaceRow>,
}

#[derive(Template)]
#[template(path = "billing/cloud_accounts.html")]
struct CloudAccountsPage {
    ctx: PageContext,
    section: &'static str,
    accounts: Vec<CloudAccount>,
}

/// GET `/billing/cloud-accounts`.
pub async fn cloud_accounts(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let sites = &state.sites;
    let instances = AliyunInstance::claimed_by(&mut conn, account_id.0).await?;
    let workspaces = Workspace::of_account(&mut conn, account_id.0).await?;
    let accounts = instances
        .into_iter()
        .map(|instance| {
            let bound: Vec<Workspace> = workspaces
                .iter()
                .filter(|w| w.aliyun_instance_id.as_deref() == Some(instance.instance_id.as_str()))
                .cloned()
                .collect();
            CloudAccount {
                expires: instance.expires_on.map(crate::time::shanghai_minute),
                workspaces: rows(bound, sites, &ctx),
                instance,
            }
        })
        .collect();
    ok(&CloudAccountsPage {
        ctx,
        section: "cloud-accounts",
        accounts,
    })
}
