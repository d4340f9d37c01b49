//! A signed Chef Server API client: every request carries the
//! mixlib-authentication headers and `X-Ops-Server-API-Version`, and every
//! refusal becomes a message a person can act on.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::secrets;

use super::config::{ChefConfig, KeySource, VerifyMode};
use super::signing::{self, SignVersion, SigningKey};

/// The API version galley speaks (Chef Server 12.4+ and goiardi accept 1).
const API_VERSION: &str = "1";

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("Chef server settings: {0}")]
    Setup(String),
    #[error("cannot reach the Chef server at {url}: {reason}")]
    Connect {
        url: String,
        reason: String,
        /// Worth retrying: no connection yet, or it broke. A refused
        /// certificate or an unknown name is not.
        transient: bool,
    },
    #[error("{method} {path}: {message}")]
    Refused {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
    /// The server answered with a redirect galley will not follow: a
    /// POST's signature covers its URL and body, and knife refuses to
    /// redirect one too ("Only GET and HEAD support redirects").
    #[error("{method} {path}: the Chef server answered {status} and moved it to {}; galley does not follow a redirect for a {method}: set chef_server_url to {}", secrets::mask(location), secrets::mask(suggested))]
    Moved {
        method: String,
        path: String,
        status: u16,
        location: String,
        /// The server URL the new location implies.
        suggested: String,
    },
    /// A node name no URL path can hold: every URL parser folds `.` and
    /// `..` into the path around them (escaped too), so `GET /nodes/..`
    /// would ask for something else and its signature would not match.
    #[error("node {name:?} cannot be asked for by name: a URL path cannot hold \".\" or \"..\" (rename the node: knife node rename)")]
    Unaddressable { name: String },
    /// Asked for one node, the server answered another.
    #[error("GET {path}: the Chef server answered node {answered:?}, not {asked:?}")]
    OtherNode {
        path: String,
        asked: String,
        answered: String,
    },
    #[error("{method} {path}: the server answered {status} with {what}, not JSON")]
    NotJson {
        method: String,
        path: String,
        status: u16,
        what: String,
    },
}

/// A client of one Chef server, as one API client.
pub struct ChefClient {
    /// The server URL without a trailing `/` (it may hold
    /// `/organizations/NAME`).
    base: String,
    client_name: String,
    key: SigningKey,
    pub version: SignVersion,
    agent: ureq::Agent,
    /// Seconds added to the local clock when signing (tests fake a skew).
    pub clock_offset: i64,
    /// The bound on one call, retries included (`--server-timeout`).
    timeout: Duration,
}

impl ChefClient {
    /// A client from the effective settings; `timeout` bounds each request.
    pub fn from_config(
        config: &ChefConfig,
        version: SignVersion,
        timeout: Duration,
    ) -> Result<ChefClient, ClientError> {
        let setup = |m: String| ClientError::Setup(m);
        let base = config
            .server_url
            .as_ref()
            .ok_or_else(|| setup("no chef_server_url: set it in ~/.chef/credentials or config.rb, or pass --server-url".into()))?
            .value
            .trim_end_matches('/')
            .to_string();
        let client_name = config
            .client_name
            .as_ref()
            .ok_or_else(|| {
                setup("no client name: set client_name/node_name, or pass --user".into())
            })?
            .value
            .clone();
        let key = signing_key(config)?;
        let tls = tls_connector(config)?;
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            // Redirects are galley's to decide (see `ClientError::Moved`):
            // ureq would resend a POST's signature headers as they were.
            .redirects(0)
            .tls_connector(Arc::new(tls))
            .build();
        Ok(ChefClient {
            base,
            client_name,
            key,
            version,
            agent,
            clock_offset: 0,
            timeout,
        })
    }

    /// `GET` a path under the server URL (`/nodes`, `/search/node?q=...`).
    pub fn get(&self, path_and_query: &str) -> Result<Value, ClientError> {
        self.call("GET", path_and_query, b"")
    }

    /// `POST` a JSON body.
    pub fn post(&self, path_and_query: &str, body: &Value) -> Result<Value, ClientError> {
        self.call("POST", path_and_query, body.to_string().as_bytes())
    }

    /// The node `name` as the server keeps it (`GET /nodes/NAME`). The
    /// name is fleet data: it is sent as one escaped path segment, a name
    /// no path can hold is refused, and the answer must be that node.
    pub fn node(&self, name: &str) -> Result<Value, ClientError> {
        if name == "." || name == ".." {
            return Err(ClientError::Unaddressable { name: name.into() });
        }
        let path = format!("/nodes/{}", encode_query(name));
        let node = self.get(&path)?;
        match node["name"].as_str() {
            Some(answered) if answered == name => Ok(node),
            answered => Err(ClientError::OtherNode {
                path,
                asked: name.into(),
                answered: answered.unwrap_or_default().into(),
            }),
        }
    }

