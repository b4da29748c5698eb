//! Locale negotiation and message lookup (Fluent files under `locales/`).
//!
//! The locale comes from the `lang` cookie set by the header's switcher, else
//! from `Accept-Language`, else English.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, PoisonError, RwLock};

use actix_web::HttpRequest;
use fluent_templates::{Loader, fluent_bundle::FluentValue};
use unic_langid::{LanguageIdentifier, langid};

use crate::domain::Language;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up in emails and
        // input values; our arguments are plain text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie the language switcher sets.
pub const LANG_COOKIE: &str = "lang";

static EN: LanguageIdentifier = langid!("en");
static ZH: LanguageIdentifier = langid!("zh-CN");

fn id(lang: Language) -> &'static LanguageIdentifier {
    match lang {
        Language::En => &EN,
        Language::Zh => &ZH,
    }
}

/// The `lang` attribute of a page in `lang`.
pub fn html_lang(lang: Language) -> &'static str {
    match lang {
        Language::En => "en",
        Language::Zh => "zh-CN",
    }
}

/// The messages without arguments looked up so far, per language. Fluent
/// negotiates and formats on every lookup, and a page asks for dozens of
/// labels; a message without arguments is the same text every time, so each
/// is formatted once and kept for the life of the process (only keys that
/// exist in the catalogue are kept, so this is bounded by its size).
static TEXTS: [LazyLock<Texts>; 2] = [const { LazyLock::new(Default::default) }; 2];

/// One language's formatted messages by key.
type Texts = RwLock<HashMap<Box<str>, &'static str>>;

/// The message `key` in `lang`.
pub fn t(lang: Language, key: &str) -> Cow<'static, str> {
    let texts = &TEXTS[lang as usize];
    if let Some(text) = texts.read().unwrap_or_else(PoisonError::into_inner).get(key) {
        return Cow::Borrowed(text);
    }
    // A missing key is a bug: show what Fluent shows for it, keep nothing.
    let Some(text) = LOCALES.try_lookup(id(lang), key) else {
        return Cow::Owned(LOCALES.lookup(id(lang), key));
    };
    let mut texts = texts.write().unwrap_or_else(PoisonError::into_inner);
    let text: &'static str = texts
        .entry(key.into())
        .or_insert_with(|| Box::leak(text.into_boxed_str()));
    Cow::Borrowed(text)
}

/// The message `key` in `lang` with named arguments.
pub fn t_args(lang: Language, key: &str, args: &[(&str, String)]) -> String {
    if args.is_empty() {
        return t(lang, key).into_owned();
    }
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), FluentValue::from(v.clone())))
        .collect();
    LOCALES.lookup_with_args(id(lang), key, &args)
}

/// The language of this request: switcher cookie, then `Accept-Language`.
pub fn negotiate(req: &HttpRequest) -> Language {
    if let Some(lang) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Language::parse(c.value()).ok())
    {
        return lang;
    }
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            // By preference; any English or Chinese variant picks our one.
            accept_language::parse(h).into_iter().find_map(|tag| {
                let primary = tag.split('-').next().unwrap_or_default().to_ascii_lowercase();
                Language::parse(&primary).ok()
            })
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(file: &str) -> BTreeSet<String> {
        file.lines()
            .filter(|l| !l.starts_with([' ', '#', '.', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_string))
            .collect()
    }

    #[test]
    fn both_languages_have_every_message() {
        let en = keys(include_str!("../locales/en/main.ftl"));
        let zh = keys(include_str!("../locales/zh-CN/main.ftl"));
        let only_en: Vec<_> = en.difference(&zh).collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in zh-CN: {only_en:?}");
        assert!(only_zh.is_empty(), "missing in en: {only_zh:?}");
    }

    #[test]
    fn arguments_are_substituted() {
        let msg = t_args(Language::En, "throttled-body", &[("seconds", "42".into())]);
        assert!(msg.contains("42"), "{msg}");
    }
}
