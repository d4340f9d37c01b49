//! Large node files read element by element: an array of nodes, or a knife
//! search result's `rows`, from the file a block at a time, so memory holds
//! the blocks in flight and the nodes kept, never the file.
//!
//! A small scanner finds where each node's text starts and ends in a block
//! of the file: in pretty-printed JSON from the indent of the line that
//! opens it (a guess its parse proves, see `Ends::Guessed`), otherwise by
//! its brackets and strings, with their escapes. The block, once the
//! scanner is past it, goes to another thread whole with its nodes'
//! ranges, and serde_json reads those nodes in parallel, straight from the
//! block, as it reads the nodes of a small file. Only a node cut by a
//! block's end is copied, to the start of the next block. Anything the
//! scanner does not expect (a stray byte, text after the array, bytes that
//! are not UTF-8 between nodes) hands the file back to be read whole, where
//! serde_json names the line and column of the mistake.
//!
//! Used for files over [`STREAM_ABOVE`]; smaller files are read whole,
//! which lets a bad node be named with its line and column. Here a bad
//! node is named by its place (`node #N`).

use std::fs::File;
use std::io::Read as _;
use std::ops::Range;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use rayon::prelude::*;

use super::loading::{in_order, LoadError, Location, Read, Scanned, Selecting};
use super::node::{NodeError, Origin};

/// Files larger than this are read element by element.
pub const STREAM_ABOVE: u64 = 16 << 20;

/// Bytes read from the file at a time: a block holds this much, and more
/// only when one node is larger.
const BLOCK: usize = 2 << 20;

/// What reading a file element by element came to.
pub(super) enum Streamed {
    /// An array of nodes or a search result's rows, read.
    Nodes(Scanned),
    /// Something else (a single node, a mistake): read it whole.
    Whole,
}

/// A stretch of the file and the nodes that lie whole in it.
struct Block {
    /// Where `bytes` start in the file.
    offset: usize,
    bytes: Vec<u8>,
    nodes: Vec<Range<usize>>,
}

/// Reads `path` element by element, keeping what `keep` selects: first
/// with nodes' ends guessed from the layout of pretty-printed JSON, which
/// spares the scan of every byte; when a guess proves wrong (a node that
/// does not parse, the scanner lost), again with every end found by
/// scanning, which also names a real mistake rightly.
pub(super) fn read(path: &Path, keep: Option<&Selecting>) -> Result<Streamed, LoadError> {
    match read_with(path, keep, Ends::Guessed) {
        Ok(Some(scanned)) => return Ok(Streamed::Nodes(scanned)),
        Ok(None)
        | Err(LoadError::Node {
            error: NodeError::Json(_),
            ..
        }) => {}
        Err(error) => return Err(error),
    }
    Ok(match read_with(path, keep, Ends::Scanned)? {
        Some(scanned) => Streamed::Nodes(scanned),
        None => Streamed::Whole,
    })
}

/// How the scanner finds where a node ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ends {
    /// A node that opens on a line of its own, after an indent, ends at
    /// the first line that closes it with the same indent (`\n  }`), as
    /// every pretty-printer writes JSON (knife, jq, Ruby's and Python's).
    /// A guess: a JSON string holds no raw newline, so the needle is
    /// always in the structure, but only the node's parse proves it is
    /// this node's end (serde_json refuses a value cut short or text left
    /// after one, and where a value ends follows from where it starts).
    Guessed,
    /// Every byte scanned: brackets and strings, with their escapes.
    Scanned,
}

