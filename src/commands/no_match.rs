//! What galley adds when a query selects nothing. Chef Server answers zero
//! rows and no more; galley knows the fields and values of the nodes it
//! searched (an inventory whole, a Chef server through the completion
//! index), so it names a field no node has, or a value no node has for a
//! field, with the nearest one that exists. The hints never change what
//! was selected: they run after the selection came back empty.

use std::collections::{BTreeMap, BTreeSet};

use crate::complete::index::SourceIndex;
use crate::inventory::flatten;
use crate::inventory::query::{Case, Pattern};
use crate::inventory::{Matcher, Node, Query};
use crate::suggest::nearest;
use crate::units::plural;

/// A field with at most this many values has them listed.
const FEW: usize = 6;

/// At most this many values of one field are kept to compare with.
const MAX_VALUES: usize = 20_000;

/// A field of the query, and what the nodes searched say of it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Hint {
    /// No node has the field; `near` is the nearest field that exists.
    NoField { field: String, near: Option<String> },
    /// Nodes have the field, none with this value. `near`: the nearest
    /// value that exists; `parts`: how many nodes `field:*value*` selects
    /// (a term matches a value's whole first word), when any; `few`: the
    /// field's values, when there are a few.
    NoValue {
        field: String,
        value: String,
        near: Option<String>,
        parts: Option<usize>,
        few: Vec<String>,
    },
}

impl Hint {
    /// The hint as said after "no node matches". `everywhere`: galley saw
    /// every node and field (an inventory), not only the few fields of a
    /// Chef server's completion index.
    pub(crate) fn say(&self, everywhere: bool) -> String {
        let shown = |text: &str| crate::terminal::escape_value(text).into_owned();
        let nodes = if everywhere {
            "no node has"
        } else {
            "no node galley has seen on this server has"
        };
        match self {
            Hint::NoField { field, near } => match near {
                Some(near) => format!(
                    "hint: {nodes} a field {}: did you mean {}?",
                    shown(field),
                    shown(near)
                ),
                None => format!(
                    "hint: {nodes} a field {} (galley search -l NODE shows a node's fields)",
                    shown(field)
                ),
            },
            Hint::NoValue {
                field,
                value,
                near,
                parts,
                few,
            } => {
                let (field, value) = (shown(field), shown(value));
                match (near, parts) {
                    (Some(near), _) => format!(
                        "hint: {nodes} {field}:{value}: did you mean {field}:{}?",
                        shown(near)
                    ),
                    (None, Some(parts)) => format!(
                        "hint: {nodes} {field}:{value}: a term matches a whole word; {field}:*{value}* would select {}",
                        plural(*parts, "node", "nodes")
                    ),
                    (None, None) if !few.is_empty() => {
                        let few: Vec<String> = few.iter().map(|v| shown(v)).collect();
                        format!("hint: {nodes} {field}:{value}; its values: {}", few.join(", "))
                    }
                    (None, None) => {
                        format!("hint: {nodes} {field}:{value} or anything near it")
                    }
                }
            }
        }
    }
}

/// The hints for `query` over every node of an inventory.
pub(crate) fn for_nodes(query: &Query, nodes: &[std::sync::Arc<Node>], case: Case) -> Vec<Hint> {
    let named = query.named_fields();
    if named.is_empty() {
        return Vec::new();
    }
    let fold = |text: &str| match case {
        Case::Ignore => text.to_lowercase(),
        Case::Sensitive => text.to_string(),
    };
    let wanted: BTreeSet<String> = named.iter().map(|(f, _)| fold(f)).collect();
    let mut fields: BTreeSet<String> = BTreeSet::new();
    let mut values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in nodes {
        flatten::walk(node, &mut |field, value, _| {
            let field = fold(field);
            if wanted.contains(&field) {
                let seen = values.entry(field.clone()).or_default();
                if seen.len() < MAX_VALUES {
                    seen.insert(value.to_string());
                }
            }
            fields.insert(field);
        });
    }
    let mut hints = Vec::new();
    for (field, value) in named {
        if !fields.contains(&fold(&field)) {
            let near = nearest(&field, fields.iter().map(String::as_str)).map(str::to_string);
            hints.push(Hint::NoField { field, near });
            continue;
        }
        let Some(value) = value else { continue };
        let term = Query::Term {
            field: Some(Pattern::literal(&field)),
            value: Pattern::literal(&value),
        };
        let matcher = Matcher::with_case(&term, case);
        if nodes.iter().any(|node| matcher.matches(node)) {
            continue;
        }
        let known: Vec<&str> = values
            .get(&fold(&field))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let near = nearest(&value, known.iter().copied()).map(str::to_string);
        let parts = Matcher::with_case(
            &Query::Term {
                field: Some(Pattern::literal(&field)),
                value: Pattern::literal(&value).anywhere(),
            },
            case,
        );
        let parts = nodes.iter().filter(|node| parts.matches(node)).count();
        let few = if known.len() <= FEW && known.iter().all(|v| v.chars().count() <= 80) {
            known.iter().map(|v| v.to_string()).collect()
        } else {
            Vec::new()
        };
        hints.push(Hint::NoValue {
            field,
            value,
            near,
            parts: (parts > 0).then_some(parts),
            few,
        });
    }
    hints
}

