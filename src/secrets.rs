//! Secrets never leave galley: credentials inside URLs
//! (`https://TOKEN:@packages.example.com/`, `https://user:password@host/`),
//! private key blocks (`-----BEGIN ... PRIVATE KEY-----` to its END line,
//! PEM, OpenSSH and PGP), tokens of well-known shapes (`Authorization:
//! Bearer ...`, `?private_token=...`, `PRIVATE-TOKEN: ...`, GitLab's
//! `glpat-`, `gldt-` and `glrt-` tokens) and what the operator's own
//! patterns (`--mask REGEX`) match are masked where data enters galley, so
//! no sink (the live stream, captured output, reports, summaries, `report
//! show`) ever holds them.
//!
//! [`Masker`] is a filter for one stream of bytes, fed as they arrive: it
//! finds a secret however the bytes are split across reads and lines. Keys
//! and URL credentials hold back only what could still be the start of one
//! (at most a marker's length for keys, [`URL_CREDENTIAL_LIMIT`] bytes for
//! a URL's credentials); tokens and the operator's patterns are matched
//! within a line, so a line is held until it ends (or reaches
//! [`LINE_LIMIT`], where it is cut at its last blank). Its output does not
//! depend on how the input was split.
//!
//! The places data enters galley each call this module once, and nothing
//! else does: a host's output ([`crate::action::capture`]), the operator's
//! own command line when a job is built, apt source entries read from a
//! host for galley's own parsing, reports read back from disk, and node
//! attributes shown by `search -l`.

use std::sync::OnceLock;

use regex::bytes::Regex;

/// What stands where a secret was.
pub(crate) const MASK: &str = "REDACTED";

/// A key block is masked up to its END line; with no END line within this
/// many bytes (no private key is this long), the masking stops, says so,
/// and the stream is shown again from there.
pub(crate) const KEY_BLOCK_LIMIT: usize = 64 * 1024;

/// The credentials part of a URL (between `://` and `@`) is held back until
/// it ends; one longer than this is masked without waiting for its `@`.
pub(crate) const URL_CREDENTIAL_LIMIT: usize = 4 * 1024;

/// The longest stretch of a line held back for the token patterns; a
/// longer line is masked and shown up to its last blank before the limit.
pub(crate) const LINE_LIMIT: usize = 8 * 1024;

/// The longest label between `-----BEGIN ` and `PRIVATE KEY`.
const LABEL_LIMIT: usize = 64;

fn key_begin() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"-----BEGIN ([A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?)-----").unwrap()
    })
}

fn key_end() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"-----END [A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----").unwrap())
}

/// Masks secrets in a stream of bytes fed in pieces.
#[derive(Debug, Default)]
pub(crate) struct Masker {
    keys: KeyBlocks,
    urls: UrlCredentials,
    tokens: TokenLines,
    /// The key filter's output, before the URL filter (reused).
    scratch: Vec<u8>,
    /// The URL filter's output, before the token filter (reused).
    scratch2: Vec<u8>,
}

impl Masker {
    pub(crate) fn new() -> Masker {
        Masker::default()
    }

    /// Masks `input`, appending to `out` what is certain by now; the rest
    /// is held back for the next call or [`Masker::finish`].
    pub(crate) fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.scratch.clear();
        self.scratch2.clear();
        self.keys.feed(input, &mut self.scratch);
        self.urls.feed(&self.scratch, &mut self.scratch2);
        self.tokens.feed(&self.scratch2, out);
    }

    /// The end of the stream: appends what was held back, masked.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        self.scratch.clear();
        self.scratch2.clear();
        self.keys.finish(&mut self.scratch);
        self.urls.feed(&self.scratch, &mut self.scratch2);
        self.urls.finish(&mut self.scratch2);
        self.tokens.feed(&self.scratch2, out);
        self.tokens.finish(out);
    }
}

/// A pattern that masks part of a line: what it matches, or only its
/// group named `secret` when it has one.
#[derive(Debug)]
struct TokenPattern {
    regex: Regex,
    secret_group: bool,
}

