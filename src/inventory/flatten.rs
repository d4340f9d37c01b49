//! A node as Chef's search index sees it: a list of `field = value` pairs.
//!
//! The rules are Chef Server's (chef_node.erl `ejson_for_indexing`,
//! chef_index_expand.erl in chef/chef-server):
//! - the merged attributes, overlaid by the top-level fields `name`,
//!   `chef_type`, `chef_environment`, `recipe` and `role` (from the node's own
//!   run list), `run_list`, `policy_name`, `policy_group`;
//! - nested keys joined with `_` (`kernel_release`), and each value also
//!   under its last key alone (`release`);
//! - a hash's key names are values of the hash's own path (`kernel:release`);
//! - each array element under the array's key; numbers and booleans as text,
//!   `null` as the empty string.
//!
//! Nothing is collected: [`walk`] calls back for each pair, so a query can be
//! checked without building an index per node.

use super::node::{Node, OVERLAY_FIELDS};
use super::tree::{key_bit, At, Kind as TreeKind, Tree};

/// How a pair came about, so a listing can show only the full paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The full `_`-joined path of a value, or a top-level field.
    Path,
    /// The same value under its last key alone.
    Leaf,
    /// A hash key name, as a value of the hash's path or last key.
    Key,
}

/// The fields a caller wants, so a walk can skip everything else: a search
/// for `recipes` and `roles` need not build the path of every attribute.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Field names in lowercase (Chef's index ignores case).
    names: Vec<String>,
    /// Their Bloom filter bits, to skip subtrees without such keys.
    bits: u64,
}

impl Fields {
    pub fn new(names: impl IntoIterator<Item = String>) -> Fields {
        let names: Vec<String> = names.into_iter().map(|n| n.to_ascii_lowercase()).collect();
        let bits = names.iter().fold(0, |bits, n| bits | key_bit(n));
        Fields { names, bits }
    }

    fn wants(&self, field: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(field))
    }

    /// Whether some wanted field starts with `path_`.
    fn extends(&self, path: &str) -> bool {
        self.names.iter().any(|n| {
            n.len() > path.len()
                && n.as_bytes()[path.len()] == b'_'
                && n[..path.len()].eq_ignore_ascii_case(path)
        })
    }
}

/// Calls `emit(field, value, kind)` for every pair in the node's index.
pub fn walk(node: &Node, emit: &mut dyn FnMut(&str, &str, Kind)) {
    walk_fields(node, None, emit)
}

/// Like [`walk`], but only pairs whose field is in `fields` (all when
/// `None`) are sure to be emitted; others may be skipped.
pub fn walk_fields(node: &Node, fields: Option<&Fields>, emit: &mut dyn FnMut(&str, &str, Kind)) {
    emit("name", &node.name, Kind::Path);
    emit("chef_type", "node", Kind::Path);
    emit("chef_environment", &node.chef_environment, Kind::Path);
    for entry in &node.run_list {
        emit("run_list", entry, Kind::Path);
    }
    for recipe in node.recipe_entries() {
        emit("recipe", recipe, Kind::Path);
    }
    for role in node.role_entries() {
        emit("role", role, Kind::Path);
    }
    if let Some(policy) = &node.policy_name {
        emit("policy_name", policy, Kind::Path);
    }
    if let Some(group) = &node.policy_group {
        emit("policy_group", group, Kind::Path);
    }
    let tree = &node.attributes;
    let mut walker = Walker {
        tree,
        fields,
        path: String::with_capacity(64),
        emit,
    };
    for child in tree.children(tree.root()) {
        let key = tree.key(child);
        if OVERLAY_FIELDS.contains(&key) {
            continue;
        }
        walker.path.clear();
        walker.path.push_str(key);
        walker.value(key, child, true);
    }
}

