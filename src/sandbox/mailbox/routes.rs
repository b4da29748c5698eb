//! `/mailbox` pages and `/mailbox/api` for tests.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::{Mailbox, ReceivedMessage};
use crate::error::AppError;
use crate::page::ok;

/// Registers the mailbox routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/mailbox", web::get().to(list))
        .route("/mailbox/api/messages", web::get().to(api_messages))
        .route("/mailbox/api/faults", web::post().to(api_faults))
        .route("/mailbox/{id}", web::get().to(show))
        .route("/mailbox/{id}/html", web::get().to(show_html));
}

#[derive(Deserialize)]
struct ToFilter {
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "sandbox/mailbox_list.html")]
struct MailboxPage {
    to: String,
    messages: Vec<ReceivedMessage>,
}

async fn list(mailbox: web::Data<Mailbox>, query: web::Query<ToFilter>) -> Result<HttpResponse, AppError> {
    let to = query.into_inner().to.unwrap_or_default();
    let filter = Some(to.as_str()).filter(|t| !t.trim().is_empty());
    ok(&MailboxPage {
        messages: mailbox.list(filter),
        to,
    })
}

/// A piece of a text body: plain text, or a link to make clickable.
enum Segment {
    Text(String),
    Link(String),
}

fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min() {
        out.push(Segment::Text(rest[..start].to_string()));
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .map_or(rest.len(), |e| start + e);
        out.push(Segment::Link(rest[start..end].to_string()));
        rest = &rest[end..];
    }
    out.push(Segment::Text(rest.to_string()));
    out
}

#[derive(Template)]
#[template(path = "sandbox/mailbox_message.html")]
struct MessagePage {
    message: ReceivedMessage,
    body: Vec<Segment>,
}

async fn show(mailbox: web::Data<Mailbox>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let message = id
        .parse()
        .ok()
        .and_then(|id| mailbox.get(id))
        .ok_or(AppError::NotFound)?;
    let body = segments(&message.text);
    ok(&MessagePage { message, body })
}

/// The HTML part as the recipient's mail client would show it: no scripts, no
/// remote content, links clickable.
async fn show_html(mailbox: web::Data<Mailbox>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let message = id
        .parse()
        .ok()
        .and_then(|id| mailbox.get(id))
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "sandbox allow-popups allow-top-navigation; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        ))
        .body(message.html))
}

/// The JSON shape of SPEC §4.8.
#[derive(Serialize)]
struct ApiMessage {
    id: u64,
    to: String,
    subject: String,
    received_at: chrono::DateTime<chrono::Utc>,
    text: String,
    html: String,
    message_id: Option<String>,
}

async fn api_messages(mailbox: web::Data<Mailbox>, query: web::Query<ToFilter>) -> HttpResponse {
    let to = query.into_inner().to;
    let messages: Vec<ApiMessage> = mailbox
        .list(to.as_deref().filter(|t| !t.trim().is_empty()))
        .into_iter()
        .map(|m| ApiMessage {
            id: m.id,
            to: m.to.join(", "),
            subject: m.subject,
            received_at: m.received_at,
            text: m.text,
            html: m.html,
            message_id: m.message_id,
        })
        .collect();
    HttpResponse::Ok().json(messages)
}

#[derive(Deserialize)]
struct Faults {
    /// Refuse SMTP for this many seconds; 0 accepts again.
    smtp_refuse_seconds: Option<u64>,
    /// Keep a message, then wait this long before saying so (a sender that
    /// loses its footing in between has delivered all the same); 0: answer at once.
    smtp_hold_ms: Option<u64>,
}

async fn api_faults(mailbox: web::Data<Mailbox>, faults: web::Json<Faults>) -> HttpResponse {
    if let Some(seconds) = faults.smtp_refuse_seconds {
        mailbox.refuse_for(Duration::from_secs(seconds));
    }
    if let Some(ms) = faults.smtp_hold_ms {
        mailbox.hold_for(Duration::from_millis(ms));
    }
    HttpResponse::Ok().json(serde_json::json!({ "smtp_refusing": mailbox.refusing() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_text() {
        let s = segments("Open https://x.test/notices/abc now, or http://y.test.");
        let links: Vec<_> = s
            .iter()
            .filter_map(|s| match s {
                Segment::Link(l) => Some(l.as_str()),
                Segment::Text(_) => None,
            })
            .collect();
        assert_eq!(links, ["https://x.test/notices/abc", "http://y.test."]);
    }
}
