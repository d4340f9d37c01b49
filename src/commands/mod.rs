//! One module per subcommand: each turns its arguments into a selection,
//! runs the pipeline stages it needs, and hands records to `report`.

pub mod generate;
pub mod run;
pub mod search;
