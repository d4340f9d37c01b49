//! Node selection, the first stage of galley's pipeline: where nodes come
//! from, and which of them a Chef search query selects.
//!
//! A [`NodeSource`] answers a [`Query`] with nodes. Sources today: a local
//! inventory of node JSON ([`node_files::Inventory`]) and a manual host list
//! ([`ManualList`]); a Chef server plugs in beside them. What to connect to is
//! decided later, in [`crate::target`].

pub mod chef_server;
pub mod flatten;
mod loading;
pub mod node;
pub mod node_files;
pub mod query;
pub mod stream;
pub mod tree;

use std::sync::Arc;

pub use node::{Node, Origin};
pub use query::{parse, parse_selection, Matcher, Query};

/// Somewhere nodes can be searched (from several threads at once).
pub trait NodeSource: Sync {
    /// Says what the source is, for messages: `inventory fixtures/inventory`.
    fn describe(&self) -> String;

    /// The nodes the query selects, in no particular order. An `Err` is a
    /// setup failure (unreadable files, an unreachable server), never "no
    /// match".
    fn search(&self, query: &Query) -> anyhow::Result<Vec<Arc<Node>>>;

    /// A node this source selected, with every attribute: a search keeps
    /// only what galley uses of each node, so output that shows every
    /// attribute (`search --long`) asks for each again as it writes it, a
    /// few at a time. The node must still be there, by that name.
    fn whole(&self, node: &Node) -> anyhow::Result<Node>;
}

/// Hosts named on the command line (`-m`): each is a node of that name with
/// no attributes, and every query selects all of them.
#[derive(Debug, Clone)]
pub struct ManualList {
    nodes: Vec<Arc<Node>>,
}

impl ManualList {
    pub fn new(hosts: &[String]) -> ManualList {
        ManualList {
            nodes: hosts.iter().map(|h| Arc::new(Node::bare(h))).collect(),
        }
    }
}

impl NodeSource for ManualList {
    fn describe(&self) -> String {
        "the host list on the command line".into()
    }

    fn search(&self, _query: &Query) -> anyhow::Result<Vec<Arc<Node>>> {
        Ok(self.nodes.clone())
    }

    /// A host named on the command line has no attributes to read.
    fn whole(&self, node: &Node) -> anyhow::Result<Node> {
        Ok(node.clone())
    }
}
