use super::Invalid;

/// An email address, syntax-checked with `validator` (HTML5 rules), at most 254
/// characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the syntax; surrounding whitespace is ignored.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        use validator::ValidateEmail;
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("error-required"));
        }
        if s.len() > 254 || !s.validate_email() {
            return Err(Invalid::new("error-email-syntax"));
        }
        Ok(EmailAddress(s.to_string()))
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_emails() {
        for ok in ["a@b.co", "first.last+tag@example.com", " x@y.cn "] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_emails() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a b@c.d",
            &format!("{}@x.cn", "a".repeat(260)),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
