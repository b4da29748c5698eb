use super::Invalid;

/// A phone number in E.164 (`+` and 7-15 digits). Mainland China numbers may be
/// typed without the country code (`1[3-9]` and 9 more digits) and become
/// `+86...`; spaces and dashes are ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Checks and normalises to E.164.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if compact.is_empty() {
            return Err(Invalid::new("error-required"));
        }
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        let mainland = compact.len() == 11
            && digits(&compact)
            && compact.starts_with('1')
            && matches!(compact.as_bytes()[1], b'3'..=b'9');
        if mainland {
            return Ok(Phone(format!("+86{compact}")));
        }
        match compact.strip_prefix('+') {
            Some(rest) if (7..=15).contains(&rest.len()) && digits(rest) && !rest.starts_with('0') => {
                Ok(Phone(compact))
            }
            _ => Err(Invalid::new("error-phone-syntax")),
        }
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_numbers_get_the_country_code() {
        assert_eq!(Phone::parse("13812345678").unwrap().as_ref(), "+8613812345678");
        assert_eq!(Phone::parse("138-1234-5678").unwrap().as_ref(), "+8613812345678");
    }

    #[test]
    fn e164_numbers_are_kept() {
        assert_eq!(Phone::parse("+1 503 555 0100").unwrap().as_ref(), "+15035550100");
        assert_eq!(Phone::parse("+8613812345678").unwrap().as_ref(), "+8613812345678");
    }

    #[test]
    fn invalid_numbers() {
        for bad in [
            "",
            "12812345678",
            "1381234567",
            "+0123456789",
            "+12",
            "phone",
            "+1234567890123456",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
