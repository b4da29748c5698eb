//! GET `/billing/notices`: the account's notices, newest first.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::db::models::notice::Notice;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::notices::NoticeView;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "billing/notices.html")]
struct NoticesPage {
    ctx: PageContext,
    section: &'static str,
    notices: Vec<NoticeView>,
}

/// GET `/billing/notices`.
pub async fn notices(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let notices = Notice::of_account(&mut conn, account_id.0).await?;
    let notices = notices.iter().map(|n| NoticeView::new(n, &state, &ctx)).collect();
    ok(&NoticesPage {
        ctx,
        section: "notices",
        notices,
    })
}
