//! A local inventory of node JSON: a chef-repo directory (`nodes/*.json`, as
//! `knife node show NODE -l -F json` or `knife download nodes` writes
//! them), one file holding an array of nodes, or the saved output of `knife
//! search node QUERY -l -F json` (`{"results": N, "rows": [...]}`). knife's
//! forms that are not whole nodes are refused with the way to export them
//! (see [`NodeError`]): the summary `knife node show -F json` prints without
//! `-l`, `knife search -a ATTR` rows, several documents in one file.
//!
//! Loading checks everything up front: a file that is not JSON is named with
//! its line and column, a node that is not an object or has no name is named
//! with its place, and two nodes with the same name are an error, never
//! silently merged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::borrow::Cow;

use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::Value;

use super::loading::{in_order, strip_position, Read, Scanned, MAX_WHOLE};
use super::node::{kind_of, Node, NodeError, Origin};
use super::query::{Case, Matcher, Query};
use super::tree::Text;
use super::NodeSource;

pub use super::loading::{Kept, LoadError, Location, Selecting};

/// Nodes read from local files.
#[derive(Debug)]
pub struct Inventory {
    path: PathBuf,
    nodes: Vec<Arc<Node>>,
    /// How letters compare: as Chef Server (the default), or ignoring case
    /// (`--ignore-case`).
    pub case: Case,
}

impl Inventory {
    /// Loads a directory or a file, as described in the module docs, every
    /// node held.
    pub fn load(path: &Path) -> Result<Inventory, LoadError> {
        Inventory::load_matching(path, None)
    }

