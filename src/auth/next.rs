//! Where a browser may be sent back to after logging in or switching
//! language: only a path on this site. One function decides it, so the login
//! form, the login itself and the language switcher agree.

use std::sync::LazyLock;

use url::Url;

/// Where the browser goes when `next` is missing or refused.
pub const FALLBACK: &str = "/billing";

/// A base no real request has: joining a relative path to it and comparing
/// origins tells whether the path would leave the site.
static BASE: LazyLock<Option<Url>> = LazyLock::new(|| Url::parse("http://local.invalid/").ok());

/// `raw` when it is a path on this site, else [`FALLBACK`]. The answer is
/// always a valid `Location` value (ASCII, percent-encoded by the URL parser).
pub fn safe_next(raw: Option<&str>) -> String {
    raw.and_then(local_path).unwrap_or_else(|| FALLBACK.to_string())
}

/// The normalised path and query of `raw`, or `None` when a browser could
/// read it as another site: not starting with one `/`, a backslash (browsers
/// read `/\host` as `//host`), any control character or whitespace (browsers
/// drop tabs and line breaks from URLs, so `/\t/host` becomes `//host`), or a
/// path that normalises to `//host`.
fn local_path(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.starts_with("//") {
        return None;
    }
    if raw
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = BASE.as_ref()?;
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    (!path.starts_with("//")).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths_on_this_site_are_kept() {
        for (raw, kept) in [
            ("/billing/account", "/billing/account"),
            (
                "/billing/workspaces?site=cn1&method=aliyun",
                "/billing/workspaces?site=cn1&method=aliyun",
            ),
            ("/login", "/login"),
            ("/a/../billing", "/billing"),
            ("/billing#top", "/billing"),
            ("/工作区", "/%E5%B7%A5%E4%BD%9C%E5%8C%BA"),
        ] {
            assert_eq!(safe_next(Some(raw)), kept, "{raw:?}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_falls_back() {
        for raw in [
            "",
            "billing",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\x7f/evil.example",
            "/\u{3000}/evil.example",
            "/ /evil.example",
            "/..//evil.example",
            "/.//evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(raw)), FALLBACK, "{raw:?}");
        }
        assert_eq!(safe_next(None), FALLBACK);
    }

    proptest! {
        #[test]
        fn every_answer_is_a_local_path_and_a_valid_header(raw in "\\PC{0,40}|/[\\x00-\\x7f]{0,40}") {
            let next = safe_next(Some(&raw));
            prop_assert!(next.starts_with('/') && !next.starts_with("//"), "{next:?}");
            prop_assert!(!next.contains('\\'));
            prop_assert!(actix_web::http::header::HeaderValue::from_str(&next).is_ok(), "{next:?}");
            prop_assert!(next.bytes().all(|b| b.is_ascii_graphic()), "{next:?}");
        }
    }
}
