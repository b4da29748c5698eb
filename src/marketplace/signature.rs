//! Alibaba Cloud API signature V3 (`ACS3-HMAC-SHA256`), for RPC calls such as
//! the Market OpenAPI: parameters in the query, usually an empty body.
//!
//! CanonicalRequest = method, `/`, sorted RFC 3986 query, the `host`,
//! `content-type` and `x-acs-*` headers (lowercase, sorted, `name:value\n`),
//! their names joined by `;`, and the hex SHA-256 of the body. The signature is
//! the hex HMAC-SHA256 (key: the AccessKey secret as is) of
//! `ACS3-HMAC-SHA256\n` + hex SHA-256 of the CanonicalRequest.

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name in the `Authorization` header.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// RFC 3986: everything but `A-Za-z0-9-_.~` is percent-encoded (space is `%20`).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes like Alibaba's canonical query string.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The sorted, encoded query string (`k=v&...`, empty values as `k=`).
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What is signed: the request minus the signature.
pub struct SigningInput<'a> {
    pub method: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(String, String)],
    /// Headers, any case; only `host`, `content-type` and `x-acs-*` are signed.
    pub headers: &'a [(String, String)],
    /// Hex SHA-256 of the body (also sent as `x-acs-content-sha256`).
    pub payload_hash: &'a str,
}

