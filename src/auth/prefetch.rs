//! A page's data read in the session's own statement. Every Billing Center
//! page starts with that statement (the session, its account, the alert flag
//! and the balance); a page that then read its data in a second one would pay
//! PostgreSQL a second round trip, transaction and executor start-up, on a
//! core it shares with us. actix-session hands the store only the cookie's
//! key, so a middleware outside the session's tells it which page is asked
//! for, in a task-local value that lives as long as the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use chrono::NaiveDate;

use crate::domain::Month;

tokio::task_local! {
    static ASKED: PagePrefetch;
}

/// A page whose data the session's statement reads along.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagePrefetch {
    /// `GET /billing`: `db::models::overview`, with the bills summed from
    /// `month_start` and of `yesterday` (business days, Asia/Shanghai).
    Overview {
        month_start: NaiveDate,
        yesterday: NaiveDate,
    },
}

impl PagePrefetch {
    /// What the request being served asked for (the session store reads it).
    pub fn asked() -> Option<PagePrefetch> {
        ASKED.try_with(|asked| *asked).ok()
    }

    fn of(req: &ServiceRequest) -> Option<PagePrefetch> {
        if req.method() != Method::GET || req.path() != "/billing" {
            return None;
        }
        let today = crate::billing::usage::business_day(chrono::Utc::now());
        Some(PagePrefetch::Overview {
            month_start: Month::of(today).first(),
            yesterday: today - chrono::Duration::days(1),
        })
    }
}

/// Middleware, wrapped around the session's: names the page for the session
/// store. The page finds its data in the session under `session_keys::PAGE`.
pub async fn ask(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    match PagePrefetch::of(&req) {
        Some(page) => ASKED.scope(page, next.call(req)).await,
        None => next.call(req).await,
    }
}
