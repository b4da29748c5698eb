use super::Invalid;

/// A username: 3-32 characters of `[A-Za-z0-9_.-]`, starting with a letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Checks the rule; surrounding whitespace is ignored.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(Invalid::new("error-required"));
        }
        let len = s.chars().count();
        if !(3..=32).contains(&len) {
            return Err(Invalid::new("error-username-length"));
        }
        let mut chars = s.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !starts_with_letter || !rest_ok {
            return Err(Invalid::new("error-username-characters"));
        }
        Ok(Username(s.to_string()))
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_usernames() {
        for ok in ["abc", "a.b-c_d", "Zed99", &format!("a{}", "b".repeat(31))] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn invalid_usernames() {
        for bad in [
            "",
            "ab",
            "1abc",
            "_abc",
            "ab c",
            "a@b.c",
            "名字abc",
            &"a".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn anything_matching_the_pattern_is_accepted(s in "[A-Za-z][A-Za-z0-9_.-]{2,31}") {
            prop_assert!(Username::parse(&s).is_ok());
        }

        #[test]
        fn nothing_with_an_at_sign_is_accepted(s in ".*@.*") {
            prop_assert!(Username::parse(&s).is_err());
        }
    }
}
