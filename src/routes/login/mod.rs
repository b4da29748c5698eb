//! `/login`: log in with username, email or phone and password.

pub mod get;
pub mod post;

use askama::Template;

use crate::page::{FormErrors, PageContext};

#[derive(Template)]
#[template(path = "login/form.html")]
struct LoginPage {
    ctx: PageContext,
    errors: FormErrors,
    notice: Option<String>,
    login: String,
    next: String,
}

#[derive(Template)]
#[template(path = "login/throttled.html")]
struct ThrottledPage {
    ctx: PageContext,
    seconds: u64,
}
