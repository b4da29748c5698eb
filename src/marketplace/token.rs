//! The SPI token: lowercase hex MD5 of every received parameter but `token`,
//! sorted by name, as `k=v&...`, then `&key=<SPI key>` (Alibaba's "SPI security
//! scheme"). MD5 is Alibaba's choice, not ours; we compare in constant time.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::params::Params;

/// The token Alibaba would send with `params` under `key`.
pub fn expected(params: &Params, key: &str) -> String {
    let mut base = params
        .signed()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    base.push_str("&key=");
    base.push_str(key);
    hex::encode(Md5::digest(base.as_bytes()))
}

/// Whether the call carries the right token (hex case ignored).
pub fn is_valid(params: &Params, key: &str) -> bool {
    let Some(presented) = params.get("token") else {
        return false;
    };
    let presented = presented.to_ascii_lowercase();
    let expected = expected(params, key);
    bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

/// Adds the right `token` to `params` (the sandbox signs like Alibaba).
pub fn sign(params: &mut Vec<(String, String)>, key: &str) {
    params.retain(|(k, _)| k != "token");
    let token = expected(&Params::from_pairs(params.clone()), key);
    params.push(("token".into(), token));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn renew() -> Params {
        Params::parse(
            b"action=renewInstance&instanceId=1&orderId=205060317920890&expiredOn=2013-01-01%2001:01:01",
        )
        .unwrap()
    }

    #[test]
    fn the_reference_vector() {
        // base = action=renewInstance&expiredOn=2013-01-01 01:01:01&instanceId=1&orderId=205060317920890&key=isvkey
        assert_eq!(expected(&renew(), "isvkey"), "50a22a20d177a327cd91b0f1cc2a4ef7");
    }

    #[test]
    fn a_correct_token_passes_in_either_case() {
        let upper = "action=renewInstance&instanceId=1&orderId=205060317920890&expiredOn=2013-01-01+01:01:01&token=50A22A20D177A327CD91B0F1CC2A4EF7";
        let p = Params::parse(upper.as_bytes()).unwrap();
        assert!(is_valid(&p, "isvkey"));
        assert!(!is_valid(&p, "otherkey"));
    }

    #[test]
    fn tampering_missing_token_and_unsigned_extras_fail() {
        let with = |query: &str| Params::parse(query.as_bytes()).unwrap();
        let good = "action=renewInstance&instanceId=1&orderId=205060317920890&expiredOn=2013-01-01+01:01:01&token=50a22a20d177a327cd91b0f1cc2a4ef7";
        assert!(is_valid(&with(good), "isvkey"));
        assert!(!is_valid(
            &with(&good.replace("instanceId=1", "instanceId=2")),
            "isvkey"
        ));
        assert!(!is_valid(
            &with(&good.replace("&token=50a22a20d177a327cd91b0f1cc2a4ef7", "")),
            "isvkey"
        ));
        // An extra parameter is covered by the token: added afterwards, it breaks it.
        assert!(!is_valid(
            &with(&format!("{good}&package_version=yuncode1")),
            "isvkey"
        ));
    }

    #[test]
    fn order_and_encoding_of_the_query_do_not_matter() {
        let a = Params::parse(b"b=2&a=%20x&token=t").unwrap();
        let b = Params::parse(b"token=t&a=+x&b=%32").unwrap();
        assert_eq!(expected(&a, "k"), expected(&b, "k"));
    }

    #[test]
    fn capitalised_extra_items_sort_before_lowercase_names() {
        let p = Params::parse(b"action=createInstance&Count=2").unwrap();
        let base = "Count=2&action=createInstance&key=k";
        assert_eq!(expected(&p, "k"), hex::encode(Md5::digest(base.as_bytes())));
    }

    proptest! {
        // A bounded fuzz of the parser and verifier together: any bytes, as a
        // query string, are read or refused, never panic, and never pass
        // (guessing the MD5 of a secret is not something random bytes do).
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn arbitrary_query_strings_never_pass_or_panic(raw in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(params) = Params::parse(&raw) {
                prop_assert!(!is_valid(&params, "isvkey"));
            }
        }

        #[test]
        fn arbitrary_queries_with_a_random_token_never_pass(query in "[ -~]{0,200}", token in "[0-9a-fA-F]{32}") {
            if let Ok(params) = Params::parse(format!("{query}&token={token}").as_bytes()) {
                prop_assert!(!is_valid(&params, "isvkey"));
            }
        }

        #[test]
        fn forged_tokens_never_pass(query in "[a-zA-Z]{1,8}=[a-z0-9 ]{0,12}(&[a-zA-Z]{1,8}=[a-z0-9 ]{0,12}){0,6}", token in "[0-9a-f]{32}") {
            let params = Params::parse(format!("{query}&token={token}").as_bytes()).unwrap();
            prop_assert_eq!(is_valid(&params, "isvkey"), expected(&params, "isvkey") == token);
        }

        #[test]
        fn signing_then_verifying_always_passes(pairs in proptest::collection::vec(("[a-zA-Z]{1,10}", ".{0,30}"), 0..12), key in "[a-z0-9]{1,20}") {
            let mut pairs: Vec<(String, String)> = pairs;
            sign(&mut pairs, &key);
            prop_assert!(is_valid(&Params::from_pairs(pairs), &key));
        }
    }
}
