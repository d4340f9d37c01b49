//! `galley search QUERY`: the nodes a query selects, without touching them.

use crate::cli::{Format, SearchArgs};
use crate::config::Selection;
use crate::error::Error;
use crate::exit;
use crate::inventory::NodeSource;
use crate::report::nodes::{self, NodeRecord};
use crate::units::{now_epoch, plural};
use rayon::prelude::*;

pub fn run(args: &SearchArgs) -> Result<u8, Error> {
    let selection = Selection::from_args(&args.select)?;
    let Some((source, targets)) = super::select_from(&selection)? else {
        return Ok(exit::NO_MATCH);
    };
    let count = if args.long {
        // Every attribute of every node: written a few nodes at a time,
        // never held all at once.
        print_long(&targets, source.as_ref(), args.format)?
    } else {
        let records = nodes::records(&targets, now_epoch());
        let text = match args.format {
            Format::Json => nodes::json_array(&records),
            Format::Table => nodes::render_table(&records),
        };
        crate::terminal::output(&text, args.format == Format::Json)?;
        records.len()
    };
    for warning in nodes::warnings(&targets) {
        crate::terminal::message(&format!("galley: warning: {warning}"));
    }
    if args.format == Format::Table {
        crate::terminal::message(&format!(
            "galley: {} selected from {}{}",
            plural(count, "node", "nodes"),
            selection.describe_source(),
            if selection.case == crate::inventory::query::Case::Ignore {
                ", ignoring case (--ignore-case: a Chef server would not)"
            } else {
                ""
            }
        ));
    }
    Ok(exit::OK)
}

/// `search --long`: each node with every attribute, as a table or as the
/// elements of a JSON array, written as it is made. Each node is read
/// again whole from its source (the selection kept only what galley uses
/// of it), [`LONG_AT_ONCE`] nodes at a time, in parallel, then written in
/// name order. Returns how many.
fn print_long(
    targets: &crate::target::Targets,
    source: &dyn NodeSource,
    format: Format,
) -> Result<usize, Error> {
    let records = nodes::node_records(targets, now_epoch());
    for (done, chunk) in records.chunks(LONG_AT_ONCE).enumerate() {
        let first = done * LONG_AT_ONCE;
        let texts: Vec<Result<String, Error>> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, (node, record))| {
                let whole = source.whole(node).map_err(Error::setup)?;
                let record = NodeRecord {
                    attributes: Some(nodes::attributes(&whole)),
                    ..record.clone()
                };
                Ok(match format {
                    Format::Json => nodes::json_element(&record, first + i == 0),
                    Format::Table if first + i == 0 => nodes::render_long_one(&record),
                    Format::Table => format!("\n{}", nodes::render_long_one(&record)),
                })
            })
            .collect();
        for text in texts {
            crate::terminal::output(&text?, format == Format::Json)?;
        }
    }
    if format == Format::Json {
        crate::terminal::output(nodes::json_end(records.len()), true)?;
    }
    Ok(records.len())
}

/// Nodes `search --long` holds whole at once: enough to keep every core
/// busy, few enough that memory holds a handful of nodes, not the fleet.
const LONG_AT_ONCE: usize = 32;
