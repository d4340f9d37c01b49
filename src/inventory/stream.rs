//! Large node files read element by element: an array of nodes, or a knife
//! search result's `rows`, from the file through a buffer, a batch of nodes
//! at a time, so memory holds the batch and the nodes kept, never the file.
//!
//! A small scanner finds where each node's text starts and ends (brackets
//! and strings, with their escapes); serde_json then reads each node, in
//! parallel, as it reads a node of a small file. Anything the scanner does
//! not expect (a stray byte, text after the array, bytes that are not UTF-8)
//! hands the file back to be read whole, where serde_json names the line
//! and column of the mistake.
//!
//! Used for files over [`STREAM_ABOVE`]; smaller files are read whole,
//! which lets a bad node be named with its line and column. Here a bad
//! node is named by its place (`node #N`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::loading::{in_order, LoadError, Location, Read, Scanned, Selecting};
use super::node::{NodeError, Origin};

/// Files larger than this are read element by element.
pub const STREAM_ABOVE: u64 = 16 << 20;

/// Nodes read and matched together.
const BATCH: usize = 32;

/// What reading a file element by element came to.
pub(super) enum Streamed {
    /// An array of nodes or a search result's rows, read.
    Nodes(Scanned),
    /// Something else (a single node, a mistake): read it whole.
    Whole,
}

/// Reads `path` element by element, keeping what `keep` selects. The
/// scanner runs on this thread and hands batches to another, which reads
/// each batch's nodes in parallel meanwhile.
pub(super) fn read(path: &Path, keep: Option<&Selecting>) -> Result<Streamed, LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let origin = Origin::file(path);
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut nodes = Batches {
                origin,
                keep,
                read: 0,
                scanned: Scanned::default(),
            };
            for batch in receive {
                // A bad node ends the read: the scanner sees the channel
                // close and stops.
                nodes.read_batch(batch)?;
            }
            Ok::<Scanned, LoadError>(nodes.scanned)
        });
        let mut scan = Scanner {
            input: BufReader::with_capacity(1 << 20, file),
            batch: Vec::with_capacity(BATCH),
            send,
        };
        let scanned = scan.top();
        let flushed = scanned.and_then(|found| {
            if found.is_some() {
                scan.flush()?;
            }
            Ok(found)
        });
        drop(scan);
        let nodes = reader.join().expect("the node reader does not panic");
        match (flushed, nodes) {
            (_, Err(error)) => Err(error),
            (Ok(Some(())), Ok(scanned)) => Ok(Streamed::Nodes(scanned)),
            (Ok(None), Ok(_)) | (Err(Stop::Closed), Ok(_)) => Ok(Streamed::Whole),
            (Err(Stop::Io(source)), Ok(_)) => Err(LoadError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    })
}

/// Why the scan stopped short.
enum Stop {
    /// The node reader stopped (at a bad node, which it reports).
    Closed,
    Io(std::io::Error),
}

/// `Ok(None)`: not what the scanner reads; the file is read whole.
type Scan<T> = Result<Option<T>, Stop>;

struct Batches<'m> {
    origin: Origin,
    keep: Option<&'m Selecting>,
    /// Nodes read before this batch (for their place, `node #N`).
    read: usize,
    scanned: Scanned,
}

impl Batches<'_> {
    /// Reads and matches a batch in parallel, then lets it go.
    fn read_batch(&mut self, batch: Vec<Vec<u8>>) -> Result<(), LoadError> {
        let first = self.read;
        self.read += batch.len();
        let (origin, keep) = (&self.origin, self.keep);
        let reads = in_order(batch.into_par_iter().enumerate().map(|(i, bytes)| {
            let location = Location {
                origin: Origin {
                    position: Some(first + i + 1),
                    ..origin.clone()
                },
                line_column: None,
            };
            let text = match String::from_utf8(bytes) {
                Ok(text) => Arc::new(text),
                Err(_) => {
                    return Err(LoadError::Node {
                        location,
                        error: NodeError::Json("invalid UTF-8".into()),
                    })
                }
            };
            Read::node(&text, 0..text.len(), location, keep)
        }))?;
        self.scanned.extend(reads);
        Ok(())
    }
}

struct Scanner<R> {
    input: R,
    batch: Vec<Vec<u8>>,
    send: std::sync::mpsc::SyncSender<Vec<Vec<u8>>>,
}

impl<R: BufRead> Scanner<R> {
    fn push(&mut self, node: Vec<u8>) -> Result<(), Stop> {
        self.batch.push(node);
        if self.batch.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if batch.is_empty() {
            return Ok(());
        }
        self.send.send(batch).map_err(|_| Stop::Closed)
    }

    /// The next byte, not consumed.
    fn peek(&mut self) -> Result<Option<u8>, Stop> {
        Ok(self.input.fill_buf().map_err(Stop::Io)?.first().copied())
    }

    fn bump(&mut self) {
        self.input.consume(1);
    }

