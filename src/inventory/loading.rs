//! What reading node files shares between the whole-file reader
//! ([`super::node_files`]) and the element-by-element one
//! ([`super::stream`]): the error, a node's place, what is kept of a
//! selected node, and a file's nodes as read.

use std::fmt;
use std::io;
use std::path::PathBuf;

use rayon::prelude::*;

use super::node::{Node, NodeError, Origin};
use super::query::Matcher;
use super::tree::Text;

/// The largest node file read whole (one that is not an array of nodes or
/// a search result, which are read node by node at any size).
pub(super) const MAX_WHOLE: u64 = 512 << 20;

/// Why an inventory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read inventory {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}:{line}:{column}: not valid JSON: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// The node's error is part of this message (not a `caused by:` line
    /// that would say it twice).
    #[error("{location}: {error}")]
    Node {
        location: Box<Location>,
        error: NodeError,
    },
    #[error("{}: not an inventory: {found}", path.display())]
    Shape { path: PathBuf, found: String },
    #[error("{} holds {count} JSON documents one after another (as a loop over `knife node show` writes them): galley reads one node per file, an array of nodes, or a knife search result: make an array with `jq -s . FILE > nodes.json`, or give each node its own file", path.display())]
    Several { path: PathBuf, count: usize },
    #[error("{} holds no nodes", path.display())]
    Empty { path: PathBuf },
    #[error("{} is {} MiB and not an array of nodes or a knife search result (those are read node by node, at any size): galley reads a file of another shape whole, up to {} MiB", path.display(), size >> 20, MAX_WHOLE >> 20)]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{} is not a file or a folder (a FIFO, a device or a socket never ends): give a node file, a knife search export or a chef-repo folder", path.display())]
    NotAFile { path: PathBuf },
    #[error("no node files in {}: expected *.json files there or in its nodes/ folder", path.display())]
    NoFiles { path: PathBuf },
    #[error("{origin} changed while galley read it: it no longer holds node {name:?}; run the command again")]
    Changed { origin: Origin, name: String },
    #[error("node {name:?} is defined twice: in {first} and in {second}")]
    Duplicate {
        name: String,
        first: Origin,
        second: Origin,
    },
}

/// A node's place in a file, as precise as galley can tell it.
#[derive(Debug, Clone)]
pub struct Location {
    pub origin: Origin,
    /// 1-based line and column where the node starts, when known.
    pub line_column: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin.path.display())?;
        if let Some((line, column)) = self.line_column {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(position) = self.origin.position {
            write!(f, ": node #{position}")?;
        }
        Ok(())
    }
}

/// How a load picks nodes: the query's matcher, and what of each selected
/// node it keeps.
#[derive(Debug)]
pub struct Selecting {
    pub matcher: Matcher,
    pub kept: Kept,
}

/// What of a selected node is kept in memory: its top-level fields and
/// these attribute paths, what galley reads of a selected node (see
/// [`Node::keeping`]). A fleet-wide selection then costs what galley uses,
/// not the inventory's size; output that shows every attribute reads each
/// node again as it writes it (`node_files::read_again`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept(Vec<String>);

impl Kept {
    /// The attributes a run or a listing reads, with the address attribute
    /// of `-a` when one is given.
    pub fn used(address: Option<&str>) -> Kept {
        let mut paths: Vec<String> = super::node::USED_ATTRIBUTES
            .iter()
            .map(|p| p.to_string())
            .collect();
        paths.extend(address.map(str::to_string));
        Kept(paths)
    }

    pub(super) fn apply(&self, node: Node) -> Node {
        node.keeping(&self.0)
    }
}

/// One file's nodes: the names of all (to find a name given twice), the
/// nodes kept.
#[derive(Default)]
pub(super) struct Scanned {
    pub(super) names: Vec<(String, Origin)>,
    pub(super) kept: Vec<Node>,
}

impl Scanned {
    pub(super) fn extend(&mut self, reads: Vec<Read>) {
        for read in reads {
            match read {
                Read::Kept(node) => {
                    self.names.push((node.name.clone(), node.origin.clone()));
                    self.kept.push(node);
                }
                Read::Named(name, origin) => self.names.push((name, origin)),
            }
        }
    }
}

/// Results read in parallel, in their order; the error is the first bad
/// one in that order. (Rayon's own collect into a `Result` returns the
/// error it met first in time, so a file with two bad nodes would name
/// one or the other from run to run.)
pub(super) fn in_order<T: Send>(
    results: impl IndexedParallelIterator<Item = Result<T, LoadError>>,
) -> Result<Vec<T>, LoadError> {
    let all: Vec<Result<T, LoadError>> = results.collect();
    all.into_iter().collect()
}

/// A node read from a file of many: kept, or only its name remembered.
pub(super) enum Read {
    Kept(Node),
    Named(String, Origin),
}

impl From<Vec<Read>> for Scanned {
    fn from(reads: Vec<Read>) -> Scanned {
        let mut scanned = Scanned::default();
        scanned.extend(reads);
        scanned
    }
}

impl Read {
    /// The node at `text[range]` of a file of many, read and matched (see
    /// [`Read::of`]); a bad one is named by `location`.
    pub(super) fn node(
        text: &Text,
        range: std::ops::Range<usize>,
        location: Location,
        keep: Option<&Selecting>,
    ) -> Result<Read, LoadError> {
        match Node::from_text(text, range, None, location.origin.clone()) {
            Ok(node) => Ok(Read::of(node, keep)),
            Err(error) => Err(LoadError::Node {
                location: Box::new(location),
                error,
            }),
        }
    }

    /// A node read from a file of many, matched at once: one kept lets go
    /// of the file's text, one not kept leaves only its name.
    pub(super) fn of(node: Node, keep: Option<&Selecting>) -> Read {
        match keep {
            None => Read::Kept(node),
            Some(s) if s.matcher.matches(&node) => Read::Kept(s.kept.apply(node)),
            Some(_) => Read::Named(node.name, node.origin),
        }
    }
}

/// serde_json appends " at line L column C" to its messages; galley puts the
/// position in front instead.
pub(super) fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
