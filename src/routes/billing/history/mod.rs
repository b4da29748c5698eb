//! GET `/billing/history[?page=N]`: settlement changes, newest first.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::db::models::settlement_change::{HistoryEntry, history_of_account};
use crate::domain::SettlementMethod;
use crate::error::AppError;
use crate::page::{PageContext, PageQuery, ok};
use crate::startup::AppState;

/// Changes per page.
const PAGE_SIZE: i64 = 20;

#[derive(Template)]
#[template(path = "billing/history.html")]
struct HistoryPage {
    ctx: PageContext,
    section: &'static str,
    entries: Vec<HistoryEntry>,
    page: i64,
    pages: i64,
}

impl HistoryPage {
    fn when(&self, entry: &HistoryEntry) -> String {
        crate::time::shanghai_minute(entry.created_at)
    }

    /// The instance beside the method it belongs to: a row records one
    /// instance, the one settling on the Alibaba Cloud side of the change
    /// (the new one, or the one left when moving away from it).
    fn instance_after<'a>(&self, entry: &'a HistoryEntry) -> Option<&'a str> {
        (entry.to_method == SettlementMethod::Aliyun.code())
            .then_some(entry.aliyun_instance_id.as_deref())
            .flatten()
    }

    fn instance_before<'a>(&self, entry: &'a HistoryEntry) -> Option<&'a str> {
        (entry.to_method != SettlementMethod::Aliyun.code()
            && entry.from_method.as_deref() == Some(SettlementMethod::Aliyun.code()))
        .then_some(entry.aliyun_instance_id.as_deref())
        .flatten()
    }

    /// Who made the change: the user's name, or the system part that did.
    fn actor(&self, entry: &HistoryEntry) -> String {
        match entry.actor.as_str() {
            crate::billing::instances::MARKETPLACE_ACTOR => self.ctx.t("actor-marketplace").into_owned(),
            crate::billing::instances::RECONCILER_ACTOR => self.ctx.t("actor-reconciler").into_owned(),
            user => user.to_string(),
        }
    }
}

/// GET `/billing/history`.
pub async fn history(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number();
    let mut conn = state.pool.get().await?;
    let (total, entries) =
        history_of_account(&mut conn, account_id.0, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    ok(&HistoryPage {
        ctx,
        section: "history",
        entries,
        page,
        pages,
    })
}
