use actix_web::{HttpResponse, web};

use super::AccountPage;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok};

/// GET `/billing/account`.
pub async fn account_page(
    ctx: PageContext,
    current: web::ReqData<crate::auth::guard::CurrentAccount>,
) -> Result<HttpResponse, AppError> {
    let account = current.into_inner().0;
    ok(&AccountPage {
        ctx,
        section: "account",
        account,
        errors: FormErrors::default(),
    })
}