impl TokenPattern {
    fn new(pattern: &str) -> Result<TokenPattern, regex::Error> {
        let regex = Regex::new(pattern)?;
        let secret_group = regex.capture_names().any(|n| n == Some("secret"));
        Ok(TokenPattern {
            regex,
            secret_group,
        })
    }

    /// `line` with every match masked.
    fn mask(&self, line: &[u8]) -> Option<Vec<u8>> {
        if !self.regex.is_match(line) {
            return None;
        }
        let mut out = Vec::with_capacity(line.len());
        let mut at = 0;
        for caps in self.regex.captures_iter(line) {
            let whole = caps.get(0).expect("a match");
            let part = if self.secret_group {
                match caps.name("secret") {
                    Some(part) => part,
                    None => continue,
                }
            } else {
                whole
            };
            if part.is_empty() || part.start() < at {
                continue;
            }
            out.extend_from_slice(&line[at..part.start()]);
            out.extend_from_slice(MASK.as_bytes());
            at = part.end();
        }
        out.extend_from_slice(&line[at..]);
        Some(out)
    }
}

/// Tokens of well-known shapes: the token itself is masked, its label
/// kept. A Bearer token must look like one (16 or more token characters,
/// a digit among them), so prose such as "the bearer of" is left alone.
const BUILT_IN_TOKENS: &[&str] = &[
    r"(?i:authorization)\s*:\s*(?i:bearer|token|basic)\s+(?P<secret>[A-Za-z0-9._~+/-]+=*)",
    r"\bBearer\s+(?P<secret>[A-Za-z0-9._~+/-]*[0-9][A-Za-z0-9._~+/-]*=*)",
    r"(?i:private_token|access_token|job_token)=(?P<secret>[^&\s'\x22#]+)",
    r"(?i:private-token|job-token|deploy-token)\s*:\s*(?P<secret>[^\s'\x22]+)",
    r"\b(?:glpat|gldt|glrt|glptt|glcbt|gloas)-(?P<secret>[A-Za-z0-9_.-]{8,})",
];

fn token_patterns() -> &'static [TokenPattern] {
    PATTERNS.get_or_init(|| built_in_patterns(&[]).expect("the built-in patterns compile"))
}

static PATTERNS: OnceLock<Vec<TokenPattern>> = OnceLock::new();

fn built_in_patterns(extra: &[String]) -> Result<Vec<TokenPattern>, regex::Error> {
    BUILT_IN_TOKENS
        .iter()
        .map(|p| TokenPattern::new(p))
        .chain(extra.iter().map(|p| TokenPattern::new(p)))
        .collect()
}

/// Adds the operator's own patterns (`--mask REGEX`), once, before any data
/// is read. Bytes are matched (`(?-u)` is not needed); a group named
/// `secret` masks only that part of a match.
pub(crate) fn add_patterns(extra: &[String]) -> Result<(), String> {
    let patterns = built_in_patterns(extra).map_err(|e| format!("--mask: {e}"))?;
    PATTERNS
        .set(patterns)
        .map_err(|_| "the mask patterns were already in use".to_string())
}

/// A line with every token pattern's matches masked.
fn mask_line(line: &[u8], out: &mut Vec<u8>) {
    let mut current: Option<Vec<u8>> = None;
    for pattern in token_patterns() {
        let text = current.as_deref().unwrap_or(line);
        if let Some(masked) = pattern.mask(text) {
            current = Some(masked);
        }
    }
    out.extend_from_slice(current.as_deref().unwrap_or(line));
}

/// Tokens and the operator's patterns, matched a line at a time.
#[derive(Debug, Default)]
struct TokenLines {
    line: Vec<u8>,
}

impl TokenLines {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while let Some(end) = memchr::memchr2(b'\n', b'\r', rest) {
            self.line.extend_from_slice(&rest[..=end]);
            mask_line(&self.line, out);
            self.line.clear();
            rest = &rest[end + 1..];
        }
        self.line.extend_from_slice(rest);
        while self.line.len() >= LINE_LIMIT {
            // Cut after the last blank, so that no token is split.
            let cut = self.line[..LINE_LIMIT]
                .iter()
                .rposition(|b| b.is_ascii_whitespace())
                .map_or(LINE_LIMIT, |i| i + 1);
            mask_line(&self.line[..cut], out);
            self.line.drain(..cut);
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        mask_line(&self.line, out);
        self.line.clear();
    }
}

