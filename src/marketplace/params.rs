//! Parameters of a marketplace call, exactly as received.
//!
//! Alibaba may add parameters at any time and signs all of them, so we keep
//! every pair, in order, URL-decoded. Values must decode to UTF-8; sizes are
//! bounded so a hostile caller cannot make us hash megabytes.

use std::collections::BTreeMap;

/// At most this many pairs in one call.
const MAX_PAIRS: usize = 200;
/// Longest accepted name, in bytes.
const MAX_NAME: usize = 128;
/// Longest accepted value, in bytes.
const MAX_VALUE: usize = 4096;

/// Why parameters could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("parameters must be UTF-8 after URL decoding")]
    NotUtf8,
    #[error("parameters must not contain NUL characters")]
    Nul,
    #[error("too many parameters (at most {MAX_PAIRS})")]
    TooMany,
    #[error("parameter {0} is too long")]
    TooLong(String),
}

/// The received pairs, query string first, then form body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text (a query string or a
    /// form body) and appends its pairs.
    pub fn extend_from(&mut self, raw: &[u8]) -> Result<(), ParamError> {
        for segment in raw.split(|b| *b == b'&').filter(|s| !s.is_empty()) {
            let (name, value) = match segment.iter().position(|b| *b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &b""[..]),
            };
            let name = decode(name)?;
            let value = decode(value)?;
            if name.len() > MAX_NAME {
                return Err(ParamError::TooLong(name.chars().take(32).collect()));
            }
            if value.len() > MAX_VALUE {
                return Err(ParamError::TooLong(name));
            }
            if self.0.len() == MAX_PAIRS {
                return Err(ParamError::TooMany);
            }
            self.0.push((name, value));
        }
        Ok(())
    }

    /// Parses one urlencoded text.
    pub fn parse(raw: &[u8]) -> Result<Self, ParamError> {
        let mut params = Params::default();
        params.extend_from(raw)?;
        Ok(params)
    }

    /// The first value of `name` (a repeated parameter counts with its first
    /// value, as in Alibaba's reference code).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Every parameter but `token`, first value of each, sorted by name in byte
    /// order: what the token covers.
    pub fn signed(&self) -> BTreeMap<&str, &str> {
        let mut signed = BTreeMap::new();
        for (name, value) in &self.0 {
            if name != "token" {
                signed.entry(name.as_str()).or_insert(value.as_str());
            }
        }
        signed
    }

    /// The parameters as a JSON object for the inbox (token left out).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.signed()
                .into_iter()
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect(),
        )
    }

    /// Builds parameters from pairs (the reconciler and tests).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Params(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// `+` is a space, then percent-decoding, then UTF-8.
fn decode(raw: &[u8]) -> Result<String, ParamError> {
    let spaced: Vec<u8> = raw.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    // PostgreSQL text cannot hold NUL, and no Alibaba parameter has one.
    if bytes.contains(&0) {
        return Err(ParamError::Nul);
    }
    String::from_utf8(bytes).map_err(|_| ParamError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn values_are_url_decoded() {
        let p = Params::parse(b"expiredOn=2013-01-01+01%3A01%3A01&a=%E4%B8%AD&empty=&bare").unwrap();
        assert_eq!(p.get("expiredOn"), Some("2013-01-01 01:01:01"));
        assert_eq!(p.get("a"), Some("中"));
        assert_eq!(p.get("empty"), Some(""));
        assert_eq!(p.get("bare"), Some(""));
    }

    #[test]
    fn repeated_parameters_keep_their_first_value() {
        let p = Params::parse(b"a=1&a=2").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.signed().get("a"), Some(&"1"));
    }

    #[test]
    fn invalid_utf8_and_oversize_input_are_refused() {
        assert_eq!(Params::parse(b"a=%FF%FE"), Err(ParamError::NotUtf8));
        assert_eq!(Params::parse(b"skuId=a%00b"), Err(ParamError::Nul));
        let long = format!("a={}", "x".repeat(MAX_VALUE + 1));
        assert!(matches!(
            Params::parse(long.as_bytes()),
            Err(ParamError::TooLong(_))
        ));
        let many = vec!["a=1"; MAX_PAIRS + 1].join("&");
        assert_eq!(Params::parse(many.as_bytes()), Err(ParamError::TooMany));
    }

    proptest! {
        #[test]
        fn any_input_parses_or_is_refused_without_panicking(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = Params::parse(&raw);
        }

        #[test]
        fn encoded_pairs_round_trip(pairs in proptest::collection::vec(("[a-zA-Z_]{1,12}", "[^\u{0}]{0,40}"), 0..20)) {
            let raw: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
            let parsed = Params::parse(raw.as_bytes()).unwrap();
            prop_assert_eq!(parsed.0, pairs);
        }
    }
}
