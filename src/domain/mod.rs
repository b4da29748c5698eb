//! Validated domain values. Each constructor is the only way to make one, so a
//! value of these types has passed its rule.

mod aliyun;
mod display_text;
mod email;
mod form_key;
mod language;
mod login;
mod money;
mod month;
mod password;
mod phone;
mod username;
mod workspace;

pub use aliyun::{AliUid, InstanceId, InstanceStatus};
pub use email::EmailAddress;
pub use form_key::FormKey;
pub use language::Language;
pub use login::LoginIdentifier;
pub use money::{Amount, cny, count, plain, signed_cny};
pub use month::Month;
pub use password::{NewPassword, PasswordProblem};
pub use phone::Phone;
pub use username::Username;
pub use workspace::{CompanyName, EmailCode, SettlementMethod, WorkspaceName, is_workspace_id};

/// Why a value was refused: a message id of the locale files, and arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub message: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Invalid {
    /// A refusal without arguments.
    pub fn new(message: &'static str) -> Self {
        Invalid {
            message,
            args: Vec::new(),
        }
    }

    /// Adds an argument for the message.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}
