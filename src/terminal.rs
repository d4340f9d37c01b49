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

/// Text with control characters shown as escapes: ESC as `\e`, carriage
/// return as `\r`, other C0 controls and DEL as `\xNN`, C1 controls
/// (U+0080 to U+009F) and the bidirectional controls that reorder what
/// follows (U+202A-U+202E, U+2066-U+2069, and the marks U+200E, U+200F,
/// U+061C) as `\u{NN}`: a right-to-left override could make `web-04 ok`
/// of other text. Tab and newline stay.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// A single fleet value (a node name, an address, a tag) for people: as
/// [`escape_controls`], and newline and tab escaped too, so that a value
/// can never start a line of its own (a forged `web-04  ok` row).
pub(crate) fn escape_value(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// The bidirectional controls, which reorder what follows them on screen.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fn escape(text: &str, one_line: bool) -> Cow<'_, str> {
    let is_control = |c: char| {
        (c.is_control() && (one_line || (c != '\n' && c != '\t')))
            || ('\u{80}'..='\u{9f}').contains(&c)
            || is_bidi_control(c)
    };
    if !text.contains(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            '\n' if one_line => out.push_str("\\n"),
            '\t' if one_line => out.push_str("\\t"),
            c if ('\u{80}'..='\u{9f}').contains(&c) || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c if is_control(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Reports a panic (a bug in galley) on stderr with whatever it carries
/// escaped as a fleet value: a panic message can hold a node name.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr().lock(),
            "galley: internal error{place}: {}\nhint: this is a bug in galley; please report it with the command line",
            escape_value(&payload)
        );
    }));
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

/// Writing galley's output to stdout failed, for a reason other than a
/// closed pipe (the command's error says so: `crate::error`).
#[derive(Debug)]
pub(crate) struct OutputFailed(pub(crate) io::Error);

/// A write's result: a closed pipe (`galley search ... | head`) is not a
/// failure, anything else is.
fn written(result: io::Result<()>) -> Result<(), OutputFailed> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(OutputFailed(e)),
        Ok(()) => Ok(()),
    }
}

/// Text for people on stdout: a report, a summary, a table, the hosts'
/// lines. A closed pipe is not an error.
pub(crate) fn print(text: &str, host_bytes: HostBytes) -> Result<(), OutputFailed> {
    written(
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
pub(crate) fn output(text: &str, json: bool) -> Result<(), OutputFailed> {
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
pub(crate) fn data(bytes: &[u8]) -> Result<(), OutputFailed> {
    written(io::stdout().lock().write_all(bytes))
}

/// Writes machine output to stdout through `write` (for documents written
/// piece by piece).
pub(crate) fn data_with(
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputFailed> {
    written(write(&mut io::stdout().lock()))
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
        // A right-to-left override and the isolates are shown, not obeyed.
        assert_eq!(
            escape_controls("a\u{202e}b\u{2066}"),
            "a\\u{202e}b\\u{2066}"
        );
    }

    #[test]
    fn a_value_cannot_start_a_line() {
        assert_eq!(
            escape_value("web-03\nweb-04  ok\t"),
            "web-03\\nweb-04  ok\\t"
        );
        assert!(matches!(
            escape_value("web-01.example.com"),
            Cow::Borrowed(_)
        ));
    }
}
