//! The sandbox mail server: an SMTP listener that keeps every message, pages
//! to read them, a JSON API for tests, and a switch that makes it refuse mail
//! for a while.

pub mod routes;
pub mod smtp;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How many messages are kept (the oldest are dropped first).
const CAPACITY: usize = 2_000;

/// One received message.
#[derive(Clone, Debug, Serialize)]
pub struct ReceivedMessage {
    pub id: u64,
    /// Envelope recipients.
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub text: String,
    pub html: String,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    messages: VecDeque<ReceivedMessage>,
    refuse_until: Option<Instant>,
    hold: Duration,
}

/// The messages received so far; shared by the SMTP threads and the pages.
#[derive(Clone, Default)]
pub struct Mailbox(Arc<Mutex<Inner>>);

impl Mailbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a message and returns its id.
    pub fn store(&self, mut message: ReceivedMessage) -> u64 {
        let mut inner = self.lock();
        inner.next_id += 1;
        message.id = inner.next_id;
        if inner.messages.len() == CAPACITY {
            inner.messages.pop_front();
        }
        inner.messages.push_back(message);
        inner.next_id
    }

    /// Newest first, optionally only those addressed to `to` (case-insensitive).
    pub fn list(&self, to: Option<&str>) -> Vec<ReceivedMessage> {
        let inner = self.lock();
        inner
            .messages
            .iter()
            .rev()
            .filter(|m| to.is_none_or(|to| m.to.iter().any(|r| r.eq_ignore_ascii_case(to.trim()))))
            .cloned()
            .collect()
    }

    /// One message by id.
    pub fn get(&self, id: u64) -> Option<ReceivedMessage> {
        self.lock().messages.iter().find(|m| m.id == id).cloned()
    }

    /// Refuse mail for `duration` (zero accepts again at once).
    pub fn refuse_for(&self, duration: Duration) {
        self.lock().refuse_until = (!duration.is_zero()).then(|| Instant::now() + duration);
    }

    /// Wait this long after keeping each message before accepting it.
    pub fn hold_for(&self, duration: Duration) {
        self.lock().hold = duration;
    }

    /// How long to wait after keeping a message.
    pub fn hold(&self) -> Duration {
        self.lock().hold
    }

    /// Whether mail is being refused now.
    pub fn refusing(&self) -> bool {
        self.lock().refuse_until.is_some_and(|t| Instant::now() < t)
    }
}