/// Bytes with secrets masked, in one go.
pub(crate) fn mask_bytes(input: &[u8]) -> Vec<u8> {
    let mut masker = Masker::new();
    let mut out = Vec::with_capacity(input.len());
    masker.feed(input, &mut out);
    masker.finish(&mut out);
    out
}

/// Text with secrets masked, in one go.
pub(crate) fn mask(input: &str) -> String {
    String::from_utf8(mask_bytes(input.as_bytes()))
        .expect("masking replaces ASCII with ASCII, so UTF-8 stays UTF-8")
}

/// Bytes as a host sent them, secrets and all, for galley's own parsing
/// where the exact bytes matter (apt-sources checksums a file it will edit,
/// and matches patterns against repository URIs with their credentials).
/// It can be neither printed nor serialised: `Debug` shows its length only.
pub struct Unmasked(Vec<u8>);

impl Unmasked {
    pub fn new(bytes: Vec<u8>) -> Unmasked {
        Unmasked(bytes)
    }

    /// The bytes, for parsing; whatever is shown of them must pass
    /// through [`mask`] first.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Unmasked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unmasked({} bytes)", self.0.len())
    }
}

/// Private key blocks.
#[derive(Debug, Default)]
struct KeyBlocks {
    /// Bytes that could still be (the start of) a marker.
    pending: Vec<u8>,
    /// Inside a block: its label (`RSA PRIVATE KEY`) and the bytes masked
    /// so far.
    inside: Option<(String, usize)>,
}

impl KeyBlocks {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.pending.extend_from_slice(input);
        while self.step(out, false) {}
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        while self.step(out, true) {}
        if let Some((label, _)) = self.inside.take() {
            out.extend_from_slice(
                format!(
                    "-----BEGIN {label}----- {MASK} [galley: no END line; masked to the end of the output]"
                )
                .as_bytes(),
            );
        } else {
            out.extend_from_slice(&self.pending);
        }
        self.pending.clear();
    }

    /// Moves what is certain from `pending` to `out`; true when there is
    /// more to do (a marker was passed). At the end of the stream nothing
    /// is left to wait for.
    fn step(&mut self, out: &mut Vec<u8>, at_end: bool) -> bool {
        let Some((label, masked)) = self.inside.take() else {
            if let Some(found) = key_begin().captures(&self.pending) {
                let whole = found.get(0).expect("the whole match");
                let label = String::from_utf8_lossy(&found[1]).into_owned();
                out.extend_from_slice(&self.pending[..whole.start()]);
                self.pending.drain(..whole.end());
                self.inside = Some((label, 0));
                return true;
            }
            if !at_end {
                let keep = held_back(&self.pending, b"-----BEGIN ");
                out.extend_from_slice(&self.pending[..self.pending.len() - keep]);
                self.pending.drain(..self.pending.len() - keep);
            }
            return false;
        };
        // The block ends at the first END line that starts within the
        // limit, wherever the input was cut.
        let room = KEY_BLOCK_LIMIT - masked;
        if let Some(end) = key_end().find(&self.pending).filter(|e| e.start() < room) {
            out.extend_from_slice(
                format!("-----BEGIN {label}----- {MASK} -----END {label}-----").as_bytes(),
            );
            self.pending.drain(..end.end());
            return true;
        }
        let longest = marker_length(b"-----END ");
        if self.pending.len() >= room + longest || (at_end && self.pending.len() > room) {
            // No END line can start within the limit any more.
            out.extend_from_slice(
                format!(
                    "-----BEGIN {label}----- {MASK} [galley: no END line within {} KiB; that much masked]",
                    KEY_BLOCK_LIMIT / 1024
                )
                .as_bytes(),
            );
            self.pending.drain(..room);
            return true;
        }
        if !at_end {
            let keep = held_back(&self.pending, b"-----END ");
            let drop = (self.pending.len() - keep).min(room);
            self.pending.drain(..drop);
            self.inside = Some((label, masked + drop));
        } else {
            self.inside = Some((label, masked));
        }
        false
    }
}