impl SigningInput<'_> {
    /// The signed headers, lowercased, sorted, duplicate names merged with `,`.
    fn signed_headers(&self) -> Vec<(String, String)> {
        let mut signed: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
            .filter(|(k, _)| k.starts_with("x-acs-") || k == "host" || k == "content-type")
            .collect();
        headers.sort();
        for (name, value) in headers {
            match signed.last_mut() {
                Some((last, values)) if *last == name => {
                    values.push(',');
                    values.push_str(&value);
                }
                _ => signed.push((name, value)),
            }
        }
        signed
    }

    /// The CanonicalRequest text.
    pub fn canonical_request(&self) -> String {
        let headers = self.signed_headers();
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
        format!(
            "{}\n/\n{}\n{}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            canonical_query(self.query),
            canonical_headers,
            names.join(";"),
            self.payload_hash
        )
    }

    /// `SignedHeaders` of the Authorization header.
    pub fn signed_header_names(&self) -> String {
        self.signed_headers()
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The hex signature under `secret`.
    pub fn signature(&self, secret: &str) -> String {
        let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(self.canonical_request().as_bytes()));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(string_to_sign.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The full `Authorization` header value.
    pub fn authorization(&self, access_key_id: &str, secret: &str) -> String {
        format!(
            "{ALGORITHM} Credential={access_key_id},SignedHeaders={},Signature={}",
            self.signed_header_names(),
            self.signature(secret)
        )
    }
}

/// The parts of a received `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    /// Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.strip_prefix(ALGORITHM)?.trim_start();
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k {
                "Credential" => credential = Some(v.to_string()),
                "SignedHeaders" => signed = Some(v.split(';').map(str::to_string).collect()),
                "Signature" => signature = Some(v.to_string()),
                _ => return None,
            }
        }
        Some(Authorization {
            access_key_id: credential?,
            signed_headers: signed?,
            signature: signature?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn doc_headers(host: &str, action: &str, version: &str) -> Vec<(String, String)> {
        pairs(&[
            ("host", host),
            ("x-acs-action", action),
            ("x-acs-version", version),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY),
        ])
    }

    #[test]
    fn the_empty_payload_hash() {
        assert_eq!(sha256_hex(b""), EMPTY);
    }

    #[test]
    fn alibabas_documented_v3_example() {
        let query = pairs(&[
            ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"),
            ("RegionId", "cn-shanghai"),
        ]);
        let headers = doc_headers("ecs.cn-shanghai.aliyuncs.com", "RunInstances", "2014-05-26");
        let input = SigningInput {
            method: "POST",
            query: &query,
            headers: &headers,
            payload_hash: EMPTY,
        };
        let expected_request = "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\nhost:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(input.canonical_request(), expected_request);
        assert_eq!(
            sha256_hex(input.canonical_request().as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            input.signature("YourAccessKeySecret"),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            input.authorization("YourAccessKeyId", "YourAccessKeySecret"),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn the_sdk_unit_test_vector() {
        // darabonba-openapi golang/utils/client_test.go Test_GetAuthorization:
        // empty method, query {test: ok, empty: ""}, two x-acs-test headers.
        let query = pairs(&[("test", "ok"), ("empty", "")]);
        let headers = pairs(&[("x-acs-test", "http"), ("x-acs-TEST", "https")]);
        let payload = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23";
        let input = SigningInput {
            method: "",
            query: &query,
            headers: &headers,
            payload_hash: payload,
        };
        assert_eq!(
            input.canonical_request(),
            "\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"
        );
        assert_eq!(
            input.authorization("acesskey", "secret"),
            "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=4ab59fffe3c5738ff8a2729f90cc04fe18b02a4b15b2102cbaf92f9ff3df2ea3"
        );
    }

    fn market_headers(action: &str) -> Vec<(String, String)> {
        doc_headers("market.aliyuncs.com", action, "2015-11-01")
    }

    const METERING: &str = r#"[{"InstanceId":"1000001","StartTime":"100000000","EndTime":"100000010","Entities":[{"Key":"Frequency","Value":"96"}]}]"#;

    #[test]
    fn the_market_request_shape_with_parameters_in_the_query() {
        let query = pairs(&[("InstanceId", "1000001")]);
        let headers = market_headers("DescribeInstanceForIsv");
        let input = SigningInput {
            method: "POST",
            query: &query,
            headers: &headers,
            payload_hash: EMPTY,
        };
        assert_eq!(
            sha256_hex(input.canonical_request().as_bytes()),
            "746dca51aba2d6512c1c31df1bfb8d6513016be2c797ce8baa0ed4a83c95cecb"
        );
        assert_eq!(
            input.signature("YourAccessKeySecret"),
            "014288baaa6183e7382d1abe145d07f6211e066146aea78881ce74ca6eeeff84"
        );

        let query = pairs(&[("Metering", METERING)]);
        let headers = market_headers("PushMeteringData");
        let input = SigningInput {
            method: "POST",
            query: &query,
            headers: &headers,
            payload_hash: EMPTY,
        };
        assert!(input.canonical_request().contains("Metering=%5B%7B%22InstanceId%22%3A%221000001%22%2C%22StartTime%22%3A%22100000000%22%2C%22EndTime%22%3A%22100000010%22%2C%22Entities%22%3A%5B%7B%22Key%22%3A%22Frequency%22%2C%22Value%22%3A%2296%22%7D%5D%7D%5D\n"));
        assert_eq!(
            sha256_hex(input.canonical_request().as_bytes()),
            "8d3ed4322540316c9389ea07cf67060d313e8ae429a3c01bb5608c0f87540aa3"
        );
        assert_eq!(
            input.signature("YourAccessKeySecret"),
            "f0b7168082cf55bf228fa7c73fd62aaf13798d832b82cd03911e3ca799f67f8b"
        );
    }

    #[test]
    fn the_market_request_shape_with_a_form_body() {
        let body = format!("Metering={}", percent_encode(METERING));
        let payload = sha256_hex(body.as_bytes());
        assert_eq!(
            payload,
            "1ed33aada6d43846968d8c1ea207d19c79fe9158466fe290f0eece475b265a48"
        );
        let mut headers = market_headers("PushMeteringData");
        headers.retain(|(k, _)| k != "x-acs-content-sha256");
        headers.push(("x-acs-content-sha256".into(), payload.clone()));
        headers.push(("content-type".into(), "application/x-www-form-urlencoded".into()));
        let input = SigningInput {
            method: "POST",
            query: &[],
            headers: &headers,
            payload_hash: &payload,
        };
        assert_eq!(
            input.signed_header_names(),
            "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        assert_eq!(
            sha256_hex(input.canonical_request().as_bytes()),
            "4e8e173d3babd861c2651b825b4732db55ec44f794b8a84fa756feaecd226bb7"
        );
        assert_eq!(
            input.signature("YourAccessKeySecret"),
            "50f72c8ac99f30031cb8b2492b30df2ab0facf567b8c259dbb393dd9db9ddb54"
        );
    }

    #[test]
    fn spaces_and_stars_are_encoded_the_alibaba_way() {
        assert_eq!(percent_encode("a b*c~d"), "a%20b%2Ac~d");
    }

    #[test]
    fn authorization_headers_parse() {
        let a = Authorization::parse(
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=abc",
        )
        .unwrap();
        assert_eq!(a.access_key_id, "ak");
        assert_eq!(a.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(a.signature, "abc");
        assert!(Authorization::parse("HMAC-SHA1 x").is_none());
    }
}
