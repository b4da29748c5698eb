//! The rule for names that people read in pages, notices and emails
//! (workspace and company names): what is shown must be what was typed. So no
//! control characters, no Unicode format characters (category Cf: zero-width
//! spaces and joiners, the byte-order mark, bidirectional overrides such as
//! `invoice\u{202E}txt.exe`), no private-use or unassigned code points, and at
//! least one character that shows.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::Invalid;

/// Letters that render as blank space (Hangul fillers, the blank Braille
/// pattern): on their own they make a name that looks empty.
const BLANK_LETTERS: [char; 5] = ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}', '\u{2800}'];

/// `raw` trimmed, when it follows the rule and has at most `max_chars`
/// characters; `too_long` is the message id for a longer one.
pub fn parse(raw: &str, max_chars: usize, too_long: &'static str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::new("error-required"));
    }
    if s.chars().count() > max_chars {
        return Err(Invalid::new(too_long));
    }
    if s.chars().any(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::Control | GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
        )
    }) {
        return Err(Invalid::new("error-control-characters"));
    }
    if s.chars().any(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::PrivateUse
                | GeneralCategory::Unassigned
                | GeneralCategory::Surrogate
        )
    }) {
        return Err(Invalid::new("error-format-characters"));
    }
    if !s.chars().any(shows) {
        return Err(Invalid::new("error-no-visible-characters"));
    }
    Ok(s.to_string())
}

/// Whether `c` puts something visible on the page by itself (marks combine
/// with a neighbour, spaces and blank letters show nothing).
fn shows(c: char) -> bool {
    !c.is_whitespace()
        && !BLANK_LETTERS.contains(&c)
        && !matches!(
            c.general_category(),
            GeneralCategory::NonspacingMark
                | GeneralCategory::SpacingMark
                | GeneralCategory::EnclosingMark
                | GeneralCategory::SpaceSeparator
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn message(raw: &str) -> Result<String, &'static str> {
        parse(raw, 64, "too-long").map_err(|e| e.message)
    }

    #[test]
    fn what_people_type_is_kept() {
        for (raw, kept) in [
            ("  Production ", "Production"),
            ("生产环境", "生产环境"),
            ("Équipe données", "Équipe données"),
            ("Ops 🚀", "Ops 🚀"),
            ("❤\u{FE0F} team", "❤\u{FE0F} team"),
            ("קבוצה", "קבוצה"),
            ("فريق", "فريق"),
            ("e\u{0301}quipe", "e\u{0301}quipe"),
            ("a\u{3164}b", "a\u{3164}b"),
        ] {
            assert_eq!(message(raw), Ok(kept.to_string()), "{raw:?}");
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_refused() {
        for (raw, why) in [
            ("", "error-required"),
            ("   ", "error-required"),
            ("\u{3000}", "error-required"),
            ("tab\there", "error-control-characters"),
            ("line\u{2028}break", "error-control-characters"),
            ("a\u{0007}b", "error-control-characters"),
            ("invoice\u{202E}txt.exe", "error-format-characters"),
            ("\u{200B}\u{200B}\u{200B}", "error-format-characters"),
            ("\u{FEFF}Production", "error-format-characters"),
            ("zero\u{200D}width", "error-format-characters"),
            ("left\u{200E}mark", "error-format-characters"),
            ("isolate\u{2066}x\u{2069}", "error-format-characters"),
            ("soft\u{00AD}hyphen", "error-format-characters"),
            ("private\u{E000}", "error-format-characters"),
            ("unassigned\u{0378}", "error-format-characters"),
            ("\u{3164}", "error-no-visible-characters"),
            ("\u{115F}\u{1160}", "error-no-visible-characters"),
            ("\u{2800}\u{2800}", "error-no-visible-characters"),
            ("\u{0301}\u{0301}", "error-no-visible-characters"),
            ("\u{FFA0} \u{3164}", "error-no-visible-characters"),
        ] {
            assert_eq!(message(raw), Err(why), "{raw:?}");
        }
        assert_eq!(message(&"x".repeat(65)), Err("too-long"));
        assert!(message(&"字".repeat(64)).is_ok());
    }

    proptest! {
        #[test]
        fn an_accepted_name_shows_something_and_hides_nothing(
            s in "[a-z\u{4e00}-\u{4e10} \u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{FEFF}\u{3164}\u{0301}\u{00AD}]{0,12}"
        ) {
            if let Ok(name) = parse(&s, 64, "too-long") {
                prop_assert!(name.chars().any(shows));
                prop_assert!(!name.chars().any(|c| c.general_category() == GeneralCategory::Format));
                prop_assert_eq!(name.as_str(), name.trim());
            } else {
                let has_letter = s.chars().any(|c| c.is_ascii_lowercase() || ('\u{4e00}'..='\u{4e10}').contains(&c));
                let has_format = s.chars().any(|c| c.general_category() == GeneralCategory::Format);
                prop_assert!(!has_letter || has_format, "{:?} refused", s);
            }
        }
    }
}
