//! `/password/forgot` and `/password/reset/{token}`.

pub mod forgot;
pub mod reset;

use std::time::Duration;

/// How long a reset link works.
pub const RESET_TTL: Duration = Duration::from_secs(30 * 60);
