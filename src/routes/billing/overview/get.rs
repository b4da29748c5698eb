use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::db::models::account::Account;
use crate::db::models::site::{self, Site};
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::startup::AppState;

/// A workspace row as the overview shows it.
struct WorkspaceRow {
    workspace: Workspace,
    site_name: String,
}

#[derive(Template)]
#[template(path = "billing/overview.html")]
struct OverviewPage {
    ctx: PageContext,
    section: &'static str,
    account: Account,
    member_since: String,
    workspaces: Vec<WorkspaceRow>,
}

/// GET `/billing`.
pub async fn overview(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let account = super::super::current_account(&state, *account_id).await?;
    let mut conn = state.pool.get().await?;
    let sites = Site::all(&mut conn).await?;
    let workspaces = Workspace::of_account(&mut conn, account.id)
        .await?
        .into_iter()
        .map(|workspace| WorkspaceRow {
            site_name: site::find(&sites, &workspace.site)
                .map(|s| s.name(ctx.lang).to_string())
                .unwrap_or_default(),
            workspace,
        })
        .collect();
    let member_since = crate::time::shanghai_date(account.created_at);
    ok(&OverviewPage {
        ctx,
        section: "overview",
        account,
        member_since,
        workspaces,
    })
}
