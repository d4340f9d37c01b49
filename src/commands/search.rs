//! `galley search QUERY`: the nodes a query selects, without touching them.

use std::io::Write;

use crate::cli::{Format, SearchArgs};
use crate::config::Selection;
use crate::error::{output_result, Error};
use crate::exit;
use crate::report::human::{now_epoch, plural};
use crate::report::nodes;
use crate::target;

pub fn run(args: &SearchArgs) -> Result<u8, Error> {
    let selection = Selection::from_args(&args.select)?;
    let source = selection.open()?;
    let found = source.search(&selection.query).map_err(Error::setup)?;
    if found.is_empty() {
        eprintln!(
            "galley: no node matches {} in {}",
            selection.query,
            source.describe()
        );
        return Ok(exit::NO_MATCH);
    }
    let targets = target::resolve(found, &selection.address);
    let records = nodes::records(&targets, args.long, now_epoch());
    let text = match (args.format, args.long) {
        (Format::Json, _) => {
            serde_json::to_string_pretty(&records).expect("records serialize") + "\n"
        }
        (Format::Table, false) => nodes::render_table(&records),
        (Format::Table, true) => nodes::render_long(&records),
    };
    output_result(std::io::stdout().lock().write_all(text.as_bytes()))?;
    for warning in nodes::warnings(&targets) {
        eprintln!("galley: warning: {warning}");
    }
    if args.format == Format::Table {
        eprintln!(
            "galley: {} selected from {}",
            plural(records.len(), "node", "nodes"),
            source.describe()
        );
    }
    Ok(exit::OK)
}
