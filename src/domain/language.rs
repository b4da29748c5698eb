use super::Invalid;

/// A user interface (and workspace) language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh")]
    Zh,
}

impl Language {
    /// The stored code: `en` or `zh`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }

    /// Accepts `en` or `zh` (and the locale spellings `zh-CN`, `en-US`).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" => Ok(Language::En),
            "zh" | "zh-cn" | "zh-hans" => Ok(Language::Zh),
            "" => Err(Invalid::new("error-required")),
            _ => Err(Invalid::new("error-choice")),
        }
    }
}
