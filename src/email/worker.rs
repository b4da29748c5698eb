//! The outbox worker. Each email is leased with one committed statement
//! (other workers skip it until the lease runs out), sent over SMTP with no
//! transaction open and no connection held, and its outcome recorded with a
//! statement of its own: `sent`, a retry with exponential backoff, or `dead`
//! after the last allowed attempt. So an email is sent once, unless the
//! process dies between the SMTP answer and that last statement (then it is
//! sent again when its lease runs out, with the same Message-ID, derived from
//! the dedup key, so that the copy is recognisable); a lost database
//! connection at that moment only delays the bookkeeping.

use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::db::DbPool;
use crate::db::models::email_outbox::{OutboxEmail, backoff};
use crate::settings::OutboxSettings;

/// Emails leased at a time: one, so that each lease only has to cover one
/// SMTP conversation.
const BATCH: i64 = 1;

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
                email
                    .text_body
                    .clone()
                    .context("a pending email without its text")?,
                email
                    .html_body
                    .clone()
                    .context("a pending email without its HTML")?,
            ))
            .context("building the message")
    }

    async fn send(&self, email: &OutboxEmail) -> anyhow::Result<()> {
        let message = self.message(email)?;
        self.transport.send(message).await.context("SMTP")?;
        Ok(())
    }
}

/// How long an email stays leased to the worker sending it: twice the SMTP
/// timeout, so that a live worker always records its outcome first.
pub fn lease(settings: &OutboxSettings) -> Duration {
    settings.send_timeout.saturating_mul(2)
}

/// Sends the due emails one lease at a time; returns how many were attempted.
pub async fn send_due(pool: &DbPool, mailer: &Mailer, settings: &OutboxSettings) -> anyhow::Result<usize> {
    let mut attempted = 0;
    loop {
        let due = {
            let mut conn = pool.get().await.context("borrowing a connection")?;
            OutboxEmail::lease_due(&mut conn, BATCH, lease(settings)).await?
        };
        if due.is_empty() {
            return Ok(attempted);
        }
        for email in &due {
            let sent = mailer.send(email).await;
            record_outcome(pool, email, sent, settings).await;
            attempted += 1;
        }
    }
}

/// Records what the SMTP server said, retrying until the database takes it:
/// giving up here would let the lease run out and the email go out twice.
async fn record_outcome(
    pool: &DbPool,
    email: &OutboxEmail,
    sent: anyhow::Result<()>,
    settings: &OutboxSettings,
) {
    let attempts = u32::try_from(email.attempts).unwrap_or(0) + 1;
    let give_up = attempts >= settings.max_attempts;
    let error = sent.as_ref().err().map(|e| format!("{e:#}"));
    let mut wait = Duration::from_millis(50);
    loop {
        let recorded: anyhow::Result<()> = async {
            let mut conn = pool.get().await?;
            match &error {
                None => OutboxEmail::mark_sent(&mut conn, email.id).await?,
                Some(error) => {
                    let retry_at = chrono::Utc::now()
                        + chrono::Duration::from_std(backoff(settings.retry_base, attempts - 1))?;
                    OutboxEmail::mark_failed(&mut conn, email.id, error, retry_at, give_up).await?;
                }
            }
            Ok(())
        }
        .await;
        match recorded {
            Ok(()) => break,
            Err(e) => {
                metrics::counter!("email_outbox_record_failures_total").increment(1);
                tracing::warn!(outbox_id = email.id, error = %format!("{e:#}"), "could not record an email's outcome; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    }
    match (&error, give_up) {
        (None, _) => tracing::info!(outbox_id = email.id, "email sent"),
        (Some(error), true) => tracing::error!(outbox_id = email.id, attempts, %error, "email given up"),
        (Some(error), false) => {
            tracing::warn!(outbox_id = email.id, attempts, %error, "email will be retried")
        }
    }
}

/// Runs forever: drains due emails, then waits `poll_interval`.
pub async fn run(pool: DbPool, mailer: Mailer, settings: OutboxSettings) {
    loop {
        if let Err(e) = send_due(&pool, &mailer, &settings).await {
            tracing::warn!(error = %format!("{e:#}"), "outbox worker");
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}
