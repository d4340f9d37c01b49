//! From nodes to the hosts to connect to.
//!
//! The address is the node's `--attribute` (a dotted path) when one is
//! given; otherwise knife's rule: a non-empty `cloud.public_hostname`, else
//! `fqdn` (chef/chef knife/lib/chef/knife/ssh.rb `get_ssh_attribute`). The
//! port is the node's `cloud.public_ssh_port` when present. Unlike knife,
//! a node with no usable address is reported, not skipped in silence, and
//! nodes sharing an address are reported, not merged.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::inventory::Node;

/// How to find a node's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressRule {
    /// knife's default: `cloud.public_hostname`, else `fqdn`.
    Knife,
    /// One attribute, by dotted path (`ipaddress`, `cloud.local_hostname`).
    Attribute(String),
    /// The node name is the address (manual host lists).
    Name,
}

impl AddressRule {
    /// The attribute paths tried, in order, for messages.
    pub fn describe(&self) -> String {
        match self {
            AddressRule::Knife => "cloud.public_hostname or fqdn".into(),
            AddressRule::Attribute(path) => path.clone(),
            AddressRule::Name => "name".into(),
        }
    }
}

/// A host to connect to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The node name, which labels the host everywhere.
    pub name: String,
    pub address: String,
    /// From the node (`cloud.public_ssh_port`); `None` leaves it to ssh_config.
    pub port: Option<u16>,
    pub node: Arc<Node>,
}

/// A node galley cannot connect to, and why.
#[derive(Debug, Clone)]
pub struct Unaddressed {
    pub node: Arc<Node>,
    pub reason: String,
}

/// Nodes that share one address (and port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedAddress {
    pub address: String,
    pub port: Option<u16>,
    pub names: Vec<String>,
}

/// Every selected node, each either a target or unaddressed, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub targets: Vec<Target>,
    pub unaddressed: Vec<Unaddressed>,
    /// Address clashes among `targets`; those targets stay in the list.
    pub shared: Vec<SharedAddress>,
}

impl Targets {
    /// How many nodes were selected: targets and unaddressed ones.
    pub fn len(&self) -> usize {
        self.targets.len() + self.unaddressed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps the nodes, targets and unaddressed ones, whose name passes
    /// `keep`; an address clash is only said of the nodes kept.
    pub fn retain_names(&mut self, keep: impl Fn(&str) -> bool) {
        self.targets.retain(|t| keep(&t.name));
        self.unaddressed.retain(|u| keep(&u.node.name));
        for clash in &mut self.shared {
            clash.names.retain(|name| keep(name));
        }
        self.shared.retain(|clash| clash.names.len() > 1);
    }
}

/// Resolves each node's address and port.
pub(crate) fn resolve(nodes: Vec<Arc<Node>>, rule: &AddressRule) -> Targets {
    let mut out = Targets::default();
    for node in nodes {
        match address_of(&node, rule) {
            Ok((address, port)) => out.targets.push(Target {
                name: node.name.clone(),
                address,
                port,
                node,
            }),
            Err(reason) => out.unaddressed.push(Unaddressed { node, reason }),
        }
    }
    out.targets.sort_by(|a, b| a.name.cmp(&b.name));
    out.unaddressed
        .sort_by(|a, b| a.node.name.cmp(&b.node.name));
    let mut by_address: BTreeMap<(String, Option<u16>), Vec<String>> = BTreeMap::new();
    for t in &out.targets {
        by_address
            .entry((t.address.to_ascii_lowercase(), t.port))
            .or_default()
            .push(t.name.clone());
    }
    out.shared = by_address
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|((address, port), names)| SharedAddress {
            address,
            port,
            names,
        })
        .collect();
    out
}

fn address_of(node: &Node, rule: &AddressRule) -> Result<(String, Option<u16>), String> {
    let address = match rule {
        AddressRule::Name => node.name.clone(),
        AddressRule::Attribute(path) => node
            .attribute_text(path)
            .ok_or_else(|| format!("no attribute {path}"))?,
        AddressRule::Knife => node
            .attribute_text("cloud.public_hostname")
            .or_else(|| node.attribute_text("fqdn"))
            .ok_or_else(|| "neither cloud.public_hostname nor fqdn is set".to_string())?,
    };
    let address = address.trim().to_string();
    let port = match node.attribute("cloud.public_ssh_port") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            parse_port(&value)
                .ok_or_else(|| format!("cloud.public_ssh_port is not a port number: {value}"))?,
        ),
    };
    Ok((address, port))
}

