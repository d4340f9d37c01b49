//! How galley learns that a command has exited while something it started
//! still holds its output.
//!
//! sshd sends a channel's exit status as soon as the login shell exits, but
//! keeps the channel open until every process holding the shell's stdout or
//! stderr has closed it: a command that leaves `sleep 300 &` (or a daemon
//! started without redirecting its output) holds the channel for as long
//! as that process lives. OpenSSH's client waits with it. libssh2 cannot
//! tell an exit status of 0 from none at all
//! (`libssh2_channel_get_exit_status` answers 0 for both), so the command's
//! wrapper says it itself: its last act is to write an end marker with the
//! status on stderr, and [`EndMarker`] takes it out of the stream.
//!
//! The marker is `RS galley-NONCE:STATUS RS` (RS is byte 0x1e), NONCE being
//! random per galley process, so a command cannot print it by accident. The
//! wrapper's text never holds the marker as it is written (the printf
//! format puts the pieces together), so not even `ps` output on the host
//! can spell it.
//!
//! The wrapper's first act is a start marker, `RS galley-NONCE:start RS`:
//! whether the wrapper ran at all (under `sudo -n`, sudo may refuse to start
//! it), told before the command can run, so a command that `exec`s (and so
//! never reaches the end marker) or prints sudo's words cannot change it.

use std::sync::OnceLock;

/// The record separator that opens and closes the marker.
const RS: u8 = 0x1e;

/// This process's nonce: 16 hex digits.
pub fn nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| {
        let mut bytes = [0u8; 8];
        openssl::rand::rand_bytes(&mut bytes).expect("OpenSSL's random generator works");
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// The shell text that writes the marker for the status in `$VAR` to
/// stderr (double quotes only: the wrapper is single-quoted as a whole).
pub fn printf_command(var: &str) -> String {
    format!(
        r#"printf "\036%s-%s:%d\036" galley {} "${var}" >&2"#,
        nonce()
    )
}

/// The shell text that writes the start marker to stderr.
pub fn printf_start() -> String {
    format!(r#"printf "\036%s-%s:%s\036" galley {} start >&2"#, nonce())
}

/// What comes after the opening in the start marker, its closing RS too.
const START: &[u8] = b"start\x1e";

/// Takes the end marker out of a stream as it arrives, however the stream
/// is cut into reads.
#[derive(Debug)]
pub struct EndMarker {
    /// `RS galley-NONCE:`: what opens the marker.
    opening: Vec<u8>,
    /// Bytes that may be the start of the marker, held back.
    held: Vec<u8>,
    /// The status, once the marker has passed.
    status: Option<i32>,
    /// Whether the start marker has passed.
    started: bool,
}

impl Default for EndMarker {
    fn default() -> Self {
        EndMarker::new(nonce())
    }
}

impl EndMarker {
    fn new(nonce: &str) -> EndMarker {
        let mut opening = vec![RS];
        opening.extend_from_slice(format!("galley-{nonce}:").as_bytes());
        EndMarker {
            opening,
            held: Vec::new(),
            status: None,
            started: false,
        }
    }

    /// The command's exit status, once its marker has been seen.
    pub fn status(&self) -> Option<i32> {
        self.status
    }

    /// Whether galley's wrapper started on the host (its start marker has
    /// been seen).
    pub fn started(&self) -> bool {
        self.started
    }

    /// Takes bytes as they arrive; returns those that are the stream's own
    /// (everything but the marker). Bytes that may begin the marker wait
    /// for the next call.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        if self.status.is_some() && self.held.is_empty() {
            return bytes.to_vec();
        }
        self.held.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(self.held.len());
        let mut at = 0;
        while at < self.held.len() {
            let rest = &self.held[at..];
            if self.status.is_some() || rest[0] != RS {
                // Copy up to the next RS (or everything, once seen).
                let next = if self.status.is_some() {
                    rest.len()
                } else {
                    rest[1..]
                        .iter()
                        .position(|&b| b == RS)
                        .map_or(rest.len(), |p| p + 1)
                };
                out.extend_from_slice(&rest[..next]);
                at += next;
                continue;
            }
            match self.match_at(rest) {
                Match::No => {
                    out.push(RS);
                    at += 1;
                }
                Match::Partial => break,
                Match::Marker { len, status } => {
                    self.status = Some(status);
                    at += len;
                }
                Match::Start { len } => {
                    self.started = true;
                    at += len;
                }
            }
        }
        self.held.drain(..at);
        out
    }

    /// The end of the stream: what was held back is the stream's own.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }

    fn match_at(&self, rest: &[u8]) -> Match {
        let n = rest.len().min(self.opening.len());
        if rest[..n] != self.opening[..n] {
            return Match::No;
        }
        if n < self.opening.len() {
            return Match::Partial;
        }
        let digits = &rest[n..];
        if !self.started {
            let k = digits.len().min(START.len());
            if digits[..k] == START[..k] {
                return match k == START.len() {
                    true => Match::Start { len: n + k },
                    false => Match::Partial,
                };
            }
        }
        // An exit status has at most 3 digits; allow a sign and slack.
        for (i, &b) in digits.iter().enumerate().take(12) {
            match b {
                b'0'..=b'9' | b'-' => continue,
                RS if i > 0 => {
                    let text = std::str::from_utf8(&digits[..i]).unwrap_or("");
                    return match text.parse() {
                        Ok(status) => Match::Marker {
                            len: n + i + 1,
                            status,
                        },
                        Err(_) => Match::No,
                    };
                }
                _ => return Match::No,
            }
        }
        if digits.len() < 12 {
            Match::Partial
        } else {
            Match::No
        }
    }
}

