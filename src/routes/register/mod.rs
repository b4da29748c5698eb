//! `/register`: the four-step registration wizard (SPEC J2). The state between
//! steps lives in the server-side session; nothing is written before step 2.

pub mod account;
pub mod activate;
pub mod company;
pub mod done;
pub mod email_code;

use actix_session::Session;
use serde::{Deserialize, Serialize};

use crate::db::models::site::Site;
use crate::domain::Language;
use crate::error::AppError;

const SESSION_KEY: &str = "registration";

/// What the wizard has collected so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Registration {
    pub site: String,
    pub username: String,
    pub email: String,
    pub phone: String,
    /// Hashed at step 1; the password itself is never kept.
    pub password_hash: String,
    /// Set by step 2.
    pub console_user_id: Option<i64>,
    /// Set by step 3.
    pub workspace_id: Option<String>,
    /// Step 3 added the workspace to an existing Billing Center account
    /// (whose credentials are not this registration's).
    #[serde(default)]
    pub joined_account: bool,
}

impl Registration {
    /// The registration in progress, if any.
    pub fn load(session: &Session) -> Option<Registration> {
        session.get::<Registration>(SESSION_KEY).ok().flatten()
    }

    /// Saves the registration in the session.
    pub fn save(&self, session: &Session) -> Result<(), AppError> {
        session
            .insert(SESSION_KEY, self)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("session: {e}")))
    }
}

/// A site as the forms show it.
pub struct SiteOption {
    pub code: String,
    pub name: String,
    pub aliyun: bool,
}

/// The sites in the page's language.
pub fn site_options(sites: &[Site], lang: Language) -> Vec<SiteOption> {
    sites
        .iter()
        .map(|s| SiteOption {
            code: s.code.clone(),
            name: s.name(lang).to_string(),
            aliyun: s.allows(crate::domain::SettlementMethod::Aliyun),
        })
        .collect()
}
