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

struct CloudAccount<'a> {
    instance: AliyunInstance,
    expires: Option<String>,
    workspaces: Vec<WorkspaceRow<'a>>,
}

#[derive(Template)]
#[template(path = "billing/cloud_accounts.html")]
struct CloudAccountsPage<'a> {
    ctx: PageContext,
    section: &'static str,
    accounts: Vec<CloudAccount<'a>>,
}

/// GET `/billing/cloud-accounts`.
pub async fn cloud_accounts(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let conn = state.pool.get().await?;
    let sites = &state.sites;
    // One round trip: the reads are pipelined on the connection.
    let (instances, workspaces) = futures_util::future::try_join(
        AliyunInstance::claimed_by(&conn, account_id.0),
        Workspace::of_account(&conn, account_id.0),
    )
    .await?;
    drop(conn);
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
