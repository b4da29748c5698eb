//! Email: message builders (askama text + HTML, in the recipient's language),
//! the outbox they are queued in, and the worker that sends them over SMTP.

pub mod messages;
pub mod worker;

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::db::models::email_outbox::{NewOutboxEmail, OutboxEmail};

/// A rendered email, ready to queue.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues `email` under `dedup_key` (a second email with the same key is
/// dropped). Call inside the transaction of the change that causes it.
pub async fn enqueue(conn: &mut AsyncPgConnection, dedup_key: &str, email: &Email) -> QueryResult<bool> {
    OutboxEmail::enqueue(
        conn,
        &NewOutboxEmail {
            dedup_key,
            recipient: &email.to,
            subject: &email.subject,
            text_body: &email.text,
            html_body: &email.html,
        },
    )
    .await
}
