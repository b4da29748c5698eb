//! Registration step 3 (SPEC J2): activate the first workspace of a console
//! user, in one transaction: R1 (verify the instance), R2 (claim it), R3 (the
//! site's methods), the Billing Center account (created with the same
//! credentials, or an existing one joined), the workspace, its binding and the
//! first settlement-change row. A second submission finds the workspace the
//! first one created.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::Refusal;
use super::binding::{Target, bind};
use crate::db::models::account::{Account, NewAccount, TakenIdentifier};
use crate::db::models::console_user::ConsoleUser;
use crate::db::models::settlement_change::{self, NewSettlementChange};
use crate::db::models::workspace::{self, NewWorkspace, Workspace};
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

enum Abort {
    Db(diesel::result::Error),
    Refused(Refusal),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e)
    }
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
                            let taken = Account::taken(conn, &user.username, &user.email, &user.phone).await?;
                            return refuse(Refusal::AccountTaken(taken.unwrap_or(TakenIdentifier::Username)));
                        }
                    }
                }
            };
            if let Err(refusal) = bind(conn, market, product_code, &account, &user.site, &request.target).await? {
                return refuse(refusal);
            }
            let id = workspace::new_id();
            let method = request.target.method();
            let instance_id = request.target.instance_id();
            let created = Workspace::create(
                conn,
                &NewWorkspace {
                    id: &id,
                    name: request.workspace_name.as_ref(),
                    site: &user.site,
                    language: request.language.code(),
                    account_id: account.id,
                    console_user_id: Some(user.id),
                    settlement_method: method.code(),
                    aliyun_instance_id: instance_id,
                },
            )
            .await?;
            settlement_change::record(
                conn,
                &NewSettlementChange {
                    workspace_id: &created.id,
                    from_method: None,
                    to_method: method.code(),
                    aliyun_instance_id: instance_id,
                    reason: "registration",
                    actor: &user.username,
                },
            )
            .await?;
            tracing::info!(workspace = %created.id, account_id = account.id, method = method.code(), "workspace activated");
            Ok(created)
        })
        .await;
    match result {
        Ok(workspace) => Ok(Ok(workspace)),
        Err(Abort::Refused(refusal)) => Ok(Err(refusal)),
        Err(Abort::Db(e)) => Err(e),
    }
}
