//! The error that ends a galley command, and how it is shown.
//!
//! A host's failure is never an `Error`: it is an outcome. An `Error` stops
//! the whole command before or instead of running it, and says which exit
//! code that is (usage or setup).

use std::fmt;

use crate::terminal::escape_controls;

use crate::exit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line is wrong (exit 2).
    Usage,
    /// The world is wrong: files, credentials, servers (exit 3).
    Setup,
}

#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub error: anyhow::Error,
    pub hint: Option<String>,
}

impl Error {
    pub fn usage(error: impl Into<anyhow::Error>) -> Error {
        Error {
            kind: ErrorKind::Usage,
            error: error.into(),
            hint: None,
        }
    }

    pub fn setup(error: impl Into<anyhow::Error>) -> Error {
        Error {
            kind: ErrorKind::Setup,
            error: error.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::Usage => exit::USAGE,
            ErrorKind::Setup => exit::SETUP,
        }
    }

    /// Prints the error on stderr: `galley: error: ...`, its causes, a hint.
    /// Colour only when stderr is a terminal and `NO_COLOR` is unset.
    pub fn print(&self) {
        let color = crate::terminal::stderr_is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        crate::terminal::error_screen(&self.render(color));
    }

    /// The text [`Error::print`] shows.
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        // What the error quotes (a server's answer, a file's line) is
        // escaped; only galley's own colours reach the terminal.
        let shown = |text: &dyn fmt::Display| escape_controls(&text.to_string()).into_owned();
        let mut out = format!(
            "galley: {} {}\n",
            paint("1;31", "error:"),
            shown(&self.error)
        );
        for cause in self.error.chain().skip(1) {
            out.push_str(&format!("caused by: {}\n", shown(&cause)));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("{} {}\n", paint("1;36", "hint:"), shown(hint)));
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.render(false))
    }
}

impl From<crate::terminal::OutputFailed> for Error {
    fn from(failed: crate::terminal::OutputFailed) -> Error {
        Error::setup(anyhow::Error::new(failed.0).context("cannot write output"))
    }
}
