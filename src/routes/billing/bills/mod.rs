//! `/billing/bills?month=YYYY-MM[&workspace=&site=&method=&page=]`: the
//! month's daily bills of the account (totals, per method, a chart of daily
//! totals, a page of bills with their lines), and `/billing/bills.csv`.

pub mod chart;
pub mod export;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::auth::guard::AccountId;
use crate::db::models::bill_report::{self, BillFilter, DayTotal, PageLine};
use crate::db::models::price::PriceItem;
use crate::db::models::workspace::Workspace;
use crate::domain::{Language, Month, cny};
use crate::error::AppError;
use crate::page::{PageContext, render};
use crate::startup::AppState;

/// Bills per page: each carries its item lines, so a page stays small.
const PAGE_SIZE: i64 = 20;

/// The query of the page and of the export.
#[derive(Deserialize)]
pub struct BillsQuery {
    month: Option<String>,
    workspace: Option<String>,
    site: Option<String>,
    method: Option<String>,
    page: Option<String>,
    /// `1`: start the CSV with a UTF-8 byte order mark.
    bom: Option<String>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl BillsQuery {
    /// The month asked for (this month in Asia/Shanghai by default), or why not.
    fn month(&self) -> Result<Month, crate::domain::Invalid> {
        match given(&self.month) {
            None => Ok(Month::of(crate::billing::usage::business_day(chrono::Utc::now()))),
            Some(raw) => Month::parse(&raw),
        }
    }

    /// The account's bills of `month` that the filters select.
    fn filter(&self, account_id: i64, month: Month) -> BillFilter {
        BillFilter {
            account_id,
            from: month.first(),
            to: month.last(),
            workspace_id: given(&self.workspace),
            site: given(&self.site),
            method: given(&self.method),
        }
    }

    /// The query string of the same filters for `month`.
    fn link(&self, month: Month) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("month", &month.to_string());
        for (name, value) in [
            ("workspace", &self.workspace),
            ("site", &self.site),
            ("method", &self.method),
        ] {
            if let Some(v) = given(value) {
                query.append_pair(name, &v);
            }
        }
        query.finish()
    }
}

/// How a bill (or a month's share) was settled, in words.
fn settled_by(ctx: &PageContext, method: &str, ali_uid: Option<&str>, instance: Option<&str>) -> String {
    match (method, instance) {
        ("aliyun", Some(instance)) => crate::i18n::t_args(
            ctx.lang,
            "bills-settled-by-aliyun",
            &[
                ("uid", ali_uid.unwrap_or("?").to_string()),
                ("instance", instance.to_string()),
            ],
        ),
        (other, _) => ctx.t(&format!("method-{other}")).into_owned(),
    }
}

/// A metering window's state as the bills page names it.
fn metering_label(ctx: &PageContext, state: Option<&str>) -> Option<String> {
    let key = match state? {
        "confirmed" => "metering-state-pushed",
        "unknown" => "metering-state-unknown",
        "late" => "metering-state-late",
        "rejected" => "metering-state-rejected",
        _ => "metering-state-pending",
    };
    Some(ctx.t(key).into_owned())
}

/// A share of the month's total: the Billing Center account, or one instance.
pub struct MethodTotal {
    pub label: String,
    pub amount: String,
    /// For Alibaba instances: days per metering state, e.g. "pushed: 12".
    pub metering: Vec<(String, i64)>,
}

fn method_totals(ctx: &PageContext, totals: &[DayTotal]) -> Vec<MethodTotal> {
    // (the day totals of one method and instance, in order of appearance)
    let mut shares: Vec<Vec<&DayTotal>> = Vec::new();
    for t in totals {
        match shares
            .iter_mut()
            .find(|s| s[0].settled_by == t.settled_by && s[0].instance_id == t.instance_id)
        {
            Some(share) => share.push(t),
            None => shares.push(vec![t]),
        }
    }
    shares
        .into_iter()
        .map(|days| {
            let mut metering: Vec<(String, i64)> = Vec::new();
            for label in days
                .iter()
                .filter_map(|d| metering_label(ctx, d.metering_state.as_deref()))
            {
                match metering.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, n)) => *n += 1,
                    None => metering.push((label, 1)),
                }
            }
            let first = days[0];
            MethodTotal {
                label: settled_by(
                    ctx,
                    &first.settled_by,
                    first.ali_uid.as_deref(),
                    first.instance_id.as_deref(),
                ),
                amount: cny(days.iter().map(|d| d.amount).sum()),
                metering,
            }
        })
        .collect()
}

/// How a bill was settled: method, instance, its account, metering state.
type SettledKey = (String, Option<String>, Option<String>, Option<String>);

