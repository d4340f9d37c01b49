//! Selected nodes as a table, as long listings, or as JSON (`galley search`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::human::{age, table};
use crate::hostlist;
use crate::inventory::flatten;
use crate::inventory::node::Node;
use crate::target::Targets;
use crate::units::plural;

/// One selected node, as `search` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeRecord {
    pub name: String,
    /// `None` when the node has no usable address (see `warnings`).
    pub address: Option<String>,
    pub port: Option<u16>,
    pub chef_environment: String,
    /// `platform platform_version`.
    pub platform: Option<String>,
    /// The last successful chef-client check-in, seconds since the epoch.
    pub ohai_time: Option<f64>,
    /// Seconds from `ohai_time` to now.
    pub checkin_age_seconds: Option<f64>,
    /// Where the node was read from.
    pub source: String,
    /// Why galley cannot connect to this node, or who shares its address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Every flattened attribute (with `--long`): field -> values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
}

/// Records for every selected node, addressed or not, sorted by name.
pub fn records(targets: &Targets, now: f64) -> Vec<NodeRecord> {
    node_records(targets, now)
        .into_iter()
        .map(|(_, record)| record)
        .collect()
}

/// Each selected node's record, with its node, in name order (`search
/// --long` adds every attribute, read again a few nodes at a time).
pub fn node_records(targets: &Targets, now: f64) -> Vec<(&Node, NodeRecord)> {
    let shared = shared_lines(targets);
    let addressed = targets
        .targets
        .iter()
        .map(|t| (&t.node, Some((&t.address, t.port)), None));
    let unaddressed = targets
        .unaddressed
        .iter()
        .map(|u| (&u.node, None, Some(u.reason.as_str())));
    let mut nodes: Vec<_> = addressed.chain(unaddressed).collect();
    nodes.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let record = |node: &Node, address: Option<(&String, Option<u16>)>, problem: Option<&str>| {
        let mut warnings: Vec<String> = problem
            .map(|p| format!("no usable address: {p}"))
            .into_iter()
            .collect();
        if let Some(line) = shared.get(node.name.as_str()) {
            warnings.push(line.clone());
        }
        NodeRecord {
            name: node.name.clone(),
            address: address.map(|(a, _)| a.clone()),
            port: address.and_then(|(_, p)| p),
            chef_environment: node.chef_environment.clone(),
            platform: node.platform(),
            ohai_time: node.ohai_time(),
            checkin_age_seconds: node.ohai_time().map(|t| now - t),
            source: node.origin.to_string(),
            warnings,
            attributes: None,
        }
    };
    nodes
        .into_iter()
        .map(|(node, address, problem)| (node.as_ref(), record(node, address, problem)))
        .collect()
}

/// Every flattened attribute of `node` (field -> values), as `--long`
/// shows them.
pub fn attributes(node: &Node) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Node data enters galley's output here: an attribute may hold a
    // repository URL with its token, or a key.
    for (field, value) in flatten::pairs(node) {
        map.entry(field)
            .or_default()
            .push(crate::secrets::mask(&value));
    }
    map
}

/// One line per address clash, by node name, folded once: a clash of
/// thousands of nodes must not cost a list of thousands per node.
fn shared_lines(targets: &Targets) -> BTreeMap<&str, String> {
    let mut shared: BTreeMap<&str, String> = BTreeMap::new();
    for clash in &targets.shared {
        let line = format!(
            "shares its address with {} other {}: {}",
            clash.names.len() - 1,
            if clash.names.len() == 2 {
                "node"
            } else {
                "nodes"
            },
            hostlist::fold(&clash.names)
        );
        for name in &clash.names {
            shared.insert(name, line.clone());
        }
    }
    shared
}

/// `address`, `address:port`, or `-` when the node has none.
pub fn address_cell(record: &NodeRecord) -> String {
    match (&record.address, record.port) {
        (Some(address), Some(port)) => format!("{address}:{port}"),
        (Some(address), None) => address.clone(),
        (None, _) => "-".into(),
    }
}

fn checkin_cell(record: &NodeRecord) -> String {
    record
        .checkin_age_seconds
        .map_or_else(|| "never".into(), age)
}

