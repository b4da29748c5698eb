//! `/billing/workspaces`: every workspace of the account, filterable, each
//! with *Change settlement method*.

pub mod new;
pub mod settlement;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::guard::AccountId;
use crate::db::models::site::{self, Site};
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::startup::AppState;

/// A workspace with its site's name and labels, ready to show.
pub struct WorkspaceRow {
    pub workspace: Workspace,
    pub site_name: String,
    pub method_label: String,
    pub status_label: String,
}

/// The account's workspaces with site names and labels. Labels are looked up
/// once per distinct value, not once per row (an account may have hundreds).
pub fn rows(workspaces: Vec<Workspace>, sites: &[Site], ctx: &PageContext) -> Vec<WorkspaceRow> {
    let mut labels: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut label = |key: String| labels.entry(key).or_insert_with_key(|k| ctx.t(k)).clone();
    workspaces
        .into_iter()
        .map(|workspace| WorkspaceRow {
            site_name: site::find(sites, &workspace.site)
                .map(|s| s.name(ctx.lang).to_string())
                .unwrap_or_default(),
            method_label: label(format!("method-{}", workspace.settlement_method)),
            status_label: label(format!("workspace-status-{}", workspace.status)),
            workspace,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct Filter {
    site: Option<String>,
    method: Option<String>,
    /// Set after a successful change, to say so.
    changed: Option<String>,
}

#[derive(Template)]
#[template(path = "billing/workspaces.html")]
struct WorkspacesPage {
    ctx: PageContext,
    section: &'static str,
    sites: Vec<(String, String)>,
    site: String,
    method: String,
    workspaces: Vec<WorkspaceRow>,
    total: usize,
    changed: bool,
}

/// GET `/billing/workspaces[?site=&method=]`.
pub async fn list(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let changed = filter.changed.is_some();
    let site = filter.site.unwrap_or_default();
    let method = filter.method.unwrap_or_default();
    let mut conn = state.pool.get().await?;
    let sites = &state.sites;
    let all = Workspace::of_account(&mut conn, account_id.0).await?;
    let total = all.len();
    let shown: Vec<Workspace> = all
        .into_iter()
        .filter(|w| site.is_empty() || w.site == site)
        .filter(|w| method.is_empty() || w.settlement_method == method)
        .collect();
    let workspaces = rows(shown, sites, &ctx);
    let sites = sites
        .iter()
        .map(|s| (s.code.clone(), s.name(ctx.lang).to_string()))
        .collect();
    ok(&WorkspacesPage {
        ctx,
        section: "workspaces",
        sites,
        site,
        method,
        workspaces,
        total,
        changed,
    })
}
