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
    /// The typed values (see [`AccountPage::new`] for the passwords).
    pub form: AccountForm,
}

impl AccountPage {
    /// The page with every value `form` had, so that asking for the emailed
    /// code or fixing another field never means typing the password twice
    /// again. The passwords are left out only when one of them is at fault.
    ///
    /// Sending a password back into its field is safe here: the page is the
    /// answer to the POST that carried it, to the same browser over the same
    /// connection; it is `Cache-Control: no-store` (like every page), so no
    /// cache or history keeps it, and it has no URL that would show it again;
    /// nothing logs a page body.
    pub fn new(ctx: PageContext, sites: Vec<SiteOption>, form: AccountForm, errors: FormErrors) -> Self {
        let at_fault = errors.get("password").is_some() || errors.get("password_confirm").is_some();
        let form = if at_fault {
            AccountForm {
                password: String::new(),
                password_confirm: String::new(),
                ..form
            }
        } else {
            form
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
