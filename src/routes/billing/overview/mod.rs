//! GET `/billing`: the account overview.

pub mod get;
