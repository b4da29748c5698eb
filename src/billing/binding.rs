//! Binding a workspace to a settlement method: R3 (the site's methods), R1
//! (verify the instance) and R2 (claim it), in two steps, because R1 may have
//! to ask the marketplace and no network call runs inside a transaction:
//!
//! 1. [`check`], before any transaction: R3, then R1 against our record of the
//!    instance or, when we never heard of it, against the Market OpenAPI, with
//!    no connection held while the marketplace answers (a slow marketplace
//!    must neither drain the pool nor hold row locks).
//! 2. [`bind`], inside the caller's transaction: stores what the marketplace
//!    vouched for, locks the instance, checks R1 again on our record (a
//!    release may have come in meanwhile) and claims it (R2).
//!
//! Locks: a settlement change holds its workspace row, then locks the instance
//! it binds. A release or expiry locks the instance, then the workspaces bound
//! to it. So a binding either commits before the release sees the instance
//! (and is switched back by it) or finds it released; and no cycle is
//! possible, since a release only waits for workspaces already bound to its
//! instance, which a binding never locks.

use diesel_async::AsyncPgConnection;

use super::{Abort, Refusal};
use crate::db::models::account::Account;
use crate::db::models::aliyun_instance::AliyunInstance;
use crate::db::models::site::{self, Site};
use crate::db::{DbError, DbPool};
use crate::domain::{AliUid, InstanceId, InstanceStatus, SettlementMethod};
use crate::marketplace::openapi::MarketClient;
use crate::marketplace::verifier::{VerifiedInstance, VerifyFailure, ask_marketplace, check_record};

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

/// What [`check`] learnt outside the transaction: the marketplace's word on
/// an instance we had no record of, to store before binding it.
#[derive(Clone, Debug, Default)]
pub struct Evidence(Option<VerifiedInstance>);

impl Evidence {
    /// What the marketplace said, when our own record did not answer.
    pub fn from_marketplace(&self) -> Option<&VerifiedInstance> {
        self.0.as_ref()
    }
}

/// The marketplace and how we address it.
#[derive(Clone, Copy)]
pub struct Market<'a> {
    pub client: &'a MarketClient,
    pub product_code: &'a str,
}

/// R3: the site's methods, unless the account may choose any.
fn check_site(sites: &[Site], site_code: &str, target: &Target, arbitrary: bool) -> Result<(), Refusal> {
    let allowed = site::find(sites, site_code).is_some_and(|s| s.allows(target.method()));
    if allowed || arbitrary {
        Ok(())
    } else {
        Err(Refusal::SiteForbidsMethod)
    }
}

/// Step 1, before the transaction: R3, then R1 from our record, else from the
/// marketplace (asked with no connection held). `arbitrary`: the account's
/// `arbitrary_settlement` flag.
pub async fn check(
    pool: &DbPool,
    market: Market<'_>,
    sites: &[Site],
    site_code: &str,
    target: &Target,
    arbitrary: bool,
) -> Result<Result<Evidence, Refusal>, DbError> {
    if let Err(refusal) = check_site(sites, site_code, target, arbitrary) {
        return Ok(Err(refusal));
    }
    let Target::Aliyun { ali_uid, instance_id } = target else {
        return Ok(Ok(Evidence::default()));
    };
    let recorded = {
        let conn = pool.get().await?;
        AliyunInstance::find(&conn, instance_id.as_ref()).await?
    };
    Ok(match recorded {
        Some(local) => check_record(&local, ali_uid, market.product_code)
            .map(|()| Evidence::default())
            .map_err(Refusal::Instance),
        None => ask_marketplace(market.client, market.product_code, instance_id, ali_uid)
            .await
            .map(|verified| Evidence(Some(verified)))
            .map_err(Refusal::Instance),
    })
}

