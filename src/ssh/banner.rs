//! The SSH version exchange, read before libssh2 takes the socket: RFC
//! 4253 section 4.2 lets a server send lines before its version line, and
//! OpenSSH reads up to 1024 of them; libssh2 takes the first line as the
//! version. galley takes the preamble lines off the socket (peeking, so
//! the version line itself stays for libssh2) and gives up at once on a
//! peer that is not an SSH-2 server: one that sends an SSH-1 version
//! line, more than 1024 other lines, a line over 8 KB, or closes, and
//! within the connect deadline on one that sends nothing.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::{Error, Socket};
use crate::outcome::Phase;

/// OpenSSH's limit on lines before the version line
/// (kex.c, SSH_MAX_PRE_BANNER_LINES).
const MAX_PREAMBLE_LINES: usize = 1024;
/// The longest line galley looks at.
const MAX_LINE: usize = 8 * 1024;

/// Reads up to the server's version line, leaving that line on the socket.
pub(crate) fn read_preamble(
    stream: &Socket,
    deadline: Instant,
    limit: Duration,
) -> Result<(), Error> {
    let fd = stream.as_raw_fd();
    let mut buf = vec![0u8; MAX_LINE];
    let mut preamble = Preamble::default();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let lines = preamble.lines + usize::from(!preamble.partial.is_empty());
            return Err(silent(lines, limit));
        }
        if !crate::sys::wait_readable(fd, left) {
            continue;
        }
        let n = match crate::sys::peek(fd, &mut buf) {
            Ok(0) => return Err(closed(preamble.lines, preamble.started())),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => {
                return Err(Error::Unreachable(format!(
                    "the connection failed before the SSH version line: {e}"
                )))
            }
        };
        let seen = &buf[..n];
        let newline = memchr::memchr(b'\n', seen);
        let version =
            preamble.partial.is_empty() && (seen.starts_with(b"SSH-") || b"SSH-".starts_with(seen));
        match (version, newline) {
            (true, Some(end)) => return version_line(&seen[..end]),
            (true, None) if n >= MAX_LINE => {
                return Err(Error::NotSsh2(format!(
                    "its version line is over {} KB",
                    MAX_LINE / 1024
                )))
            }
            (true, None) => wait_more(fd, n, deadline),
            // A line before the version line: take it (or what there is
            // of it) off the socket.
            (false, _) => preamble.take(fd, newline.map_or(n, |end| end + 1))?,
        }
    }
}

/// The lines before the version line, as far as they have been read.
#[derive(Default)]
struct Preamble {
    lines: usize,
    /// The first whole line, for the error that names it.
    first: Option<Vec<u8>>,
    /// The part of a preamble line taken so far.
    partial: Vec<u8>,
}

impl Preamble {
    /// What the host sent first, if anything.
    fn started(&self) -> Option<&[u8]> {
        self.first
            .as_deref()
            .or((!self.partial.is_empty()).then_some(&self.partial[..]))
    }

    /// Takes `take` bytes of a preamble line off the socket; a line too
    /// long, or too many lines, end the wait.
    fn take(&mut self, fd: std::os::fd::RawFd, take: usize) -> Result<(), Error> {
        let mut taken = vec![0u8; take];
        let got =
            crate::sys::take(fd, &mut taken).map_err(|e| Error::Unreachable(e.to_string()))?;
        self.partial.extend_from_slice(&taken[..got]);
        if self.partial.len() >= MAX_LINE {
            return Err(Error::NotSsh2(format!(
                "it sent over {} KB without a line break, starting {}",
                MAX_LINE / 1024,
                excerpt(&self.partial)
            )));
        }
        if self.partial.ends_with(b"\n") {
            self.lines += 1;
            let line = std::mem::take(&mut self.partial);
            self.first.get_or_insert(line);
            if self.lines > MAX_PREAMBLE_LINES {
                return Err(Error::NotSsh2(format!(
                    "it sent over {MAX_PREAMBLE_LINES} lines without an SSH version line, starting {}",
                    excerpt(self.first.as_deref().unwrap_or_default())
                )));
            }
        }
        Ok(())
    }
}