/// One read of the file; `Ok(None)` when it is not what the scanner reads
/// (or a guess went wrong).
fn read_with(
    path: &Path,
    keep: Option<&Selecting>,
    ends: Ends,
) -> Result<Option<Scanned>, LoadError> {
    let file = File::open(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let origin = Origin::file(path);
    let (send, receive) = std::sync::mpsc::sync_channel::<Block>(1);
    // Blocks whose nodes are read go back to be filled again, so the
    // blocks in flight are the same few buffers throughout.
    let (spent, spare) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut nodes = Nodes {
                origin,
                keep,
                read: 0,
                scanned: Scanned::default(),
                spent,
            };
            for block in receive {
                // A bad node ends the read: the scanner sees the channel
                // close and stops.
                if !nodes.read_block(block)? {
                    return Ok(None);
                }
            }
            Ok::<Option<Scanned>, LoadError>(Some(nodes.scanned))
        });
        let mut scan = Scanner::new(file, BLOCK, send);
        scan.ends = ends;
        scan.spare = Some(spare);
        let scanned = scan.top();
        let finished = scanned.and_then(|found| {
            if found.is_some() {
                scan.finish()?;
            }
            Ok(found)
        });
        drop(scan);
        let nodes = reader.join().expect("the node reader does not panic");
        match (finished, nodes) {
            (_, Err(error)) => Err(error),
            (Ok(Some(())), Ok(Some(scanned))) => Ok(Some(scanned)),
            (Err(Stop::Io(source)), Ok(_)) => Err(LoadError::Read {
                path: path.to_path_buf(),
                source,
            }),
            _ => Ok(None),
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

/// The node reader's side: each block's nodes read and matched.
struct Nodes<'m> {
    origin: Origin,
    keep: Option<&'m Selecting>,
    /// Nodes read before this block (for their place, `node #N`).
    read: usize,
    scanned: Scanned,
    spent: SyncSender<Vec<u8>>,
}

impl Nodes<'_> {
    /// Reads and matches a block's nodes in parallel, then lets the block
    /// go. False when the block is not UTF-8 between its nodes: the file
    /// is then read whole, for serde_json's line and column.
    fn read_block(&mut self, block: Block) -> Result<bool, LoadError> {
        let first = self.read;
        self.read += block.nodes.len();
        let offset = block.offset;
        let location = |i: usize, node: &Range<usize>| Location {
            origin: self
                .origin
                .in_file(first + i + 1, offset + node.start..offset + node.end),
            line_column: None,
        };
        let text = match String::from_utf8(block.bytes) {
            Ok(text) => Arc::new(text),
            Err(error) => {
                let at = error.utf8_error().valid_up_to();
                return match block.nodes.iter().position(|node| node.contains(&at)) {
                    Some(i) => Err(LoadError::Node {
                        location: Box::new(location(i, &block.nodes[i])),
                        error: NodeError::Json("invalid UTF-8".into()),
                    }),
                    None => Ok(false),
                };
            }
        };
        let keep = self.keep;
        let reads = in_order(
            block
                .nodes
                .into_par_iter()
                .enumerate()
                .map(|(i, range)| Read::node(&text, range.clone(), location(i, &range), keep)),
        )?;
        self.scanned.extend(reads);
        // Nodes kept whole (no query) hold the block: it stays theirs.
        if let Ok(text) = Arc::try_unwrap(text) {
            let _ = self.spent.try_send(text.into_bytes());
        }
        Ok(true)
    }
}

/// Finds the nodes in the file's bytes, a block at a time.
struct Scanner<R> {
    input: R,
    /// The block being scanned: bytes from the file, from the first one
    /// not yet handed on.
    data: Vec<u8>,
    /// Where the scanner is in `data`.
    pos: usize,
    /// Where `data` starts in the file.
    offset: usize,
    /// Bytes read from the file at a time.
    block: usize,
    /// Nodes found whole in `data`, not yet handed on.
    found: Vec<Range<usize>>,
    send: SyncSender<Block>,
    ends: Ends,
    /// Buffers to fill again, once their nodes are read.
    spare: Option<Receiver<Vec<u8>>>,
    /// The guessed end's needle for the indent nodes last had.
    closing: memchr::memmem::Finder<'static>,
}

impl<R: std::io::Read> Scanner<R> {
    fn new(input: R, block: usize, send: SyncSender<Block>) -> Self {
        Scanner {
            input,
            data: Vec::new(),
            pos: 0,
            offset: 0,
            block,
            found: Vec::new(),
            send,
            ends: Ends::Scanned,
            spare: None,
            closing: memchr::memmem::Finder::new(b"\n}").into_owned(),
        }
    }

