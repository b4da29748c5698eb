use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::db::models::account::Account;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "billing/overview.html")]
struct OverviewPage {
    ctx: PageContext,
    section: &'static str,
    account: Account,
    member_since: String,
}

/// GET `/billing`.
pub async fn overview(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let account = super::super::current_account(&state, *account_id).await?;
    let member_since = crate::time::shanghai_date(account.created_at);
    ok(&OverviewPage {
        ctx,
        section: "overview",
        account,
        member_since,
    })
}
