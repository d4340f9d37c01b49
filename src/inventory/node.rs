//! A Chef node as galley sees it: name, environment, run list, policy, and
//! its attributes deep-merged the way chef-client and Chef Server merge them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::tree::{self, Kind, Text, Tree};

/// Where a node was read from, for messages and to read it again: a file,
/// and its place in the file when the file holds many nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: Arc<PathBuf>,
    /// 1-based position among the nodes of a file that holds many.
    pub position: Option<usize>,
    /// Where the node's text lies in a file that holds many (the whole
    /// file otherwise), to read it again whole: a selection keeps only
    /// what galley uses of a node (see `node_files::read_again`).
    pub bytes: Option<std::ops::Range<u64>>,
}

impl Origin {
    pub fn file(path: &Path) -> Origin {
        Origin {
            path: Arc::new(path.to_path_buf()),
            position: None,
            bytes: None,
        }
    }

    /// The node at `position` in a file of many, its text at `bytes`.
    pub fn in_file(&self, position: usize, bytes: std::ops::Range<usize>) -> Origin {
        Origin {
            position: Some(position),
            bytes: Some(bytes.start as u64..bytes.end as u64),
            ..self.clone()
        }
    }

    /// Where a node came from when nothing was read: a manual host list.
    pub fn command_line() -> Origin {
        Origin::file(Path::new("<command line>"))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(position) = self.position {
            write!(f, " (node #{position})")?;
        }
        Ok(())
    }
}

/// Why a JSON document is not a node.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NodeError {
    #[error("a node must be a JSON object, but this is {0}")]
    NotObject(&'static str),
    #[error("the node has no \"name\"")]
    MissingName,
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("this is the summary `knife node show NODE -F json` prints without -l: it has no \"automatic\", \"default\" or \"override\" attributes (no platform, no addresses, no expanded recipes or roles), so a query would select wrongly; export with `knife node show NODE -l -F json`, or `knife search node 'QUERY' -l -F json` for many nodes")]
    SummaryExport,
    #[error("this is a row of `knife search ... -a ATTR -F json` ({{{key:?}: {{...}}}}): it holds only the attributes asked for, not a node; export with `knife search node 'QUERY' -l -F json`")]
    AttributeRow { key: String },
    #[error("\"{field}\" must be {expected}, but it is {found}")]
    BadField {
        field: &'static str,
        expected: &'static str,
        found: &'static str,
    },
}

/// The top-level keys of a node object (Chef's `Chef::Node#to_json`).
const NODE_KEYS: [&str; 11] = [
    "name",
    "chef_environment",
    "run_list",
    "json_class",
    "chef_type",
    "automatic",
    "normal",
    "default",
    "override",
    "policy_name",
    "policy_group",
];

/// A JSON value's kind, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    /// `_default` when the node names none, as on Chef Server.
    pub chef_environment: String,
    /// Entries as `recipe[x]` or `role[y]`; a bare `x` is read as `recipe[x]`.
    pub run_list: Vec<String>,
    pub policy_name: Option<String>,
    pub policy_group: Option<String>,
    /// default < normal < override < automatic, deep-merged; arrays are
    /// replaced, not joined (chef_deep_merge, `normal_over_default_array_test`).
    pub attributes: Tree,
    pub origin: Origin,
}

/// Top-level node fields that overlay attributes of the same name in the
/// search index (chef_node.erl `ejson_for_indexing`).
pub const OVERLAY_FIELDS: [&str; 8] = [
    "name",
    "chef_type",
    "chef_environment",
    "recipe",
    "role",
    "run_list",
    "policy_name",
    "policy_group",
];

/// The attributes galley reads of a selected node, beyond its top-level
/// fields: check-in time, platform, the addresses knife's rule picks from,
/// the host keys Chef recorded, and the roles, recipes and tags that
/// canaries spread over and completion offers. `-a PATH` adds its path.
pub const USED_ATTRIBUTES: [&str; 10] = [
    "ohai_time",
    "platform",
    "platform_version",
    "fqdn",
    "cloud.public_hostname",
    "cloud.public_ssh_port",
    "keys.ssh",
    "roles",
    "recipes",
    "tags",
];

/// Attribute levels, highest precedence first.
const LEVELS: [&str; 4] = ["automatic", "override", "normal", "default"];

