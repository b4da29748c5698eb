//! The cash ledger of Billing Center accounts: top-ups, charges of daily bills,
//! adjustments. Every writer first locks the account row (`lock_account`),
//! so entries of one account are appended one at a time and each entry's
//! `balance_after` is the sum of the account's amounts up to it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Int8, Numeric, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::db::schema::{accounts, daily_bills, ledger_entries, workspaces};

/// An entry as stored.
#[derive(Clone, Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = ledger_entries, check_for_backend(diesel::pg::Pg))]
pub struct LedgerEntry {
    pub id: i64,
    pub account_id: i64,
    /// `top_up`, `charge` or `adjustment`.
    pub kind: String,
    pub amount: Decimal,
    pub balance_after: Decimal,
    pub bill_id: Option<i64>,
    /// The bank reference of a top-up, the reason of an adjustment.
    pub reference: Option<String>,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// An entry written by an operator.
pub struct NewEntry<'a> {
    pub account_id: i64,
    /// `top_up` or `adjustment`.
    pub kind: &'a str,
    pub amount: Decimal,
    pub reference: &'a str,
    pub actor: &'a str,
}

/// Locks the account for ledger writes until the transaction ends.
pub async fn lock_account(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<bool> {
    accounts::table
        .find(account_id)
        .select(accounts::id)
        .for_no_key_update()
        .first::<i64>(conn)
        .await
        .optional()
        .map(|found| found.is_some())
}

/// Appends an operator's entry (under [`lock_account`]). `None`: a top-up
/// with this bank reference exists (nothing written).
pub async fn append(conn: &mut AsyncPgConnection, entry: &NewEntry<'_>) -> QueryResult<Option<LedgerEntry>> {
    diesel::sql_query(
        r#"
        INSERT INTO ledger_entries (account_id, kind, amount, balance_after, reference, actor)
        SELECT $1, $2, $3, coalesce((
            SELECT l.balance_after FROM ledger_entries l WHERE l.account_id = $1 ORDER BY l.id DESC LIMIT 1
        ), 0) + $3, $4, $5
        ON CONFLICT (reference) WHERE kind = 'top_up' DO NOTHING
        RETURNING *
        "#,
    )
    .bind::<Int8, _>(entry.account_id)
    .bind::<Text, _>(entry.kind)
    .bind::<Numeric, _>(entry.amount)
    .bind::<Text, _>(entry.reference)
    .bind::<Text, _>(entry.actor)
    .get_result(conn)
    .await
    .optional()
}

/// The top-up with this bank reference, if any.
pub async fn top_up_with_reference(
    conn: &mut AsyncPgConnection,
    reference: &str,
) -> QueryResult<Option<LedgerEntry>> {
    ledger_entries::table
        .filter(ledger_entries::kind.eq("top_up"))
        .filter(ledger_entries::reference.eq(reference))
        .select(LedgerEntry::as_select())
        .first(conn)
        .await
        .optional()
}

/// Charges every Billing Center bill of `day` to its account: one entry per
/// bill, in one statement. Locks the accounts first (in id order, so two
/// writers never wait on each other in a circle).
pub async fn charge_bills_of(conn: &mut AsyncPgConnection, day: NaiveDate) -> QueryResult<usize> {
    diesel::sql_query(
        r#"
        SELECT a.id FROM accounts a
        WHERE a.id IN (SELECT b.account_id FROM daily_bills b
                       WHERE b.day = $1 AND b.settled_by = 'billing_center' AND b.amount > 0)
        ORDER BY a.id
        FOR NO KEY UPDATE
        "#,
    )
    .bind::<Date, _>(day)
    .execute(conn)
    .await?;
    // A new statement, so that it reads the balances committed before the locks.
    diesel::sql_query(
        r#"
        INSERT INTO ledger_entries (account_id, kind, amount, balance_after, bill_id, actor)
        SELECT b.account_id, 'charge', -b.amount,
               coalesce(prev.balance, 0) - sum(b.amount) OVER (PARTITION BY b.account_id ORDER BY b.id),
               b.id, 'daily settlement'
        FROM daily_bills b
        LEFT JOIN LATERAL (
            SELECT l.balance_after AS balance FROM ledger_entries l
            WHERE l.account_id = b.account_id ORDER BY l.id DESC LIMIT 1
        ) prev ON true
        WHERE b.day = $1 AND b.settled_by = 'billing_center' AND b.amount > 0
        ORDER BY b.account_id, b.id
        "#,
    )
    .bind::<Date, _>(day)
    .execute(conn)
    .await
}

/// The account's balance: the running sum on its newest entry (zero without any).
pub async fn balance(conn: &mut AsyncPgConnection, account_id: i64) -> QueryResult<Decimal> {
    ledger_entries::table
        .filter(ledger_entries::account_id.eq(account_id))
        .order(ledger_entries::id.desc())
        .select(ledger_entries::balance_after)
        .first(conn)
        .await
        .optional()
        .map(Option::unwrap_or_default)
}

/// An entry as the wallet shows it, with the bill a charge paid.
#[derive(Clone, Debug, Queryable)]
pub struct WalletLine {
    pub entry: LedgerEntry,
    pub bill_day: Option<NaiveDate>,
    pub workspace_name: Option<String>,
}

/// One page of the account's entries, newest first, and how many there are.
pub async fn page_of(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(i64, Vec<WalletLine>)> {
    let total = ledger_entries::table
        .filter(ledger_entries::account_id.eq(account_id))
        .count()
        .get_result(conn)
        .await?;
    let lines = ledger_entries::table
        .left_join(daily_bills::table.left_join(workspaces::table))
        .filter(ledger_entries::account_id.eq(account_id))
        .order(ledger_entries::id.desc())
        .offset(offset)
        .limit(limit)
        .select((
            LedgerEntry::as_select(),
            daily_bills::day.nullable(),
            workspaces::name.nullable(),
        ))
        .load(conn)
        .await?;
    Ok((total, lines))
}
