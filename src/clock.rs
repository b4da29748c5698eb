//! The application's "now". Production reads the system clock; a test moves
//! it (R4's month boundary, R7's grace deadline) without touching stored rows.
//! Time keeps flowing from wherever a test sets it, so timeouts and backoffs
//! measured by the database's own clock still behave.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// A clock: the system's, shifted by an offset that only tests set.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::default()
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Makes `now()` read `at` from this moment on (every copy of the clock).
    pub fn set(&self, at: DateTime<Utc>) {
        // Within ±292 years of today, which is all a test needs.
        let offset = (at - Utc::now()).num_nanoseconds().unwrap_or(0);
        self.offset_ns.store(offset, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_set_time_in_every_copy_and_keeps_flowing() {
        let clock = Clock::system();
        let copy = clock.clone();
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 30, 15, 59, 59).unwrap();
        clock.set(at);
        let read = copy.now();
        assert!(read >= at && read - at < chrono::Duration::seconds(5), "{read}");
    }
}
