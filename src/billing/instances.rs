//! The lifecycle of a marketplace instance (SPEC 3.1, R8): every transition
//! locks the instance row, so concurrent and duplicate calls serialise, and
//! each one is idempotent: repeating it changes nothing.
//!
//! Order safety: a released instance never comes back; a release or expiry
//! of an instance we have no record of is remembered (its row, ended, with no
//! details), so that a `createInstance` arriving after it only fills in the
//! details (see `AliyunInstance::create_recording`); an `expiredInstance` call arriving after a renewal already
//! moved the expiry into the future is stale and ignored (the reconciler's own
//! observation of `EXPIRED` is not: it is the marketplace's current state); a
//! renewal reopens an expired instance only when its new expiry lies ahead.
//!
//! Every function here must run inside the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use super::notices::{self, NoticeKind, Notifier};
use crate::db::models::aliyun_instance::{AliyunInstance, InstanceChange};
use crate::db::models::notice::NoticeWorkspace;
use crate::db::models::settlement_change;
use crate::db::models::workspace::Workspace;
use crate::domain::{InstanceStatus, SettlementMethod};

/// What a lifecycle call did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Applied,
    /// Already so (a duplicate), or not allowed from the current state.
    Unchanged,
    /// No such instance here: a successful no-op.
    UnknownInstance,
    /// No such instance here; its release or expiry is remembered for a
    /// create that comes later.
    Remembered,
}

impl Change {
    /// The inbox outcome.
    pub fn outcome(self) -> &'static str {
        match self {
            Change::Applied => "applied",
            Change::Unchanged => "unchanged",
            Change::UnknownInstance => "unknown instance",
            Change::Remembered => "unknown instance, remembered",
        }
    }
}

/// Who ended an instance's settlement, for the history (SPEC 3.1 reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The marketplace called us (SPI, or a failed notification replayed).
    Marketplace,
    /// The reconciler found the marketplace's state differing from ours.
    Reconciliation,
}

/// The workspaces as a notice lists them, when their settlement stays as it is
/// (an expiry or a lock).
fn unchanged(workspaces: &[Workspace]) -> Vec<NoticeWorkspace> {
    workspaces
        .iter()
        .map(|w| NoticeWorkspace {
            id: w.id.clone(),
            name: w.name.clone(),
            site: w.site.clone(),
            from: w.settlement_method.clone(),
            to: w.settlement_method.clone(),
        })
        .collect()
}

/// How long the workspaces of an expired instance keep working (R7).
pub const GRACE: chrono::Duration = chrono::Duration::days(14);

impl Trigger {
    /// The actor of the settlement-change rows it writes.
    pub fn actor(self) -> &'static str {
        match self {
            Trigger::Marketplace => MARKETPLACE_ACTOR,
            Trigger::Reconciliation => RECONCILER_ACTOR,
        }
    }
}

/// The recorded actor of a change the marketplace caused.
pub const MARKETPLACE_ACTOR: &str = "Alibaba Cloud Marketplace";
/// The recorded actor of a change the reconciler made.
pub const RECONCILER_ACTOR: &str = "reconciler";

/// An `expiredInstance` is stale when the recorded expiry is further ahead than this.
const STALE_EXPIRY_MARGIN: chrono::Duration = chrono::Duration::hours(1);

/// Locks the instance; when we have no record of it, remembers that the
/// marketplace ended it (`ending`, R8) and returns `None`. The remembered
/// row and a concurrent create meet on the instance's primary key, so
/// whichever comes second sees the first.
async fn lock_or_remember(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    ending: InstanceStatus,
    now: DateTime<Utc>,
) -> QueryResult<Option<AliyunInstance>> {
    if let Some(instance) = AliyunInstance::lock(conn, instance_id).await? {
        return Ok(Some(instance));
    }
    if AliyunInstance::remember_ended(conn, instance_id, ending, now).await? {
        return Ok(None);
    }
    // A create committed while we looked.
    AliyunInstance::lock(conn, instance_id).await
}

/// Locks an instance whose `createInstance` reached us (renewals, upgrades
/// and refunds of an instance we only know as ended change nothing).
async fn lock_created(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
) -> QueryResult<Option<AliyunInstance>> {
    Ok(AliyunInstance::lock(conn, instance_id)
        .await?
        .filter(AliyunInstance::created))
}

