//! Registration step 3 (SPEC J2): activate the first workspace of a console
//! user, in one transaction: R1 (verify the instance), R2 (claim it), R3 (the
//! site's methods), the Billing Center account (created with the same
//! credentials, or an existing one joined), the workspace, its binding and the
//! first settlement-change row. A second submission finds the workspace the
//! first one created. R3 and R1 are checked first, outside the transaction,
//! because R1 may ask the marketplace (see `billing::binding`).

use diesel_async::AsyncConnection;

use super::binding::{Market, NewWorkspaceSpec, Target, bind, check, create_workspace};
use super::{Abort, Refusal};
use crate::db::models::account::{Account, NewAccount, TakenIdentifier};
use crate::db::models::console_user::ConsoleUser;
use crate::db::models::site::Site;
use crate::db::models::workspace::Workspace;
use crate::db::{DbError, DbPool};
use crate::domain::{Language, WorkspaceName};

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
    /// The console user's site (checked again inside the transaction).
    pub site: String,
    pub workspace_name: WorkspaceName,
    pub language: Language,
    pub target: Target,
    pub account: BillingAccount,
}

/// Activates the workspace; the outer error is unexpected, the inner a refusal.
pub async fn activate(
    pool: &DbPool,
    market: Market<'_>,
    sites: &[Site],
    request: &ActivationRequest,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<Workspace, Refusal>, DbError> {
    let arbitrary = matches!(&request.account, BillingAccount::Join(a) if a.arbitrary_settlement);
    let evidence = match check(pool, market, sites, &request.site, &request.target, arbitrary).await? {
        Ok(evidence) => evidence,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut conn = pool.get().await?;
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
            if let Err(refusal) = bind(
                conn,
                market.product_code,
                sites,
                &account,
                &user.site,
                &request.target,
                &evidence,
            )
            .await?
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
            let created = create_workspace(conn, &account, &spec, &request.target, now).await?;
            Ok(created)
        })
        .await;
    Ok(Abort::split(result)?)
}
