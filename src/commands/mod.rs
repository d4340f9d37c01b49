//! One module per subcommand: each turns its arguments into a selection,
//! runs the pipeline stages it needs, and hands records to `report`.

pub mod config;
pub mod fixup;
pub mod fleet;
pub mod generate;
mod no_match;
pub mod report;
pub mod run;
pub mod search;
pub mod ssh_config;
pub mod status;

use crate::config::Selection;
use crate::error::Error;
use crate::target::{self, Targets};

/// Runs a selection: opens the source, searches, resolves addresses. `None`
/// when nothing matched (and says so on stderr): the caller exits 4.
pub(crate) fn select(selection: &Selection) -> Result<Option<Targets>, Error> {
    Ok(select_from(selection)?.map(|(_, targets)| targets))
}

/// Nodes selected, and the source they came from (to read a node again,
/// whole).
pub(crate) type Selected = (Box<dyn crate::inventory::NodeSource>, Targets);

/// As [`select`], with the source the nodes came from.
pub(crate) fn select_from(selection: &Selection) -> Result<Option<Selected>, Error> {
    let source = selection.open()?;
    let found = source.search(&selection.query).map_err(Error::setup)?;
    if found.is_empty() {
        crate::terminal::message(&format!(
            "galley: no node matches {} in {}",
            selection.query,
            source.describe()
        ));
        for hint in no_match_hints(selection, &source.describe()) {
            crate::terminal::message(&hint);
        }
        return Ok(None);
    }
    if !matches!(selection.source, crate::config::SourceSpec::Manual(_)) {
        crate::complete::remember(&source.describe(), &found);
    }
    let targets = target::resolve(found, &selection.address);
    Ok(Some((source, targets)))
}

/// What the nodes searched say of the query's fields and values (see
/// [`no_match`]), and, for an inventory, how many nodes the query would
/// select with case ignored (the likely slip after `platform:Ubuntu`). An
/// inventory is read again, whole, once for both; a Chef server is not
/// asked again: its completion index answers, when galley has one.
fn no_match_hints(selection: &Selection, source: &str) -> Vec<String> {
    use crate::inventory::query::Case;
    match &selection.source {
        crate::config::SourceSpec::Inventory(path) => {
            let Ok(inventory) = crate::inventory::node_files::Inventory::load(path) else {
                return Vec::new();
            };
            let nodes = inventory.nodes();
            let mut hints: Vec<String> =
                no_match::for_nodes(&selection.query, nodes, selection.case)
                    .iter()
                    .map(|hint| hint.say(true))
                    .collect();
            if selection.case == Case::Sensitive {
                let ignoring = crate::inventory::Matcher::with_case(&selection.query, Case::Ignore);
                let count = nodes.iter().filter(|node| ignoring.matches(node)).count();
                if count > 0 {
                    hints.push(format!(
                        "hint: {} if case is ignored: field names and values are case-sensitive, as on Chef Server (galley search -l shows them as the nodes have them; --ignore-case matches regardless)",
                        crate::units::plural(count, "node matches", "nodes match")
                    ));
                }
            }
            hints
        }
        crate::config::SourceSpec::ChefServer(_) => crate::complete::index::source_indexes()
            .into_iter()
            .filter(|index| index.source == source)
            .flat_map(|index| no_match::for_index(&selection.query, &index))
            .map(|hint| hint.say(false))
            .collect(),
        crate::config::SourceSpec::Manual(_) => Vec::new(),
    }
}
