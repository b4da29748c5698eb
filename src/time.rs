//! Times as users read them: the product's business timezone is Asia/Shanghai.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

/// `2026-11-27` in Asia/Shanghai.
pub fn shanghai_date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).format("%Y-%m-%d").to_string()
}

/// `2026-11-27 16:05 (UTC+8)` in Asia/Shanghai.
pub fn shanghai_minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M (UTC+8)")
        .to_string()
}
