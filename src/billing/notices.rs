//! Telling the account what the marketplace changed: one notice per event
//! (readable through an emailed link) and one email through the outbox, both
//! in the transaction of the change.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use url::Url;

use crate::db::models::account::Account;
use crate::db::models::notice::{NewNotice, Notice, NoticeWorkspace};
use crate::db::models::site::{self, Site};
use crate::domain::Language;
use crate::email::messages::{EmailContext, NoticeLine, notice_email};

/// How long a notice link works.
pub const LINK_DAYS: i64 = 90;

/// What links and emails need to know about the portal.
#[derive(Clone, Debug)]
pub struct Notifier {
    pub public_url: Url,
    pub brand: crate::settings::Brand,
}

/// What happened, for the notice and its email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// The instance was closed: its workspaces now settle by the Billing Center (R6).
    Release,
    /// The instance expired: its workspaces are in a 14-day grace period (R7).
    Expiry,
    /// The grace period ended: the workspaces are locked.
    Lock,
}

impl NoticeKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Release => "release",
            NoticeKind::Expiry => "expiry",
            NoticeKind::Lock => "lock",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [NoticeKind::Release, NoticeKind::Expiry, NoticeKind::Lock]
            .into_iter()
            .find(|k| k.code() == code)
    }

    /// When the workspaces of a notice of this kind made at `at` are locked
    /// unless the instance is renewed or they move: the end of an expiry's
    /// grace period (R7).
    pub fn lock_at(self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self == NoticeKind::Expiry).then(|| at + super::instances::GRACE)
    }
}

/// Writes the notice and queues its email to the account.
#[expect(clippy::too_many_arguments, reason = "each is one fact of the event")]
pub async fn notify(
    conn: &mut AsyncPgConnection,
    notifier: &Notifier,
    account_id: i64,
    instance_id: &str,
    kind: NoticeKind,
    reason: &str,
    workspaces: &[NoticeWorkspace],
    now: DateTime<Utc>,
) -> QueryResult<Notice> {
    let token = crate::auth::random_token();
    let notice = Notice::create(
        conn,
        &NewNotice {
            account_id,
            instance_id,
            kind: kind.code(),
            reason,
            workspaces: serde_json::to_value(workspaces).unwrap_or_default(),
            token_hash: &crate::auth::token_hash(&token),
            created_at: now,
            expires_at: now + chrono::Duration::days(LINK_DAYS),
        },
    )
    .await?;
    let Some(account) = Account::find(conn, account_id).await? else {
        return Ok(notice);
    };
    let link = notifier
        .public_url
        .join(&format!("/notices/{token}"))
        .map_or_else(|_| String::new(), |u| u.to_string());
    let lang = Language::parse(&account.language).unwrap_or_default();
    let sites = Site::all(conn).await?;
    let lines: Vec<NoticeLine> = workspaces
        .iter()
        .map(|w| NoticeLine {
            name: w.name.clone(),
            site: site::find(&sites, &w.site).map_or_else(|| w.site.clone(), |s| s.name(lang).to_string()),
        })
        .collect();
    let ctx = EmailContext::new(lang, &notifier.brand);
    // The notice promises its email: one that cannot be written aborts the
    // whole change (the marketplace then retries the call), rather than
    // leaving a notice nobody is told about.
    let email = notice_email(&ctx, &account, kind, instance_id, &lines, now, &link)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    crate::email::enqueue(conn, &format!("notice:{}", notice.id), &email).await?;
    Ok(notice)
}
