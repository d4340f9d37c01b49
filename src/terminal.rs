//! Where galley's text leaves for the operator: the one gate to stdout and
//! stderr. Hosts' bytes can hold control sequences that recolour or
//! retitle a terminal, move its cursor over earlier lines (and so fake
//! what galley reports) or write its clipboard (OSC 52), so text for
//! people passes through [`escape_controls`] here, as `less` and
//! `journalctl` show such bytes by default: C0 controls other than tab and
//! newline, DEL and the C1 controls become visible text (`\e[31m`).
//! `--raw-output` passes hosts' output through as it came.
//!
//! Machine output (JSON, completions, the man page) goes out as it is:
//! JSON escapes control characters itself, and reports keep hosts' bytes
//! losslessly. Nothing else in galley prints: clippy refuses `println!`,
//! `eprintln!`, `std::io::stdout` and `std::io::stderr` elsewhere
//! (`clippy.toml`).
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

use crate::error::{output_result, Error};

/// Text with control characters shown as escapes: ESC as `\e`, carriage
/// return as `\r`, other C0 controls and DEL as `\xNN`, C1 controls
/// (U+0080 to U+009F) as `\u{NN}`. Tab and newline stay.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    let is_control =
        |c: char| (c.is_control() && c != '\n' && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c);
    if !text.contains(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c if is_control(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// How hosts' output is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostBytes {
    /// Control characters escaped (the default).
    #[default]
    Escaped,
    /// As the hosts sent them (`--raw-output`).
    Raw,
}

/// Text for people on stdout: a report, a summary, a table, the hosts'
/// lines. A closed pipe is not an error.
pub(crate) fn print(text: &str, host_bytes: HostBytes) -> Result<(), Error> {
    output_result(
        io::stdout()
            .lock()
            .write_all(shown(text, host_bytes).as_bytes()),
    )
}

/// Text as it is shown: escaped unless hosts' bytes go out raw.
fn shown(text: &str, host_bytes: HostBytes) -> Cow<'_, str> {
    match host_bytes {
        HostBytes::Escaped => escape_controls(text),
        HostBytes::Raw => Cow::Borrowed(text),
    }
}

/// A command's output: JSON for programs as it is, anything else as text
/// for people.
pub(crate) fn output(text: &str, json: bool) -> Result<(), Error> {
    if json {
        data(text.as_bytes())
    } else {
        print(text, HostBytes::Escaped)
    }
}

/// Text for people on stderr (the summary of `--output stream`).
pub(crate) fn eprint(text: &str, host_bytes: HostBytes) {
    let _ = io::stderr()
        .lock()
        .write_all(shown(text, host_bytes).as_bytes());
}

/// One of galley's messages on stderr (`galley: warning: ...`): node
/// names, paths and server answers in it are escaped.
pub(crate) fn message(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", escape_controls(line));
}

/// Bytes for programs on stdout (JSON, completions, the man page), as they
/// are.
pub(crate) fn data(bytes: &[u8]) -> Result<(), Error> {
    output_result(io::stdout().lock().write_all(bytes))
}

/// Writes machine output to stdout through `write` (for documents written
/// piece by piece).
pub(crate) fn data_with(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Error> {
    output_result(write(&mut io::stdout().lock()))
}

/// An error screen already escaped by its renderer, with galley's own
/// colours in it.
pub(crate) fn error_screen(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Whether stderr is a terminal (for the progress line and colours).
pub(crate) fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_become_visible_text() {
        assert_eq!(
            escape_controls("\x1b[31mRED\x1b[0m \x1b]0;title\x07 ok\r\n\tdel\x7f"),
            "\\e[31mRED\\e[0m \\e]0;title\\x07 ok\\r\n\tdel\\x7f"
        );
        // C1 controls as UTF-8 (U+009B is a one-character CSI).
        assert_eq!(escape_controls("a\u{9b}31mb\u{85}"), "a\\u{9b}31mb\\u{85}");
        assert!(matches!(escape_controls("plain é ü\n"), Cow::Borrowed(_)));
    }
}