/// The hints for `query` from a Chef server's completion index, which
/// holds a few fields' values: only a field near one of those and not one
/// itself, or a value of one of those that the index does not hold.
pub(crate) fn for_index(query: &Query, index: &SourceIndex) -> Vec<Hint> {
    let mut hints = Vec::new();
    for (field, value) in query.named_fields() {
        let Some(values) = index.fields.get(&field) else {
            let near = nearest(&field, index.fields.keys().map(String::as_str));
            if let Some(near) = near {
                hints.push(Hint::NoField {
                    field,
                    near: Some(near.to_string()),
                });
            }
            continue;
        };
        let Some(value) = value else { continue };
        if values.contains(&value) {
            continue;
        }
        if let Some(near) = nearest(&value, values.iter().map(String::as_str)) {
            hints.push(Hint::NoValue {
                field,
                value,
                near: Some(near.to_string()),
                parts: None,
                few: Vec::new(),
            });
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::parse_selection;
    use std::sync::Arc;

    fn nodes() -> Vec<Arc<Node>> {
        [
            serde_json::json!({"name": "web-1", "chef_environment": "gprd", "run_list": ["recipe[omnibus-gitlab::default]"]}),
            serde_json::json!({"name": "db-1", "chef_environment": "gstg", "automatic": {"platform": "debian"}}),
        ]
        .into_iter()
        .map(|json| Arc::new(Node::from_json(json, None, crate::inventory::Origin::command_line()).unwrap()))
        .collect()
    }

    fn hints(query: &str) -> Vec<Hint> {
        for_nodes(&parse_selection(query).unwrap(), &nodes(), Case::Sensitive)
    }

    #[test]
    fn a_misspelt_field_is_named_with_the_nearest_field() {
        assert_eq!(
            hints("chef_enviroment:gprd"),
            [Hint::NoField {
                field: "chef_enviroment".into(),
                near: Some("chef_environment".into())
            }]
        );
        assert_eq!(
            hints("zzz:1"),
            [Hint::NoField {
                field: "zzz".into(),
                near: None
            }]
        );
    }

    #[test]
    fn a_value_no_node_has_is_named_with_the_nearest_value() {
        assert_eq!(
            hints("chef_environment:gprod AND platform:debian"),
            [Hint::NoValue {
                field: "chef_environment".into(),
                value: "gprod".into(),
                near: Some("gprd".into()),
                parts: None,
                few: vec!["gprd".into(), "gstg".into()],
            }]
        );
        assert_eq!(
            hints("name:web"),
            [Hint::NoValue {
                field: "name".into(),
                value: "web".into(),
                near: None,
                parts: Some(1),
                few: vec!["db-1".into(), "web-1".into()],
            }]
        );
    }

    #[test]
    fn terms_that_match_on_their_own_give_no_hint() {
        // Each term selects a node; only together do they select none.
        assert_eq!(hints("chef_environment:gprd AND platform:debian"), []);
        assert_eq!(
            hints("recipe:omnibus-gitlab\\:\\:default AND name:db-1"),
            []
        );
    }
}
