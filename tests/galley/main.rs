//! galley's integration tests: one binary, shared helpers in `support`.

mod support;

mod chef;
mod command_line;
mod complete;
mod config;
mod docs;
mod first_hour;
mod fixup;
mod fleet_data;
mod generated;
mod host_keys;
mod inventory;
mod output;
mod parity;
mod query;
mod report_views;
mod rollout;
mod run;
mod screens;
mod search;
mod ssh_parity;
mod status;
mod structure;
