use super::Invalid;

/// Up to 32 ASCII digits (Alibaba's account and instance ids are numbers).
fn digits(raw: &str, message: &'static str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::new("error-required"));
    }
    if s.len() > 32 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(message));
    }
    Ok(s.to_string())
}

/// An Alibaba Cloud account ID (aliUid), e.g. `1234567890123456`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AliUid(String);

impl AliUid {
    /// Digits only.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        digits(raw, "error-ali-uid-syntax").map(AliUid)
    }
}

impl AsRef<str> for AliUid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A marketplace instance ID (= the purchase's orderBizId).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstanceId(String);

impl InstanceId {
    /// A positive number written without leading zeros: `0` and `007` are not
    /// order ids, and `007` would otherwise be a second name for `7`.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let id = digits(raw, "error-instance-id-syntax")?;
        if id.starts_with('0') {
            return Err(Invalid::new("error-instance-id-syntax"));
        }
        Ok(InstanceId(id))
    }
}

impl AsRef<str> for InstanceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_digits() {
        assert_eq!(
            AliUid::parse(" 1234567890123456 ").unwrap().as_ref(),
            "1234567890123456"
        );
        assert!(InstanceId::parse("12345").is_ok());
        for bad in ["", "12a", "-1", "1 2", &"1".repeat(33), "１２"] {
            assert!(AliUid::parse(bad).is_err(), "{bad}");
            assert!(InstanceId::parse(bad).is_err(), "{bad}");
        }
        for not_an_order in ["0", "00", "0123"] {
            assert!(InstanceId::parse(not_an_order).is_err(), "{not_an_order}");
        }
    }
}

/// Where a marketplace instance is in its life (SPEC 3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceStatus {
    Opened,
    /// `expiredInstance`: frozen until renewed or released.
    Expired,
    /// `releaseInstance`: terminal.
    Released,
}

impl InstanceStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            InstanceStatus::Opened => "opened",
            InstanceStatus::Expired => "expired",
            InstanceStatus::Released => "released",
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "opened" => Some(InstanceStatus::Opened),
            "expired" => Some(InstanceStatus::Expired),
            "released" => Some(InstanceStatus::Released),
            _ => None,
        }
    }
}