/// The table `search` prints by default.
pub fn render_table(records: &[NodeRecord]) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                address_cell(r),
                r.chef_environment.clone(),
                r.platform.clone().unwrap_or_else(|| "-".into()),
                checkin_cell(r),
            ]
        })
        .collect();
    table(
        &["NAME", "ADDRESS", "ENVIRONMENT", "PLATFORM", "CHECK-IN"],
        &rows,
    )
}

/// One node of `search --long`, with every flattened attribute (the
/// blank line between nodes is the caller's).
pub fn render_long_one(r: &NodeRecord) -> String {
    let mut out = format!("{}  ({})\n", r.name, r.source);
    let mut rows = vec![
        vec!["address:".to_string(), address_cell(r)],
        vec!["check-in:".to_string(), checkin_cell(r)],
    ];
    for warning in &r.warnings {
        rows.push(vec!["warning:".to_string(), warning.clone()]);
    }
    for (field, values) in r.attributes.iter().flatten() {
        for value in values {
            rows.push(vec![field.clone(), value.clone()]);
        }
    }
    for line in table(&["", ""], &rows).lines().skip(1) {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Records as the JSON array `search --format json` prints (pretty, two
/// spaces, a line feed after).
pub fn json_array(records: &[NodeRecord]) -> String {
    let mut out = String::new();
    for (i, record) in records.iter().enumerate() {
        out.push_str(&json_element(record, i == 0));
    }
    out.push_str(json_end(records.len()));
    out
}

/// One element of that array as it is written in turn: what comes before
/// it (`[` or `,`) and the record, indented as serde_json's pretty printer
/// indents an array's elements.
pub fn json_element(record: &NodeRecord, first: bool) -> String {
    let pretty = serde_json::to_string_pretty(record).expect("records serialize");
    let mut out = String::from(if first { "[\n" } else { ",\n" });
    for (i, line) in pretty.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(line);
    }
    out
}

/// What closes the array after `count` elements.
pub fn json_end(count: usize) -> &'static str {
    if count == 0 {
        "[]\n"
    } else {
        "\n]\n"
    }
}

/// Warnings about the selection, one line each, for stderr.
pub fn warnings(targets: &Targets) -> Vec<String> {
    let mut out = Vec::new();
    let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in &targets.unaddressed {
        by_reason.entry(&u.reason).or_default().push(&u.node.name);
    }
    for (reason, names) in by_reason {
        out.push(format!(
            "{} without a usable address ({reason}): {}; try --attribute",
            plural(names.len(), "node", "nodes"),
            hostlist::fold(&names),
        ));
    }
    for clash in &targets.shared {
        let port = clash.port.map(|p| format!(":{p}")).unwrap_or_default();
        out.push(format!(
            "{} share the address {}{port}: {}",
            plural(clash.names.len(), "node", "nodes"),
            clash.address,
            hostlist::fold(&clash.names)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, long: bool) -> NodeRecord {
        NodeRecord {
            name: name.into(),
            address: Some(format!("{name}.example")),
            port: None,
            chef_environment: "gprd".into(),
            platform: Some("ubuntu 22.04".into()),
            ohai_time: Some(1.5),
            checkin_age_seconds: Some(2.0),
            source: "nodes.json".into(),
            warnings: vec!["shares its address".into()],
            attributes: long.then(|| {
                BTreeMap::from([
                    ("kernel_release".to_string(), vec!["6.1".to_string()]),
                    ("tags".to_string(), vec!["a".to_string(), "b".to_string()]),
                ])
            }),
        }
    }

    /// `search --long --format json` writes its array one element at a
    /// time: byte for byte what serde_json prints for the whole array.
    #[test]
    fn the_array_written_element_by_element_is_serde_jsons() {
        for long in [false, true] {
            for n in [0, 1, 3] {
                let records: Vec<NodeRecord> =
                    (0..n).map(|i| record(&format!("web-{i}"), long)).collect();
                let whole = serde_json::to_string_pretty(&records).unwrap() + "\n";
                assert_eq!(json_array(&records), whole, "{n} records, long {long}");
            }
        }
    }
}
