//! Step 1: site, username, password, email with its emailed code, phone.

pub mod get;
pub mod post;

use askama::Template;
use serde::Deserialize;

use super::SiteOption;
use crate::page::{FormErrors, PageContext};

/// The step-1 form (also what "send the code" posts: the whole form).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_code: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Template)]
#[template(path = "register/account.html")]
pub struct AccountPage {
    pub ctx: PageContext,
    pub errors: FormErrors,
    pub notice: Option<String>,
    pub sites: Vec<SiteOption>,
    /// The typed values, passwords left out.
    pub form: AccountForm,
}

impl AccountPage {
    /// The page with `form`'s values, without its passwords.
    pub fn new(ctx: PageContext, sites: Vec<SiteOption>, form: AccountForm, errors: FormErrors) -> Self {
        let form = AccountForm {
            password: String::new(),
            password_confirm: String::new(),
            ..form
        };
        AccountPage {
            ctx,
            errors,
            notice: None,
            sites,
            form,
        }
    }
}
