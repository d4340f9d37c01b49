//! Chef Server request signing, as mixlib-authentication does it
//! (chef/mixlib-authentication
//! lib/mixlib/authentication/signedheaderauth.rb):
//!
//! - 1.0 and 1.1 sign the canonical request with raw RSA (PKCS#1 v1.5 type 1
//!   padding, no digest); 1.1 hashes the user id so long ids fit;
//! - 1.3 signs with RSASSA-PKCS1-v1_5 over SHA-256 and covers the
//!   `X-Ops-Server-API-Version` header; goiardi's 1.2 is 1.1 signed with
//!   PKCS#1 v1.5 over SHA-1;
//! - the path is the URI path alone (no query), repeated `/` collapsed and a
//!   trailing `/` dropped;
//! - the base64 signature is split into 60-character
//!   `X-Ops-Authorization-N` headers.
//!
//! OpenSSL does the RSA work: it is linked already (libssh2 uses it) and it
//! offers the raw type-1 padding that 1.0 and 1.1 need.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::sign::Signer;

/// A protocol version of mixlib-authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignVersion {
    V1_0,
    V1_1,
    /// Only goiardi and Erlang's chef_authn know it: 1.1's canonical
    /// request, signed with PKCS#1 v1.5 over SHA-1.
    V1_2,
    V1_3,
}

impl SignVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            SignVersion::V1_0 => "1.0",
            SignVersion::V1_1 => "1.1",
            SignVersion::V1_2 => "1.2",
            SignVersion::V1_3 => "1.3",
        }
    }

    fn algorithm(self) -> &'static str {
        match self {
            SignVersion::V1_3 => "sha256",
            _ => "sha1",
        }
    }

    fn digest(self) -> MessageDigest {
        match self {
            SignVersion::V1_3 => MessageDigest::sha256(),
            _ => MessageDigest::sha1(),
        }
    }
}

impl FromStr for SignVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<SignVersion, String> {
        match s {
            "1.0" => Ok(SignVersion::V1_0),
            "1.1" => Ok(SignVersion::V1_1),
            "1.2" => Ok(SignVersion::V1_2),
            "1.3" => Ok(SignVersion::V1_3),
            other => Err(format!(
                "{other:?} is not a signing version: use 1.3, 1.2, 1.1 or 1.0"
            )),
        }
    }
}

impl fmt::Display for SignVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client's private key. Its `Debug` never shows the key.
pub struct SigningKey {
    key: PKey<Private>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({} bits, hidden)", self.key.bits())
    }
}

/// Why a key cannot be used; never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not an RSA private key in PEM form (PKCS#1 \"BEGIN RSA PRIVATE KEY\" or PKCS#8 \"BEGIN PRIVATE KEY\")")]
    NotRsaPem,
    #[error("the private key is encrypted; Chef client keys are not")]
    Encrypted,
}

impl SigningKey {
    pub fn from_pem(pem: &[u8]) -> Result<SigningKey, KeyError> {
        let text = String::from_utf8_lossy(pem);
        if text.contains("ENCRYPTED") {
            return Err(KeyError::Encrypted);
        }
        let key = PKey::private_key_from_pem(pem).map_err(|_| KeyError::NotRsaPem)?;
        if key.rsa().is_err() {
            return Err(KeyError::NotRsaPem);
        }
        Ok(SigningKey { key })
    }
}

/// The parts of a request that are signed.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The URI path, with or without a query (the query is not signed).
    pub path: &'a str,
    pub body: &'a [u8],
    pub user_id: &'a str,
    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub timestamp: &'a str,
    /// The `X-Ops-Server-API-Version` sent (signed by 1.3).
    pub server_api_version: &'a str,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn hashed(version: SignVersion, data: &[u8]) -> String {
    b64(&hash(version.digest(), data).expect("OpenSSL digests in memory"))
}

