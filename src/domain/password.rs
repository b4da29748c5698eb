use secrecy::{ExposeSecret, SecretString};

use super::Invalid;

/// A password a user chose: 12-128 characters, no composition rules, and not
/// guessable (zxcvbn score 3 or better, judged with the user's other inputs).
pub struct NewPassword(SecretString);

/// What was wrong with a chosen password.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// On the password field.
    Password(Invalid),
    /// On the confirmation field.
    Mismatch,
}

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 128;

impl NewPassword {
    /// Checks `password` against the policy; `user_inputs` (username, email...)
    /// make passwords built from them weak.
    pub fn parse(password: &str, confirmation: &str, user_inputs: &[&str]) -> Result<Self, PasswordProblem> {
        let len = password.chars().count();
        if len == 0 {
            return Err(PasswordProblem::Password(Invalid::new("error-required")));
        }
        if len < MIN_CHARS {
            return Err(PasswordProblem::Password(
                Invalid::new("error-password-short").with("min", MIN_CHARS),
            ));
        }
        if len > MAX_CHARS {
            return Err(PasswordProblem::Password(
                Invalid::new("error-password-long").with("max", MAX_CHARS),
            ));
        }
        let estimate = zxcvbn::zxcvbn(password, user_inputs);
        if estimate.score() < zxcvbn::Score::Three {
            let hint = estimate
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .unwrap_or_default();
            return Err(PasswordProblem::Password(
                Invalid::new("error-password-weak").with("hint", hint),
            ));
        }
        if password != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        Ok(NewPassword(SecretString::from(password.to_string())))
    }

    /// The accepted password.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    /// The accepted password as text, for hashing.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_uncommon_password_is_accepted() {
        let pw = "correct horse battery staple";
        assert!(NewPassword::parse(pw, pw, &[]).is_ok());
    }

    #[test]
    fn short_common_and_mismatched_passwords_are_refused() {
        let short = NewPassword::parse("abc", "abc", &[]);
        assert!(matches!(short, Err(PasswordProblem::Password(i)) if i.message == "error-password-short"));
        let common = NewPassword::parse("password1234", "password1234", &[]);
        assert!(matches!(common, Err(PasswordProblem::Password(i)) if i.message == "error-password-weak"));
        let own_name = NewPassword::parse("alicealice2026", "alicealice2026", &["alice"]);
        assert!(own_name.is_err());
        let long = "x".repeat(129);
        assert!(matches!(
            NewPassword::parse(&long, &long, &[]),
            Err(PasswordProblem::Password(_))
        ));
        let pw = "correct horse battery staple";
        assert!(matches!(
            NewPassword::parse(pw, "other", &[]),
            Err(PasswordProblem::Mismatch)
        ));
    }
}
