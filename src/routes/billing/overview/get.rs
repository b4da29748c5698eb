use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::session_keys;
use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::overview::AccountOverview;
use crate::domain::cny;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::billing::workspaces::{WorkspaceRow, rows};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "billing/overview.html")]
struct OverviewPage<'a> {
    ctx: PageContext,
    section: &'static str,
    account: Account,
    member_since: String,
    workspaces: Vec<WorkspaceRow<'a>>,
    /// (method code, count), most used first.
    by_method: Vec<(String, usize)>,
    /// (site name, count), in site order.
    by_site: Vec<(&'a str, usize)>,
    instances: Vec<AliyunInstance>,
    balance: String,
    in_arrears: bool,
    month: Charges,
    yesterday: Charges,
}

/// Bills of a period: the total and each method's part.
struct Charges {
    total: String,
    /// (method code, amount), methods with bills only.
    by_method: Vec<(String, String)>,
}

impl Charges {
    fn of(parts: impl Iterator<Item = (String, rust_decimal::Decimal)>) -> Self {
        let parts: Vec<_> = parts.filter(|(_, amount)| !amount.is_zero()).collect();
        Charges {
            total: cny(parts.iter().map(|(_, amount)| *amount).sum()),
            by_method: parts
                .into_iter()
                .map(|(method, amount)| (method, cny(amount)))
                .collect(),
        }
    }
}

fn tally<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(&'a str, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for key in keys {
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    counts
}

/// GET `/billing`. Its data was read with the session (`auth::prefetch`).
pub async fn overview(
    ctx: PageContext,
    state: web::Data<AppState>,
    session: Session,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
    balance: web::ReqData<crate::billing::ledger::CashBalance>,
) -> Result<HttpResponse, AppError> {
    let account = current.into_inner().0;
    let balance = *balance;
    let AccountOverview {
        workspaces,
        instances,
        recent,
    } = session
        .get::<AccountOverview>(session_keys::PAGE)
        .map_err(|e| anyhow::anyhow!("the overview read with the session: {e}"))?
        .ok_or_else(|| anyhow::anyhow!("the overview was not read with the session"))?;
    let sites = &state.sites;
    let workspaces = rows(workspaces, sites, &ctx);
    let mut by_method: Vec<(String, usize)> =
        tally(workspaces.iter().map(|r| r.workspace.settlement_method.as_str()))
            .into_iter()
            .map(|(code, n)| (code.to_string(), n))
            .collect();
    by_method.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let by_site = tally(workspaces.iter().map(|r| r.site_name));
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
        balance: cny(balance.0),
        in_arrears: balance.arrears().is_some(),
        month: Charges::of(recent.iter().map(|r| (r.settled_by.clone(), r.month))),
        yesterday: Charges::of(recent.iter().map(|r| (r.settled_by.clone(), r.yesterday))),
    })
}
