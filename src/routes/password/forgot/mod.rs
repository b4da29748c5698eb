//! Ask for a reset link by email. The answer is the same whether or not an
//! account has that address.

pub mod get;
pub mod post;

use askama::Template;

use crate::page::{FormErrors, PageContext};

#[derive(Template)]
#[template(path = "password/forgot.html")]
struct ForgotPage {
    ctx: PageContext,
    errors: FormErrors,
    email: String,
}

#[derive(Template)]
#[template(path = "password/forgot_sent.html")]
struct ForgotSentPage {
    ctx: PageContext,
    minutes: u64,
}
