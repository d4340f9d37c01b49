//! The command line, as clap derive types and nothing else: no I/O here, so
//! `--help`, completions and the man page never depend on the environment.
//! The `///` comments are the help text and the man page.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit;

/// Fleet-wide fixups for Chef-managed hosts.
///
/// galley selects nodes with Chef search syntax, from a local inventory of
/// node JSON or a host list, and shows what it selected: the first stage of
/// acting on a fleet safely.
#[derive(Debug, Parser)]
#[command(name = "galley", version, after_long_help = exit::HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the nodes a query selects: address, environment, platform, last
    /// chef-client check-in.
    ///
    /// Example: galley search --inventory fixtures/inventory
    /// 'recipes:omnibus-gitlab\:\:default AND chef_environment:gprd'
    ///
    /// Exits 0 when some node matched, 4 when none did.
    Search(SearchArgs),
    /// Print a shell completion script, or write all of them to a folder.
    Completions(CompletionsArgs),
    /// Print galley's man page (roff), or write every page to a folder.
    Man(ManArgs),
}

/// Which nodes to act on.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Target selection")]
pub struct Selection {
    /// Chef search query, e.g. 'recipes:omnibus-gitlab\:\:default AND
    /// chef_environment:gprd' (single quotes keep the backslashes). Several
    /// words are joined with spaces. With -m, a host list instead.
    #[arg(value_name = "QUERY", required = true, num_args = 1..)]
    pub query: Vec<String>,

    /// Node JSON to search: a chef-repo folder (nodes/*.json), a file with an
    /// array of nodes, or saved `knife search node QUERY -F json` output.
    #[arg(long, value_name = "PATH", env = "GALLEY_INVENTORY")]
    pub inventory: Option<PathBuf>,

    /// QUERY is a list of hosts, separated by spaces or commas, with ranges:
    /// web-[01-12,15].example.com db[1-3].
    #[arg(short = 'm', long)]
    pub manual_list: bool,

    /// The node attribute to connect to, as a dotted path (ipaddress,
    /// cloud.local_hostname). Default: cloud.public_hostname when set and
    /// not empty, else fqdn, as knife does.
    #[arg(short = 'a', long, value_name = "ATTR", conflicts_with = "manual_list")]
    pub attribute: Option<String>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub select: Selection,

    /// How to print the nodes.
    #[arg(long, value_enum, default_value_t = Format::Table, help_heading = "Output")]
    pub format: Format,

    /// Show every attribute of each node, flattened as Chef search indexes
    /// it (the field names a query can use).
    #[arg(short = 'l', long, help_heading = "Output")]
    pub long: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array, for programs.
    Json,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, required_unless_present = "dir")]
    pub shell: Option<clap_complete::Shell>,

    /// Write the scripts for every shell into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write galley.1 and one page per subcommand into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("galley").chain(args.iter().copied()))
    }

    #[test]
    fn valid_command_lines() {
        let valid: &[&[&str]] = &[
            &["search", "*:*"],
            &[
                "search",
                "--inventory",
                "x",
                "chef_environment:gprd",
                "AND",
                "roles:web",
            ],
            &["search", "-m", "web-[01-03]", "db1"],
            &["search", "-a", "ipaddress", "name:web*"],
            &["search", "--format", "json", "-l", "*:*"],
            &["completions", "bash"],
            &["completions", "--dir", "out"],
            &["man"],
            &["man", "--dir", "out"],
        ];
        for args in valid {
            assert!(
                parse(args).is_ok(),
                "should parse: {args:?}: {}",
                parse(args).unwrap_err()
            );
        }
        let cli = parse(&["search", "chef_environment:gprd", "AND", "roles:web"]).unwrap();
        let Command::Search(search) = cli.command else {
            panic!()
        };
        assert_eq!(
            search.select.query,
            ["chef_environment:gprd", "AND", "roles:web"]
        );
    }

    #[test]
    fn invalid_command_lines() {
        use clap::error::ErrorKind::*;
        let invalid: &[(&[&str], clap::error::ErrorKind)] = &[
            (&[], DisplayHelpOnMissingArgumentOrSubcommand),
            (&["search"], MissingRequiredArgument),
            (&["search", "--format", "xml", "*:*"], InvalidValue),
            (
                &["search", "-m", "-a", "ipaddress", "web1"],
                ArgumentConflict,
            ),
            (&["search", "--nope", "*:*"], UnknownArgument),
            (&["completions"], MissingRequiredArgument),
            (&["completions", "tcsh"], InvalidValue),
            (&["completions", "bash", "--dir", "x"], ArgumentConflict),
            (&["frobnicate"], InvalidSubcommand),
        ];
        for (args, kind) in invalid {
            match parse(args) {
                Ok(cli) => panic!("should fail: {args:?}, parsed {cli:?}"),
                Err(e) => assert_eq!(e.kind(), *kind, "{args:?}: {e}"),
            }
        }
    }
}
