//! `/billing/workspaces`: every workspace of the account, filterable, each
//! with *Change settlement method* (or why it cannot change now).

pub mod new;
pub mod settlement;

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;

use crate::auth::guard::CurrentAccount;
use crate::billing::Refusal;
use crate::billing::settlement::change_blocked;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self, Site};
use crate::db::models::workspace::Workspace;
use crate::domain::InstanceStatus;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::api::aliyun_spi::SESSION_INSTANCE;
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

/// The instance a buyer came with from the marketplace's sign-on
/// (`/marketplace/welcome`), remembered in the session through the login,
/// while this account can still bind it: opened, and not claimed by another
/// account.
pub async fn marketplace_instance(
    conn: &mut AsyncPgConnection,
    session: &Session,
    account_id: i64,
) -> Result<Option<AliyunInstance>, AppError> {
    let Some(id) = session.get::<String>(SESSION_INSTANCE).ok().flatten() else {
        return Ok(None);
    };
    Ok(AliyunInstance::find(conn, &id).await?.filter(|i| {
        i.status() == InstanceStatus::Opened && i.claimed_by.is_none_or(|owner| owner == account_id)
    }))
}

/// Forgets the marketplace's instance once a workspace is bound to it.
pub fn bound_marketplace_instance(session: &Session, bound: Option<&str>) {
    let remembered = session.get::<String>(SESSION_INSTANCE).ok().flatten();
    if remembered.is_some() && remembered.as_deref() == bound {
        session.remove(SESSION_INSTANCE);
    }
}

/// A row of the list: the workspace, and why its settlement cannot change
/// now (in the page's words), if a rule says so.
pub struct ListedWorkspace {
    pub row: WorkspaceRow,
    pub blocked: Option<String>,
}

#[derive(Deserialize)]
pub struct Filter {
    site: Option<String>,
    method: Option<String>,
    /// Set by `/billing/workspaces/new` after creating this workspace.
    added: Option<String>,
    /// Set after a settlement change of this workspace.
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
    workspaces: Vec<ListedWorkspace>,
    total: usize,
    /// What the action that led here did.
    flash: Option<String>,
    /// The marketplace's instance waiting for a workspace.
    from_marketplace: Option<AliyunInstance>,
}

/// The message after a successful action, named by the query of the
/// redirect. A query parameter, not a stored flash: nothing is written per
/// page view, a reload shows the same true sentence, and the workspace is
/// looked up among this account's own (a forged id shows nothing).
fn flash(ctx: &PageContext, filter: &Filter, rows: &[WorkspaceRow]) -> Option<String> {
    let find = |id: &Option<String>| {
        id.as_deref()
            .and_then(|id| rows.iter().find(|r| r.workspace.id == id))
    };
    if let Some(row) = find(&filter.added) {
        return Some(crate::i18n::t_args(
            ctx.lang,
            "flash-workspace-added",
            &[
                ("workspace", row.workspace.name.clone()),
                ("site", row.site_name.clone()),
                ("method", row.method_label.clone()),
            ],
        ));
    }
    find(&filter.changed).map(|row| {
        crate::i18n::t_args(
            ctx.lang,
            "flash-settlement-changed",
            &[
                ("workspace", row.workspace.name.clone()),
                ("method", row.method_label.clone()),
            ],
        )
    })
}

/// Why `row` cannot change its settlement now, in this page's words.
fn blocked(
    ctx: &PageContext,
    row: &WorkspaceRow,
    opened: &[AliyunInstance],
    sites: &[Site],
    arbitrary: bool,
) -> Option<String> {
    let bound = row.workspace.aliyun_instance_id.as_deref().map(|id| {
        match opened.iter().any(|i| i.instance_id == id) {
            true => InstanceStatus::Opened,
            // Bound instances are claimed by this account; any other is not opened.
            false => InstanceStatus::Released,
        }
    });
    let site = site::find(sites, &row.workspace.site);
    match change_blocked(&row.workspace, bound, site, arbitrary)? {
        Refusal::LockedIn => Some(ctx.t("workspaces-locked-in")),
        _ => Some(ctx.t1("workspaces-only-method", "method", &row.method_label)),
    }
}

/// GET `/billing/workspaces[?site=&method=]`.
pub async fn list(
    ctx: PageContext,
    state: web::Data<AppState>,
    current: web::ReqData<CurrentAccount>,
    session: Session,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let account = &current.0;
    let site = filter.site.clone().unwrap_or_default();
    let method = filter.method.clone().unwrap_or_default();
    let mut conn = state.pool.get().await?;
    let sites = &state.sites;
    let all = rows(Workspace::of_account(&mut conn, account.id).await?, sites, &ctx);
    let opened = AliyunInstance::open_claimed_by(&mut conn, account.id).await?;
    let from_marketplace = marketplace_instance(&mut conn, &session, account.id).await?;
    drop(conn);
    let total = all.len();
    let flash = flash(&ctx, &filter, &all);
    let workspaces = all
        .into_iter()
        .filter(|r| site.is_empty() || r.workspace.site == site)
        .filter(|r| method.is_empty() || r.workspace.settlement_method == method)
        .map(|row| ListedWorkspace {
            blocked: blocked(&ctx, &row, &opened, sites, account.arbitrary_settlement),
            row,
        })
        .collect();
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
        flash,
        from_marketplace,
    })
}