/// The longest marker that begins with `word`.
fn marker_length(word: &[u8]) -> usize {
    word.len() + LABEL_LIMIT + "PRIVATE KEY BLOCK-----".len()
}

/// How many bytes at the end of `bytes` could be the start of a marker
/// beginning with `word` (`-----BEGIN `) and not yet complete.
fn held_back(bytes: &[u8], word: &[u8]) -> usize {
    let from = bytes.len().saturating_sub(marker_length(word));
    (from..bytes.len())
        .find(|&i| bytes[i] == b'-' && could_be_marker(&bytes[i..], word))
        .map_or(0, |i| bytes.len() - i)
}

/// Whether `bytes` is the start of `WORD LABEL-----` where LABEL is
/// `[A-Z0-9 ]*` ending in `PRIVATE KEY` or `PRIVATE KEY BLOCK`.
fn could_be_marker(bytes: &[u8], word: &[u8]) -> bool {
    let n = bytes.len().min(word.len());
    if bytes[..n] != word[..n] {
        return false;
    }
    let rest = &bytes[n..];
    let is_label = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b' ';
    let label = rest.iter().position(|b| !is_label(b)).unwrap_or(rest.len());
    if label > LABEL_LIMIT + "PRIVATE KEY BLOCK".len() {
        return false;
    }
    let dashes = &rest[label..];
    dashes.is_empty()
        || ((rest[..label].ends_with(b"PRIVATE KEY")
            || rest[..label].ends_with(b"PRIVATE KEY BLOCK"))
            && dashes.len() < 5
            && dashes.iter().all(|&b| b == b'-'))
}

/// Credentials in URLs: `scheme://USERINFO@`, where the scheme is a letter
/// then letters, digits, `+`, `.` or `-`, and USERINFO is one or more
/// bytes other than `/`, `@` and whitespace. USERINFO is replaced.
#[derive(Debug, Default)]
struct UrlCredentials {
    /// The run of scheme characters just before holds a letter.
    scheme: bool,
    /// How much of `://` follows that run.
    separator: u8,
    /// After `://`: the credentials so far, held back until their end
    /// says whether they were credentials.
    userinfo: Option<Vec<u8>>,
    /// Masking credentials too long to hold, until their end.
    swallowing: bool,
}

fn ends_userinfo(b: u8) -> bool {
    b == b'/' || b == b'@' || b.is_ascii_whitespace()
}

