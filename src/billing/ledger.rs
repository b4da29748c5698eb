//! The cash wallet's operator actions: a top-up credited from a bank transfer
//! (once per bank reference) and a correction. Each locks the account row, so
//! it is appended after any charge or top-up already under way.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::db::models::ledger_entry::{self, LedgerEntry, NewEntry};
use crate::domain::Amount;

/// The logged-in account's cash balance (a request extension of every
/// Billing Center page, loaded with the account; zero without a ledger).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CashBalance(pub rust_decimal::Decimal);

impl CashBalance {
    /// The negative balance, when the account is in arrears.
    pub fn arrears(self) -> Option<rust_decimal::Decimal> {
        (self.0.is_sign_negative() && !self.0.is_zero()).then_some(self.0)
    }
}

/// What a top-up did.
#[derive(Clone, Debug)]
pub enum TopUp {
    Credited(LedgerEntry),
    /// The same reference and amount were credited to this account before.
    AlreadyCredited(LedgerEntry),
}

/// Why an operator's entry was refused (nothing was written).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerRefusal {
    #[error("the account does not exist")]
    UnknownAccount,
    #[error("must be 1-200 characters without control characters")]
    BadText,
    #[error(
        "this bank reference was already credited with a different amount or to another account (entry {0})"
    )]
    ReferenceReused(i64),
}

/// Trimmed free text of an entry (bank reference, reason).
fn text(raw: &str) -> Result<&str, LedgerRefusal> {
    let s = raw.trim();
    match s.chars().count() {
        1..=200 if !s.chars().any(char::is_control) => Ok(s),
        _ => Err(LedgerRefusal::BadText),
    }
}

/// Locks the account and appends `entry` (inside the caller's transaction).
/// `Ok(None)`: a top-up with this reference exists (nothing written).
async fn lock_and_append(
    conn: &mut AsyncPgConnection,
    entry: &NewEntry<'_>,
) -> diesel::QueryResult<Result<Option<LedgerEntry>, LedgerRefusal>> {
    if !ledger_entry::lock_account(conn, entry.account_id).await? {
        return Ok(Err(LedgerRefusal::UnknownAccount));
    }
    Ok(Ok(ledger_entry::append(conn, entry).await?))
}

/// Credits `amount` to the account from the bank transfer `reference`. The
/// same reference and amount again change nothing.
pub async fn top_up(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    amount: Amount,
    reference: &str,
    actor: &str,
) -> diesel::QueryResult<Result<TopUp, LedgerRefusal>> {
    let Ok(reference) = text(reference) else {
        return Ok(Err(LedgerRefusal::BadText));
    };
    let entry = NewEntry {
        account_id,
        kind: "top_up",
        amount: amount.value(),
        reference,
        actor,
    };
    conn.transaction(async |conn| match lock_and_append(conn, &entry).await? {
        Err(refusal) => Ok(Err(refusal)),
        Ok(Some(credited)) => Ok(Ok(TopUp::Credited(credited))),
        // The reference is taken (the unique index decided, not a prior read).
        Ok(None) => match ledger_entry::top_up_with_reference(conn, reference).await? {
            Some(first) if first.account_id == account_id && first.amount == amount.value() => {
                Ok(Ok(TopUp::AlreadyCredited(first)))
            }
            Some(first) => Ok(Err(LedgerRefusal::ReferenceReused(first.id))),
            None => Err(diesel::result::Error::NotFound),
        },
    })
    .await
}

/// Corrects the balance by `amount` (either sign) for `reason`.
pub async fn adjust(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    amount: Amount,
    reason: &str,
    actor: &str,
) -> diesel::QueryResult<Result<LedgerEntry, LedgerRefusal>> {
    let Ok(reason) = text(reason) else {
        return Ok(Err(LedgerRefusal::BadText));
    };
    let entry = NewEntry {
        account_id,
        kind: "adjustment",
        amount: amount.value(),
        reference: reason,
        actor,
    };
    conn.transaction(async |conn| match lock_and_append(conn, &entry).await? {
        Err(refusal) => Ok(Err(refusal)),
        Ok(Some(entry)) => Ok(Ok(entry)),
        // Only top-ups can collide (on their reference).
        Ok(None) => Err(diesel::result::Error::NotFound),
    })
    .await
}