enum Match {
    No,
    Partial,
    Marker { len: usize, status: i32 },
    Start { len: usize },
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn marker(status: i32) -> Vec<u8> {
        format!("\x1egalley-{}:{status}\x1e", nonce()).into_bytes()
    }

    #[test]
    fn the_wrappers_printf_writes_the_marker_the_scanner_takes_out() {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("s=7; echo before >&2; {}", printf_command("s")))
            .output()
            .unwrap();
        assert_eq!(out.stderr, [b"before\n".to_vec(), marker(7)].concat());
        let mut scanner = EndMarker::default();
        assert_eq!(scanner.feed(&out.stderr), b"before\n");
        assert_eq!(scanner.status(), Some(7));
        assert!(
            !printf_command("s")
                .as_bytes()
                .windows(8)
                .any(|w| w == &marker(7)[1..9]),
            "the wrapper's text must not spell the marker"
        );
    }

    #[test]
    fn the_start_marker_says_the_wrapper_started_and_leaves_the_stream() {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("{}; echo hi >&2", printf_start()))
            .output()
            .unwrap();
        let mut scanner = EndMarker::default();
        assert!(!scanner.started());
        assert_eq!(scanner.feed(&out.stderr), b"hi\n");
        assert!(scanner.started());
        assert_eq!(scanner.status(), None);
        let mut lookalike = EndMarker::new("00ff");
        let text = b"\x1egalley-00ff:star\x1e \x1egalley-00ff:starts\x1e";
        let mut out = lookalike.feed(text);
        out.extend(lookalike.finish());
        assert_eq!(out, text);
        assert!(!lookalike.started());
    }

    #[test]
    fn lookalikes_stay_in_the_stream() {
        let mut scanner = EndMarker::new("00ff");
        let text = b"a\x1eb \x1egalley-00fe:1\x1e \x1egalley-00ff:x\x1e\x1e";
        let mut out = scanner.feed(text);
        out.extend(scanner.finish());
        assert_eq!(out, text);
        assert_eq!(scanner.status(), None);
    }

    proptest! {
        #[test]
        fn any_cut_gives_the_same_stream_and_status(
            started in any::<bool>(),
            before in proptest::collection::vec(any::<u8>(), 0..64),
            after in proptest::collection::vec(any::<u8>(), 0..64),
            status in 0..256i32,
            cuts in proptest::collection::vec(1usize..9, 1..40),
        ) {
            let mut input = Vec::new();
            if started {
                input.extend(format!("\x1egalley-{}:start\x1e", nonce()).into_bytes());
            }
            input.extend(&before);
            input.extend(marker(status));
            input.extend(&after);
            let mut scanner = EndMarker::default();
            let mut out = Vec::new();
            let mut rest = &input[..];
            for cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let n = (*cut).min(rest.len());
                out.extend(scanner.feed(&rest[..n]));
                rest = &rest[n..];
            }
            out.extend(scanner.finish());
            let expected = [before, after].concat();
            prop_assert_eq!(out, expected);
            prop_assert_eq!(scanner.status(), Some(status));
            prop_assert_eq!(scanner.started(), started);
        }
    }
}
