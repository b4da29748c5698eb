use super::{EmailAddress, Invalid, Phone, Username};

/// What a user types in the login field: a username, an email or a phone.
/// The three shapes are disjoint (usernames start with a letter and have no `@`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginIdentifier {
    Username(Username),
    Email(EmailAddress),
    Phone(Phone),
}

impl LoginIdentifier {
    /// Recognises the shape; anything else is refused before any lookup.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("error-required"));
        }
        if s.contains('@') {
            return EmailAddress::parse(s).map(Self::Email);
        }
        if s.starts_with(|c: char| c == '+' || c.is_ascii_digit()) {
            return Phone::parse(s).map(Self::Phone);
        }
        Username::parse(s).map(Self::Username)
    }

    /// A stable, case-folded form used as the throttle key.
    pub fn canonical(&self) -> String {
        match self {
            Self::Username(u) => u.as_ref().to_lowercase(),
            Self::Email(e) => e.as_ref().to_lowercase(),
            Self::Phone(p) => p.as_ref().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape_is_recognised() {
        assert!(matches!(
            LoginIdentifier::parse("alice"),
            Ok(LoginIdentifier::Username(_))
        ));
        assert!(matches!(
            LoginIdentifier::parse("a@b.cn"),
            Ok(LoginIdentifier::Email(_))
        ));
        assert!(matches!(
            LoginIdentifier::parse("13812345678"),
            Ok(LoginIdentifier::Phone(_))
        ));
        assert!(matches!(
            LoginIdentifier::parse("+15035550100"),
            Ok(LoginIdentifier::Phone(_))
        ));
    }

    #[test]
    fn canonical_folds_case() {
        let a = LoginIdentifier::parse("Alice").unwrap().canonical();
        assert_eq!(a, LoginIdentifier::parse("ALICE").unwrap().canonical());
    }
}
