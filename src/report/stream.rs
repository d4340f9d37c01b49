//! `--output stream`: each host's lines as they arrive, prefixed with the
//! node name (`name | line` for stdout, `name ! line` for stderr).

use std::collections::BTreeMap;

use crate::outcome::{escape_bytes, OutputStream};

/// Prints output line by line as it arrives, each line prefixed with its
/// node name (padded, as knife does); a last line without a newline is
/// printed when its host finishes.
pub struct StreamPrinter {
    names: Vec<String>,
    width: usize,
    /// Unfinished lines, per host and stream.
    partial: BTreeMap<(usize, OutputStream), Vec<u8>>,
}

impl StreamPrinter {
    pub fn new(targets: &[crate::target::Target]) -> StreamPrinter {
        StreamPrinter {
            names: targets.iter().map(|t| t.name.clone()).collect(),
            width: targets
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(0),
            partial: BTreeMap::new(),
        }
    }

    fn line(&self, index: usize, stream: OutputStream, line: &[u8]) -> String {
        // galley's own marker lines (the host clock before chef-client).
        if line.first() == Some(&0x1e) {
            return String::new();
        }
        let mark = match stream {
            OutputStream::Stdout => '|',
            OutputStream::Stderr => '!',
        };
        format!(
            "{:<width$} {mark} {}\n",
            self.names[index],
            shown(line),
            width = self.width
        )
    }

    /// The complete lines this chunk finishes.
    pub fn output(&mut self, index: usize, stream: OutputStream, bytes: &[u8]) -> String {
        let pending = self.partial.entry((index, stream)).or_default();
        pending.extend_from_slice(bytes);
        let Some(last_newline) = pending.iter().rposition(|&b| b == b'\n') else {
            return String::new();
        };
        let complete: Vec<u8> = pending.drain(..=last_newline).collect();
        complete
            .split(|&b| b == b'\n')
            .take_while(|_| true)
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, lines)| lines.iter().map(|l| self.line(index, stream, l)).collect())
            .unwrap_or_default()
    }

    /// Lines left without a newline when the host finished.
    pub fn finish(&mut self, index: usize) -> String {
        let mut out = String::new();
        for stream in [OutputStream::Stdout, OutputStream::Stderr] {
            if let Some(rest) = self.partial.remove(&(index, stream)) {
                if !rest.is_empty() {
                    out.push_str(&self.line(index, stream, &rest));
                }
            }
        }
        out
    }
}

/// Output shown escaped for people (for the stream mode and messages).
pub fn shown(bytes: &[u8]) -> String {
    escape_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_lines_are_prefixed_and_the_last_partial_line_kept() {
        let targets: Vec<crate::target::Target> = ["a", "long-name"]
            .iter()
            .map(|n| crate::target::Target {
                name: n.to_string(),
                address: "x".into(),
                port: None,
                node: std::sync::Arc::new(crate::inventory::Node::bare(n)),
            })
            .collect();
        let mut p = StreamPrinter::new(&targets);
        assert_eq!(
            p.output(0, OutputStream::Stdout, b"one\ntw"),
            "a         | one\n"
        );
        assert_eq!(
            p.output(1, OutputStream::Stderr, b"err\n"),
            "long-name ! err\n"
        );
        assert_eq!(
            p.output(0, OutputStream::Stdout, b"o\nthree"),
            "a         | two\n"
        );
        assert_eq!(p.output(0, OutputStream::Stdout, b"\xff end"), "");
        assert_eq!(p.finish(0), "a         | three\\xff end\n");
        assert_eq!(p.finish(1), "");
    }
}