/// The path as mixlib signs it: no query, no repeated or trailing `/`.
pub fn canonical_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The string that is signed.
pub fn canonical_request(request: &Request, version: SignVersion) -> String {
    let path = canonical_path(request.path);
    let content = hashed(version, request.body);
    let method = request.method.to_ascii_uppercase();
    match version {
        SignVersion::V1_0 | SignVersion::V1_1 | SignVersion::V1_2 => {
            let user = if version != SignVersion::V1_0 {
                hashed(version, request.user_id.as_bytes())
            } else {
                request.user_id.to_string()
            };
            format!(
                "Method:{method}\nHashed Path:{}\nX-Ops-Content-Hash:{content}\nX-Ops-Timestamp:{}\nX-Ops-UserId:{user}",
                hashed(version, path.as_bytes()),
                request.timestamp
            )
        }
        SignVersion::V1_3 => format!(
            "Method:{method}\nPath:{path}\nX-Ops-Content-Hash:{content}\nX-Ops-Sign:version=1.3\nX-Ops-Timestamp:{}\nX-Ops-UserId:{}\nX-Ops-Server-API-Version:{}",
            request.timestamp, request.user_id, request.server_api_version
        ),
    }
}

/// Why signing failed (the canonical request too long for raw RSA in 1.0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign the request with protocol {version}: {reason}")]
pub struct SignError {
    pub version: SignVersion,
    pub reason: String,
}

