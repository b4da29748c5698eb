//! Registration step 3 (SPEC J2): activate the first workspace of a console
//! user, in one transaction: R1 (verify the instance), R2 (claim it), R3 (the
//! site's methods), the Billing Center account (created with the same
//! credentials, or an existing one joined), the workspace, its binding and the
//! first settlement-change row. A second submission finds the workspace the
//! first one created.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::models::account::{Account, NewAccount, TakenIdentifier};
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::console_user::ConsoleUser;
use crate::db::models::settlement_change::{self, NewSettlementChange};
use crate::db::models::site::{self, Site};
use crate::db::models::workspace::{self, NewWorkspace, Workspace};
use crate::domain::{AliUid, InstanceId, Language, SettlementMethod, WorkspaceName};
use crate::marketplace::openapi::MarketClient;
use crate::marketplace::verifier::{VerifyFailure, verify_instance};

/// How the first workspace's fees are settled.
#[derive(Clone, Debug)]
pub enum Activation {
    /// By the Billing Center account.
    Direct,
    /// By the buyer's Alibaba Cloud account, through this instance.
    Aliyun {
        ali_uid: AliUid,
        instance_id: InstanceId,
    },
}

impl Activation {
    fn method(&self) -> SettlementMethod {
        match self {
            Activation::Direct => SettlementMethod::BillingCenter,
            Activation::Aliyun { .. } => SettlementMethod::Aliyun,
        }
    }
}

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
    pub activation: Activation,
    pub account: BillingAccount,
}

/// Why nothing was activated; each has its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The registration's console user is gone (start again).
    NoConsoleUser,
    /// R3.
    SiteForbidsMethod,
    /// R1.
    Instance(VerifyFailure),
    /// R2.
    InstanceClaimedByAnother,
    /// A Billing Center account already uses this identifier.
    AccountTaken(TakenIdentifier),
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

/// R3: the site allows the method, or the account may choose freely.
pub fn site_allows(site: &Site, method: SettlementMethod, arbitrary_settlement: bool) -> bool {
    arbitrary_settlement || site.allows(method)
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
                return refuse(Refusal::NoConsoleUser);
            };
            if let Some(existing) = Workspace::of_console_user(conn, user.id).await? {
                return Ok(existing);
            }
            let sites = Site::all(conn).await?;
            let Some(site) = site::find(&sites, &user.site) else { return refuse(Refusal::NoConsoleUser) };
            let method = request.activation.method();
            let arbitrary = matches!(&request.account, BillingAccount::Join(a) if a.arbitrary_settlement);
            if !site_allows(site, method, arbitrary) {
                return refuse(Refusal::SiteForbidsMethod);
            }
            let verified = match &request.activation {
                Activation::Direct => None,
                Activation::Aliyun { ali_uid, instance_id } => {
                    match verify_instance(conn, market, product_code, instance_id, ali_uid).await? {
                        Ok(v) => Some(v),
                        Err(failure) => return refuse(Refusal::Instance(failure)),
                    }
                }
            };
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
            if let Some(v) = &verified {
                if !v.known_locally {
                    AliyunInstance::insert_if_absent(conn, &v.new_row()).await?;
                }
                if !AliyunInstance::claim(conn, &v.instance_id, account.id).await? {
                    return refuse(Refusal::InstanceClaimedByAnother);
                }
            }
            let id = workspace::new_id();
            let instance_id = verified.as_ref().map(|v| v.instance_id.as_str());
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
