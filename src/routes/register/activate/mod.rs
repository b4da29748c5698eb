//! Step 3: the first workspace and how it is settled.

pub mod get;
pub mod post;

use askama::Template;
use serde::Deserialize;

use crate::page::{FormErrors, PageContext};

/// The step-3 form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    pub workspace_name: String,
    #[serde(default)]
    pub workspace_language: String,
    #[serde(default)]
    pub activation_method: String,
    #[serde(default)]
    pub ali_uid: String,
    #[serde(default)]
    pub instance_id: String,
    #[serde(default)]
    pub sync_billing_account: String,
    #[serde(default)]
    pub billing_login: String,
    #[serde(default)]
    pub billing_password: String,
    #[serde(default)]
    pub agree_terms: String,
}

#[derive(Template)]
#[template(path = "register/activate.html")]
pub struct ActivatePage {
    pub ctx: PageContext,
    pub errors: FormErrors,
    pub site_name: String,
    pub aliyun_allowed: bool,
    /// Where to buy the product on the marketplace.
    pub marketplace_url: String,
    /// The instance came verified from the marketplace's sign-on.
    pub from_marketplace: bool,
    pub form: ActivateForm,
}

impl ActivatePage {
    /// Whether the page offers activation via the marketplace: the site
    /// allows it (R3), or the form already chose it.
    fn offers_aliyun(&self) -> bool {
        self.aliyun_allowed || self.checked("aliyun")
    }

    fn checked(&self, field: &str) -> bool {
        match field {
            "sync" => self.form.sync_billing_account == "on",
            "agree" => self.form.agree_terms == "on",
            "aliyun" => self.form.activation_method == "aliyun",
            "direct" => self.form.activation_method != "aliyun",
            "zh" => self.form.workspace_language == "zh",
            _ => self.form.workspace_language != "zh",
        }
    }
}