    /// Loads only the nodes `keep` selects (all without it): each file is
    /// read, its nodes matched and the others dropped before more files are
    /// read, so memory holds the kept nodes and the files being read, not
    /// the inventory. Every node is still checked: bad JSON, no name, a
    /// name twice.
    pub fn load_matching(path: &Path, keep: Option<&Selecting>) -> Result<Inventory, LoadError> {
        let meta = std::fs::metadata(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if !meta.is_dir() && !meta.is_file() {
            return Err(LoadError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let files = if meta.is_dir() {
            node_files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let single = !meta.is_dir();
        let per_file: Vec<Scanned> = in_order(files.par_iter().map(|file| {
            let stem = if single {
                None
            } else {
                file.file_stem().and_then(|s| s.to_str())
            };
            load_file(file, stem, keep)
        }))?;
        if single && per_file.iter().all(|f| f.names.is_empty()) {
            return Err(LoadError::Empty {
                path: path.to_path_buf(),
            });
        }
        check_unique(per_file.iter().flat_map(|f| &f.names))?;
        Ok(Inventory {
            path: path.to_path_buf(),
            nodes: per_file
                .into_iter()
                .flat_map(|f| f.kept)
                .map(Arc::new)
                .collect(),
            case: Case::Sensitive,
        })
    }

    pub fn nodes(&self) -> &[Arc<Node>] {
        &self.nodes
    }
}

impl NodeSource for Inventory {
    fn describe(&self) -> String {
        format!("inventory {}", self.path.display())
    }

    fn search(&self, query: &Query) -> anyhow::Result<Vec<Arc<Node>>> {
        let matcher = Matcher::with_case(query, self.case);
        Ok(self
            .nodes
            .par_iter()
            .filter(|node| matcher.matches(node))
            .cloned()
            .collect())
    }

    /// Loaded whole: a node is all there.
    fn whole(&self, node: &Node) -> anyhow::Result<Node> {
        Ok(node.clone())
    }
}

/// An inventory read when the query is known, keeping only the nodes it
/// selects (see [`Inventory::load_matching`]): what a command that selects
/// hosts uses.
#[derive(Debug)]
pub struct Matching {
    pub path: PathBuf,
    pub case: Case,
    pub kept: Kept,
}

impl NodeSource for Matching {
    fn describe(&self) -> String {
        format!("inventory {}", self.path.display())
    }

    fn search(&self, query: &Query) -> anyhow::Result<Vec<Arc<Node>>> {
        let selecting = Selecting {
            matcher: Matcher::with_case(query, self.case),
            kept: self.kept.clone(),
        };
        Ok(Inventory::load_matching(&self.path, Some(&selecting))?.nodes)
    }

    fn whole(&self, node: &Node) -> anyhow::Result<Node> {
        Ok(read_again(node)?)
    }
}

/// A selected node read again, whole, from where it was read: a selection
/// keeps only what galley uses of each node, and output that shows every
/// attribute (`search --long`) reads each node again as it writes it, so
/// only the few nodes being written are held whole. The node must still be
/// there.
pub fn read_again(node: &Node) -> Result<Node, LoadError> {
    let origin = &node.origin;
    let path = origin.path.as_path();
    let text = match &origin.bytes {
        Some(bytes) => read_span(path, bytes.clone())?,
        None => read_text(path)?,
    };
    let again = Node::from_text(&text, 0..text.len(), Some(&node.name), origin.clone());
    match again {
        Ok(again) if again.name == node.name => Ok(again),
        _ => Err(LoadError::Changed {
            origin: origin.clone(),
            name: node.name.clone(),
        }),
    }
}

/// The text at `bytes` in the file at `path`.
fn read_span(path: &Path, bytes: std::ops::Range<u64>) -> Result<Text, LoadError> {
    use std::io::{Read as _, Seek as _};
    let read_err = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    file.seek(std::io::SeekFrom::Start(bytes.start))
        .map_err(read_err)?;
    let mut text = Vec::new();
    file.take(bytes.end - bytes.start)
        .read_to_end(&mut text)
        .map_err(read_err)?;
    // Cut short or not UTF-8: not the node it was.
    Ok(Arc::new(String::from_utf8(text).unwrap_or_default()))
}

/// The node files of a chef-repo folder (its `nodes/`) or of a folder.
fn node_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let nodes_dir = path.join("nodes");
    let dir = if nodes_dir.is_dir() {
        nodes_dir
    } else {
        path.to_path_buf()
    };
    let read_err = |source| LoadError::Read {
        path: dir.clone(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(read_err)? {
        let file = entry.map_err(read_err)?.path();
        if file.extension().is_some_and(|e| e == "json") && file.is_file() {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err(LoadError::NoFiles { path: dir });
    }
    files.sort();
    Ok(files)
}

/// Reads one file: a node, an array of nodes, or a knife search result.
///
/// serde_json first checks the whole file and splits it into node documents
/// without building them; the nodes are then read in parallel.
fn load_file(
    path: &Path,
    stem: Option<&str>,
    keep: Option<&Selecting>,
) -> Result<Scanned, LoadError> {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if size > super::stream::STREAM_ABOVE {
        if let super::stream::Streamed::Nodes(scanned) = super::stream::read(path, keep)? {
            return Ok(scanned);
        }
        if size > MAX_WHOLE {
            return Err(LoadError::TooLarge {
                path: path.to_path_buf(),
                size,
            });
        }
    }
    let text = read_text(path)?;
    let origin = Origin::file(path);
    match shape(&text, path)? {
        Shape::One => one_node(&text, path, stem, origin, keep),
        Shape::Many(elements) => many_nodes(&text, &elements, origin, keep),
    }
}

/// The file's text, which must be UTF-8 (the first bad byte is named by
/// line and column).
fn read_text(path: &Path) -> Result<Text, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map(Arc::new).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = line_column(&String::from_utf8_lossy(e.as_bytes()), offset);
        LoadError::Json {
            path: path.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8".into(),
        }
    })
}

/// serde_json's error for the file, or that it holds several documents.
fn json_error(text: &str, path: &Path, e: serde_json::Error) -> LoadError {
    match documents(text) {
        count @ 2.. => LoadError::Several {
            path: path.to_path_buf(),
            count,
        },
        _ => LoadError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e),
        },
    }
}

/// What a node file holds.
enum Shape<'t> {
    /// One node object.
    One,
    /// An array of nodes, or a knife search result's rows.
    Many(Vec<&'t RawValue>),
}

fn shape<'t>(text: &'t str, path: &Path) -> Result<Shape<'t>, LoadError> {
    let json_error = |e| json_error(text, path, e);
    match text.trim_start().as_bytes().first() {
        Some(b'[') => Ok(Shape::Many(serde_json::from_str(text).map_err(json_error)?)),
        Some(b'{') => {
            // A knife search result has a top-level "rows"; a text without
            // the word anywhere is a node, read in one pass (the top-level
            // look costs a whole second parse of the file).
            let top: HashMap<Cow<str>, &RawValue> = if text.contains("\"rows\"") {
                serde_json::from_str(text).map_err(json_error)?
            } else {
                HashMap::new()
            };
            let Some(rows) = top.get("rows") else {
                return Ok(Shape::One);
            };
            let elements = serde_json::from_str(rows.get()).map_err(|_| LoadError::Shape {
                path: path.to_path_buf(),
                found: format!(
                    "\"rows\" should be an array of nodes, but it is {}",
                    serde_json::from_str::<Value>(rows.get()).map_or("not JSON", |v| kind_of(&v))
                ),
            })?;
            Ok(Shape::Many(elements))
        }
        _ => {
            let value: Value = serde_json::from_str(text).map_err(json_error)?;
            Err(LoadError::Shape {
                path: path.to_path_buf(),
                found: format!(
                    "expected a node object, an array of nodes or a knife search result ({{\"results\": N, \"rows\": [...]}}), found {}",
                    kind_of(&value)
                ),
            })
        }
    }
}

/// A file that is one node: read, and kept if selected.
fn one_node(
    text: &Text,
    path: &Path,
    stem: Option<&str>,
    origin: Origin,
    keep: Option<&Selecting>,
) -> Result<Scanned, LoadError> {
    let node = Node::from_text(text, 0..text.len(), stem, origin.clone()).map_err(|error| {
        // Not JSON: serde_json again, for the line and column (and the
        // several-documents check).
        if matches!(error, NodeError::Json(_)) {
            if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
                return json_error(text, path, e);
            }
        }
        LoadError::Node {
            location: Box::new(Location {
                origin,
                line_column: None,
            }),
            error,
        }
    })?;
    let names = vec![(node.name.clone(), node.origin.clone())];
    let kept = match keep {
        None => vec![node],
        Some(s) if !s.matcher.matches(&node) => Vec::new(),
        Some(s) => vec![s.kept.apply(node)],
    };
    Ok(Scanned { names, kept })
}

