//! Black-box tests: the real application over HTTP against a fresh database,
//! the sandbox over HTTP and SMTP.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly"
)]

mod helpers;
mod login;
mod mail;
mod pages;
mod password;
mod sessions;
mod startup;
