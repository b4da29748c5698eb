//! Browser journeys (SPEC 2) in headless Chromium driven over WebDriver
//! (chromedriver), against the real app and sandbox. Screenshots of every step
//! land in `target/e2e/<journey>/`.
//!
//! Without Chromium and chromedriver the journeys say so and return; with
//! `E2E_REQUIRED` set (CI) a missing browser fails them instead.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

#[path = "../api/helpers.rs"]
#[expect(dead_code, reason = "shared with the API tests; the journeys use part of it")]
mod helpers;

#[path = "../api/money_helpers.rs"]
#[expect(dead_code, reason = "shared with the API tests; the journeys use part of it")]
mod money_helpers;

mod browser;
mod journeys;