/// The headers that authenticate the request, in the order Chef sends them.
pub fn sign(
    request: &Request,
    key: &SigningKey,
    version: SignVersion,
) -> Result<Vec<(String, String)>, SignError> {
    let canonical = canonical_request(request, version);
    let err = |reason: String| SignError { version, reason };
    let signature = match version {
        SignVersion::V1_2 | SignVersion::V1_3 => {
            let mut signer =
                Signer::new(version.digest(), &key.key).map_err(|e| err(e.to_string()))?;
            signer
                .update(canonical.as_bytes())
                .map_err(|e| err(e.to_string()))?;
            signer.sign_to_vec().map_err(|e| err(e.to_string()))?
        }
        SignVersion::V1_0 | SignVersion::V1_1 => {
            let rsa = key.key.rsa().map_err(|e| err(e.to_string()))?;
            if canonical.len() + 11 > rsa.size() as usize {
                return Err(err(format!(
                    "the request is too long for raw RSA ({} bytes, at most {}): use 1.3",
                    canonical.len(),
                    rsa.size() as usize - 11
                )));
            }
            let mut out = vec![0u8; rsa.size() as usize];
            let n = rsa
                .private_encrypt(canonical.as_bytes(), &mut out, Padding::PKCS1)
                .map_err(|e| err(e.to_string()))?;
            out.truncate(n);
            out
        }
    };
    let mut headers = vec![
        (
            "X-Ops-Sign".to_string(),
            format!(
                "algorithm={};version={};",
                version.algorithm(),
                version.as_str()
            ),
        ),
        ("X-Ops-Userid".to_string(), request.user_id.to_string()),
        ("X-Ops-Timestamp".to_string(), request.timestamp.to_string()),
        (
            "X-Ops-Content-Hash".to_string(),
            hashed(version, request.body),
        ),
    ];
    let encoded = b64(&signature);
    for (i, chunk) in encoded.as_bytes().chunks(60).enumerate() {
        headers.push((
            format!("X-Ops-Authorization-{}", i + 1),
            String::from_utf8(chunk.to_vec()).expect("base64 is ASCII"),
        ));
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/signing-vectors")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn check(
        vector: &Value,
        key: &SigningKey,
        version: SignVersion,
        inputs: &Value,
        canonical: &str,
        expected: &Value,
    ) {
        let body = inputs["body"].as_str().unwrap();
        let query = inputs["query_string_not_signed"].as_str().unwrap_or("");
        let path = if query.is_empty() {
            inputs["path"].as_str().unwrap().to_string()
        } else {
            format!("{}?{query}", inputs["path"].as_str().unwrap())
        };
        let request = Request {
            method: inputs["http_method"]
                .as_str()
                .or(inputs["method"].as_str())
                .unwrap(),
            path: &path,
            body: body.as_bytes(),
            user_id: inputs["user_id"].as_str().unwrap(),
            timestamp: inputs["timestamp"].as_str().unwrap(),
            server_api_version: inputs["server_api_version"].as_str().unwrap_or("0"),
        };
        assert_eq!(canonical_request(&request, version), canonical, "{vector}");
        let headers = sign(&request, key, version).unwrap();
        let expected = expected.as_object().unwrap();
        for (name, value) in &headers {
            assert_eq!(
                Some(value.as_str()),
                expected[name].as_str(),
                "{name} in {vector}"
            );
        }
        let signed = expected
            .keys()
            .filter(|k| k.starts_with("X-Ops-Authorization-"))
            .count();
        assert_eq!(
            headers
                .iter()
                .filter(|(k, _)| k.starts_with("X-Ops-Authorization-"))
                .count(),
            signed
        );
    }

    #[test]
    fn mixlib_spec_vectors_match_byte_for_byte() {
        let key = SigningKey::from_pem(&fixture("mixlib-auth-spec-private-key.pem")).unwrap();
        for file in ["v1.0.json", "v1.1.json", "v1.3.json"] {
            let v: Value = serde_json::from_slice(&fixture(file)).unwrap();
            let version: SignVersion = v["protocol_version"].as_str().unwrap().parse().unwrap();
            check(
                &Value::String(file.into()),
                &key,
                version,
                &v["inputs"],
                v["canonical_request"].as_str().unwrap(),
                &v["expected_headers"],
            );
        }
    }

    #[test]
    fn goiardi_verified_vectors_match_byte_for_byte() {
        let key = SigningKey::from_pem(&fixture("goiardi-verified-vectors-key.pem")).unwrap();
        let all: Value = serde_json::from_slice(&fixture("goiardi-verified-vectors.json")).unwrap();
        let vectors = all["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 8);
        for v in vectors {
            let version: SignVersion = v["version"].as_str().unwrap().parse().unwrap();
            check(
                v,
                &key,
                version,
                v,
                v["canonical_string"].as_str().unwrap(),
                &v["headers"],
            );
        }
    }

    #[test]
    fn paths_are_canonical() {
        assert_eq!(
            canonical_path("/organizations/acme/search/node?q=a%3Ab&rows=1000"),
            "/organizations/acme/search/node"
        );
        assert_eq!(canonical_path("//nodes//web-01/"), "/nodes/web-01");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path(""), "/");
    }

    #[test]
    fn keys_never_show_and_bad_keys_are_named() {
        let key = SigningKey::from_pem(&fixture("mixlib-auth-spec-private-key.pem")).unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "SigningKey(2048 bits, hidden)");
        assert_eq!(
            SigningKey::from_pem(b"not a key").unwrap_err(),
            KeyError::NotRsaPem
        );
        assert_eq!(
            SigningKey::from_pem(&fixture("mixlib-auth-spec-public-key.pem")).unwrap_err(),
            KeyError::NotRsaPem
        );
    }

    #[test]
    fn version_1_0_refuses_requests_too_long_for_raw_rsa() {
        let key = SigningKey::from_pem(&fixture("mixlib-auth-spec-private-key.pem")).unwrap();
        let long_user = "u".repeat(200);
        let request = Request {
            method: "GET",
            path: "/nodes",
            body: b"",
            user_id: &long_user,
            timestamp: "2009-01-01T12:00:00Z",
            server_api_version: "1",
        };
        assert!(sign(&request, &key, SignVersion::V1_0)
            .unwrap_err()
            .reason
            .contains("use 1.3"));
        assert!(
            sign(&request, &key, SignVersion::V1_1).is_ok(),
            "1.1 hashes the user id"
        );
    }
}