/// The version line (without its line feed): SSH-2.0 or SSH-1.99, else
/// refused as OpenSSH refuses it.
fn version_line(line: &[u8]) -> Result<(), Error> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches('\r');
    if line.starts_with("SSH-2.0-") || line.starts_with("SSH-1.99-") {
        return Ok(());
    }
    Err(Error::NotSsh2(format!(
        "it sent the version line {:?} (SSH-1 or unknown); galley, like OpenSSH since 7.6, speaks SSH-2 only",
        &line[..line.len().min(80)]
    )))
}

/// Waits until more than `have` bytes are readable, or the deadline.
fn wait_more(fd: std::os::fd::RawFd, have: usize, deadline: Instant) {
    let mut probe = vec![0u8; have + 1];
    while Instant::now() < deadline {
        match crate::sys::peek(fd, &mut probe) {
            Ok(n) if n > have || n == 0 => return,
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn closed(lines: usize, first: Option<&[u8]>) -> Error {
    match first {
        None => Error::Other {
            phase: Phase::Handshake,
            reason: "the host closed the connection before sending an SSH version line".into(),
        },
        Some(first) => Error::NotSsh2(format!(
            "it sent {lines} line(s) without an SSH version line and closed, starting {}",
            excerpt(first)
        )),
    }
}

fn silent(lines: usize, limit: Duration) -> Error {
    Error::TimedOut {
        phase: Phase::Handshake,
        what: "no SSH version line".into(),
        limit,
        note: Some(if lines == 0 {
            "the peer accepted the connection but sent nothing"
        } else {
            "the peer sent something else"
        }),
    }
}

/// The start of what a peer sent, quoted with control characters escaped.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    fn exchange(sent: &[u8], close: bool) -> (Result<(), Error>, Vec<u8>) {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let sent = sent.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = theirs.write_all(&sent);
            if !close {
                std::thread::sleep(Duration::from_millis(400));
            }
        });
        let socket = Socket::Tunnel(ours);
        let limit = Duration::from_millis(300);
        let result = read_preamble(&socket, Instant::now() + limit, limit);
        let mut rest = vec![0u8; 64];
        let n = crate::sys::peek(socket.as_raw_fd(), &mut rest).unwrap_or(0);
        rest.truncate(n);
        writer.join().unwrap();
        (result, rest)
    }

    #[test]
    fn preamble_lines_are_taken_and_the_version_line_left() {
        let (result, rest) = exchange(b"hello\r\nwelcome\nSSH-2.0-OpenSSH_9.2\r\n", false);
        assert!(result.is_ok(), "{result:?}");
        assert!(rest.starts_with(b"SSH-2.0-OpenSSH_9.2\r\n"));
    }

    #[test]
    fn peers_that_are_not_ssh2_servers_are_named() {
        let (result, _) = exchange(b"SSH-1.5-OpenSSH_3.9p1\n", false);
        assert!(result
            .unwrap_err()
            .to_string()
            .contains("\"SSH-1.5-OpenSSH_3.9p1\""));
        let lines = b"x\n".repeat(MAX_PREAMBLE_LINES + 1);
        let (result, _) = exchange(&lines, false);
        let message = result.unwrap_err().to_string();
        assert!(message.contains("over 1024 lines"), "{message}");
        let (result, _) = exchange(&[b'x'; MAX_LINE], false);
        assert!(result
            .unwrap_err()
            .to_string()
            .contains("without a line break"));
        let (result, _) = exchange(b"HTTP/1.1 400 Bad Request\r\n\x1b[31m", true);
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains("\\u{1b}") || message.contains("HTTP/1.1"),
            "{message}"
        );
    }

    #[test]
    fn silence_ends_at_the_deadline() {
        let (result, _) = exchange(b"", false);
        let error = result.unwrap_err();
        assert_eq!(error.phase(), Phase::Handshake);
        assert!(error.to_string().contains("sent nothing"), "{error}");
    }
}
