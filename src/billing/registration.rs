//! Registration step 3 (SPEC J2): activate the first workspace of a console
//! user, in one transaction: R1 (verify the instance), R2 (claim it), R3 (the
//! site's methods), the Billing Center account (created with the same
//! credentials, or an existing one joined), the workspace, its binding and the
//! first settlement-change row. A second submission finds the workspace the
//! first one created.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::binding::{NewWorkspaceSpec, Target, bind, create_workspace};
use super::{Abort, Refusal};
use crate::db::models::account::{Account, NewAccount, TakenIdentifier};
use crate::db::models::console_user::ConsoleUser;
use crate::db::models::workspace::Workspace;
use crate::domain::{Language, WorkspaceName};
use crate::marketplace::openapi::MarketClient;

/// Which Billing Center account the workspace joins.
#[derive(Clone, Debug)]
pub enum BillingAccount {
    /// A new one, with the console user's credentials.
    Create { ui_language: Language },
    /// An existing one, whose credentials the user proved.
    Join(Account),
}

/// Everything step 3 asks for.
pub struct ActivationRequest {
    pub console_user_id: i64,
    pub workspace_name: WorkspaceName,
    pub language: Language,
    pub target: Target,
    pub account: BillingAccount,
}

/// Activates the workspace; the outer error is unexpected, the inner a refusal.
pub async fn activate(
    conn: &mut AsyncPgConnection,
    market: &MarketClient,
    product_code: &str,
    request: &ActivationRequest,
) -> diesel::QueryResult<Result<Workspace, Refusal>> {
    let result = conn
        .transaction(async |conn| {
            let refuse = |r| Err(Abort::Refused(r));
            let Some(user) = ConsoleUser::lock(conn, request.console_user_id).await? else {
                return refuse(Refusal::NotFound);
            };
            if let Some(existing) = Workspace::of_console_user(conn, user.id).await? {
                return Ok(existing);
            }
            let account = match &request.account {
                BillingAccount::Join(account) => account.clone(),
                BillingAccount::Create { ui_language } => {
                    let new = NewAccount {
                        username: &user.username,
                        email: &user.email,
                        phone: &user.phone,
                        password_hash: &user.password_hash,
                        company_name: &user.company_name,
                        language: ui_language.code(),
                    };
                    match Account::insert_if_free(conn, &new).await? {
                        Some(account) => account,
                        None => {
                            let taken =
                                Account::taken(conn, &user.username, &user.email, &user.phone).await?;
                            return refuse(Refusal::AccountTaken(taken.unwrap_or(TakenIdentifier::Username)));
                        }
                    }
                }
            };
            if let Err(refusal) =
                bind(conn, market, product_code, &account, &user.site, &request.target).await?
            {
                return refuse(refusal);
            }
            let spec = NewWorkspaceSpec {
                name: &request.workspace_name,
                language: request.language,
                site: &user.site,
                console_user_id: Some(user.id),
                actor: &user.username,
            };
            let created = create_workspace(conn, &account, &spec, &request.target).await?;
            Ok(created)
        })
        .await;
    Abort::split(result)
}
