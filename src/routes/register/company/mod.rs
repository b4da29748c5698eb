//! Step 2: company name and terms; creates the console user.

pub mod get;
pub mod post;

use askama::Template;

use crate::page::{FormErrors, PageContext};

#[derive(Template)]
#[template(path = "register/company.html")]
struct CompanyPage {
    ctx: PageContext,
    errors: FormErrors,
    company_name: String,
    agree: bool,
}
