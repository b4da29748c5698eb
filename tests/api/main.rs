//! Black-box tests: the real application over HTTP against a fresh database,
//! the sandbox over HTTP and SMTP.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly")]

mod anonymous;
mod bills;
mod cancellation;
mod console;
mod daily_settlement;
mod docs;
mod enumeration;
mod helpers;
mod lifecycle;
mod limits;
mod login;
mod mail;
mod metering;
mod methods;
mod metrics;
mod money_helpers;
mod names;
mod openapi;
mod origin;
mod outside_world;
mod pages;
mod password;
mod reconciler;
mod redirects;
mod register;
mod sandbox;
mod scratch;
mod sessions;
mod spi;
mod startup;
mod throttle;
mod two_processes;
mod usage;
mod wallet;
mod workspaces;
