//! `/billing/*`: the Billing Center, behind the login guard. Every query is
//! scoped to the session's account.

pub mod account;
pub mod bills;
pub mod cloud_accounts;
pub mod history;
pub mod notices;
pub mod overview;
pub mod wallet;
pub mod workspaces;