impl Node {
    /// Reads a node document (`knife node show -F json`, a search row, a
    /// chef-repo `nodes/NAME.json`) from `text[range]`. `fallback_name`
    /// names a node whose document has none, as chef-zero does with a
    /// file's stem.
    pub fn from_text(
        text: &Text,
        range: std::ops::Range<usize>,
        fallback_name: Option<&str>,
        origin: Origin,
    ) -> Result<Node, NodeError> {
        tree::parse_then(text, range, |doc| {
            Node::from_doc(doc, fallback_name, origin)
        })
        .map_err(|e| NodeError::Json(e.to_string()))?
    }

    fn from_doc(
        doc: &Tree,
        fallback_name: Option<&str>,
        origin: Origin,
    ) -> Result<Node, NodeError> {
        let root = doc.root();
        if doc.kind(root) != Kind::Object {
            return Err(NodeError::NotObject(kind_name(doc.kind(root))));
        }
        refuse_export_forms(doc, fallback_name)?;
        let field = |name: &str| doc.get(root, name).filter(|&at| doc.kind(at) != Kind::Null);
        let string = |name: &'static str| -> Result<Option<String>, NodeError> {
            match field(name) {
                None => Ok(None),
                Some(at) => match doc.kind(at) {
                    Kind::String(s) => Ok(Some(s.to_string())),
                    other => Err(bad_field(name, "a string", other)),
                },
            }
        };
        let name = match string("name")? {
            Some(name) if !name.is_empty() => name,
            Some(_) => return Err(NodeError::MissingName),
            None => fallback_name
                .map(str::to_string)
                .ok_or(NodeError::MissingName)?,
        };
        let chef_environment = string("chef_environment")?.unwrap_or_else(|| "_default".into());
        let policy_name = string("policy_name")?;
        let policy_group = string("policy_group")?;
        let run_list = match field("run_list") {
            None => Vec::new(),
            Some(at) => run_list(doc, at)?,
        };
        let levels = LEVELS
            .iter()
            .filter_map(|level| field(level).map(|at| (*level, at)))
            .map(|(level, at)| match doc.kind(at) {
                Kind::Object => Ok(at),
                other => Err(bad_field(level, "an object of attributes", other)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Node {
            name,
            chef_environment,
            run_list,
            policy_name,
            policy_group,
            attributes: doc.merge(&levels),
            origin,
        })
    }

    /// Reads a node from a JSON value (tests, and documents already parsed).
    pub fn from_json(
        value: Value,
        fallback_name: Option<&str>,
        origin: Origin,
    ) -> Result<Node, NodeError> {
        let text: Text = Arc::new(value.to_string());
        let len = text.len();
        Node::from_text(&text, 0..len, fallback_name, origin)
    }

    /// The node with only these attribute paths (dotted; an array or a
    /// scalar met on the way is kept whole) and its top-level fields: what
    /// a selected node costs once matched.
    pub fn keeping(self, paths: &[String]) -> Node {
        let mut kept = serde_json::Map::new();
        for path in paths {
            keep_path(&self.attributes, path, &mut kept);
        }
        let text: Text = Arc::new(Value::Object(kept).to_string());
        let attributes = tree::parse(&text, 0..text.len()).expect("serde_json's own output parses");
        Node { attributes, ..self }
    }

    /// A node that is only a host name (a manual host list).
    pub fn bare(name: &str) -> Node {
        Node {
            name: name.to_string(),
            chef_environment: "_default".into(),
            run_list: Vec::new(),
            policy_name: None,
            policy_group: None,
            attributes: Tree::empty_object(),
            origin: Origin::command_line(),
        }
    }

    /// An attribute by dotted path (`cloud.public_hostname`), in the merged
    /// attributes, with the top-level fields `name` and `chef_environment`.
    pub fn attribute(&self, path: &str) -> Option<Value> {
        match path {
            "name" => return Some(Value::String(self.name.clone())),
            "chef_environment" => return Some(Value::String(self.chef_environment.clone())),
            _ => {}
        }
        let at = self.attributes.path(path)?;
        Some(self.attributes.to_value(at))
    }

    /// A string attribute; numbers are given as text. Empty strings count as
    /// missing, as knife's `cloud.public_hostname` rule expects.
    pub fn attribute_text(&self, path: &str) -> Option<String> {
        match path {
            "name" => return Some(self.name.clone()),
            "chef_environment" => return Some(self.chef_environment.clone()),
            _ => {}
        }
        match self.attributes.kind(self.attributes.path(path)?) {
            Kind::String(s) if !s.trim().is_empty() => Some(s.to_string()),
            Kind::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Recipe names from the node's own run list (`recipe[x]` entries).
    pub fn recipe_entries(&self) -> impl Iterator<Item = &str> {
        self.run_list
            .iter()
            .filter_map(|e| e.strip_prefix("recipe[")?.strip_suffix(']'))
    }

    /// Role names from the node's own run list (`role[x]` entries).
    pub fn role_entries(&self) -> impl Iterator<Item = &str> {
        self.run_list
            .iter()
            .filter_map(|e| e.strip_prefix("role[")?.strip_suffix(']'))
    }

    /// The last successful chef-client check-in, in seconds since the epoch.
    pub fn ohai_time(&self) -> Option<f64> {
        let at = self.attributes.get(self.attributes.root(), "ohai_time")?;
        match self.attributes.kind(at) {
            Kind::Number(n) | Kind::String(n) => n.trim().parse().ok(),
            _ => None,
        }
    }

    /// `platform platform_version`, e.g. `ubuntu 22.04`.
    pub fn platform(&self) -> Option<String> {
        let platform = self.attribute_text("platform")?;
        Some(match self.attribute_text("platform_version") {
            Some(version) => format!("{platform} {version}"),
            None => platform,
        })
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Null => "null",
        Kind::Bool(_) => "a boolean",
        Kind::Number(_) => "a number",
        Kind::String(_) => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

/// knife's export forms that are not whole nodes, refused rather than
/// read as nodes with no attributes: a row of `knife search -a` (one key,
/// a node's name, holding an object; only where a row can be: a file's
/// own node is named by its file, and may hold only "automatic"), and
/// the summary `knife node show` prints (NodePresenter#summarize_json).
fn refuse_export_forms(doc: &Tree, fallback_name: Option<&str>) -> Result<(), NodeError> {
    let root = doc.root();
    let has = |name: &str| doc.get(root, name).is_some();
    if fallback_name.is_none() && !has("name") {
        let mut children = doc.children(root);
        if let (Some(only), None) = (children.next(), children.next()) {
            if doc.kind(only) == Kind::Object && !NODE_KEYS.contains(&doc.key(only)) {
                return Err(NodeError::AttributeRow {
                    key: doc.key(only).to_string(),
                });
            }
        }
    }
    if has("normal")
        && has("run_list")
        && !["automatic", "default", "override"].iter().any(|k| has(k))
    {
        return Err(NodeError::SummaryExport);
    }
    Ok(())
}

/// A run_list: strings, each `recipe[x]` or `role[y]` (a bare `x` read as
/// `recipe[x]`).
fn run_list(doc: &Tree, at: tree::At) -> Result<Vec<String>, NodeError> {
    if doc.kind(at) != Kind::Array {
        return Err(bad_field("run_list", "an array of strings", doc.kind(at)));
    }
    doc.children(at)
        .map(|item| match doc.kind(item) {
            Kind::String(entry) => Ok(normalize_run_list_entry(entry)),
            other => Err(bad_field("run_list", "an array of strings", other)),
        })
        .collect()
}

fn bad_field(field: &'static str, expected: &'static str, found: Kind) -> NodeError {
    NodeError::BadField {
        field,
        expected,
        found: kind_name(found),
    }
}

/// A bare run-list entry `x` means `recipe[x]` (Chef::RunList::RunListItem).
fn normalize_run_list_entry(entry: &str) -> String {
    if entry.starts_with("recipe[") || entry.starts_with("role[") {
        entry.to_string()
    } else {
        format!("recipe[{entry}]")
    }
}

/// Copies the value at dotted `path` of `tree` into `out` at the same
/// path; where the path meets an array or a scalar before its end, that
/// value is copied whole.
fn keep_path(tree: &Tree, path: &str, out: &mut serde_json::Map<String, Value>) {
    let mut at = tree.root();
    let mut walked: Vec<&str> = Vec::new();
    for part in path.split('.') {
        if tree.kind(at) != Kind::Object {
            break;
        }
        let Some(child) = tree.get(at, part) else {
            return;
        };
        at = child;
        walked.push(part);
    }
    let Some((last, parents)) = walked.split_last() else {
        return;
    };
    let mut map = out;
    for part in parents {
        let entry = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        let Value::Object(next) = entry else { return };
        map = next;
    }
    map.insert(last.to_string(), tree.to_value(at));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(doc: Value) -> Node {
        Node::from_json(doc, None, Origin::command_line()).unwrap()
    }

    #[test]
    fn a_kept_node_holds_what_galley_reads_and_nothing_else() {
        let n = node(json!({
            "name": "web-1",
            "chef_environment": "gprd",
            "run_list": ["role[web]"],
            "automatic": {
                "fqdn": "web-1.example.com",
                "ohai_time": 1795000000.5,
                "cloud": {"public_hostname": "", "public_ssh_port": 2222, "public_ipv4_addrs": ["10.0.0.1"], "provider": "gce"},
                "keys": {"ssh": {"host_ed25519_public": "AAAA"}},
                "kernel": {"release": "6.1.0", "modules": {"ext4": {"size": "1"}}},
                "tags": ["canary"]
            }
        }));
        let mut paths: Vec<String> = USED_ATTRIBUTES.iter().map(|p| p.to_string()).collect();
        paths.push("cloud.public_ipv4_addrs.0".into());
        let kept = n.clone().keeping(&paths);
        assert_eq!(
            (kept.name.as_str(), kept.chef_environment.as_str()),
            ("web-1", "gprd")
        );
        assert_eq!(kept.run_list, n.run_list);
        for path in [
            "fqdn",
            "cloud.public_ssh_port",
            "keys.ssh.host_ed25519_public",
            "tags",
            "cloud.public_ipv4_addrs.0",
        ] {
            assert_eq!(kept.attribute(path), n.attribute(path), "{path}");
        }
        assert_eq!(kept.ohai_time(), n.ohai_time());
        assert_eq!(
            kept.attribute_text("cloud.public_hostname"),
            None,
            "empty stays empty"
        );
        assert_eq!(kept.attribute("kernel"), None);
        assert_eq!(kept.attribute("cloud.provider"), None);
    }

    #[test]
    fn precedence_is_default_normal_override_automatic() {
        let n = node(json!({
            "name": "n1",
            "default":   {"a": "default", "b": "default", "c": "default", "d": "default"},
            "normal":    {"b": "normal", "c": "normal", "d": "normal"},
            "override":  {"c": "override", "d": "override"},
            "automatic": {"d": "automatic"}
        }));
        assert_eq!(n.attribute_text("a").unwrap(), "default");
        assert_eq!(n.attribute_text("b").unwrap(), "normal");
        assert_eq!(n.attribute_text("c").unwrap(), "override");
        assert_eq!(n.attribute_text("d").unwrap(), "automatic");
    }

    #[test]
    fn hashes_merge_deeply_and_arrays_are_replaced() {
        let n = node(json!({
            "name": "n1",
            "default":  {"app": {"port": 80, "hosts": ["a", "b"], "only_default": true}},
            "override": {"app": {"port": 8080, "hosts": ["c"]}}
        }));
        assert_eq!(n.attribute("app.port"), Some(json!(8080)));
        assert_eq!(n.attribute("app.hosts"), Some(json!(["c"])));
        assert_eq!(n.attribute("app.only_default"), Some(json!(true)));
    }

    #[test]
    fn defaults_and_run_list_normalization() {
        let n = node(json!({"name": "n1", "run_list": ["nginx", "role[web]", "recipe[a::b]"]}));
        assert_eq!(n.chef_environment, "_default");
        assert_eq!(
            n.run_list,
            vec!["recipe[nginx]", "role[web]", "recipe[a::b]"]
        );
        assert_eq!(
            n.recipe_entries().collect::<Vec<_>>(),
            vec!["nginx", "a::b"]
        );
        assert_eq!(n.role_entries().collect::<Vec<_>>(), vec!["web"]);
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let err = |doc: Value| Node::from_json(doc, None, Origin::command_line()).unwrap_err();
        assert_eq!(err(json!([1])), NodeError::NotObject("an array"));
        assert_eq!(err(json!({"run_list": []})), NodeError::MissingName);
        assert_eq!(
            err(json!({"name": "x", "run_list": "recipe[a]"})),
            NodeError::BadField {
                field: "run_list",
                expected: "an array of strings",
                found: "a string"
            }
        );
        assert_eq!(
            err(json!({"name": "x", "automatic": [1]})),
            NodeError::BadField {
                field: "automatic",
                expected: "an object of attributes",
                found: "an array"
            }
        );
    }

    #[test]
    fn the_file_stem_names_a_node_without_a_name() {
        let n = Node::from_json(json!({}), Some("web-01"), Origin::command_line()).unwrap();
        assert_eq!(n.name, "web-01");
    }

    #[test]
    fn empty_strings_are_not_usable_text() {
        let n = node(
            json!({"name": "n", "automatic": {"cloud": {"public_hostname": ""}, "port": 2222}}),
        );
        assert_eq!(n.attribute_text("cloud.public_hostname"), None);
        assert_eq!(n.attribute_text("port").as_deref(), Some("2222"));
        assert_eq!(n.attribute_text("name").as_deref(), Some("n"));
    }
}