    /// Hands on `data[..keep_from]` with the nodes found in it, keeps the
    /// rest, and reads more after it. False at the file's end. Offsets
    /// into `data` the caller holds move down by `keep_from`.
    fn more(&mut self, keep_from: usize) -> Result<bool, Stop> {
        self.hand_on(keep_from)?;
        // One value larger than a block grows it, doubling.
        let want = self.block.max(self.data.len());
        self.data.reserve(want);
        let read = (&mut self.input)
            .take(want as u64)
            .read_to_end(&mut self.data)
            .map_err(Stop::Io)?;
        Ok(read > 0)
    }

    fn hand_on(&mut self, keep_from: usize) -> Result<(), Stop> {
        if keep_from == 0 {
            return Ok(());
        }
        self.pos -= keep_from;
        let offset = self.offset;
        self.offset += keep_from;
        if self.found.is_empty() {
            self.data.drain(..keep_from);
            return Ok(());
        }
        let mut rest = match &self.spare {
            Some(spare) => spare.try_recv().unwrap_or_default(),
            None => Vec::new(),
        };
        rest.clear();
        rest.reserve(self.block + self.data.len() - keep_from);
        rest.extend_from_slice(&self.data[keep_from..]);
        let mut bytes = std::mem::replace(&mut self.data, rest);
        bytes.truncate(keep_from);
        let nodes = std::mem::take(&mut self.found);
        self.send
            .send(Block {
                offset,
                bytes,
                nodes,
            })
            .map_err(|_| Stop::Closed)
    }

    /// Hands on every node found: the scan is over.
    fn finish(&mut self) -> Result<(), Stop> {
        self.hand_on(self.pos)
    }

    /// The next byte, not consumed.
    fn peek(&mut self) -> Result<Option<u8>, Stop> {
        if self.pos == self.data.len() && !self.more(self.pos)? {
            return Ok(None);
        }
        Ok(Some(self.data[self.pos]))
    }

    fn bump(&mut self) {
        self.pos += 1;
    }