/// Every full-path pair of a node, sorted by field (for `search --long`).
pub fn pairs(node: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(node, &mut |field, value, kind| {
        if kind == Kind::Path {
            out.push((field.to_string(), value.to_string()));
        }
    });
    // A stable sort keeps array elements in their order.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

struct Walker<'t, 'e> {
    tree: &'t Tree,
    fields: Option<&'t Fields>,
    /// The `_`-joined path of the value being visited.
    path: String,
    emit: &'e mut dyn FnMut(&str, &str, Kind),
}

impl<'t> Walker<'t, '_> {
    /// Visits a value. `path_live` says whether `self.path` holds its full
    /// path; once no wanted field can start with the path, the path is no
    /// longer built and only last keys are checked.
    fn value(&mut self, leaf: &'t str, at: At, path_live: bool) {
        let tree = self.tree;
        let same = path_live && leaf.len() == self.path.len();
        let (path_wanted, path_extends, leaf_wanted) = match self.fields {
            None => (path_live, path_live, !same),
            Some(fields) => {
                let path_wanted = path_live && fields.wants(&self.path);
                let path_extends = path_live && fields.extends(&self.path);
                let leaf_wanted = !same && fields.wants(leaf);
                // Nothing here can be wanted: not the path, not the last
                // key, and no key below.
                if !path_wanted
                    && !path_extends
                    && !leaf_wanted
                    && tree.keys_below(at) & fields.bits == 0
                {
                    return;
                }
                (path_wanted, path_extends, leaf_wanted)
            }
        };
        let emit = |walker: &mut Self, value: &str, kind: Kind| {
            if path_wanted {
                (walker.emit)(&walker.path, value, kind);
            }
            if leaf_wanted {
                let leaf_kind = if kind == Kind::Key {
                    Kind::Key
                } else {
                    Kind::Leaf
                };
                (walker.emit)(leaf, value, leaf_kind);
            }
        };
        match tree.kind(at) {
            TreeKind::Object => {
                for child in tree.children(at) {
                    emit(self, tree.key(child), Kind::Key);
                }
                let len = self.path.len();
                for child in tree.children(at) {
                    let key = tree.key(child);
                    if path_extends {
                        self.path.push('_');
                        self.path.push_str(key);
                    }
                    self.value(key, child, path_extends);
                    self.path.truncate(len);
                }
            }
            TreeKind::Array => {
                for child in tree.children(at) {
                    match tree.text(child) {
                        Some(text) => emit(self, text, Kind::Path),
                        None => self.value(leaf, child, path_live),
                    }
                }
            }
            _ => {
                let text = tree.text(at).unwrap_or_default();
                emit(self, text, Kind::Path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::node::Origin;
    use serde_json::{json, Value};

    fn index(doc: Value) -> Vec<(String, String, Kind)> {
        let node = Node::from_json(doc, None, Origin::command_line()).unwrap();
        let mut out = Vec::new();
        walk(&node, &mut |f, v, k| out.push((f.into(), v.into(), k)));
        out
    }

    fn has(index: &[(String, String, Kind)], field: &str, value: &str) -> bool {
        index.iter().any(|(f, v, _)| f == field && v == value)
    }

    #[test]
    fn nested_keys_join_with_underscores_and_leaves_are_indexed_alone() {
        let ix = index(
            json!({"name": "n", "automatic": {"kernel": {"release": "6.1.0", "os": {"family": "linux"}}}}),
        );
        assert!(has(&ix, "kernel_release", "6.1.0"));
        assert!(has(&ix, "release", "6.1.0"));
        assert!(has(&ix, "kernel_os_family", "linux"));
        assert!(has(&ix, "family", "linux"));
        assert!(
            !has(&ix, "os_family", "linux"),
            "only the full path and the last key"
        );
        // key names are values of their hash's path
        assert!(has(&ix, "kernel", "release"));
        assert!(has(&ix, "kernel_os", "family"));
        assert!(has(&ix, "os", "family"));
    }

    #[test]
    fn arrays_index_each_element_under_the_same_key() {
        let ix = index(
            json!({"name": "n", "normal": {"tags": ["a", "b"], "fs": [{"mount": "/"}, {"mount": "/var"}]}}),
        );
        assert!(has(&ix, "tags", "a") && has(&ix, "tags", "b"));
        assert!(has(&ix, "fs_mount", "/") && has(&ix, "fs_mount", "/var"));
        assert!(has(&ix, "mount", "/var"));
    }

    #[test]
    fn scalars_become_text() {
        let ix = index(
            json!({"name": "n", "automatic": {"ohai_time": 1732550000.25, "cpu": {"total": 4}, "virtual": true, "gone": null}}),
        );
        assert!(has(&ix, "ohai_time", "1732550000.25"));
        assert!(has(&ix, "cpu_total", "4") && has(&ix, "total", "4"));
        assert!(has(&ix, "virtual", "true"));
        assert!(has(&ix, "gone", ""));
    }

    #[test]
    fn run_list_gives_recipe_and_role_while_recipes_come_from_attributes() {
        let ix = index(json!({
            "name": "n",
            "run_list": ["role[gitlab-web]", "recipe[base]"],
            "automatic": {"recipes": ["base", "base::default", "omnibus-gitlab::default"], "roles": ["gitlab-web", "gitlab-base"]}
        }));
        assert!(has(&ix, "role", "gitlab-web"));
        assert!(
            !has(&ix, "role", "gitlab-base"),
            "role is the node's own run list only"
        );
        assert!(has(&ix, "roles", "gitlab-base"));
        assert!(has(&ix, "recipe", "base"));
        assert!(!has(&ix, "recipe", "omnibus-gitlab::default"));
        assert!(has(&ix, "recipes", "omnibus-gitlab::default"));
        assert!(has(&ix, "run_list", "role[gitlab-web]"));
    }

    #[test]
    fn top_level_fields_overlay_attributes_of_the_same_name() {
        let ix = index(
            json!({"name": "real", "chef_environment": "gprd", "automatic": {"name": "shadow", "chef_environment": "x"}}),
        );
        assert!(has(&ix, "name", "real") && !has(&ix, "name", "shadow"));
        assert!(has(&ix, "chef_environment", "gprd") && !has(&ix, "chef_environment", "x"));
        assert!(has(&ix, "chef_type", "node"));
    }

    #[test]
    fn a_field_filter_keeps_every_wanted_pair() {
        let doc = json!({"name": "n", "automatic": {
            "kernel": {"release": "6.1", "os": {"family": "linux"}},
            "fs": [{"mount": "/"}], "recipes": ["a", "a::default"], "kernel_extra": "x"
        }});
        let node = Node::from_json(doc, None, Origin::command_line()).unwrap();
        let all = |wanted: &[&str]| {
            let mut out = Vec::new();
            walk(&node, &mut |f, v, k| {
                if wanted.contains(&f) {
                    out.push((f.to_string(), v.to_string(), k))
                }
            });
            out
        };
        for wanted in [
            &["recipes"][..],
            &["kernel_os_family", "release"],
            &["kernel", "os"],
            &["fs_mount", "mount", "kernel_extra"],
            &["name", "chef_environment"],
        ] {
            let fields = Fields::new(wanted.iter().map(|w| w.to_string()));
            let mut filtered = Vec::new();
            walk_fields(&node, Some(&fields), &mut |f, v, k| {
                if wanted.contains(&f) {
                    filtered.push((f.to_string(), v.to_string(), k))
                }
            });
            assert_eq!(filtered, all(wanted), "fields {wanted:?}");
            assert!(!filtered.is_empty(), "fields {wanted:?}");
        }
    }

    #[test]
    fn pairs_lists_full_paths_only() {
        let node = Node::from_json(
            json!({"name": "n", "automatic": {"kernel": {"release": "6.1"}}}),
            None,
            Origin::command_line(),
        )
        .unwrap();
        let p = pairs(&node);
        assert!(p.contains(&("kernel_release".into(), "6.1".into())));
        assert!(!p.iter().any(|(f, _)| f == "release" || f == "kernel"));
    }
}