    /// One call, retried with backoff while the failure is transient (no
    /// connection, a reset, 502/503/504) and the `--server-timeout` budget
    /// lasts. Each attempt is signed anew: signatures carry the time.
    ///
    /// A GET the server redirects is signed anew for the new URL and sent
    /// there, as knife does, at most [`MAX_REDIRECTS`] times, with a warning
    /// that says to update chef_server_url; any other method stops with
    /// [`ClientError::Moved`].
    fn call(&self, method: &str, path_and_query: &str, body: &[u8]) -> Result<Value, ClientError> {
        let deadline = std::time::Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(250);
        let mut url = format!("{}{}", self.base, path_and_query);
        let mut redirects = 0;
        loop {
            let result = self.attempt(method, &url, path_and_query, body);
            if let Err(ClientError::Moved {
                location,
                suggested,
                ..
            }) = &result
            {
                if method == "GET" && redirects < MAX_REDIRECTS {
                    redirects += 1;
                    crate::terminal::message(&secrets::mask(&format!(
                        "galley: warning: the Chef server moved {url} to {location}; following it for this GET (set chef_server_url to {suggested})"
                    )));
                    url = location.clone();
                    continue;
                }
            }
            let transient = matches!(
                &result,
                Err(ClientError::Connect {
                    transient: true,
                    ..
                })
            ) || matches!(
                &result,
                Err(ClientError::Refused {
                    status: 502..=504,
                    ..
                })
            );
            if !transient || std::time::Instant::now() + pause >= deadline {
                return result;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    /// One signed request to `url`; `path_and_query` is what the caller
    /// asked for under the server URL (to suggest a new server URL).
    fn attempt(
        &self,
        method: &str,
        url: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Result<Value, ClientError> {
        let (request, signed) = self.signed(method, url, body)?;
        match request.send_bytes(body) {
            Ok(response) => answer(method, url, path_and_query, &signed.path, response),
            Err(ureq::Error::Status(status, response)) => {
                Err(self.refused(method, status, response, &signed))
            }
            Err(ureq::Error::Transport(t)) => Err(self.unreachable(&t)),
        }
    }

    /// The request, signed as of now (with the server's clock offset).
    fn signed(
        &self,
        method: &str,
        url: &str,
        body: &[u8],
    ) -> Result<(ureq::Request, Signed), ClientError> {
        let url_path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| "/".into());
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
            + self.clock_offset;
        let timestamp = crate::units::iso8601(now);
        let request = signing::Request {
            method,
            path: &url_path,
            body,
            user_id: &self.client_name,
            timestamp: &timestamp,
            server_api_version: API_VERSION,
        };
        let headers = signing::sign(&request, &self.key, self.version)
            .map_err(|e| ClientError::Setup(e.to_string()))?;
        let mut req = self
            .agent
            .request(method, url)
            .set("Accept", "application/json")
            .set("X-Ops-Server-API-Version", API_VERSION)
            .set("X-Chef-Version", "18.0.0");
        if !body.is_empty() {
            req = req.set("Content-Type", "application/json");
        }
        for (name, value) in &headers {
            req = req.set(name, value);
        }
        let signed = Signed {
            path: url_path.split('?').next().unwrap_or("/").to_string(),
            timestamp,
        };
        Ok((req, signed))
    }

    /// The server answered with an error status: its message, explained.
    fn refused(
        &self,
        method: &str,
        status: u16,
        response: ureq::Response,
        signed: &Signed,
    ) -> ClientError {
        let date = response.header("Date").map(str::to_string);
        // A refusal's body is only for its message: what was wrong with
        // it, if anything, is the message.
        let text = read_body(response).unwrap_or_else(|what| what);
        ClientError::Refused {
            method: method.into(),
            status,
            message: explain(
                status,
                &text,
                &self.client_name,
                date.as_deref(),
                &signed.timestamp,
                &signed.path,
            ),
            path: signed.path.clone(),
        }
    }

    /// No answer: the connection failed (transient unless it was the
    /// certificate), said with the URL's password masked.
    fn unreachable(&self, t: &ureq::Transport) -> ClientError {
        let reason = t.to_string();
        // A TLS handshake refused (a certificate not trusted, a name it
        // does not cover) fails the same way on every try: ureq gives
        // native-tls's own error as the cause.
        let tls = std::iter::successors(std::error::Error::source(t), |e| e.source())
            .any(|e| e.is::<native_tls::Error>());
        let transient = matches!(
            t.kind(),
            ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Io
        ) && !tls;
        // The URL may carry a password (https://user:PASS@...), and ureq's
        // reason quotes it: both are put into words masked.
        ClientError::Connect {
            url: secrets::mask(&self.base),
            reason: secrets::mask(&reason),
            transient,
        }
    }
}

/// What a signed request's errors are explained by.
struct Signed {
    /// The URL's path, without the query.
    path: String,
    /// The signature's X-Ops-Timestamp.
    timestamp: String,
}

/// A successful status's answer: a redirect to follow (said as moved), or
/// a JSON body.
fn answer(
    method: &str,
    url: &str,
    path_and_query: &str,
    path: &str,
    response: ureq::Response,
) -> Result<Value, ClientError> {
    let status = response.status();
    let not_json = |what: String| ClientError::NotJson {
        method: method.into(),
        path: path.to_string(),
        status,
        what,
    };
    if (300..400).contains(&status) {
        let location = response
            .header("Location")
            .map(|l| resolve(url, l))
            .unwrap_or_else(|| "nowhere (no Location header)".into());
        let suggested = location
            .strip_suffix(path_and_query)
            .unwrap_or(&location)
            .to_string();
        return Err(ClientError::Moved {
            method: method.into(),
            path: path.to_string(),
            status,
            location,
            suggested,
        });
    }
    let text = read_body(response).map_err(not_json)?;
    if text.trim().is_empty() {
        return Err(not_json(
            "an empty body (goiardi answers unknown paths so: is /organizations/NAME right for this server?)".into(),
        ));
    }
    serde_json::from_str(&text)
        .map_err(|_| not_json(format!("{:?}", text.chars().take(60).collect::<String>())))
}

/// The client key the requests are signed with (a file or inline PEM).
fn signing_key(config: &ChefConfig) -> Result<SigningKey, ClientError> {
    let setup = ClientError::Setup;
    let pem = match &config
        .client_key
        .as_ref()
        .ok_or_else(|| setup("no client key: set client_key, or pass --key".into()))?
        .value
    {
        KeySource::File(path) => std::fs::read(path).map_err(|e| {
            setup(format!(
                "cannot read the client key {}: {e}",
                path.display()
            ))
        })?,
        KeySource::Inline(pem) => pem.clone().into_bytes(),
    };
    SigningKey::from_pem(&pem).map_err(|e| setup(format!("client key: {e}")))
}

/// TLS as knife's settings say: the system's roots plus trusted_certs_dir
/// and ssl_ca_file; `ssl_verify_mode :verify_none` honoured, and warned of.
fn tls_connector(config: &ChefConfig) -> Result<native_tls::TlsConnector, ClientError> {
    let setup = ClientError::Setup;
    let mut tls = native_tls::TlsConnector::builder();
    let mut cert_files = Vec::new();
    if let Some(dir) = &config.trusted_certs_dir {
        for entry in std::fs::read_dir(&dir.value)
            .into_iter()
            .flatten()
            .flatten()
        {
            cert_files.push(entry.path());
        }
    }
    if let Some(file) = &config.ssl_ca_file {
        cert_files.push(file.value.clone());
    }
    for file in cert_files {
        let pem = std::fs::read(&file)
            .map_err(|e| setup(format!("cannot read {}: {e}", file.display())))?;
        let cert = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| setup(format!("{} is not a PEM certificate: {e}", file.display())))?;
        tls.add_root_certificate(cert);
    }
    if config
        .ssl_verify_mode
        .as_ref()
        .is_some_and(|m| m.value == VerifyMode::None)
    {
        crate::terminal::message("galley: WARNING: ssl_verify_mode :verify_none: the Chef server's certificate is NOT checked; anyone in the path can read and change what galley is told");
        tls.danger_accept_invalid_certs(true);
    }
    tls.build().map_err(|e| setup(format!("TLS: {e}")))
}

/// How many redirects a GET follows.
const MAX_REDIRECTS: usize = 5;

/// A `Location` header's URL, made absolute against the request's `url`
/// (RFC 9110 allows a relative reference).
fn resolve(url: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(path) = location.strip_prefix('/') {
        return format!("{scheme}://{authority}/{path}");
    }
    let dir = url.rsplit_once('/').map_or(url, |(d, _)| d);
    format!("{dir}/{location}")
}

/// The most of one answer galley reads (a page of partial search rows is
/// far smaller).
const MAX_BODY: u64 = 64 << 20;

/// The answer's body, or what was wrong with it in words: cut off (a
/// server that stops sending within the request's timeout), too large,
/// not UTF-8.
fn read_body(response: ureq::Response) -> Result<String, String> {
    let mut bytes = Vec::new();
    let read = response
        .into_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut bytes);
    if let Err(e) = read {
        return Err(format!(
            "an answer cut off after {} bytes ({e}): the server stopped sending",
            bytes.len()
        ));
    }
    if bytes.len() as u64 > MAX_BODY {
        return Err(format!("an answer of over {} MiB", MAX_BODY >> 20));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "an answer that is not UTF-8 text (a bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The server's first error message, from `{"error": ["..."]}`.
fn server_message(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| match &v["error"] {
            Value::Array(items) => items.first().and_then(|e| e.as_str()).map(str::to_string),
            Value::String(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| text.chars().take(200).collect())
        .trim()
        .to_string()
}

/// A refusal in words a person can act on.
fn explain(
    status: u16,
    text: &str,
    client: &str,
    server_date: Option<&str>,
    sent: &str,
    path: &str,
) -> String {
    let said = server_message(text);
    let lower = said.to_ascii_lowercase();
    match status {
        401 if lower.contains("failed to authenticate as") => format!(
            "401: the server does not know the client {client:?} (server said: {said}); check client_name/node_name or --user"
        ),
        401 if lower.contains("clock") => format!(
            "401: the clocks disagree: galley signed at {sent}, the server's Date is {} (server said: {said}); fix the local clock",
            server_date.unwrap_or("unknown")
        ),
        401 if lower.contains("verif") || lower.contains("signature") => format!(
            "401: the signature was rejected: the key is not {client:?}'s key (server said: {said}); check client_key or --key"
        ),
        401 => format!("401: not authenticated (server said: {said})"),
        403 => format!("403: {client:?} may not do this ({path}); ask for read and search permission on nodes (server said: {said})"),
        404 => format!("404: {path} does not exist on this server; check chef_server_url, including /organizations/NAME (server said: {said})"),
        400 => format!("400: the server refused the request (server said: {said})"),
        _ => format!("{status}: {said}"),
    }
}

/// Percent-encodes everything but unreserved characters, as a query value.
pub fn encode_query(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_request() {
        let url = "http://chef.example:80/organizations/ops/nodes?x=1";
        assert_eq!(
            resolve(url, "https://chef.example/organizations/ops/nodes"),
            "https://chef.example/organizations/ops/nodes"
        );
        assert_eq!(
            resolve(url, "/other/nodes"),
            "http://chef.example:80/other/nodes"
        );
        assert_eq!(
            resolve(url, "roles"),
            "http://chef.example:80/organizations/ops/roles"
        );
    }

    #[test]
    fn queries_are_encoded_fully() {
        assert_eq!(
            encode_query("recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd"),
            "recipes%3Aomnibus-gitlab%5C%3A%5C%3Adefault%20AND%20chef_environment%3Agprd"
        );
        assert_eq!(encode_query("a+b&c"), "a%2Bb%26c");
    }

    #[test]
    fn refusals_say_what_to_fix() {
        let m = explain(
            401,
            r#"{"error":["Failed to authenticate as 'bob'. Ensure that your node_name and client key are correct."]}"#,
            "bob",
            None,
            "t",
            "/nodes",
        );
        assert!(m.contains("does not know the client \"bob\""), "{m}");
        let m = explain(
            401,
            r#"{"error":["crypto/rsa: verification error"]}"#,
            "bob",
            None,
            "t",
            "/nodes",
        );
        assert!(m.contains("signature was rejected"), "{m}");
        let m = explain(
            401,
            r#"{"error":["Authentication failed. Please check your system's clock."]}"#,
            "bob",
            Some("Wed, 25 Nov 2026 18:00:00 GMT"),
            "2026-11-25T18:20:00Z",
            "/nodes",
        );
        assert!(m.contains("galley signed at 2026-11-25T18:20:00Z, the server's Date is Wed, 25 Nov 2026 18:00:00 GMT"), "{m}");
        let m = explain(
            403,
            r#"{"error":["You are not allowed to perform this action"]}"#,
            "v",
            None,
            "t",
            "/search/node",
        );
        assert!(m.contains("may not do this (/search/node)"), "{m}");
    }
}
