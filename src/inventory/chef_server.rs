//! Nodes from a Chef server: partial search (only the attributes galley
//! uses), over every page, complete and without duplicates.
//!
//! Paging: Chef Server's `total` counts all matches; goiardi's counts the
//! page, and its partial results come back in a different order on every
//! call (goiardi 0.11, as tests/galley/chef.rs runs it). galley pages until a page
//! comes back short. A full page whose `total` claims nothing more (goiardi),
//! or a name repeating across pages (the order moved under it), makes galley
//! ask again for everything in one page.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::node::{Node, Origin};
use super::{NodeSource, Query};
use crate::chef::client::{encode_query, ChefClient, ClientError};

/// The attributes fetched for each node (the partial search body), with the
/// `-a` attribute when there is one.
pub fn spec(extra: Option<&str>) -> Value {
    let mut spec = json!({
        "name": ["name"],
        "chef_environment": ["chef_environment"],
        "run_list": ["run_list"],
        "fqdn": ["fqdn"],
        "ipaddress": ["ipaddress"],
        "cloud": ["cloud"],
        "ohai_time": ["ohai_time"],
        "platform": ["platform"],
        "platform_version": ["platform_version"],
        "recipes": ["recipes"],
        "roles": ["roles"],
        "tags": ["tags"],
        "keys_ssh": ["keys", "ssh"],
    });
    if let Some(path) = extra {
        spec["galley_attribute"] = Value::from(path.split('.').collect::<Vec<_>>());
    }
    spec
}

pub struct ChefServer {
    client: ChefClient,
    url: String,
    /// Rows asked for per page.
    pub rows: usize,
    /// A dotted attribute (`-a`) to fetch too.
    pub attribute: Option<String>,
}

impl ChefServer {
    pub fn new(
        client: ChefClient,
        url: String,
        rows: usize,
        attribute: Option<String>,
    ) -> ChefServer {
        ChefServer {
            client,
            url,
            rows: rows.max(1),
            attribute,
        }
    }

    /// One page: its rows' data, and the server's `total`.
    fn page(&self, query: &str, start: usize, rows: usize) -> anyhow::Result<(Vec<Value>, usize)> {
        let path = format!(
            "/search/node?q={}&start={start}&rows={rows}",
            encode_query(query)
        );
        let answer = self
            .client
            .post(&path, &spec(self.attribute.as_deref()))
            .map_err(|e| match e {
                ClientError::Refused {
                    status: 400,
                    message,
                    ..
                } => {
                    anyhow::anyhow!("the server cannot parse the query\n  {query}\n{message}")
                }
                other => anyhow::Error::new(other),
            })?;
        let rows = answer["rows"].as_array().ok_or_else(|| {
            anyhow::anyhow!(
                "the server's search answer has no rows: {}",
                truncate(&answer.to_string())
            )
        })?;
        let total = answer["total"].as_u64().map(|t| t as usize).ok_or_else(|| {
            anyhow::anyhow!(
                "the server's search answer has no total (knife pages by it; galley will not page without it): {}",
                truncate(&answer.to_string())
            )
        })?;
        Ok((rows.iter().map(|r| r["data"].clone()).collect(), total))
    }

    fn node(&self, data: Value) -> anyhow::Result<Node> {
        let Value::Object(mut data) = data else {
            anyhow::bail!("a search row is not an object");
        };
        let mut doc = Map::new();
        for key in ["name", "chef_environment", "run_list"] {
            if let Some(v) = data.remove(key).filter(|v| !v.is_null()) {
                doc.insert(key.into(), v);
            }
        }
        let mut automatic = Map::new();
        if let Some(keys) = data.remove("keys_ssh").filter(|v| !v.is_null()) {
            automatic.insert("keys".into(), json!({ "ssh": keys }));
        }
        if let (Some(path), Some(value)) = (&self.attribute, data.remove("galley_attribute")) {
            insert_path(&mut automatic, path, value);
        }
        let tags = data.remove("tags");
        for (key, value) in data {
            if !value.is_null() {
                automatic.insert(key, value);
            }
        }
        doc.insert("automatic".into(), Value::Object(automatic));
        if let Some(tags) = tags.filter(|t| !t.is_null()) {
            doc.insert("normal".into(), json!({ "tags": tags }));
        }
        Ok(Node::from_json(Value::Object(doc), None, self.origin())?)
    }

    /// Where the server's nodes come from, for messages: its URL, any
    /// password in it masked.
    fn origin(&self) -> Origin {
        Origin::file(std::path::Path::new(&crate::secrets::mask(&self.url)))
    }
}

/// The most nodes one search may bring: far past any fleet, and the end
/// of a server that pages forever.
const MAX_NODES: usize = 1_000_000;

fn truncate(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Puts `value` at a dotted path in `map`, making objects on the way.
fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut here = map;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            here.insert(part.to_string(), value);
            return;
        }
        let next = here.entry(part.to_string()).or_insert_with(|| json!({}));
        if !next.is_object() {
            *next = json!({});
        }
        here = next.as_object_mut().expect("just made an object");
    }
}

impl NodeSource for ChefServer {
    /// Shown in messages and kept as the completion index's source name:
    /// a password in the URL is masked.
    fn describe(&self) -> String {
        format!("Chef server {}", crate::secrets::mask(&self.url))
    }

    fn search(&self, query: &Query) -> anyhow::Result<Vec<Arc<Node>>> {
        let text = query.to_string();
        let mut found: BTreeMap<String, Value> = BTreeMap::new();
        let mut start = 0;
        let mut rows = self.rows;
        loop {
            if start + rows > MAX_NODES * 2 || found.len() > MAX_NODES {
                anyhow::bail!(
                    "the Chef server kept answering past {MAX_NODES} nodes for {text}; galley stopped reading"
                );
            }
            let (page, total) = self.page(&text, start, rows)?;
            let full = page.len() == rows;
            let mut repeated = false;
            for data in page {
                let name = data["name"].as_str().unwrap_or_default().to_string();
                repeated |= found.insert(name, data).is_some();
            }
            if repeated && start > 0 {
                // The order moved between pages: ask for all of it at once.
                found.clear();
                rows = (start + rows) * 2;
                start = 0;
                continue;
            }
            if !full {
                break;
            }
            if total <= start + rows {
                // A full page whose total says "that was all": goiardi's total
                // counts the page, and its pages reorder. Ask for it all at once.
                found.clear();
                rows = (start + rows) * 10;
                start = 0;
                continue;
            }
            start += rows;
        }
        found
            .into_values()
            .map(|data| self.node(data).map(Arc::new))
            .collect()
    }

    /// The node as the server keeps it (`GET /nodes/NAME`, see
    /// [`ChefClient::node`]): the search brought only the attributes galley
    /// uses (partial search).
    fn whole(&self, node: &Node) -> anyhow::Result<Node> {
        let answer = self.client.node(&node.name)?;
        Ok(Node::from_json(answer, None, self.origin())?)
    }
}
