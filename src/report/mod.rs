//! Everything galley shows: tables and summaries for people, JSON for
//! programs. Commands build plain records and hand them here; nothing else
//! formats output.

pub mod history;
pub mod html;
pub mod human;
pub mod jsonl;
pub mod junit;
pub mod merged;
pub mod nodes;
pub mod plan;
pub mod progress;
pub mod record;
pub mod reporter;
pub mod stream;
pub mod summary;
