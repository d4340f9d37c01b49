//! One module per subcommand: each turns its arguments into a selection,
//! runs the pipeline stages it needs, and hands records to `report`.

pub mod config;
pub mod fixup;
pub mod fleet;
pub mod generate;
pub mod report;
pub mod run;
pub mod search;
pub mod status;

use crate::config::Selection;
use crate::error::Error;
use crate::target::{self, Targets};

/// Runs a selection: opens the source, searches, resolves addresses. `None`
/// when nothing matched (and says so on stderr): the caller exits 4.
pub(crate) fn select(selection: &Selection) -> Result<Option<Targets>, Error> {
    let source = selection.open()?;
    let found = source.search(&selection.query).map_err(Error::setup)?;
    if found.is_empty() {
        crate::terminal::message(&format!(
            "galley: no node matches {} in {}",
            selection.query,
            source.describe()
        ));
        return Ok(None);
    }
    if !matches!(selection.source, crate::config::SourceSpec::Manual(_)) {
        crate::complete::remember(&source.describe(), &found);
    }
    Ok(Some(target::resolve(found, &selection.address)))
}
