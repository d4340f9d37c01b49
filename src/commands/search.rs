//! `galley search QUERY`: the nodes a query selects, without touching them.

use crate::cli::{Format, SearchArgs};
use crate::config::Selection;
use crate::error::Error;
use crate::exit;
use crate::report::nodes;
use crate::units::{now_epoch, plural};

pub fn run(args: &SearchArgs) -> Result<u8, Error> {
    let mut selection = Selection::from_args(&args.select)?;
    selection.whole_nodes = args.long;
    let Some(targets) = super::select(&selection)? else {
        return Ok(exit::NO_MATCH);
    };
    let records = nodes::records(&targets, args.long, now_epoch());
    let text = match (args.format, args.long) {
        (Format::Json, _) => {
            serde_json::to_string_pretty(&records).expect("records serialize") + "\n"
        }
        (Format::Table, false) => nodes::render_table(&records),
        (Format::Table, true) => nodes::render_long(&records),
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    for warning in nodes::warnings(&targets) {
        crate::terminal::message(&format!("galley: warning: {warning}"));
    }
    if args.format == Format::Table {
        crate::terminal::message(&format!(
            "galley: {} selected from {}{}",
            plural(records.len(), "node", "nodes"),
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
