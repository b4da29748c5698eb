use super::Invalid;

/// A workspace name: 1-64 characters after trimming, shown as typed (the
/// rule of `display_text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// Checks the rule.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        super::display_text::parse(raw, 64, "error-workspace-name-length").map(WorkspaceName)
    }
}

impl AsRef<str> for WorkspaceName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A company name: 1-128 characters after trimming, shown as typed (the rule
/// of `display_text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyName(String);

impl CompanyName {
    /// Checks the rule.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        super::display_text::parse(raw, 128, "error-company-name-length").map(CompanyName)
    }
}

impl AsRef<str> for CompanyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Who settles a workspace's fees. One variant per cloud: AWS and Huawei
/// settlement are future work, but sites already name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SettlementMethod {
    BillingCenter,
    Aliyun,
    Aws,
    Huawei,
}

impl SettlementMethod {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            SettlementMethod::BillingCenter => "billing_center",
            SettlementMethod::Aliyun => "aliyun",
            SettlementMethod::Aws => "aws",
            SettlementMethod::Huawei => "huawei",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::BillingCenter, Self::Aliyun, Self::Aws, Self::Huawei]
            .into_iter()
            .find(|m| m.code() == code)
    }
}

/// A 6-digit email verification code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailCode(String);

impl EmailCode {
    /// Six digits, spaces ignored.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(Invalid::new("error-required"));
        }
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new("error-email-code-syntax"));
        }
        Ok(EmailCode(s))
    }
}

impl AsRef<str> for EmailCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A public workspace id: `wksp_` and 32 lowercase hex digits.
pub fn is_workspace_id(raw: &str) -> bool {
    raw.strip_prefix("wksp_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn workspace_names() {
        assert_eq!(WorkspaceName::parse("  Prod ").unwrap().as_ref(), "Prod");
        assert!(WorkspaceName::parse("生产环境").is_ok());
        assert!(WorkspaceName::parse(&"字".repeat(64)).is_ok());
        for bad in ["", "   ", "a\u{0007}b", "tab\there", &"x".repeat(65)] {
            assert!(WorkspaceName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn company_names() {
        assert!(CompanyName::parse("Example Ltd").is_ok());
        assert!(CompanyName::parse(&"x".repeat(129)).is_err());
        assert!(CompanyName::parse(" ").is_err());
        assert!(CompanyName::parse("Example\u{202E}dtL").is_err());
        assert!(WorkspaceName::parse("\u{200B}").is_err());
    }

    #[test]
    fn settlement_methods_round_trip() {
        for m in [
            SettlementMethod::BillingCenter,
            SettlementMethod::Aliyun,
            SettlementMethod::Aws,
            SettlementMethod::Huawei,
        ] {
            assert_eq!(SettlementMethod::from_code(m.code()), Some(m));
        }
        assert_eq!(SettlementMethod::from_code("cash"), None);
    }

    #[test]
    fn email_codes() {
        assert_eq!(EmailCode::parse(" 123 456 ").unwrap().as_ref(), "123456");
        for bad in ["", "12345", "1234567", "12345a"] {
            assert!(EmailCode::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn accepted_workspace_names_are_trimmed_and_short(s in "\\PC{0,80}") {
            if let Ok(name) = WorkspaceName::parse(&s) {
                prop_assert!((1..=64).contains(&name.as_ref().chars().count()));
                prop_assert_eq!(name.as_ref(), name.as_ref().trim());
            }
        }
    }
}
