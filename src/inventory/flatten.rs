//! A node as Chef's search index sees it: a list of `field = value` pairs.
//!
//! The rules are Chef Server's (chef_node.erl `ejson_for_indexing`,
//! chef_index_expand.erl; `reference/chef.md` §5.2):
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

use std::fmt::Write;

use serde_json::Value;

use super::node::{Node, OVERLAY_FIELDS};

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

/// Calls `emit(field, value, kind)` for every pair in the node's index.
pub fn walk(node: &Node, emit: &mut dyn FnMut(&str, &str, Kind)) {
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
    let mut walker = Walker {
        path: String::with_capacity(64),
        scratch: String::new(),
        emit,
    };
    for (key, value) in &node.attributes {
        if OVERLAY_FIELDS.contains(&key.as_str()) {
            continue;
        }
        walker.path.clear();
        walker.path.push_str(key);
        walker.value(key, value);
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

struct Walker<'e> {
    /// The `_`-joined path of the value being visited.
    path: String,
    /// Text of the number being emitted.
    scratch: String,
    emit: &'e mut dyn FnMut(&str, &str, Kind),
}

impl Walker<'_> {
    fn pair(&mut self, leaf: &str, value: &str, kind: Kind) {
        (self.emit)(&self.path, value, kind);
        if leaf.len() != self.path.len() {
            let leaf_kind = if kind == Kind::Key {
                Kind::Key
            } else {
                Kind::Leaf
            };
            (self.emit)(leaf, value, leaf_kind);
        }
    }

    fn value(&mut self, leaf: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                for key in map.keys() {
                    self.pair(leaf, key, Kind::Key);
                }
                let len = self.path.len();
                for (key, child) in map {
                    self.path.push('_');
                    self.path.push_str(key);
                    self.value(key, child);
                    self.path.truncate(len);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.value(leaf, item);
                }
            }
            Value::String(s) => self.pair(leaf, s, Kind::Path),
            Value::Bool(b) => self.pair(leaf, if *b { "true" } else { "false" }, Kind::Path),
            Value::Null => self.pair(leaf, "", Kind::Path),
            Value::Number(n) => {
                let mut text = std::mem::take(&mut self.scratch);
                text.clear();
                let _ = write!(text, "{n}");
                self.pair(leaf, &text, Kind::Path);
                self.scratch = text;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::node::Origin;
    use serde_json::json;

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
