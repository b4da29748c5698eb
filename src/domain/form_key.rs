/// A one-time form key: the hidden `form_key` field of every form that creates
/// something, so that a repeated submission (a double click, a resend after a
/// slow answer) finds what the first one created instead of creating it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormKey(String);

impl FormKey {
    /// A fresh key for a form being rendered.
    pub fn generate() -> Self {
        FormKey(crate::auth::random_token())
    }

    /// A submitted key: 16 to 64 ASCII letters and digits, else none.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = (16..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| FormKey(raw.to_string()))
    }
}

impl AsRef<str> for FormKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_odd_ones_do_not() {
        let key = FormKey::generate();
        assert_eq!(FormKey::parse(key.as_ref()), Some(key));
        for bad in [
            "",
            "short",
            "has space 123456789",
            &"x".repeat(65),
            "ünïcödé-ünïcödé-ü",
        ] {
            assert_eq!(FormKey::parse(bad), None, "{bad}");
        }
    }
}