fn parse_port(value: &Value) -> Option<u16> {
    let port = match value {
        Value::Number(n) => u16::try_from(n.as_u64()?).ok()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (port != 0).then_some(port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Origin;
    use serde_json::json;

    fn node(doc: Value) -> Arc<Node> {
        Arc::new(Node::from_json(doc, None, Origin::command_line()).unwrap())
    }

    #[test]
    fn knife_rule_prefers_a_non_empty_public_hostname() {
        let nodes = vec![
            node(
                json!({"name": "a", "automatic": {"fqdn": "a.internal", "cloud": {"public_hostname": "a.example.com"}}}),
            ),
            node(
                json!({"name": "b", "automatic": {"fqdn": "b.internal", "cloud": {"public_hostname": ""}}}),
            ),
            node(json!({"name": "c", "automatic": {"fqdn": "c.internal"}})),
            node(json!({"name": "d", "automatic": {"ipaddress": "10.0.0.4"}})),
        ];
        let t = resolve(nodes, &AddressRule::Knife);
        let addresses: Vec<_> = t
            .targets
            .iter()
            .map(|t| (t.name.as_str(), t.address.as_str()))
            .collect();
        assert_eq!(
            addresses,
            [
                ("a", "a.example.com"),
                ("b", "b.internal"),
                ("c", "c.internal")
            ]
        );
        assert_eq!(t.unaddressed.len(), 1);
        assert_eq!(t.unaddressed[0].node.name, "d");
        assert!(t.unaddressed[0].reason.contains("fqdn"));
    }

    #[test]
    fn an_attribute_rule_uses_only_that_attribute() {
        let nodes = vec![
            node(json!({"name": "a", "automatic": {"ipaddress": "10.0.0.1", "fqdn": "a"}})),
            node(json!({"name": "b", "automatic": {"fqdn": "b"}})),
        ];
        let t = resolve(nodes, &AddressRule::Attribute("ipaddress".into()));
        assert_eq!(t.targets.len(), 1);
        assert_eq!(t.targets[0].address, "10.0.0.1");
        assert_eq!(t.unaddressed[0].reason, "no attribute ipaddress");
    }

    #[test]
    fn port_comes_from_cloud_public_ssh_port() {
        let nodes = vec![
            node(
                json!({"name": "a", "automatic": {"fqdn": "a", "cloud": {"public_ssh_port": 2222}}}),
            ),
            node(
                json!({"name": "b", "automatic": {"fqdn": "b", "cloud": {"public_ssh_port": "2200"}}}),
            ),
            node(
                json!({"name": "c", "automatic": {"fqdn": "c", "cloud": {"public_ssh_port": "ssh"}}}),
            ),
        ];
        let t = resolve(nodes, &AddressRule::Knife);
        assert_eq!(t.targets[0].port, Some(2222));
        assert_eq!(t.targets[1].port, Some(2200));
        assert!(t.unaddressed[0].reason.contains("not a port number"));
    }

    #[test]
    fn shared_addresses_are_reported_and_both_nodes_kept() {
        let nodes = vec![
            node(json!({"name": "web-01", "automatic": {"fqdn": "web-01.example.com"}})),
            node(json!({"name": "web-01-old", "automatic": {"fqdn": "WEB-01.example.com"}})),
            node(json!({"name": "web-02", "automatic": {"fqdn": "web-02.example.com"}})),
        ];
        let t = resolve(nodes, &AddressRule::Knife);
        assert_eq!(t.targets.len(), 3);
        assert_eq!(
            t.shared,
            vec![SharedAddress {
                address: "web-01.example.com".into(),
                port: None,
                names: vec!["web-01".into(), "web-01-old".into()],
            }]
        );
    }

    #[test]
    fn a_clash_is_only_said_of_the_nodes_kept() {
        let nodes = vec![
            node(json!({"name": "a", "automatic": {"fqdn": "shared"}})),
            node(json!({"name": "b", "automatic": {"fqdn": "shared"}})),
            node(json!({"name": "c", "automatic": {"fqdn": "shared"}})),
            node(json!({"name": "d", "automatic": {"fqdn": "other"}})),
        ];
        let mut t = resolve(nodes, &AddressRule::Knife);
        t.retain_names(|name| name != "a");
        assert_eq!(t.shared[0].names, ["b", "c"]);
        t.retain_names(|name| name != "b");
        assert!(t.shared.is_empty(), "{:?}", t.shared);
        assert_eq!(t.targets.len(), 2);
    }
}
