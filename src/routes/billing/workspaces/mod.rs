//! `/billing/workspaces`: every workspace of the account, filterable, each
//! with *Change settlement method* (or why it cannot change now).

pub mod new;
pub mod settlement;

use std::borrow::Cow;
use std::rc::Rc;

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

/// A workspace with its site's name and labels, ready to show. The names
/// and labels are borrowed, not copied per row (an account may have hundreds).
pub struct WorkspaceRow<'a> {
    pub workspace: Workspace,
    pub site_name: &'a str,
    pub method_label: Cow<'static, str>,
    pub status_label: Cow<'static, str>,
}

/// The labels of one kind of code (`method-…`), each looked up once a page.
struct Labels<'c> {
    ctx: &'c PageContext,
    prefix: &'static str,
    known: Vec<(String, Cow<'static, str>)>,
}

impl<'c> Labels<'c> {
    fn new(ctx: &'c PageContext, prefix: &'static str) -> Self {
        Labels {
            ctx,
            prefix,
            known: Vec::new(),
        }
    }

    fn of(&mut self, code: &str) -> Cow<'static, str> {
        if let Some((_, label)) = self.known.iter().find(|(known, _)| known == code) {
            return label.clone();
        }
        let label = self.ctx.t(&format!("{}{code}", self.prefix));
        self.known.push((code.to_string(), label.clone()));
        label
    }
}

/// The account's workspaces with site names and labels.
pub fn rows<'a>(workspaces: Vec<Workspace>, sites: &'a [Site], ctx: &PageContext) -> Vec<WorkspaceRow<'a>> {
    let mut methods = Labels::new(ctx, "method-");
    let mut statuses = Labels::new(ctx, "workspace-status-");
    workspaces
        .into_iter()
        .map(|workspace| WorkspaceRow {
            site_name: site::find(sites, &workspace.site).map_or("", |s| s.name(ctx.lang)),
            method_label: methods.of(&workspace.settlement_method),
            status_label: statuses.of(&workspace.status),
            workspace,
        })
        .collect()
}

/// The instance a buyer came with from the marketplace's sign-on
/// (`/marketplace/welcome`), remembered in the session through the login,
/// while this account can still bind it: opened, and not claimed by another
/// account.
pub async fn marketplace_instance(
    conn: &AsyncPgConnection,
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
pub struct ListedWorkspace<'a> {
    pub row: WorkspaceRow<'a>,
    pub blocked: Option<Rc<str>>,
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
struct WorkspacesPage<'a> {
    ctx: PageContext,
    section: &'static str,
    sites: Vec<(&'a str, &'a str)>,
    site: String,
    method: String,
    workspaces: Vec<ListedWorkspace<'a>>,
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
                ("site", row.site_name.to_string()),
                ("method", row.method_label.to_string()),
            ],
        ));
    }
    find(&filter.changed).map(|row| {
        crate::i18n::t_args(
            ctx.lang,
            "flash-settlement-changed",
            &[
                ("workspace", row.workspace.name.clone()),
                ("method", row.method_label.to_string()),
            ],
        )
    })
}

/// Why rows cannot change their settlement now, in this page's words; each
/// sentence is formatted once a page and shared by the rows it applies to.
struct Reasons<'c> {
    ctx: &'c PageContext,
    opened: &'c [AliyunInstance],
    sites: &'c [Site],
    arbitrary: bool,
    locked_in: Option<Rc<str>>,
    only_method: Vec<(String, Rc<str>)>,
}

impl Reasons<'_> {
    fn of(&mut self, row: &WorkspaceRow) -> Option<Rc<str>> {
        let bound = row.workspace.aliyun_instance_id.as_deref().map(|id| {
            match self.opened.iter().any(|i| i.instance_id == id) {
                true => InstanceStatus::Opened,
                // Bound instances are claimed by this account; any other is not opened.
                false => InstanceStatus::Released,
            }
        });
        let site = site::find(self.sites, &row.workspace.site);
        let ctx = self.ctx;
        Some(
            match change_blocked(&row.workspace, bound, site, self.arbitrary)? {
                Refusal::LockedIn => self
                    .locked_in
                    .get_or_insert_with(|| ctx.t("workspaces-locked-in").into())
                    .clone(),
                _ => {
                    let method = &row.workspace.settlement_method;
                    match self.only_method.iter().find(|(m, _)| m == method) {
                        Some((_, reason)) => reason.clone(),
                        None => {
                            let reason: Rc<str> = ctx
                                .t1("workspaces-only-method", "method", &row.method_label)
                                .into();
                            self.only_method.push((method.clone(), reason.clone()));
                            reason
                        }
                    }
                }
            },
        )
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
    let conn = state.pool.get().await?;
    // One round trip: the reads are pipelined on the connection.
    let (workspaces, opened, from_marketplace) = futures_util::future::try_join3(
        async { Ok::<_, AppError>(Workspace::of_account(&conn, account.id).await?) },
        async { Ok(AliyunInstance::open_claimed_by(&conn, account.id).await?) },
        marketplace_instance(&conn, &session, account.id),
    )
    .await?;
    drop(conn);
    let sites = &state.sites;
    let all = rows(workspaces, sites, &ctx);
    let total = all.len();
    let flash = flash(&ctx, &filter, &all);
    let mut reasons = Reasons {
        ctx: &ctx,
        opened: &opened,
        sites,
        arbitrary: account.arbitrary_settlement,
        locked_in: None,
        only_method: Vec::new(),
    };
    let workspaces = all
        .into_iter()
        .filter(|r| site.is_empty() || r.workspace.site == site)
        .filter(|r| method.is_empty() || r.workspace.settlement_method == method)
        .map(|row| ListedWorkspace {
            blocked: reasons.of(&row),
            row,
        })
        .collect();
    let sites = sites
        .iter()
        .map(|s| (s.code.as_str(), s.name(ctx.lang)))
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
