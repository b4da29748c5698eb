//! `/billing/account`: the profile and the password change.

pub mod get;
pub mod post;

use askama::Template;

use crate::db::models::account::Account;
use crate::page::{FormErrors, PageContext};

#[derive(Template)]
#[template(path = "billing/account.html")]
struct AccountPage {
    ctx: PageContext,
    section: &'static str,
    account: Account,
    errors: FormErrors,
}
