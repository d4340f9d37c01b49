//! Candidates as the shell must receive them so that what it reads back
//! is the candidate itself: no fleet value (a node name, a tag, a file in
//! the folder) ever becomes shell syntax.
//!
//! bash inserts a candidate as it is, inside whatever quote the operator
//! opened (its readline then closes that quote): so galley quotes for
//! that context. Outside quotes a candidate with a character bash would
//! read is single-quoted; inside `'` a `'` becomes `'\''`; inside `"` the
//! characters double quotes still read (`$`, `` ` ``, `\`, `"`) are
//! backslashed, and `!` (history expansion, which a backslash cannot stop
//! inside double quotes without staying in the word) is written as
//! `"'!'"`. zsh (compadd) and fish quote what they insert themselves, for
//! the context they see.

/// The quote an operator opened the word with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    None,
    Single,
    Double,
}

impl Context {
    /// The context a word as typed on the line is in (its first character).
    pub(crate) fn of(typed: &str) -> Context {
        match typed.chars().next() {
            Some('\'') => Context::Single,
            Some('"') => Context::Double,
            _ => Context::None,
        }
    }
}

/// Whether bash would read a character of `text` outside quotes.
pub(crate) fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.contains(|c: char| !(c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c)))
}

/// `text` for bash in `context`; `quote`: outside quotes, single-quote it
/// (galley quotes every candidate alike when one needs it, so that bash
/// can still insert what they have in common).
pub(crate) fn bash(text: &str, context: Context, quote: bool) -> String {
    match context {
        Context::Single => text.replace('\'', r"'\''"),
        Context::Double => {
            let mut out = String::with_capacity(text.len() + 8);
            for c in text.chars() {
                match c {
                    '$' | '`' | '\\' | '"' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '!' => out.push_str(r#""'!'""#),
                    c => out.push(c),
                }
            }
            out
        }
        Context::None if quote => format!("'{}'", text.replace('\'', r"'\''")),
        Context::None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What bash reads back from `line` (a word on a command line), by
    /// printing its one argument.
    fn bash_reads(words: &[String]) -> Vec<String> {
        let script: String = words
            .iter()
            .map(|w| format!("printf '%s\\0' {w}\n"))
            .collect();
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &script])
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
            .split(|&b| b == 0)
            .take(words.len())
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    }

    /// A word as bash sees it once readline inserted `candidate` in
    /// `context` and closed the quote.
    fn on_the_line(candidate: &str, context: Context) -> String {
        match context {
            Context::None => candidate.to_string(),
            Context::Single => format!("'{candidate}'"),
            Context::Double => format!("\"{candidate}\""),
        }
    }

    #[test]
    fn hostile_values_are_read_back_as_themselves() {
        let values = [
            "rotation$(touch${IFS}x).jsonl",
            "deploy`touch$IFS/tmp/x`",
            "[$(touch x)]",
            "it's \"quoted\" \\ and ! and \n a line",
            "",
        ];
        let mut words = Vec::new();
        let mut expected = Vec::new();
        for value in values {
            for context in [Context::None, Context::Single, Context::Double] {
                words.push(on_the_line(&bash(value, context, true), context));
                expected.push(value.to_string());
            }
        }
        assert_eq!(bash_reads(&words), expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn any_string_is_read_back_as_itself(values in proptest::collection::vec("[^\u{0}]{0,16}", 8)) {
            let mut words = Vec::new();
            let mut expected = Vec::new();
            for value in &values {
                for context in [Context::None, Context::Single, Context::Double] {
                    words.push(on_the_line(&bash(value, context, true), context));
                    expected.push(value.clone());
                }
            }
            prop_assert_eq!(bash_reads(&words), expected);
        }
    }
}
