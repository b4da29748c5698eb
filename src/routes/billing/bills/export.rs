//! GET `/billing/bills.csv?month=YYYY-MM[&workspace=&site=&method=][&bom=1]`:
//! one row per bill line of the month's bills (the filters of the page), so
//! the `amount` column adds up to the month's total on the page.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use super::BillsQuery;
use crate::auth::guard::AccountId;
use crate::db::models::bill_report;
use crate::domain::{Language, plain};
use crate::error::AppError;
use crate::page::PageContext;
use crate::startup::AppState;

const HEADER: [&str; 12] = [
    "date",
    "workspace_id",
    "workspace_name",
    "site",
    "item",
    "retention_days",
    "quantity",
    "unit",
    "unit_price",
    "amount",
    "settled_by",
    "instance_id",
];

/// Text a spreadsheet would run as a formula gets a leading apostrophe.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// GET `/billing/bills.csv`.
pub async fn bills_csv(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    query: web::Query<BillsQuery>,
) -> Result<HttpResponse, AppError> {
    let Ok(month) = query.month() else {
        // A plain 400: the error page says the request was not understood.
        return Ok(HttpResponse::BadRequest().finish());
    };
    let mut out = Vec::new();
    if query.bom.as_deref() == Some("1") {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER).map_err(anyhow::Error::from)?;
    let filter = query.filter(account_id.0, month);
    let mut conn = state.pool.get().await?;
    // Each row is written as it arrives: only the CSV is held, not the rows.
    let rows = bill_report::export_rows(&mut conn, &filter).await?;
    futures_util::pin_mut!(rows);
    while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        let (bill, line) = (&row, &row.line);
        let unit = match ctx.lang {
            Language::En => &line.unit_en,
            Language::Zh => &line.unit_zh,
        };
        let retention = if line.retention_days == 0 {
            String::new()
        } else {
            line.retention_days.to_string()
        };
        csv.write_record([
            bill.day.to_string().as_str(),
            &bill.workspace_id,
            &spreadsheet_safe(&bill.workspace_name),
            &bill.site,
            &line.item,
            &retention,
            &line.quantity.to_string(),
            unit,
            &line.unit_price.normalize().to_string(),
            &plain(line.amount),
            &bill.settled_by,
            bill.instance_id.as_deref().unwrap_or(""),
        ])
        .map_err(anyhow::Error::from)?;
    }
    let body = csv
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing the CSV: {e}"))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"bills-{month}.csv\""),
        ))
        .body(body))
}
