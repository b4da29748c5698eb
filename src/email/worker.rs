//! The outbox worker: claims due emails with `FOR UPDATE SKIP LOCKED` (so any
//! number of instances can run it), sends them over SMTP, and records the
//! outcome: `sent`, a retry with exponential backoff, or `dead` after the last
//! allowed attempt. Delivery is at least once; the Message-ID is derived from
//! the dedup key so that a resend after a crash is recognisable as the same
//! message.

use std::time::Duration;

use anyhow::Context;
use diesel_async::AsyncConnection;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::db::DbPool;
use crate::db::models::email_outbox::{OutboxEmail, backoff};
use crate::settings::OutboxSettings;

const BATCH: i64 = 10;

/// An SMTP client with our sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl Mailer {
    /// Connects lazily to `smtp_url` (`smtp://host:port`, `smtps://user:pass@host`).
    pub fn new(smtp_url: &str, from: &str, timeout: Duration) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .context("APP_SMTP_URL is not a valid SMTP URL")?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from.parse().context("APP_MAIL_FROM is not a valid address")?;
        let domain = from.email.domain().to_string();
        Ok(Mailer {
            transport,
            from,
            domain,
        })
    }

    fn message(&self, email: &OutboxEmail) -> anyhow::Result<Message> {
        let digest = hex::encode(Sha256::digest(email.dedup_key.as_bytes()));
        Message::builder()
            .from(self.from.clone())
            .to(email.recipient.parse().context("recipient address")?)
            .subject(&email.subject)
            .message_id(Some(format!("<{}@{}>", &digest[..32], self.domain)))
            .multipart(MultiPart::alternative_plain_html(
                email.text_body.clone(),
                email.html_body.clone(),
            ))
            .context("building the message")
    }

    async fn send(&self, email: &OutboxEmail) -> anyhow::Result<()> {
        let message = self.message(email)?;
        self.transport.send(message).await.context("SMTP")?;
        Ok(())
    }
}

/// Sends one batch of due emails; returns how many were attempted.
pub async fn send_due(pool: &DbPool, mailer: &Mailer, settings: &OutboxSettings) -> anyhow::Result<usize> {
    let mut conn = pool.get().await.context("borrowing a connection")?;
    let settings = *settings;
    conn.transaction(async move |conn| {
        let due = OutboxEmail::claim_due(conn, BATCH).await?;
        for email in &due {
            match mailer.send(email).await {
                Ok(()) => {
                    OutboxEmail::mark_sent(conn, email.id).await?;
                    tracing::info!(outbox_id = email.id, "email sent");
                }
                Err(e) => {
                    let attempts = u32::try_from(email.attempts).unwrap_or(0) + 1;
                    let give_up = attempts >= settings.max_attempts;
                    let wait = backoff(settings.retry_base, attempts - 1);
                    let retry_at = chrono::Utc::now() + chrono::Duration::from_std(wait)?;
                    let error = format!("{e:#}");
                    OutboxEmail::mark_failed(conn, email.id, &error, retry_at, give_up).await?;
                    if give_up {
                        tracing::error!(outbox_id = email.id, attempts, %error, "email given up");
                    } else {
                        tracing::warn!(outbox_id = email.id, attempts, %error, "email will be retried");
                    }
                }
            }
        }
        Ok::<_, anyhow::Error>(due.len())
    })
    .await
}

/// Runs forever: drains due emails, then waits `poll_interval`.
pub async fn run(pool: DbPool, mailer: Mailer, settings: OutboxSettings) {
    loop {
        match send_due(&pool, &mailer, &settings).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "outbox worker"),
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}
