//! `/billing/*`: the Billing Center, behind the login guard. Every query is
//! scoped to the session's account.

pub mod account;
pub mod cloud_accounts;
pub mod history;
pub mod overview;
pub mod workspaces;

use actix_web::web;

use crate::auth::guard::AccountId;
use crate::db::models::account::Account;
use crate::error::AppError;
use crate::startup::AppState;

/// The logged-in account. A session whose account is gone is treated as not
/// found (the guard has already let it through).
pub async fn current_account(state: &web::Data<AppState>, id: AccountId) -> Result<Account, AppError> {
    let mut conn = state.pool.get().await?;
    Account::find(&mut conn, id.0).await?.ok_or(AppError::NotFound)
}
