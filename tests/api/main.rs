//! Black-box tests: the real application over HTTP against a fresh database,
//! the sandbox over HTTP and SMTP.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

mod bills;
mod cancellation;
mod daily_settlement;
mod helpers;
mod lifecycle;
mod login;
mod mail;
mod metering;
mod money_helpers;
mod openapi;
mod pages;
mod password;
mod reconciler;
mod register;
mod sessions;
mod spi;
mod startup;
mod usage;
mod wallet;
mod workspaces;
