//! Binding a workspace to a settlement method: R3 (the site's methods), R1
//! (verify the instance) and R2 (claim it). Registration, a new workspace and
//! a settlement change all come through [`bind`]. Run inside a transaction.
//!
//! Locks: a settlement change holds its workspace row, then locks the instance
//! it binds (the claim is a conditional update; a registered instance is
//! locked and re-read). A release or expiry locks the instance, then the
//! workspaces bound to it. So a binding either commits before the release
//! sees the instance (and is switched back by it) or finds it released; and no
//! cycle is possible, since a release only waits for workspaces already bound
//! to its instance, which a binding never locks.

use diesel_async::AsyncPgConnection;

use super::{Abort, Refusal};
use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self, Site};
use crate::domain::{AliUid, InstanceId, InstanceStatus, SettlementMethod};
use crate::marketplace::openapi::MarketClient;
use crate::marketplace::verifier::verify_instance;

/// Where the user wants a workspace's fees to go.
#[derive(Clone, Debug)]
pub enum Target {
    BillingCenter,
    /// An Alibaba Cloud account, named by account ID and instance ID (R1 applies).
    Aliyun {
        ali_uid: AliUid,
        instance_id: InstanceId,
    },
    /// An instance this account already claimed.
    Registered {
        instance_id: InstanceId,
    },
}

impl Target {
    /// The method this target settles by.
    pub fn method(&self) -> SettlementMethod {
        match self {
            Target::BillingCenter => SettlementMethod::BillingCenter,
            Target::Aliyun { .. } | Target::Registered { .. } => SettlementMethod::Aliyun,
        }
    }

    /// The instance this target binds, if any.
    pub fn instance_id(&self) -> Option<&str> {
        match self {
            Target::BillingCenter => None,
            Target::Aliyun { instance_id, .. } | Target::Registered { instance_id } => {
                Some(instance_id.as_ref())
            }
        }
    }
}

/// Checks R3, R1 and R2 for binding a workspace on `site_code` of `account`
/// to `target`, claiming the instance. Nothing is written on a refusal that
/// the caller does not undo by rolling back.
pub async fn bind(
    conn: &mut AsyncPgConnection,
    market: &MarketClient,
    product_code: &str,
    account: &Account,
    site_code: &str,
    target: &Target,
) -> diesel::QueryResult<Result<(), Refusal>> {
    let sites = Site::all(conn).await?;
    let allowed = site::find(&sites, site_code).is_some_and(|s| s.allows(target.method()));
    if !(allowed || account.arbitrary_settlement) {
        return Ok(Err(Refusal::SiteForbidsMethod));
    }
    match target {
        Target::BillingCenter => Ok(Ok(())),
        Target::Aliyun { ali_uid, instance_id } => {
            let verified = match verify_instance(conn, market, product_code, instance_id, ali_uid).await? {
                Ok(v) => v,
                Err(failure) => return Ok(Err(Refusal::Instance(failure))),
            };
            if !verified.known_locally {
                AliyunInstance::insert_if_absent(conn, &verified.new_row()).await?;
            }
            if AliyunInstance::claim(conn, instance_id.as_ref(), account.id).await? {
                Ok(Ok(()))
            } else {
                Ok(Err(Refusal::InstanceClaimedByAnother))
            }
        }
        Target::Registered { instance_id } => {
            let registered = AliyunInstance::lock(conn, instance_id.as_ref())
                .await?
                .is_some_and(|i| i.claimed_by == Some(account.id) && i.status() == InstanceStatus::Opened);
            Ok(if registered {
                Ok(())
            } else {
                Err(Refusal::NotRegistered)
            })
        }
    }
}

/// What a new workspace is.
pub struct NewWorkspaceSpec<'a> {
    pub name: &'a crate::domain::WorkspaceName,
    pub language: crate::domain::Language,
    pub site: &'a str,
    /// The registration that created it, if any.
    pub console_user_id: Option<i64>,
    /// Who created it, for the history.
    pub actor: &'a str,
}

/// Writes a workspace bound to `target` (already checked with [`bind`]) and its
/// first settlement-change row (reason `registration`: its initial method).
pub async fn create_workspace(
    conn: &mut AsyncPgConnection,
    account: &Account,
    spec: &NewWorkspaceSpec<'_>,
    target: &Target,
) -> diesel::QueryResult<crate::db::models::workspace::Workspace> {
    use crate::db::models::settlement_change::{self, NewSettlementChange};
    use crate::db::models::workspace::{self, NewWorkspace, Workspace};
    let id = workspace::new_id();
    let method = target.method();
    let created = Workspace::create(
        conn,
        &NewWorkspace {
            id: &id,
            name: spec.name.as_ref(),
            site: spec.site,
            language: spec.language.code(),
            account_id: account.id,
            console_user_id: spec.console_user_id,
            settlement_method: method.code(),
            aliyun_instance_id: target.instance_id(),
        },
    )
    .await?;
    settlement_change::record(
        conn,
        &NewSettlementChange {
            workspace_id: &created.id,
            from_method: None,
            to_method: method.code(),
            aliyun_instance_id: target.instance_id(),
            reason: "registration",
            actor: spec.actor,
        },
    )
    .await?;
    tracing::info!(workspace = %created.id, account_id = account.id, method = method.code(), "workspace created");
    Ok(created)
}

/// A further workspace of `account` (`/billing/workspaces/new`): R3, R1, R2,
/// then the workspace, in one transaction.
pub async fn add_workspace(
    conn: &mut AsyncPgConnection,
    market: &MarketClient,
    product_code: &str,
    account: &Account,
    spec: &NewWorkspaceSpec<'_>,
    target: &Target,
) -> diesel::QueryResult<Result<crate::db::models::workspace::Workspace, Refusal>> {
    use diesel_async::AsyncConnection;
    let result = conn
        .transaction(async |conn| {
            if let Err(refusal) = bind(conn, market, product_code, account, spec.site, target).await? {
                return Err(Abort::Refused(refusal));
            }
            Ok(create_workspace(conn, account, spec, target).await?)
        })
        .await;
    Abort::split(result)
}
