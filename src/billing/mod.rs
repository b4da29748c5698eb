//! The rules (SPEC 3.3) as plain functions over models. Each function is the
//! one place its rule lives, whoever triggers it: a page, the SPI, the
//! reconciler.

pub mod binding;
pub mod daily_bills;
pub mod instances;
pub mod ledger;
pub mod notices;
pub mod pricing;
pub mod registration;
pub mod settlement;
pub mod usage;

pub use instances::{on_instance_expired, on_instance_released};

use crate::db::models::account::TakenIdentifier;
use crate::marketplace::verifier::VerifyFailure;

/// Why a workspace was not created or changed; one variant per thing the user
/// is told, each with its own message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not this account's workspace (or the registration is gone).
    NotFound,
    /// Already settled exactly this way.
    Unchanged,
    /// R3.
    SiteForbidsMethod,
    /// R1.
    Instance(VerifyFailure),
    /// R2.
    InstanceClaimedByAnother,
    /// The chosen registered instance is not one of this account's opened instances.
    NotRegistered,
    /// R4: the next change is possible on this (Asia/Shanghai) date.
    OncePerMonth(chrono::NaiveDate),
    /// R5: settled by an instance that is still opened.
    LockedIn,
    /// A Billing Center account already uses this identifier (registration).
    AccountTaken(TakenIdentifier),
}

impl Refusal {
    /// The form field the message belongs to, and the message id.
    pub fn field_and_message(self) -> (&'static str, &'static str) {
        match self {
            Refusal::NotFound => ("workspace_name", "error-registration-restart"),
            Refusal::Unchanged => ("method", "error-settlement-unchanged"),
            Refusal::SiteForbidsMethod => ("method", "error-site-forbids-method"),
            Refusal::Instance(failure) => ("instance_id", failure.message()),
            Refusal::InstanceClaimedByAnother => ("instance_id", "error-instance-claimed"),
            Refusal::NotRegistered => ("registered_instance_id", "error-instance-not-registered"),
            Refusal::OncePerMonth(_) => ("method", "error-settlement-once-a-month"),
            Refusal::LockedIn => ("method", "error-settlement-locked-in"),
            Refusal::AccountTaken(TakenIdentifier::Username) => {
                ("sync_billing_account", "error-account-username-taken")
            }
            Refusal::AccountTaken(TakenIdentifier::Email) => {
                ("sync_billing_account", "error-account-email-taken")
            }
            Refusal::AccountTaken(TakenIdentifier::Phone) => {
                ("sync_billing_account", "error-account-phone-taken")
            }
        }
    }
}

/// Ends a rule's transaction: a refusal rolls everything back.
pub(crate) enum Abort {
    Db(diesel::result::Error),
    Refused(Refusal),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e)
    }
}

impl Abort {
    /// A transaction's result as the callers want it: the outer error is
    /// unexpected, the inner one a refusal to show.
    pub(crate) fn split<T>(result: Result<T, Abort>) -> diesel::QueryResult<Result<T, Refusal>> {
        match result {
            Ok(value) => Ok(Ok(value)),
            Err(Abort::Refused(refusal)) => Ok(Err(refusal)),
            Err(Abort::Db(e)) => Err(e),
        }
    }
}
