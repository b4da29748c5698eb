//! GET `/billing/wallet[?page=N]`: the cash balance, every change of it
//! newest first, and how to top up (by bank transfer; online payment is not
//! offered).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::guard::AccountId;
use crate::billing::ledger::CashBalance;
use crate::db::models::ledger_entry::{WalletLine, page_of};
use crate::domain::{cny, signed_cny};
use crate::error::AppError;
use crate::page::{PageContext, PageQuery, ok};
use crate::settings::BankTransfer;
use crate::startup::AppState;

/// Entries per page.
const PAGE_SIZE: i64 = 20;

/// An entry as the wallet shows it.
pub struct EntryView {
    pub when: String,
    pub kind: String,
    pub amount: String,
    pub negative: bool,
    pub what: String,
    pub balance_after: String,
}

#[derive(Template)]
#[template(path = "billing/wallet.html")]
struct WalletPage {
    ctx: PageContext,
    section: &'static str,
    balance: String,
    in_arrears: bool,
    entries: Vec<EntryView>,
    page: i64,
    pages: i64,
    bank: BankTransfer,
    /// The column labels, looked up once (each row repeats them).
    labels: [std::borrow::Cow<'static, str>; 5],
}

fn view(ctx: &PageContext, kinds: &mut HashMap<String, String>, line: WalletLine) -> EntryView {
    let entry = line.entry;
    let what = match (entry.kind.as_str(), line.bill_day) {
        ("charge", Some(day)) => crate::i18n::t_args(
            ctx.lang,
            "wallet-charge-of",
            &[
                ("day", day.to_string()),
                ("workspace", line.workspace_name.unwrap_or_default()),
            ],
        ),
        _ => entry.reference.unwrap_or_default(),
    };
    EntryView {
        when: crate::time::shanghai_minute(entry.created_at),
        kind: kinds
            .entry(entry.kind.clone())
            .or_insert_with_key(|kind| ctx.t(&format!("wallet-kind-{kind}")).into_owned())
            .clone(),
        negative: entry.amount.is_sign_negative(),
        amount: signed_cny(entry.amount),
        what,
        balance_after: cny(entry.balance_after),
    }
}

/// GET `/billing/wallet`.
pub async fn wallet(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    balance: web::ReqData<CashBalance>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = query.number();
    let (total, lines) = {
        let mut conn = state.pool.get().await?;
        page_of(&mut conn, account_id.0, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?
    };
    let balance = *balance;
    let mut kinds = HashMap::new();
    let entries = lines
        .into_iter()
        .map(|line| view(&ctx, &mut kinds, line))
        .collect();
    let labels = [
        "history-when",
        "wallet-kind",
        "wallet-what",
        "bills-amount",
        "wallet-balance-after",
    ]
    .map(|k| ctx.t(k));
    ok(&WalletPage {
        section: "wallet",
        balance: cny(balance.0),
        in_arrears: balance.arrears().is_some(),
        entries,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        bank: state.settings.billing.bank.clone(),
        labels,
        ctx,
    })
}
