//! GET `/notices/{token}`: the emailed notice, readable without logging in
//! (the token is the capability). Not indexed, never
//! sent as a referrer to another site, no secrets.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::billing::notices::NoticeKind;
use crate::db::models::notice::{Notice, NoticeWorkspace};
use crate::db::models::site;
use crate::error::AppError;
use crate::page::{PageContext, capability_page, render};
use crate::startup::AppState;

/// A notice as a page shows it.
pub struct NoticeView {
    pub kind: String,
    pub reason: String,
    pub instance_id: String,
    pub time: String,
    pub time_utc: String,
    /// When the workspaces of an expiry notice are locked unless renewed or
    /// moved (the end of their grace period).
    pub lock_date: Option<String>,
    /// (workspace, site name).
    pub workspaces: Vec<(NoticeWorkspace, String)>,
}

impl NoticeView {
    /// Message ids of this kind of notice.
    pub fn title_key(&self) -> String {
        format!("notice-{}-title", self.kind)
    }

    pub fn intro_key(&self) -> String {
        format!("email-notice-{}-intro", self.kind)
    }

    pub fn meaning_key(&self) -> String {
        format!("notice-{}-meaning", self.kind)
    }

    pub fn reason_key(&self) -> String {
        format!("reason-{}", self.reason)
    }

    /// Whether the notice moved workspaces to another method (a release):
    /// then its table shows the method before and after; an expiry or a
    /// lock changes their status instead.
    pub fn switched_method(&self) -> bool {
        self.kind == NoticeKind::Release.code()
    }

    /// The status the workspaces have after this notice.
    pub fn status_after(&self) -> &'static str {
        match self.lock_date {
            Some(_) => "grace",
            None => "locked",
        }
    }

    /// The view of `notice` in the page's language.
    pub fn new(notice: &Notice, state: &AppState, ctx: &PageContext) -> Self {
        NoticeView {
            kind: notice.kind.clone(),
            reason: notice.reason.clone(),
            instance_id: notice.instance_id.clone(),
            time: crate::time::shanghai_minute(notice.created_at),
            time_utc: notice.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            lock_date: NoticeKind::from_code(&notice.kind)
                .and_then(|kind| kind.lock_at(notice.created_at))
                .map(crate::time::shanghai_minute),
            workspaces: notice
                .workspace_list()
                .into_iter()
                .map(|w| {
                    let name = site::find(&state.sites, &w.site)
                        .map_or_else(|| w.site.clone(), |s| s.name(ctx.lang).to_string());
                    (w, name)
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "notices/show.html")]
struct NoticePage {
    ctx: PageContext,
    notice: NoticeView,
}

#[derive(Template)]
#[template(path = "notices/invalid.html")]
struct InvalidPage {
    ctx: PageContext,
}

/// GET `/notices/{token}`.
pub async fn show(
    ctx: PageContext,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let found = Notice::by_token(&mut conn, &crate::auth::token_hash(&token), state.clock.now()).await?;
    drop(conn);
    match found {
        Some(notice) => {
            let view = NoticeView::new(&notice, &state, &ctx);
            render(StatusCode::OK, &NoticePage { ctx, notice: view }).map(capability_page)
        }
        None => render(StatusCode::NOT_FOUND, &InvalidPage { ctx }).map(capability_page),
    }
}