fn with_order(order_ids: &[String], order_id: Option<&str>) -> Option<Vec<String>> {
    let id = order_id.filter(|id| !id.is_empty())?;
    (!order_ids.iter().any(|o| o == id)).then(|| [order_ids, &[id.to_string()]].concat())
}

/// `renewInstance`: sets (not adds) the expiry and reopens an expired instance
/// whose new expiry lies ahead.
pub async fn renew(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    expires_on: DateTime<Utc>,
    order_id: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<Change> {
    let Some(instance) = lock_created(conn, instance_id).await? else {
        return Ok(Change::UnknownInstance);
    };
    let status = instance.status();
    if status == InstanceStatus::Released {
        return Ok(Change::Unchanged);
    }
    let reopen = status == InstanceStatus::Expired && expires_on > now;
    let order_ids = with_order(&instance.order_ids, order_id);
    if instance.expires_on == Some(expires_on) && order_ids.is_none() && !reopen {
        return Ok(Change::Unchanged);
    }
    if reopen {
        Workspace::end_grace(conn, instance_id).await?;
    }
    let change = InstanceChange {
        status: reopen.then_some(InstanceStatus::Opened.code()),
        expires_on: Some(Some(expires_on)),
        order_ids,
        renewed_at: Some(now),
        ..InstanceChange::default()
    };
    AliyunInstance::apply(conn, instance_id, &change).await?;
    Ok(Change::Applied)
}

/// `refundRenewInstance`: the expiry moves back to `expires_on`.
pub async fn refund_renewal(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    expires_on: DateTime<Utc>,
) -> QueryResult<Change> {
    let Some(instance) = lock_created(conn, instance_id).await? else {
        return Ok(Change::UnknownInstance);
    };
    if instance.status() == InstanceStatus::Released || instance.expires_on == Some(expires_on) {
        return Ok(Change::Unchanged);
    }
    let change = InstanceChange {
        expires_on: Some(Some(expires_on)),
        ..InstanceChange::default()
    };
    AliyunInstance::apply(conn, instance_id, &change).await?;
    Ok(Change::Applied)
}

/// `upgradeInstance`: records the new SKU and extra billing items.
pub async fn upgrade(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    sku_id: &str,
    order_id: Option<&str>,
    extra: serde_json::Map<String, serde_json::Value>,
    now: DateTime<Utc>,
) -> QueryResult<Change> {
    let Some(instance) = lock_created(conn, instance_id).await? else {
        return Ok(Change::UnknownInstance);
    };
    if instance.status() == InstanceStatus::Released {
        return Ok(Change::Unchanged);
    }
    let mut merged = instance.extra.as_object().cloned().unwrap_or_default();
    merged.extend(extra);
    let merged = serde_json::Value::Object(merged);
    let order_ids = with_order(&instance.order_ids, order_id);
    if instance.sku_id.as_deref() == Some(sku_id) && instance.extra == merged && order_ids.is_none() {
        return Ok(Change::Unchanged);
    }
    let change = InstanceChange {
        sku_id: Some(sku_id.to_string()),
        extra: Some(merged),
        order_ids,
        upgraded_at: Some(now),
        ..InstanceChange::default()
    };
    AliyunInstance::apply(conn, instance_id, &change).await?;
    Ok(Change::Applied)
}

/// `expiredInstance` (R7): an opened instance becomes expired and its
/// workspaces enter a 14-day grace period (their settlement is unchanged);
/// the claiming account gets a notice and an email.
pub async fn on_instance_expired(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    trigger: Trigger,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> QueryResult<Change> {
    let Some(instance) = lock_or_remember(conn, instance_id, InstanceStatus::Expired, now).await? else {
        return Ok(Change::Remembered);
    };
    // Only a call can be stale (overtaken by a renewal); what the reconciler
    // reads is the marketplace's state now, even if a refund of the renewal
    // never reached us.
    let stale =
        trigger == Trigger::Marketplace && instance.expires_on.is_some_and(|e| e > now + STALE_EXPIRY_MARGIN);
    if instance.status() != InstanceStatus::Opened || stale {
        return Ok(Change::Unchanged);
    }
    let bound = Workspace::lock_bound_to(conn, instance_id).await?;
    let change = InstanceChange {
        status: Some(InstanceStatus::Expired.code()),
        expired_at: Some(now),
        ..InstanceChange::default()
    };
    AliyunInstance::apply(conn, instance_id, &change).await?;
    let deadline = now + GRACE;
    Workspace::start_grace(conn, instance_id, deadline).await?;
    if let Some(account_id) = instance.claimed_by {
        let reason = match trigger {
            Trigger::Marketplace => "marketplace_expiry",
            Trigger::Reconciliation => "reconciliation",
        };
        let listed = unchanged(&bound);
        notices::notify(
            conn,
            notifier,
            account_id,
            instance_id,
            NoticeKind::Expiry,
            reason,
            &listed,
            now,
        )
        .await?;
    }
    tracing::info!(
        instance_id,
        ?trigger,
        workspaces = bound.len(),
        "instance expired"
    );
    Ok(Change::Applied)
}

/// `releaseInstance` or the reconciler finding it closed (R6), in one
/// transaction: the instance is released for good; every workspace bound to
/// it switches to Billing Center settlement (binding removed, grace ended) with
/// one settlement-change row each; the claiming account gets one notice and
/// one email. A repeat finds the instance released and changes nothing.
pub async fn on_instance_released(
    conn: &mut AsyncPgConnection,
    instance_id: &str,
    trigger: Trigger,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> QueryResult<Change> {
    // The instance first: a settlement change binding a workspace to it holds
    // that workspace and waits here, so once we hold the instance every
    // workspace bound to it is visible to the next statement (see binding.rs).
    let Some(instance) = lock_or_remember(conn, instance_id, InstanceStatus::Released, now).await? else {
        return Ok(Change::Remembered);
    };
    if instance.status() == InstanceStatus::Released {
        return Ok(Change::Unchanged);
    }
    let bound = Workspace::lock_bound_to(conn, instance_id).await?;
    let change = InstanceChange {
        status: Some(InstanceStatus::Released.code()),
        released_at: Some(now),
        ..InstanceChange::default()
    };
    AliyunInstance::apply(conn, instance_id, &change).await?;
    let reason = match trigger {
        Trigger::Marketplace => "marketplace_release",
        Trigger::Reconciliation => "reconciliation",
    };
    let to = SettlementMethod::BillingCenter.code();
    let mut switched = Vec::with_capacity(bound.len());
    for workspace in &bound {
        Workspace::set_settlement(conn, &workspace.id, to, None).await?;
        switched.push(NoticeWorkspace {
            id: workspace.id.clone(),
            name: workspace.name.clone(),
            site: workspace.site.clone(),
            from: workspace.settlement_method.clone(),
            to: to.to_string(),
        });
    }
    settlement_change::record_many(conn, &switched, instance_id, reason, trigger.actor(), now).await?;
    if let Some(account_id) = instance.claimed_by {
        notices::notify(
            conn,
            notifier,
            account_id,
            instance_id,
            NoticeKind::Release,
            reason,
            &switched,
            now,
        )
        .await?;
    }
    tracing::info!(
        instance_id,
        ?trigger,
        workspaces = bound.len(),
        "instance released"
    );
    Ok(Change::Applied)
}

/// R7's deadline: the workspaces of instances still expired when their grace
/// ends are locked, and each claiming account is told (one notice and email
/// per instance). Safe to run anywhere at any time: a workspace is locked once.
pub async fn sweep(
    pool: &crate::db::DbPool,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use diesel_async::AsyncConnection;
    let mut conn = pool.get().await?;
    let instances = Workspace::instances_past_grace(&mut conn, now).await?;
    let mut locked = 0;
    for instance_id in instances {
        locked += conn
            .transaction(async |conn| {
                let Some(instance) = AliyunInstance::lock(conn, &instance_id).await? else {
                    return Ok(0);
                };
                if instance.status() != InstanceStatus::Expired {
                    // Renewed or released meanwhile: those paths settle the workspaces.
                    return Ok(0);
                }
                let workspaces = Workspace::lock_past_grace(conn, &instance_id, now).await?;
                if let (Some(account_id), false) = (instance.claimed_by, workspaces.is_empty()) {
                    let listed = unchanged(&workspaces);
                    notices::notify(
                        conn,
                        notifier,
                        account_id,
                        &instance_id,
                        NoticeKind::Lock,
                        "marketplace_expiry",
                        &listed,
                        now,
                    )
                    .await?;
                }
                Ok::<_, diesel::result::Error>(workspaces.len())
            })
            .await?;
    }
    if locked > 0 {
        tracing::info!(locked, "workspaces locked after their grace period");
    }
    Ok(locked)
}