/// The nodes of an array or of rows, read in parallel, each named by its
/// place and its line and column.
fn many_nodes(
    text: &Text,
    elements: &[&RawValue],
    origin: Origin,
    keep: Option<&Selecting>,
) -> Result<Scanned, LoadError> {
    let base = text.as_ptr() as usize;
    in_order(elements.par_iter().enumerate().map(|(i, element)| {
        let start = element.get().as_ptr() as usize - base;
        let range = start..start + element.get().len();
        let location = Location {
            origin: origin.in_file(i + 1, range.clone()),
            line_column: Some(line_column(text, start)),
        };
        Read::node(text, range, location, keep)
    }))
    .map(Scanned::from)
}

/// How many whole JSON documents the text holds one after another, up to
/// the first that is not one.
fn documents(text: &str) -> usize {
    serde_json::Deserializer::from_str(text)
        .into_iter::<serde::de::IgnoredAny>()
        .take_while(Result::is_ok)
        .count()
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn check_unique<'a>(names: impl Iterator<Item = &'a (String, Origin)>) -> Result<(), LoadError> {
    let mut seen: HashMap<&str, &Origin> = HashMap::new();
    for (name, origin) in names {
        if let Some(first) = seen.insert(name, origin) {
            return Err(LoadError::Duplicate {
                name: name.clone(),
                first: first.clone(),
                second: origin.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(i: usize) -> Value {
        json!({
            "name": format!("n{i}"),
            "chef_environment": "gprd",
            "automatic": {"kernel": {"release": format!("6.{i}")}, "platform": "debian"},
        })
    }

    fn select_all(path: &Path) -> Vec<Arc<Node>> {
        let selecting = Selecting {
            matcher: Matcher::with_case(&super::super::parse("*:*").unwrap(), Case::Sensitive),
            kept: Kept::used(None),
        };
        Inventory::load_matching(path, Some(&selecting))
            .unwrap()
            .nodes
    }

    fn whole(node: &Node) -> Value {
        node.attributes.to_value(node.attributes.root())
    }

    // `search --long` reads each selected node again: from a folder, a
    // file of many read whole or element by element, the node it gets is
    // the node as a load of everything reads it, and one that is no
    // longer where it was is an error, never another node's attributes.
    #[test]
    fn a_selected_node_read_again_is_whole_and_must_still_be_there() {
        let dir = tempfile::tempdir().unwrap();
        let nodes: Vec<Value> = (0..3).map(node).collect();
        let array = dir.path().join("all.json");
        std::fs::write(&array, serde_json::to_string_pretty(&nodes).unwrap()).unwrap();
        let rows = dir.path().join("rows.json");
        let search = json!({"results": 3, "rows": nodes, "start": 0});
        std::fs::write(&rows, search.to_string()).unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("nodes")).unwrap();
        for (i, node) in nodes.iter().enumerate() {
            let file = repo.join(format!("nodes/n{i}.json"));
            std::fs::write(file, node.to_string()).unwrap();
        }
        for path in [&array, &rows, &repo] {
            let kept = select_all(path);
            let all = Inventory::load(path).unwrap().nodes;
            assert_eq!(kept.len(), 3);
            for (kept, all) in kept.iter().zip(&all) {
                assert_eq!(
                    kept.attribute("kernel.release"),
                    None,
                    "only what galley uses"
                );
                assert_eq!(whole(&read_again(kept).unwrap()), whole(all));
            }
        }
        let big: Vec<Value> = (0..3)
            .map(|i| json!({"name": format!("n{i}"), "automatic": {"pad": "x".repeat(7 << 20)}}))
            .collect();
        std::fs::write(&array, serde_json::to_string_pretty(&big).unwrap()).unwrap();
        let streamed = select_all(&array);
        assert!(streamed[2].origin.bytes.as_ref().unwrap().start > 14 << 20);
        let again = read_again(&streamed[2]).unwrap();
        assert_eq!(
            again.attribute("pad").unwrap().as_str().unwrap().len(),
            7 << 20
        );

        // The file rewritten in between: the second node's place now holds
        // other text.
        let kept = select_all(&array);
        let swapped: Vec<Value> = [1, 0, 2].iter().map(|&i| big[i].clone()).collect();
        std::fs::write(&array, serde_json::to_string_pretty(&swapped).unwrap()).unwrap();
        let said = read_again(&kept[1]).unwrap_err().to_string();
        assert_eq!(
            said,
            format!(
                "{} (node #2) changed while galley read it: it no longer holds node \"n1\"; run the command again",
                array.display()
            )
        );
    }
}
