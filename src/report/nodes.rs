//! Selected nodes as a table, as long listings, or as JSON (`galley search`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::human::{age, table};
use crate::hostlist;
use crate::inventory::flatten;
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
pub fn records(targets: &Targets, long: bool, now: f64) -> Vec<NodeRecord> {
    // One line per address clash, folded once: a clash of thousands of
    // nodes must not cost a list of thousands per node.
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
    let addressed = targets
        .targets
        .iter()
        .map(|t| (&t.node, Some((&t.address, t.port)), None));
    let unaddressed = targets
        .unaddressed
        .iter()
        .map(|u| (&u.node, None, Some(u.reason.as_str())));
    let mut out: Vec<NodeRecord> = addressed
        .chain(unaddressed)
        .map(|(node, address, problem)| {
            let mut warnings: Vec<String> = problem
                .map(|p| format!("no usable address: {p}"))
                .into_iter()
                .collect();
            if let Some(line) = shared.get(node.name.as_str()) {
                warnings.push(line.clone());
            }
            let attributes = long.then(|| {
                let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
                // Node data enters galley's output here: an attribute may
                // hold a repository URL with its token, or a key.
                for (field, value) in flatten::pairs(node) {
                    map.entry(field)
                        .or_default()
                        .push(crate::secrets::mask(&value));
                }
                map
            });
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
                attributes,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
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

/// `search --long`: each node with every flattened attribute.
pub fn render_long(records: &[NodeRecord]) -> String {
    let mut out = String::new();
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}  ({})\n", r.name, r.source));
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
    }
    out
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
