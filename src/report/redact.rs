//! Secrets never leave galley: credentials inside URLs
//! (`https://TOKEN:@packages.example.com/`, `https://user:password@host/`)
//! and private key blocks are replaced before any output, log or report.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::bytes::Regex;

/// What stands where a secret was.
pub const MASK: &str = "REDACTED";

fn url_credentials() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // scheme://userinfo@ : the userinfo (anything up to '@' without '/',
    // whitespace or another '@') is the secret.
    RE.get_or_init(|| Regex::new(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/@\s]+@").unwrap())
}

fn private_keys() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?s)-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)").unwrap()
    })
}

/// Bytes with secrets masked.
pub fn bytes(input: &[u8]) -> Cow<'_, [u8]> {
    let step = url_credentials().replace_all(input, format!("${{1}}{MASK}@").as_bytes());
    match private_keys().replace_all(
        &step,
        format!("-----BEGIN ${{1}}PRIVATE KEY----- {MASK} -----END ${{1}}PRIVATE KEY-----")
            .as_bytes(),
    ) {
        Cow::Borrowed(_) => step,
        Cow::Owned(owned) => Cow::Owned(owned),
    }
}

/// Text with secrets masked.
pub fn text(input: &str) -> String {
    String::from_utf8(bytes(input.as_bytes()).into_owned())
        .expect("replacing ASCII in UTF-8 keeps UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_masked() {
        assert_eq!(
            text("deb https://glpat-SECRET:@packages.gitlab.com/gitlab/pre-release/ubuntu jammy main"),
            "deb https://REDACTED@packages.gitlab.com/gitlab/pre-release/ubuntu jammy main"
        );
        assert_eq!(
            text("git clone https://user:p%40ss@host/x"),
            "git clone https://REDACTED@host/x"
        );
        assert_eq!(
            text("no secrets: https://host/path?a=b user@host"),
            "no secrets: https://host/path?a=b user@host"
        );
    }

    #[test]
    fn private_key_blocks_are_masked_even_when_cut_short() {
        let key = "before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nafter";
        let out = text(key);
        assert!(!out.contains("b3BlbnNzaC1rZXk"), "{out}");
        assert!(
            out.starts_with("before\n") && out.ends_with("\nafter"),
            "{out}"
        );
        let cut = text("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA");
        assert!(!cut.contains("MIIEow"), "{cut}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_masked_too() {
        let out = bytes(b"\xff https://tok:@h/ \xfe");
        assert_eq!(&*out, b"\xff https://REDACTED@h/ \xfe");
    }
}