    fn skip_whitespace(&mut self) -> Result<Option<u8>, Stop> {
        loop {
            let buf = self.input.fill_buf().map_err(Stop::Io)?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    let b = buf[i];
                    self.input.consume(i);
                    return Ok(Some(b));
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                }
            }
        }
    }

    /// The file: an array of nodes, or an object with `rows`, then nothing.
    fn top(&mut self) -> Scan<()> {
        let found = match self.skip_whitespace()? {
            Some(b'[') => self.array()?,
            Some(b'{') => self.object()?,
            _ => None,
        };
        if found.is_none() || self.skip_whitespace()?.is_some() {
            return Ok(None);
        }
        Ok(Some(()))
    }

    /// `[node, node, ...]`, at its `[`.
    fn array(&mut self) -> Scan<()> {
        self.bump();
        if self.skip_whitespace()? == Some(b']') {
            self.bump();
            return Ok(Some(()));
        }
        loop {
            let Some(value) = self.value(true)? else {
                return Ok(None);
            };
            self.push(value)?;
            match self.skip_whitespace()? {
                Some(b',') => {
                    self.bump();
                    self.skip_whitespace()?;
                }
                Some(b']') => {
                    self.bump();
                    return Ok(Some(()));
                }
                _ => return Ok(None),
            }
        }
    }

    /// `{"results": N, "rows": [...], ...}`, at its `{`; None without rows.
    fn object(&mut self) -> Scan<()> {
        self.bump();
        let mut rows = false;
        if self.skip_whitespace()? == Some(b'}') {
            return Ok(None);
        }
        loop {
            if self.skip_whitespace()? != Some(b'"') {
                return Ok(None);
            }
            let Some(key) = self.value(true)? else {
                return Ok(None);
            };
            if self.skip_whitespace()? != Some(b':') {
                return Ok(None);
            }
            self.bump();
            let next = self.skip_whitespace()?;
            if key == b"\"rows\"" && next == Some(b'[') {
                rows = true;
                if self.array()?.is_none() {
                    return Ok(None);
                }
            } else if self.value(false)?.is_none() {
                return Ok(None);
            }
            match self.skip_whitespace()? {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(rows.then_some(()));
                }
                _ => return Ok(None),
            }
        }
    }

    /// One JSON value's bytes from here (kept when `keep`): an object or an
    /// array to its matching bracket, a string to its closing quote, any
    /// other value to the next `,`, `]`, `}` or whitespace.
    fn value(&mut self, keep: bool) -> Scan<Vec<u8>> {
        let mut out = Vec::new();
        let Some(first) = self.peek()? else {
            return Ok(None);
        };
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let buf = self.input.fill_buf().map_err(Stop::Io)?;
            if buf.is_empty() {
                return Ok(scalar.then_some(out));
            }
            let mut end = None;
            let mut i = 0;
            while i < buf.len() {
                let b = buf[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    } else {
                        // Most of a node is strings: jump to the next byte
                        // that can end one.
                        match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                            Some(skip) => i += skip,
                            None => i = buf.len(),
                        }
                        continue;
                    }
                    i += 1;
                    continue;
                }
                match b {
                    b'"' if !scalar => in_string = true,
                    b'{' | b'[' if !scalar => depth += 1,
                    b'}' | b']' if !scalar => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    b',' | b']' | b'}' if scalar => {
                        end = Some(i);
                        break;
                    }
                    b if scalar && b.is_ascii_whitespace() => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let take = end.unwrap_or(buf.len());
            if keep {
                out.extend_from_slice(&buf[..take]);
            }
            self.input.consume(take);
            if end.is_some() {
                return Ok(Some(out));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the scanner hands on for `text`, None when it gives up.
    fn elements(text: &str) -> Option<Vec<String>> {
        elements_through(text, text.len().max(1))
    }

    /// As [`elements`], reading through a buffer of `capacity` bytes: a
    /// small one puts strings, escapes and brackets across its edges.
    fn elements_through(text: &str, capacity: usize) -> Option<Vec<String>> {
        let (send, receive) = std::sync::mpsc::sync_channel(100_000);
        let mut scan = Scanner {
            input: std::io::BufReader::with_capacity(capacity, text.as_bytes()),
            batch: Vec::new(),
            send,
        };
        let found = scan.top().ok()?;
        scan.flush().ok()?;
        drop(scan);
        found?;
        Some(
            receive
                .into_iter()
                .flatten()
                .map(|b| String::from_utf8(b).unwrap())
                .collect(),
        )
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i32>().prop_map(Value::from),
            "[\"\\\\{}\\[\\]:, yY_\u{7f}a-zé\n\t]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec(("[\"\\\\{}\\[\\]a-z_Y]{0,12}", inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn every_element_is_found_whole_across_buffer_edges(
            values in proptest::collection::vec(json_value(), 0..8),
            pretty in proptest::bool::ANY,
            capacity in 1usize..64,
        ) {
            let shown: Vec<String> = values
                .iter()
                .map(|v| if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap())
                .collect();
            let text = format!("[{}]", shown.join(if pretty { ",\n  " } else { "," }));
            proptest::prop_assert_eq!(elements_through(&text, capacity), Some(shown.clone()));
            proptest::prop_assert_eq!(elements(&text), Some(shown));
        }
    }

    #[test]
    fn values_end_where_json_says_whatever_their_strings_hold() {
        assert_eq!(
            elements(r#"[ {"a": "x]}\"{["}, {"b": [1, {"c": null}]} ,3, "s\\"]"#).unwrap(),
            [
                r#"{"a": "x]}\"{["}"#,
                r#"{"b": [1, {"c": null}]}"#,
                "3",
                r#""s\\""#
            ]
        );
        assert_eq!(elements("[]").unwrap(), Vec::<String>::new());
        assert_eq!(elements("[{\"a\": 1} {\"b\": 2}]"), None, "a missing comma");
        assert_eq!(elements("[1] [2]"), None, "text after the array");
        assert_eq!(
            elements(r#"{"results": 1, "rows": [{"n": "a"}], "start": 0}"#).unwrap(),
            [r#"{"n": "a"}"#]
        );
        assert_eq!(elements(r#"{"name": "a node"}"#), None, "no rows: a node");
    }
}
