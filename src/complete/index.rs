//! The completion index: what `TAB` offers, kept in the user's cache folder
//! (`$XDG_CACHE_HOME/galley`, else `~/.cache/galley`) so that completing
//! never contacts a Chef server or a host.
//!
//! - One file per node source (a Chef server URL, which names its
//!   organization, or an inventory path), refreshed as a side effect of
//!   every command that searches it (`search`, `status`, the commands that
//!   act on hosts): the node names and the values of the fields a query
//!   completes. Never keys, tokens, addresses or whole nodes.
//! - `history.json`: what earlier runs used, for the flags that take them:
//!   report files, `--ctl` names, restarted services, apt-sources backup
//!   ids with the report that holds them.
//!
//! Writes replace the file whole (a temporary file renamed over it), and
//! a failure to write is never an error of the command that caused it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::inventory::Node;

/// The fields whose values the index keeps, as a query names them.
pub const FIELDS: [&str; 11] = [
    "chef_environment",
    "fqdn",
    "name",
    "platform",
    "platform_version",
    "policy_group",
    "policy_name",
    "recipes",
    "roles",
    "run_list",
    "tags",
];

/// At most this many values are kept per field (and names per source).
const LIMIT: usize = 50_000;

/// What one node source holds, for completion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIndex {
    /// `Chef server URL` or `inventory PATH`.
    pub source: String,
    /// Field -> its values (`name` holds the node names).
    pub fields: BTreeMap<String, BTreeSet<String>>,
}

impl SourceIndex {
    /// The index of these nodes.
    pub fn of(source: &str, nodes: &[Arc<Node>]) -> SourceIndex {
        let mut index = SourceIndex {
            source: source.to_string(),
            fields: BTreeMap::new(),
        };
        for node in nodes {
            index.add_node(node);
        }
        index
    }

    fn add(&mut self, field: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let values = self.fields.entry(field.to_string()).or_default();
        if values.len() < LIMIT {
            values.insert(value.to_string());
        }
    }

    fn add_node(&mut self, node: &Node) {
        self.add("name", &node.name);
        self.add("chef_environment", &node.chef_environment);
        for entry in &node.run_list {
            self.add("run_list", entry);
        }
        for recipe in node.recipe_entries() {
            self.add("recipes", recipe);
        }
        for role in node.role_entries() {
            self.add("roles", role);
        }
        for (field, value) in [
            ("policy_name", &node.policy_name),
            ("policy_group", &node.policy_group),
        ] {
            if let Some(v) = value {
                self.add(field, v);
            }
        }
        for field in ["fqdn", "platform", "platform_version"] {
            if let Some(v) = node.attribute_text(field) {
                self.add(field, &v);
            }
        }
        // The expanded run list and tags are arrays of strings.
        for field in ["recipes", "roles", "tags"] {
            if let Some(serde_json::Value::Array(items)) = node.attribute(field) {
                for item in items.iter().filter_map(|i| i.as_str()) {
                    self.add(field, item);
                }
            }
        }
    }

    /// Adds what `other` holds.
    pub fn merge(&mut self, other: SourceIndex) {
        for (field, values) in other.fields {
            for value in values {
                self.add(&field, &value);
            }
        }
    }
}

/// What earlier runs used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Report files written (absolute paths), the latest last.
    #[serde(default)]
    pub reports: Vec<PathBuf>,
    /// `--ctl` names.
    #[serde(default)]
    pub ctl: BTreeSet<String>,
    /// Services restarted.
    #[serde(default)]
    pub services: BTreeSet<String>,
    /// apt-sources backup id -> the report of the run that made it.
    #[serde(default)]
    pub backups: BTreeMap<String, Option<PathBuf>>,
}

/// galley's cache folder.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("galley"))
}

/// The index file of a source.
fn source_file(dir: &Path, source: &str) -> PathBuf {
    let digest = openssl::sha::sha256(source.as_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("nodes-{name}.json"))
}

fn read<T: for<'de> Deserialize<'de> + Default>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes `value` as `path`, whole or not at all, readable by the owner
/// only (it holds node names and attributes).
fn write(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    crate::files::create_private_dir(path.parent().expect("files in a folder"))?;
    crate::files::replace_private(path, &serde_json::to_vec(value)?, &[])
        .map_err(std::io::Error::other)
}

/// Adds the nodes a command found to the source's index. Nodes of a
/// search are a part of the source: what earlier searches found stays.
pub fn remember_nodes(source: &str, nodes: &[Arc<Node>]) {
    let Some(dir) = cache_dir() else { return };
    let path = source_file(&dir, source);
    let mut index: SourceIndex = read(&path);
    index.source = source.to_string();
    index.merge(SourceIndex::of(source, nodes));
    let _ = write(&path, &index);
}

/// Records what a run used (report, ctl, services, backup id).
pub fn remember_run(update: impl FnOnce(&mut History)) {
    let Some(dir) = cache_dir() else { return };
    let path = dir.join("history.json");
    let mut history: History = read(&path);
    update(&mut history);
    let _ = write(&path, &history);
}

/// Every source index in the cache.
pub fn source_indexes() -> Vec<SourceIndex> {
    let Some(dir) = cache_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("nodes-") && n.ends_with(".json"))
        })
        .map(|p| read(&p))
        .collect()
}

/// What earlier runs used.
pub fn history() -> History {
    cache_dir().map_or_else(History::default, |d| read(&d.join("history.json")))
}

/// Writes an index as if these nodes had been searched (for benchmarks and
/// tests).
pub fn write_source_index(index: &SourceIndex) -> std::io::Result<()> {
    let dir = cache_dir().ok_or_else(|| std::io::Error::other("no HOME or XDG_CACHE_HOME"))?;
    write(&source_file(&dir, &index.source), index)
}