/// Step 2, inside the caller's transaction: R3 again, R1 on the locked record
/// (stored first from `evidence` when only the marketplace knew it), then the
/// claim (R2). Nothing is written on a refusal that the caller does not undo
/// by rolling back.
pub async fn bind(
    conn: &mut AsyncPgConnection,
    product_code: &str,
    sites: &[Site],
    account: &Account,
    site_code: &str,
    target: &Target,
    evidence: &Evidence,
) -> diesel::QueryResult<Result<(), Refusal>> {
    if let Err(refusal) = check_site(sites, site_code, target, account.arbitrary_settlement) {
        return Ok(Err(refusal));
    }
    let (instance_id, ali_uid) = match target {
        Target::BillingCenter => return Ok(Ok(())),
        Target::Aliyun { ali_uid, instance_id } => (instance_id, Some(ali_uid)),
        Target::Registered { instance_id } => (instance_id, None),
    };
    if let Some(verified) = &evidence.0 {
        AliyunInstance::insert_if_absent(conn, &verified.new_row()).await?;
    }
    let Some(instance) = AliyunInstance::lock(conn, instance_id.as_ref()).await? else {
        return Ok(Err(match ali_uid {
            Some(_) => Refusal::Instance(VerifyFailure::UnknownInstance),
            None => Refusal::NotRegistered,
        }));
    };
    let Some(ali_uid) = ali_uid else {
        let registered =
            instance.claimed_by == Some(account.id) && instance.status() == InstanceStatus::Opened;
        return Ok(if registered {
            Ok(())
        } else {
            Err(Refusal::NotRegistered)
        });
    };
    if let Err(failure) = check_record(&instance, ali_uid, product_code) {
        return Ok(Err(Refusal::Instance(failure)));
    }
    match instance.claimed_by {
        Some(owner) if owner != account.id => Ok(Err(Refusal::InstanceClaimedByAnother)),
        Some(_) => Ok(Ok(())),
        None => {
            AliyunInstance::claim(conn, instance_id.as_ref(), account.id).await?;
            Ok(Ok(()))
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
/// first settlement-change row (its initial method; reason `registration`, or
/// `workspace_added` for one added in the Billing Center).
pub async fn create_workspace(
    conn: &mut AsyncPgConnection,
    account: &Account,
    spec: &NewWorkspaceSpec<'_>,
    target: &Target,
    now: chrono::DateTime<chrono::Utc>,
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
            reason: match spec.console_user_id {
                Some(_) => "registration",
                None => "workspace_added",
            },
            actor: spec.actor,
            created_at: now,
        },
    )
    .await?;
    tracing::info!(workspace = %created.id, account_id = account.id, method = method.code(), "workspace created");
    Ok(created)
}

/// What a form that creates a workspace led to.
#[derive(Clone, Debug)]
pub enum Created {
    /// This submission created it.
    New(crate::db::models::workspace::Workspace),
    /// An earlier submission of the same form created this workspace.
    Repeat(String),
}

/// A further workspace of `account` (`/billing/workspaces/new`): R3 and R1
/// checked first, then in one transaction the one-time form key, R3, R1 and R2
/// again, and the workspace.
#[expect(clippy::too_many_arguments, reason = "each is one input of the rule")]
pub async fn add_workspace(
    pool: &DbPool,
    market: Market<'_>,
    sites: &[Site],
    account: &Account,
    spec: &NewWorkspaceSpec<'_>,
    target: &Target,
    form_key: Option<&crate::domain::FormKey>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<Created, Refusal>, DbError> {
    use crate::db::models::form_submission;
    use diesel_async::AsyncConnection;
    if let Some(key) = form_key {
        let mut conn = pool.get().await?;
        if let Some(first) = form_submission::result_of(&mut conn, account.id, key).await? {
            return Ok(Ok(Created::Repeat(first)));
        }
    }
    let evidence = match check(
        pool,
        market,
        sites,
        spec.site,
        target,
        account.arbitrary_settlement,
    )
    .await?
    {
        Ok(evidence) => evidence,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut conn = pool.get().await?;
    let result = conn
        .transaction(async |conn| {
            if let Some(key) = form_key
                && let Some(first) = form_submission::claim(conn, account.id, key).await?
            {
                return Ok(Created::Repeat(first));
            }
            if let Err(refusal) = bind(
                conn,
                market.product_code,
                sites,
                account,
                spec.site,
                target,
                &evidence,
            )
            .await?
            {
                return Err(Abort::Refused(refusal));
            }
            let created = create_workspace(conn, account, spec, target, now).await?;
            if let Some(key) = form_key {
                form_submission::complete(conn, account.id, key, &created.id).await?;
            }
            Ok(Created::New(created))
        })
        .await;
    Ok(Abort::split(result)?)
}