    fn skip_whitespace(&mut self) -> Result<Option<u8>, Stop> {
        loop {
            let rest = &self.data[self.pos..];
            match rest.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(i) => {
                    self.pos += i;
                    return Ok(Some(self.data[self.pos]));
                }
                None => {
                    self.pos = self.data.len();
                    if !self.more(self.pos)? {
                        return Ok(None);
                    }
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
            let node = match self.ends {
                Ends::Guessed => self.guessed_node()?,
                Ends::Scanned => self.value(true)?,
            };
            let Some(node) = node else {
                return Ok(None);
            };
            self.found.push(node);
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
            let is_rows = &self.data[key] == b"\"rows\"";
            if self.skip_whitespace()? != Some(b':') {
                return Ok(None);
            }
            self.bump();
            let next = self.skip_whitespace()?;
            if is_rows && next == Some(b'[') {
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

    /// Where the node from here ends, guessed (see [`Ends::Guessed`]);
    /// scanned when it does not open on a line of its own.
    fn guessed_node(&mut self) -> Scan<Range<usize>> {
        let before = &self.data[..self.pos];
        let line = before.iter().rposition(|&b| b != b' ' && b != b'\t');
        let Some(line) = line.filter(|&at| before[at] == b'\n') else {
            return self.value(true);
        };
        if self.data[self.pos] != b'{' {
            return self.value(true);
        }
        let indent = &self.data[line + 1..self.pos];
        let needle = [b"\n", indent, b"}"].concat();
        if self.closing.needle() != needle.as_slice() {
            self.closing = memchr::memmem::Finder::new(&needle).into_owned();
        }
        let mut start = self.pos;
        let mut from = start;
        loop {
            if let Some(at) = self.closing.find(&self.data[from..]) {
                self.pos = from + at + needle.len();
                return Ok(Some(start..self.pos));
            }
            // The needle may lie across the end of what is read so far.
            let searched = (self.data.len() + 1).saturating_sub(needle.len()).max(from);
            self.pos = self.data.len();
            let more = self.more(start)?;
            from = searched - start;
            start = 0;
            if !more {
                return Ok(None);
            }
        }
    }

    /// Where one JSON value from here ends, in `data` (its bytes kept
    /// there when `keep`): an object or an array at its matching bracket,
    /// a string at its closing quote, any other value before the next `,`,
    /// `]`, `}` or whitespace.
    fn value(&mut self, keep: bool) -> Scan<Range<usize>> {
        let Some(first) = self.peek()? else {
            return Ok(None);
        };
        let mut start = self.pos;
        let mut value = ValueEnd::new(first);
        loop {
            if let Some(end) = value.find(&self.data[self.pos..]) {
                self.pos += end;
                return Ok(Some(start..self.pos));
            }
            self.pos = self.data.len();
            let keep_from = if keep { start } else { self.pos };
            let more = self.more(keep_from)?;
            start = start.saturating_sub(keep_from);
            if !more {
                return Ok(value.scalar.then_some(start..self.pos));
            }
        }
    }
}

/// Where a value ends, found through the buffers it spans.
#[derive(Clone, Copy)]
struct ValueEnd {
    /// Not an object, array or string: it ends at a delimiter.
    scalar: bool,
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl ValueEnd {
    fn new(first: u8) -> Self {
        ValueEnd {
            scalar: !matches!(first, b'{' | b'[' | b'"'),
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    /// The offset just past the value's end in `buf`, or None when it
    /// goes on past it. (The state is copied into locals while scanning:
    /// this loop is most of the scanner's time.)
    fn find(&mut self, buf: &[u8]) -> Option<usize> {
        let ValueEnd {
            scalar,
            mut depth,
            mut in_string,
            mut escaped,
        } = *self;
        let mut i = 0;
        let end = loop {
            let Some(&b) = buf.get(i) else {
                break None;
            };
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    if depth == 0 {
                        break Some(i + 1);
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
                        break Some(i + 1);
                    }
                }
                b',' | b']' | b'}' if scalar => break Some(i),
                b if scalar && b.is_ascii_whitespace() => break Some(i),
                _ => {}
            }
            i += 1;
        };
        *self = ValueEnd {
            scalar,
            depth,
            in_string,
            escaped,
        };
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the scanner hands on for `text`, None when it gives up.
    fn elements(text: &str) -> Option<Vec<String>> {
        elements_through(text, text.len().max(1), Ends::Scanned)
    }

    /// As [`elements`], reading `block` bytes at a time: a small block puts
    /// strings, escapes and brackets across its edges.
    fn elements_through(text: &str, block: usize, ends: Ends) -> Option<Vec<String>> {
        let (send, receive) = std::sync::mpsc::sync_channel(100_000);
        let mut scan = Scanner::new(text.as_bytes(), block, send);
        scan.ends = ends;
        let found = scan.top().ok()?;
        scan.finish().ok()?;
        drop(scan);
        found?;
        Some(
            receive
                .into_iter()
                .flat_map(|block: Block| {
                    let text = String::from_utf8(block.bytes).unwrap();
                    block
                        .nodes
                        .into_iter()
                        .map(move |range| text[range].to_string())
                })
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
            block in 1usize..64,
        ) {
            let shown: Vec<String> = values
                .iter()
                .map(|v| if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap())
                .collect();
            let text = format!("[{}]", shown.join(if pretty { ",\n  " } else { "," }));
            proptest::prop_assert_eq!(elements_through(&text, block, Ends::Scanned), Some(shown.clone()));
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

    /// The names of the nodes `read` finds in `text`, in order, or its
    /// error; None when it hands the file back to be read whole.
    fn names_read(text: &str) -> Result<Option<Vec<String>>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nodes.json");
        std::fs::write(&path, text).unwrap();
        match read(&path, None) {
            Ok(Streamed::Nodes(scanned)) => {
                Ok(Some(scanned.kept.into_iter().map(|n| n.name).collect()))
            }
            Ok(Streamed::Whole) => Ok(None),
            Err(error) => Err(error.to_string().replace(&path.display().to_string(), "F")),
        }
    }

    fn node(name: &str, nested: usize) -> serde_json::Value {
        let mut attributes = serde_json::json!({"leaf": "}\n  }"});
        for depth in 0..nested {
            attributes =
                serde_json::json!({format!("k{depth}"): attributes, "list": [{}, {"a": [1]}]});
        }
        serde_json::json!({"name": name, "automatic": attributes})
    }

    /// A node pretty-printed as it is shown two spaces in, in an array.
    fn indented(node: &serde_json::Value) -> String {
        serde_json::to_string_pretty(node)
            .unwrap()
            .replace('\n', "\n  ")
    }

    #[test]
    fn a_pretty_printed_file_has_its_ends_guessed_from_the_indent() {
        let nodes: Vec<_> = (0..5).map(|i| node(&format!("n{i}"), i)).collect();
        let text = serde_json::to_string_pretty(&nodes).unwrap();
        let shown: Vec<String> = nodes.iter().map(indented).collect();
        for block in [1, 7, 64, text.len()] {
            assert_eq!(
                elements_through(&text, block, Ends::Guessed),
                Some(shown.clone()),
                "{block}"
            );
        }
        let rows = serde_json::json!({"results": 5, "rows": nodes, "start": 0});
        let rows_text = serde_json::to_string_pretty(&rows).unwrap();
        let found = elements_through(&rows_text, 64, Ends::Guessed).unwrap();
        assert_eq!(found.len(), 5);
        assert!(found
            .iter()
            .all(|n| n.starts_with('{') && n.ends_with("\n    }")));
    }

    // A guess proved wrong by the node's parse sends the file to be read
    // again with every byte scanned: whatever the layout, the nodes read
    // are serde_json's, and a bad node is named by its place.
    #[test]
    fn every_layout_reads_the_nodes_serde_json_reads() {
        let nodes: Vec<_> = (0..6).map(|i| node(&format!("n{i}"), i % 3)).collect();
        let names: Vec<String> = (0..6).map(|i| format!("n{i}")).collect();
        let pretty = serde_json::to_string_pretty(&nodes).unwrap();
        let compact = serde_json::to_string(&nodes).unwrap();
        let mut shown: Vec<String> = nodes.iter().map(indented).collect();
        shown[0] = serde_json::to_string(&nodes[0]).unwrap();
        let one_line_first = format!("[\n  {}\n]", shown.join(",\n  "));
        // A nested object closed at the node's own indent.
        let misindented = pretty.replacen("\n      }", "\n  }", 1);
        let tabs: Vec<String> = pretty
            .lines()
            .map(|line| {
                let text = line.trim_start_matches(' ');
                "\t".repeat((line.len() - text.len()) / 2) + text
            })
            .collect();
        let tabs = tabs.join("\n");
        let rows = serde_json::to_string_pretty(&serde_json::json!({"rows": nodes})).unwrap();
        for text in [
            &pretty,
            &compact,
            &one_line_first,
            &misindented,
            &tabs,
            &rows,
        ] {
            assert_eq!(names_read(text), Ok(Some(names.clone())), "{text}");
        }
        let mut nameless = nodes.clone();
        nameless[3].as_object_mut().unwrap().remove("name");
        let text = serde_json::to_string_pretty(&nameless).unwrap();
        assert_eq!(
            names_read(&text),
            Err("F: node #4: the node has no \"name\"".into())
        );
        let broken = pretty.replacen("\"n2\"", "\"n2\",", 1);
        let said = names_read(&broken).unwrap_err();
        assert!(said.starts_with("F: node #3: not valid JSON"), "{said}");
        assert_eq!(names_read("[\n  {\n  \"name\": \"x\"\n  }\n] ["), Ok(None));
    }
}
