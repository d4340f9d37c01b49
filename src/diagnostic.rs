//! Syntax errors that point at a column of what the operator typed.
//!
//! Used by the query parser and the host-list parser: the message says what
//! was expected, and [`SyntaxError`]'s `Display` prints the input again with a
//! caret under the offending character, the way a compiler would.

use std::fmt;

/// A mistake at one place in a one-line input (a query, a host list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was being parsed: "query", "host list".
    pub what: &'static str,
    /// The input, as typed.
    pub input: String,
    /// Byte offset of the mistake in `input` (may equal `input.len()`: "at the end").
    pub offset: usize,
    /// What went wrong and what was expected, as a lowercase sentence fragment.
    pub message: String,
}

impl SyntaxError {
    pub fn new(what: &'static str, input: &str, offset: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            what,
            input: input.to_string(),
            offset: offset.min(input.len()),
            message: message.into(),
        }
    }

    /// The 1-based column of the mistake, counted in characters.
    pub fn column(&self) -> usize {
        self.input[..self.offset].chars().count() + 1
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid {} at column {}: {}",
            self.what,
            self.column(),
            self.message
        )?;
        // Tabs would put the caret in the wrong place: show them as spaces.
        let shown: String = self
            .input
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect();
        writeln!(f, "  {shown}")?;
        write!(f, "  {}^", " ".repeat(self.column() - 1))
    }
}

impl std::error::Error for SyntaxError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_column_counted_in_characters() {
        let err = SyntaxError::new("query", "név:é AND", 9, "'AND' needs a term on its right");
        assert_eq!(err.column(), 8);
        let text = err.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "invalid query at column 8: 'AND' needs a term on its right"
        );
        assert_eq!(lines[1], "  név:é AND");
        assert_eq!(lines[2], "         ^");
    }

    #[test]
    fn offset_past_the_end_points_just_after_the_input() {
        let err = SyntaxError::new("query", "a:b", 99, "x");
        assert_eq!(err.offset, 3);
        assert_eq!(err.column(), 4);
    }
}
