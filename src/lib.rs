//! galley: fleet-wide fixups for Chef-managed hosts.
//!
//! The data flows one way, and the modules follow it:
//!
//! 1. [`cli`] parses the command line ([`command_line`] refuses what reads
//!    two ways); [`config`] turns it into a selection (source, query,
//!    address rule) and the SSH settings, reading knife's and OpenSSH's
//!    config files ([`chef::config`], [`ssh::config`]) but nothing on the
//!    network.
//! 2. [`inventory`] finds nodes: a [`inventory::NodeSource`] answers a Chef
//!    search [`inventory::Query`] (local node JSON, a Chef server through
//!    [`chef`], a host list).
//! 3. [`target`] turns nodes into hosts to connect to, and reports nodes it
//!    cannot address or that share an address; [`rollout`] orders them in
//!    canaries, waves and shards.
//! 4. [`exec`] runs hosts with bounded concurrency and cancellation, over
//!    [`ssh`] sessions, each doing the [`action`]s of the command (a
//!    command, apt sources, chef-client, restarts, verification); a host
//!    ends as an [`outcome`].
//! 5. [`report`] shows the run to people (progress, summary) and programs
//!    (JSON, the JSON Lines report), through [`terminal`], the one gate to
//!    stdout and stderr; [`secrets`] masks what hosts send before any of it.
//!
//! [`commands`] wires the stages together per subcommand; [`exit`] holds the
//! exit codes; [`error`] is the one error type that ends a command.

// Unsafe code lives in two modules only (sys, ssh::ffi), and every unsafe
// operation says why it is sound, also inside unsafe fns.
#![deny(unsafe_code)]
#![warn(unreachable_pub)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod action;
pub mod chef;
pub mod cli;
pub mod command_line;
pub mod commands;
pub mod complete;
pub mod config;
pub(crate) mod diagnostic;
pub(crate) mod error;
pub(crate) mod exec;
pub mod exit;
pub(crate) mod files;
pub mod hostlist;
pub mod inventory;
pub mod outcome;
pub mod report;
pub(crate) mod rollout;
pub(crate) mod secrets;
pub(crate) mod ssh;
pub(crate) mod suggest;
#[allow(unsafe_code)]
pub(crate) mod sys;
pub(crate) mod target;
pub(crate) mod terminal;

pub use terminal::install_panic_hook;
pub(crate) mod units;
pub(crate) mod wildcard;

pub use error::Error;

/// Runs one parsed command line; returns the exit code.
pub fn run(cli: cli::Cli) -> Result<u8, Error> {
    if !cli.mask.is_empty() {
        secrets::add_patterns(&cli.mask).map_err(|e| Error::usage(anyhow::anyhow!(e)))?;
    }
    match &cli.command {
        cli::Command::Search(args) => commands::search::run(args),
        cli::Command::Run(args) => commands::run::run(args),
        cli::Command::AptSources(args) => commands::fixup::apt_sources(args),
        cli::Command::Converge(args) => commands::fixup::converge(args),
        cli::Command::Restart(args) => commands::fixup::restart(args),
        cli::Command::Fixup(args) => commands::fixup::fixup(args),
        cli::Command::Status(args) => commands::status::run(args),
        cli::Command::Report(args) => commands::report::run(args),
        cli::Command::Config(args) => commands::config::run(args),
        cli::Command::Completions(args) => commands::generate::run_completions(args),
        cli::Command::Man(args) => commands::generate::run_man(args),
        cli::Command::SshConfig(args) => commands::ssh_config::run(args),
    }
}