impl UrlCredentials {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            self.byte(b, out);
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.swallowing {
            if ends_userinfo(b) {
                self.swallowing = false;
                self.outside(b, out);
            }
            return;
        }
        let Some(held) = &mut self.userinfo else {
            self.outside(b, out);
            return;
        };
        if b == b'@' {
            if !held.is_empty() {
                out.extend_from_slice(MASK.as_bytes());
            }
            self.userinfo = None;
            self.outside(b, out);
        } else if ends_userinfo(b) {
            // Not credentials: what was held is ordinary text.
            let held = self.userinfo.take().unwrap_or_default();
            for &h in &held {
                self.outside(h, out);
            }
            self.outside(b, out);
        } else {
            held.push(b);
            if held.len() > URL_CREDENTIAL_LIMIT {
                out.extend_from_slice(MASK.as_bytes());
                self.userinfo = None;
                self.swallowing = true;
            }
        }
    }

    /// A byte outside credentials.
    fn outside(&mut self, b: u8, out: &mut Vec<u8>) {
        out.push(b);
        match (self.separator, b) {
            (0, b':') if self.scheme => self.separator = 1,
            (1, b'/') => self.separator = 2,
            (2, b'/') => {
                self.separator = 0;
                self.scheme = false;
                self.userinfo = Some(Vec::new());
            }
            _ => {
                self.separator = 0;
                let scheme_char = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-');
                self.scheme = scheme_char && (self.scheme || b.is_ascii_alphabetic());
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(held) = self.userinfo.take() {
            out.extend_from_slice(&held);
        }
        *self = UrlCredentials::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rules as one regular expression each, for comparison.
    fn reference(input: &str) -> String {
        let urls = regex::Regex::new(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@").unwrap();
        let keys = regex::Regex::new(
            r"(?s)-----BEGIN ([A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?)-----(?:.*?(-----END [A-Z0-9 ]{0,64}PRIVATE KEY(?: BLOCK)?-----)|.*\z)",
        )
        .unwrap();
        let step = keys.replace_all(input, |c: &regex::Captures| match c.get(2) {
            Some(_) => format!("-----BEGIN {}----- REDACTED -----END {}-----", &c[1], &c[1]),
            None => format!(
                "-----BEGIN {}----- REDACTED [galley: no END line; masked to the end of the output]",
                &c[1]
            ),
        });
        let step = urls.replace_all(&step, "${1}REDACTED@").into_owned();
        // Then the token patterns, a line at a time.
        let mut out = Vec::new();
        for line in step
            .as_bytes()
            .split_inclusive(|&b| b == b'\n' || b == b'\r')
        {
            mask_line(line, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    /// Feeds `input` cut at `cuts`.
    fn streamed(input: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut masker = Masker::new();
        let mut out = Vec::new();
        let mut at = 0;
        for &cut in cuts {
            let cut = cut.clamp(at, input.len());
            masker.feed(&input[at..cut], &mut out);
            at = cut;
        }
        masker.feed(&input[at..], &mut out);
        masker.finish(&mut out);
        out
    }

    const KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBzZWNyZXRrZXlib2R5c2VjcmV0a2V5Ym9keXNlY3JldGtleQ==\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn url_credentials_are_masked() {
        assert_eq!(
            mask("deb https://glpat-SECRET:@packages.gitlab.com/gitlab/pre-release/ubuntu jammy main"),
            "deb https://REDACTED@packages.gitlab.com/gitlab/pre-release/ubuntu jammy main"
        );
        assert_eq!(
            mask("git clone https://user:p%40ss@host/x"),
            "git clone https://REDACTED@host/x"
        );
        assert_eq!(
            mask("no secrets: https://host/path?a=b user@host a://b://c@ x://@y"),
            "no secrets: https://host/path?a=b user@host a://b://REDACTED@ x://@y"
        );
        // A scheme starts with a letter.
        assert_eq!(
            mask("9://tok@h +://t@h 1a://tok@h"),
            "9://tok@h +://t@h 1a://REDACTED@h"
        );
    }

    #[test]
    fn key_blocks_are_masked_whole_with_their_label() {
        let out = mask(&format!("before\n{KEY}after"));
        assert_eq!(
            out,
            "before\n-----BEGIN OPENSSH PRIVATE KEY----- REDACTED -----END OPENSSH PRIVATE KEY-----\nafter"
        );
        let pgp = mask(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----",
        );
        assert!(!pgp.contains("lQOYBF"), "{pgp}");
    }

    #[test]
    fn a_key_without_an_end_line_is_masked_to_the_end_and_says_so() {
        let out = mask("x -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nmore");
        assert_eq!(
            out,
            "x -----BEGIN RSA PRIVATE KEY----- REDACTED [galley: no END line; masked to the end of the output]"
        );
    }

    #[test]
    fn a_key_without_an_end_line_masks_at_most_the_limit() {
        let mut input = b"-----BEGIN EC PRIVATE KEY-----\n".to_vec();
        input.extend(std::iter::repeat_n(b'A', KEY_BLOCK_LIMIT + 10));
        input.extend_from_slice(b"\nvisible again\n");
        let out = String::from_utf8(streamed(&input, &[100, 5000, 70_000])).unwrap();
        assert!(
            out.starts_with(
                "-----BEGIN EC PRIVATE KEY----- REDACTED [galley: no END line within 64 KiB"
            ),
            "{}",
            &out[..out.len().min(200)]
        );
        assert!(out.ends_with("\nvisible again\n"));
        assert!(
            out.len() < 200,
            "at most the marker's window is shown: {out}"
        );
    }

    #[test]
    fn overlong_credentials_are_masked_without_waiting_for_their_end() {
        let mut input = b"https://".to_vec();
        input.extend(std::iter::repeat_n(b't', URL_CREDENTIAL_LIMIT + 100));
        input.extend_from_slice(b"@host/ ok");
        assert_eq!(mask_bytes(&input), b"https://REDACTED@host/ ok");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_masked_too() {
        assert_eq!(
            mask_bytes(b"\xff https://tok:@h/ \xfe"),
            b"\xff https://REDACTED@h/ \xfe"
        );
    }

    #[test]
    fn tokens_of_well_known_shapes_are_masked_with_their_labels_kept() {
        for (input, masked) in [
            (
                "curl -H 'Authorization: Bearer eyJhbGciOi.J9x_1-2' x",
                "curl -H 'Authorization: Bearer REDACTED' x",
            ),
            (
                "Authorization: token ghp_abcDEF",
                "Authorization: token REDACTED",
            ),
            (
                "GET /api/v4/projects?private_token=glpat-Ab3_dEf9hIj2KlMn0pQr&per_page=1",
                "GET /api/v4/projects?private_token=REDACTED&per_page=1",
            ),
            ("PRIVATE-TOKEN: s3cr3tValue", "PRIVATE-TOKEN: REDACTED"),
            (
                "export TOKEN=glpat-Ab3_dEf9hIj2KlMn0pQr",
                "export TOKEN=glpat-REDACTED",
            ),
            (
                "deploy token gldt-xYz123456789abc ok",
                "deploy token gldt-REDACTED ok",
            ),
            (
                "header: Bearer 0123456789abcdefABCDEF\n",
                "header: Bearer REDACTED\n",
            ),
        ] {
            assert_eq!(mask(input), masked, "{input}");
        }
        // Prose and ordinary output are left alone.
        for plain in [
            "the bearer of this letter",
            "Bearer tokens are sent in a header",
            "The bearer_token_file property of http_request is deprecated.",
            "glpat- is the prefix of a personal access token",
        ] {
            assert_eq!(mask(plain), plain);
        }
    }

    #[test]
    fn real_chef_client_and_apt_output_is_not_masked() {
        for name in ["chef-client-18.txt", "apt-get-update.txt"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/output")
                .join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(mask(&text), text, "{name}: a false positive");
        }
    }

    #[test]
    fn the_operator_s_patterns_mask_a_match_or_its_secret_group() {
        let patterns = built_in_patterns(&[
            r"vault:v1:[A-Za-z0-9+/=]+".to_string(),
            r"api_key=(?P<secret>\w+)".to_string(),
        ])
        .unwrap();
        let mut out = Vec::new();
        let mut current = b"pw vault:v1:QUJDRA== and api_key=abc123 end".to_vec();
        for pattern in &patterns {
            if let Some(masked) = pattern.mask(&current) {
                current = masked;
            }
        }
        out.extend_from_slice(&current);
        assert_eq!(out, b"pw REDACTED and api_key=REDACTED end");
        assert!(built_in_patterns(&["(".to_string()]).is_err());
    }

    #[test]
    fn a_long_line_is_cut_at_a_blank_so_no_token_is_split() {
        let mut input = "x".repeat(LINE_LIMIT - 20);
        input.push_str(" glpat-Ab3_dEf9hIj2KlMn0pQrStUvWxYz tail");
        let out = String::from_utf8(streamed(input.as_bytes(), &[1, LINE_LIMIT - 3])).unwrap();
        assert!(
            out.ends_with(" glpat-REDACTED tail"),
            "{}",
            &out[out.len() - 40..]
        );
    }

    #[test]
    fn at_most_a_marker_is_held_back() {
        let mut masker = Masker::new();
        let mut out = Vec::new();
        masker.feed(b"line one\n-----BEGIN RSA", &mut out);
        assert_eq!(out, b"line one\n");
        masker.feed(b" PUBLIC KEY-----\n", &mut out);
        assert_eq!(out, b"line one\n-----BEGIN RSA PUBLIC KEY-----\n");
    }

    /// Text made of pieces that look like secrets, and ordinary ones.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(KEY.to_string()),
            Just("-----BEGIN RSA PRIVATE KEY-----\n".to_string()),
            Just("-----END RSA PRIVATE KEY-----".to_string()),
            Just("-----BEGIN ".to_string()),
            Just("https://".to_string()),
            Just("tok:en".to_string()),
            Just("Authorization: Bearer ab12".to_string()),
            Just("private_token=glpat-Ab3_dEf9hIj2".to_string()),
            Just(" ".to_string()),
            Just("@".to_string()),
            Just("/".to_string()),
            Just(":".to_string()),
            Just("9".to_string()),
            Just("+".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            "[a-zA-Z0-9+.:/@ -]{0,12}",
        ]
    }

    proptest! {
        #[test]
        fn how_the_input_is_cut_does_not_change_the_output(
            pieces in proptest::collection::vec(piece(), 0..24),
            cuts in proptest::collection::vec(0usize..600, 0..12),
        ) {
            let input = pieces.concat();
            let mut cuts = cuts;
            cuts.sort_unstable();
            let whole = mask_bytes(input.as_bytes());
            prop_assert_eq!(&streamed(input.as_bytes(), &cuts), &whole);
            let single: Vec<usize> = (0..input.len()).collect();
            prop_assert_eq!(&streamed(input.as_bytes(), &single), &whole);
        }

        #[test]
        fn the_filter_agrees_with_the_regular_expressions(
            pieces in proptest::collection::vec(piece(), 0..24),
        ) {
            let input = pieces.concat();
            prop_assert_eq!(mask(&input), reference(&input));
        }

        #[test]
        fn no_line_of_a_key_body_survives_any_cut(
            before in "[a-z \n]{0,40}",
            after in "[a-z \n]{0,40}",
            cuts in proptest::collection::vec(0usize..400, 0..20),
        ) {
            let input = format!("{before}{KEY}{after}https://glpat-SECRETTOKEN:@gitlab.example.com/x");
            let mut cuts = cuts;
            cuts.sort_unstable();
            let out = String::from_utf8(streamed(input.as_bytes(), &cuts)).unwrap();
            for line in KEY.lines().filter(|l| !l.starts_with("-----")) {
                prop_assert!(!out.contains(line), "{} in {}", line, out);
            }
            prop_assert!(!out.contains("SECRETTOKEN"), "{}", out);
        }
    }
}

#[cfg(test)]
mod entry_points {
    /// The places data enters galley; only they may call the masking code,
    /// so no sink masks on its own (and none can forget to).
    const ENTRY_POINTS: [&str; 11] = [
        "src/action/capture.rs",
        "src/action/apt_sources.rs",
        "src/chef/ruby.rs",
        "src/commands/fleet/mod.rs",
        "src/report/jsonl.rs",
        "src/report/nodes.rs",
        // Reports read into the history index (a reason written by an
        // older galley may hold what this one masks).
        "src/report/history.rs",
        // The Chef server URL, which galley keeps whole to connect (it may
        // carry a password), is masked where it is put into words: the
        // client's errors and warnings, the source's name (also the
        // completion index's), `galley config`.
        "src/chef/client.rs",
        "src/inventory/chef_server.rs",
        "src/commands/config.rs",
        // Registers the operator's --mask patterns.
        "src/lib.rs",
    ];

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn only_the_entry_points_call_the_masking_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        let mut callers: Vec<String> = files
            .iter()
            .filter(|f| !f.ends_with("src/secrets.rs"))
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                text.contains("secrets::") || text.contains("Masker")
            })
            .map(|f| f.strip_prefix(root).unwrap().display().to_string())
            .collect();
        callers.sort();
        let mut expected: Vec<String> = ENTRY_POINTS.iter().map(|s| s.to_string()).collect();
        expected.push("src/action/command.rs".into()); // names Unmasked only
        expected.sort();
        assert_eq!(callers, expected);
    }
}
