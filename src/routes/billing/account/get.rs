use actix_web::{HttpResponse, web};

use super::AccountPage;
use crate::auth::guard::AccountId;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok};
use crate::startup::AppState;

/// GET `/billing/account`.
pub async fn account_page(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
) -> Result<HttpResponse, AppError> {
    let account = crate::routes::billing::current_account(&state, *account_id).await?;
    ok(&AccountPage {
        ctx,
        section: "account",
        account,
        errors: FormErrors::default(),
    })
}