/// A bill as a row of the table, with its lines.
pub struct BillView {
    pub day: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub site: String,
    pub amount: String,
    pub settled_by: String,
    pub metering: Option<String>,
    /// "Items (5)".
    pub lines_label: String,
    pub lines: Vec<LineView>,
}

/// The words every row repeats, looked up once per page (a message lookup
/// costs more than the rest of a row).
pub struct Labels {
    pub date: std::borrow::Cow<'static, str>,
    pub workspace: std::borrow::Cow<'static, str>,
    pub site: std::borrow::Cow<'static, str>,
    pub settled_by: std::borrow::Cow<'static, str>,
    pub amount: std::borrow::Cow<'static, str>,
    pub item: std::borrow::Cow<'static, str>,
    pub retention: std::borrow::Cow<'static, str>,
    pub quantity: std::borrow::Cow<'static, str>,
    pub unit_price: std::borrow::Cow<'static, str>,
    pub metering: std::borrow::Cow<'static, str>,
}

impl Labels {
    fn new(ctx: &PageContext) -> Self {
        Labels {
            date: ctx.t("bills-date"),
            workspace: ctx.t("field-workspace-name"),
            site: ctx.t("field-site"),
            settled_by: ctx.t("bills-settled-by"),
            amount: ctx.t("bills-amount"),
            item: ctx.t("bills-item"),
            retention: ctx.t("bills-retention"),
            quantity: ctx.t("bills-quantity"),
            unit_price: ctx.t("bills-unit-price"),
            metering: ctx.t("bills-metering"),
        }
    }
}

/// A bill line as shown.
pub struct LineView {
    pub item: String,
    pub retention: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// `14 d`, or a dash for items without tiers.
pub fn retention_label(days: i32) -> String {
    if days == 0 {
        "—".into()
    } else {
        format!("{days} d")
    }
}

/// A bill's lines as shown, in the price list's order (then by retention).
fn line_views(lang: Language, items: &[PriceItem], lines: Vec<PageLine>) -> Vec<LineView> {
    let mut lines: Vec<(Option<usize>, PageLine)> = lines
        .into_iter()
        .map(|line| (items.iter().position(|i| i.item == line.item), line))
        .collect();
    lines.sort_by_key(|(position, line)| (*position, line.retention_days));
    lines
        .iter()
        .map(|(position, line)| {
            let item = position.map(|p| &items[p]);
            LineView {
                item: item.map_or_else(|| line.item.clone(), |i| i.name(lang).to_string()),
                retention: retention_label(line.retention_days),
                quantity: crate::domain::count(line.quantity),
                unit_price: format!(
                    "¥{} / {}",
                    line.unit_price.normalize(),
                    item.map_or("", |i| i.unit(lang))
                ),
                amount: cny(line.amount),
            }
        })
        .collect()
}

/// A month's bills as the page shows them.
pub struct MonthView {
    pub month: Month,
    pub total: String,
    pub by_method: Vec<MethodTotal>,
    pub chart: chart::Chart,
    /// (day, total) of the days with bills, for the chart's table.
    pub daily: Vec<(String, String)>,
    pub bills: Vec<BillView>,
    pub count: i64,
    pub page: i64,
    pub pages: i64,
    pub previous_link: String,
    pub next_link: String,
    /// The page links' base (the filters and month), `&page=N` appended.
    pub page_link: String,
    pub csv_link: String,
}

#[derive(Template)]
#[template(path = "billing/bills.html")]
struct BillsPage {
    ctx: PageContext,
    section: &'static str,
    /// The filter form as given.
    month_input: String,
    workspace: String,
    site: String,
    method: String,
    workspaces: Vec<(String, String)>,
    sites: Vec<(String, String)>,
    /// Why the month could not be read (then there is no view).
    month_error: Option<String>,
    view: Option<MonthView>,
    labels: Labels,
}

impl BillsPage {
    fn plot_height(&self) -> f64 {
        chart::PLOT
    }

    fn site_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.sites
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, name)| name.as_str())
    }
}

