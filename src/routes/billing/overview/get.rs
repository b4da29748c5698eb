use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::billing::workspaces::{WorkspaceRow, rows};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "billing/overview.html")]
struct OverviewPage {
    ctx: PageContext,
    section: &'static str,
    account: Account,
    member_since: String,
    workspaces: Vec<WorkspaceRow>,
    /// (method code, count), most used first.
    by_method: Vec<(String, usize)>,
    /// (site name, count), in site order.
    by_site: Vec<(String, usize)>,
    instances: Vec<AliyunInstance>,
}

fn tally<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for key in keys {
        match counts.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key.to_string(), 1)),
        }
    }
    counts
}

/// GET `/billing`.
pub async fn overview(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
) -> Result<HttpResponse, AppError> {
    let account = current.into_inner().0;
    let mut conn = state.pool.get().await?;
    let sites = &state.sites;
    let workspaces = rows(Workspace::of_account(&mut conn, account.id).await?, sites, &ctx);
    let mut by_method = tally(workspaces.iter().map(|r| r.workspace.settlement_method.as_str()));
    by_method.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let by_site = tally(workspaces.iter().map(|r| r.site_name.as_str()));
    let instances = AliyunInstance::claimed_by(&mut conn, account.id).await?;
    let member_since = crate::time::shanghai_date(account.created_at);
    ok(&OverviewPage {
        ctx,
        section: "overview",
        account,
        member_since,
        workspaces,
        by_method,
        by_site,
        instances,
    })
}
