//! Binding a workspace to a settlement method: R3 (the site's methods), R1
//! (verify the instance) and R2 (claim it). Registration, a new workspace and
//! a settlement change all come through [`bind`]. Run inside a transaction.

use diesel_async::AsyncPgConnection;

use super::Refusal;
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
            let registered = AliyunInstance::find(conn, instance_id.as_ref())
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