/// The month's view for the account: totals, chart, one page of bills.
async fn month_view(
    conn: &diesel_async::AsyncPgConnection,
    ctx: &PageContext,
    items: &[PriceItem],
    query: &BillsQuery,
    account_id: i64,
    month: Month,
) -> Result<MonthView, AppError> {
    let filter = query.filter(account_id, month);
    let asked = given(&query.page)
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1);
    // The sums and the asked page are pipelined; only a page past the end is
    // read again, as the last one.
    let page_of =
        |page: i64| bill_report::bills_page(conn, &filter, (page - 1).saturating_mul(PAGE_SIZE), PAGE_SIZE);
    let (totals, mut rows) =
        futures_util::future::try_join(bill_report::day_totals(conn, &filter), page_of(asked)).await?;
    let mut daily: Vec<(chrono::NaiveDate, Decimal)> = Vec::new();
    for t in &totals {
        match daily.last_mut() {
            Some((day, sum)) if *day == t.day => *sum += t.amount,
            _ => daily.push((t.day, t.amount)),
        }
    }
    let count: i64 = totals.iter().map(|t| t.bills).sum();
    let pages = ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    // A page number out of range shows the nearest page.
    let page = asked.min(pages);
    if page != asked {
        rows = page_of(page).await?;
    }
    // Each distinct label once: a page repeats a handful on its rows.
    let mut words: HashMap<SettledKey, (String, Option<String>)> = HashMap::new();
    let mut counted: HashMap<usize, String> = HashMap::new();
    let mut bills: Vec<BillView> = Vec::new();
    for (r, lines) in rows {
        let lines = line_views(ctx.lang, items, lines);
        // The instance's account and the day's metering, from the sums of the
        // bill's day and instance (read beside the page: a day settled
        // between the two reads has none, and shows as without an account).
        let share = r.instance_id.as_ref().and_then(|instance| {
            totals
                .iter()
                .find(|t| t.day == r.day && t.instance_id.as_ref() == Some(instance))
        });
        let ali_uid = share.and_then(|t| t.ali_uid.as_deref());
        let metering_state = share.and_then(|t| t.metering_state.as_deref());
        let key = (
            r.settled_by.clone(),
            r.instance_id.clone(),
            ali_uid.map(str::to_string),
            metering_state.map(str::to_string),
        );
        let (settled, metering) = words
            .entry(key)
            .or_insert_with(|| {
                (
                    settled_by(ctx, &r.settled_by, ali_uid, r.instance_id.as_deref()),
                    metering_label(ctx, metering_state),
                )
            })
            .clone();
        bills.push(BillView {
            day: r.day.to_string(),
            settled_by: settled,
            metering,
            lines_label: counted
                .entry(lines.len())
                .or_insert_with_key(|n| ctx.t1("bills-lines", "count", n))
                .clone(),
            lines,
            amount: cny(r.amount),
            workspace_id: r.workspace_id,
            workspace_name: r.workspace_name,
            site: r.site,
        });
    }
    Ok(MonthView {
        month,
        total: cny(daily.iter().map(|(_, t)| *t).sum()),
        by_method: method_totals(ctx, &totals),
        chart: chart::chart(month, &daily),
        daily: daily.iter().map(|(d, t)| (d.to_string(), cny(*t))).collect(),
        bills,
        count,
        page,
        pages,
        previous_link: format!("/billing/bills?{}", query.link(month.previous())),
        next_link: format!("/billing/bills?{}", query.link(month.next())),
        page_link: format!("/billing/bills?{}", query.link(month)),
        csv_link: format!("/billing/bills.csv?{}", query.link(month)),
    })
}

/// GET `/billing/bills`: 400 (with the message on the form) for a malformed month.
pub async fn bills(
    ctx: PageContext,
    state: web::Data<AppState>,
    account_id: web::ReqData<AccountId>,
    query: web::Query<BillsQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let conn = state.pool.get().await?;
    let month = query.month();
    // The filter's workspaces and the month, pipelined on the connection.
    let view = async {
        match &month {
            Ok(month) => Ok(Some(
                month_view(&conn, &ctx, &state.price_items, &query, account_id.0, *month).await?,
            )),
            Err(_) => Ok::<_, AppError>(None),
        }
    };
    let workspaces = async { Ok(Workspace::names_of_account(&conn, account_id.0).await?) };
    let (workspaces, view) = futures_util::future::try_join(workspaces, view).await?;
    drop(conn);
    let (status, month_error) = match &month {
        Ok(_) => (StatusCode::OK, None),
        Err(invalid) => (StatusCode::BAD_REQUEST, Some(ctx.invalid(invalid))),
    };
    let sites = state
        .sites
        .iter()
        .map(|s| (s.code.clone(), s.name(ctx.lang).to_string()))
        .collect();
    render(
        status,
        &BillsPage {
            section: "bills",
            month_input: given(&query.month).unwrap_or_default(),
            workspace: given(&query.workspace).unwrap_or_default(),
            site: given(&query.site).unwrap_or_default(),
            method: given(&query.method).unwrap_or_default(),
            workspaces,
            sites,
            month_error,
            view,
            labels: Labels::new(&ctx),
            ctx,
        },
    )
}
