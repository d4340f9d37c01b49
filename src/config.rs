//! From the command line to a validated selection: which source, which
//! query, which address rule. Parsing happens here, so a malformed query or
//! host list is a usage error before anything is read; opening the source
//! comes after, and its failures are setup errors.

use std::path::PathBuf;

use crate::cli;
use crate::error::Error;
use crate::hostlist;
use crate::inventory::node_files::Inventory;
use crate::inventory::{self, ManualList, NodeSource, Query};
use crate::target::AddressRule;

/// Where nodes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Inventory(PathBuf),
    /// Hosts named on the command line, already expanded.
    Manual(Vec<String>),
}

/// A validated node selection.
#[derive(Debug, Clone)]
pub struct Selection {
    pub source: SourceSpec,
    pub query: Query,
    pub address: AddressRule,
}

impl Selection {
    pub fn from_args(args: &cli::Selection) -> Result<Selection, Error> {
        let text = args.query.join(" ");
        if args.manual_list {
            let hosts = hostlist::expand(&text).map_err(Error::usage)?;
            return Ok(Selection {
                source: SourceSpec::Manual(hosts),
                query: Query::All,
                address: AddressRule::Name,
            });
        }
        let query = inventory::parse(&text).map_err(Error::usage)?.fuzzify();
        let Some(path) = &args.inventory else {
            return Err(Error::setup(anyhow::anyhow!(
                "no node source: galley needs node data to search"
            ))
            .with_hint(
                "pass --inventory PATH (or set GALLEY_INVENTORY) to search node JSON files, \
                 or -m to give a list of hosts instead of a query",
            ));
        };
        let address = match &args.attribute {
            Some(path) if path.trim().is_empty() || path.split('.').any(str::is_empty) => {
                return Err(Error::usage(anyhow::anyhow!(
                    "--attribute {path:?} is not a dotted attribute path such as ipaddress or cloud.public_hostname"
                )))
            }
            Some(path) => AddressRule::Attribute(path.clone()),
            None => AddressRule::Knife,
        };
        Ok(Selection {
            source: SourceSpec::Inventory(path.clone()),
            query,
            address,
        })
    }

    /// The source, for messages: `inventory PATH` or `a host list`.
    pub fn describe_source(&self) -> String {
        match &self.source {
            SourceSpec::Inventory(path) => format!("inventory {}", path.display()),
            SourceSpec::Manual(_) => "the host list on the command line".into(),
        }
    }

    /// Opens the node source (reads the inventory).
    pub fn open(&self) -> Result<Box<dyn NodeSource>, Error> {
        match &self.source {
            SourceSpec::Manual(hosts) => Ok(Box::new(ManualList::new(hosts))),
            SourceSpec::Inventory(path) => Inventory::load(path)
                .map(|inventory| Box::new(inventory) as Box<dyn NodeSource>)
                .map_err(Error::setup),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn args(query: &str) -> cli::Selection {
        cli::Selection {
            query: vec![query.to_string()],
            inventory: Some("inv".into()),
            manual_list: false,
            attribute: None,
        }
    }

    #[test]
    fn a_bare_word_is_fuzzified_like_knife() {
        let s = Selection::from_args(&args("web")).unwrap();
        assert_eq!(
            s.query.to_string(),
            "tags:*web* OR roles:*web* OR fqdn:*web* OR addresses:*web* OR policy_name:*web* OR policy_group:*web*"
        );
        let s = Selection::from_args(&args("name:web")).unwrap();
        assert_eq!(s.query.to_string(), "name:web");
    }

    #[test]
    fn errors_are_usage_before_setup() {
        let e = Selection::from_args(&args("(name:web")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
        let mut no_source = args("name:web");
        no_source.inventory = None;
        let e = Selection::from_args(&no_source).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Setup);
        assert!(e.hint.unwrap().contains("--inventory"));
        let mut bad_attr = args("name:web");
        bad_attr.attribute = Some("cloud..x".into());
        assert_eq!(
            Selection::from_args(&bad_attr).unwrap_err().kind,
            ErrorKind::Usage
        );
    }

    #[test]
    fn manual_lists_need_no_inventory() {
        let mut a = args("web-[1-2] db1");
        a.manual_list = true;
        a.inventory = None;
        let s = Selection::from_args(&a).unwrap();
        assert_eq!(
            s.source,
            SourceSpec::Manual(vec!["web-1".into(), "web-2".into(), "db1".into()])
        );
        assert_eq!(s.address, AddressRule::Name);
    }
}
