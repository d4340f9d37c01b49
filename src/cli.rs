//! The command line, as clap derive types and nothing else: no I/O here, so
//! `--help`, completions and the man page never depend on the environment.
//! The `///` comments are the help text and the man page.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

pub use crate::chef::signing::SignVersion;
use crate::complete;
use crate::exit;
use crate::report::reporter::Output;
pub use crate::ssh::Policy as HostKeyPolicy;
use crate::units::{Bytes, Concurrency, Dur, HostCount, Moment, ShardSpec};

/// Fleet-wide fixups for Chef-managed hosts.
///
/// galley selects nodes with Chef search syntax (from a Chef server, a local
/// inventory of node JSON, or a host list), acts on them over SSH in
/// parallel with strict host keys (a command, stale apt sources,
/// chef-client, service restarts, or all of these as one fixup), rolls out
/// in canaries and batches with a failure threshold, and says what happened
/// on every host: a summary, a JSON Lines report, an exit code.
#[derive(Debug, Parser)]
#[command(name = "galley", version, after_long_help = exit::HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Also mask what this regular expression matches, in hosts' output,
    /// reports and everything galley shows (repeatable; a group named
    /// `secret` masks only that part: 'api_key=(?P<secret>\w+)'). Matched
    /// within a line. Always masked: credentials in URLs, private keys,
    /// Bearer tokens, private_token=, PRIVATE-TOKEN:, GitLab tokens
    /// (glpat-, gldt-, glrt-).
    #[arg(
        long = "mask",
        value_name = "REGEX",
        global = true,
        env = "GALLEY_MASK",
        value_delimiter = '\n'
    )]
    pub mask: Vec<String>,
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
    /// Run a command on every selected host over SSH, in parallel.
    ///
    /// Example: galley run --inventory fixtures/inventory -C 10
    /// 'recipes:omnibus-gitlab\:\:default' -- sudo rm -f
    /// /etc/apt/sources.list.d/gitlab_pre-release.list
    ///
    /// Every host ends in one outcome: ok, failed, timeout, unreachable,
    /// auth_failed, hostkey_unknown, hostkey_mismatch,
    /// sudo_password_required, error, cancelled or skipped. Exits 0 when
    /// every host is ok, 1 otherwise.
    Run(Box<RunArgs>),
    /// Find apt sources by file or repository URI on every selected host;
    /// with --remove, move them aside (backed up, restorable).
    ///
    /// Example: galley apt-sources 'recipes:omnibus-gitlab\:\:default'
    /// --match gitlab_pre-release --remove
    ///
    /// Credentials in source URIs are never shown. A host with no match is
    /// ok and unchanged.
    AptSources(Box<AptSourcesArgs>),
    /// Run chef-client on every selected host, read its result, and confirm
    /// the run on the Chef server.
    ///
    /// A run that printed success but whose node did not check in with the
    /// server ends unverified. Reboot exit codes (35, 37, 41) and another
    /// run's lock are told apart.
    Converge(Box<ConvergeArgs>),
    /// Restart services in order and prove each restart: running, a new
    /// pid, up since the restart, still up after --settle.
    ///
    /// Example: galley restart 'role:packagecloud' unicorn nginx --ctl
    /// packagecloud-ctl
    Restart(Box<RestartArgs>),
    /// The post-rotation playbook over one SSH session per host: remove
    /// stale apt sources, run chef-client, restart services, verify. A host
    /// stops at its first failed step.
    ///
    /// Example: galley fixup 'recipes:omnibus-gitlab\:\:default'
    /// --remove-sources gitlab_pre-release -C 10
    Fixup(Box<FixupArgs>),
    /// Fleet convergence, as knife status: each node's last successful
    /// chef-client run (ohai_time), oldest first.
    ///
    /// With --stale-after or --since, nodes that did not converge in time
    /// (or never did) are flagged, and galley exits 1 when there are any.
    Status(StatusArgs),
    /// Read reports: the summary of one or more (shards, resumed runs:
    /// the latest outcome per host wins), or the hosts whose outcome changed
    /// between two.
    Report(ReportArgs),
    /// Show the Chef server settings galley found, and where each came from
    /// (credentials profile, config.rb/knife.rb line, or flag). Never shows
    /// the key itself.
    Config(ConfigArgs),
    /// Print the line that registers galley's completion in a shell, or
    /// write every shell's script to a folder.
    ///
    /// bash, zsh and fish complete from what galley knows of the fleet:
    /// query fields and their values, node names, profiles, reports,
    /// backup ids, ctl names and services (clap_complete's dynamic engine:
    /// `COMPLETE=bash galley` prints the registration). Put the line in
    /// ~/.bashrc or ~/.zshrc; for fish, write it to
    /// ~/.config/fish/completions/galley.fish. elvish and PowerShell get a
    /// static script of subcommands and flags.
    Completions(CompletionsArgs),
    /// Print galley's man page (roff), or write every page to a folder.
    Man(ManArgs),
    /// Show how galley reaches each HOST: ssh_config resolved as `ssh -G
    /// HOST` prints it (the same keywords, so the two can be compared),
    /// then galley's own decisions: route, deadlines, host key policy.
    ///
    /// Exits 3 when galley would refuse a host (a setting it cannot
    /// honour), naming the setting, its file and line.
    SshConfig(SshConfigArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SshConfigArgs {
    /// Host names or addresses, as a node's address would be given.
    #[arg(value_name = "HOST", required = true, num_args = 1..)]
    pub hosts: Vec<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Which nodes to act on.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Target selection")]
pub struct Selection {
    /// Chef search query, e.g. 'recipes:omnibus-gitlab\:\:default AND
    /// chef_environment:gprd' (single quotes keep the backslashes). Several
    /// words are joined with spaces. One word alone (web) is knife's
    /// shorthand for tags, roles, fqdn and addresses; beside other terms a
    /// word without a field is refused. Write a negation as 'NOT
    /// field:value' (a word starting with - is a flag). With -m, a host
    /// list instead.
    #[arg(value_name = "QUERY", required = true, num_args = 1.., add = ArgValueCompleter::new(complete::query))]
    pub query: Vec<String>,

    /// Node JSON to search: a chef-repo folder (nodes/*.json), a file with an
    /// array of nodes, or saved `knife search node QUERY -F json` output.
    #[arg(long, value_name = "PATH", env = "GALLEY_INVENTORY")]
    pub inventory: Option<PathBuf>,

    /// QUERY is a list of hosts, separated by spaces or commas, with ranges:
    /// web-[01-12,15].example.com db[1-3].
    #[arg(short = 'm', long)]
    pub manual_list: bool,

    /// Match field names and values regardless of ASCII case (platform:debian
    /// finds Debian). galley's own: Chef Server matches case-sensitively, so
    /// this works with --inventory only, and the plan and summary say it
    /// is on.
    #[arg(long, conflicts_with = "manual_list")]
    pub ignore_case: bool,

    /// The node attribute to connect to, as a dotted path (ipaddress,
    /// cloud.local_hostname). Default: cloud.public_hostname when set and
    /// not empty, else fqdn, as knife does.
    #[arg(short = 'a', long, value_name = "ATTR", conflicts_with = "manual_list")]
    pub attribute: Option<String>,

    #[command(flatten)]
    pub chef: ChefArgs,

    /// Per word of QUERY, the flag it most likely belonged to, for the
    /// error when the word makes no sense in the query (filled by
    /// [`crate::command_line`], not by clap).
    #[arg(skip)]
    pub word_hints: Vec<Option<String>>,
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

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// The command, after `--`, passed to the remote login shell as
    /// `ssh host CMD` would.
    #[arg(
        last = true,
        required = true,
        value_name = "COMMAND",
        help_heading = "Arguments"
    )]
    pub command: Vec<String>,

    /// Run the command under `sudo -n`: a host where sudo wants a password
    /// ends sudo_password_required instead of hanging.
    #[arg(long, help_heading = "Execution")]
    pub sudo: bool,
}

/// What every command that acts on hosts shares: which hosts, how to reach
/// them, how many at once, and what to report.
#[derive(Debug, Args)]
pub struct FleetArgs {
    #[command(flatten)]
    pub select: Selection,

    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How many hosts run at once.
    #[arg(
        short = 'C',
        long,
        value_name = "N",
        default_value = "10",
        help_heading = "Execution"
    )]
    pub concurrency: Concurrency,

    /// Stop a remote command that runs longer than this (500ms, 30s, 5m);
    /// its processes on the host are killed. Default: no limit.
    #[arg(long, value_name = "DURATION", help_heading = "Execution")]
    pub command_timeout: Option<Dur>,

    /// Once the remote command has exited, wait at most this long for
    /// processes it started (`daemon &`) to release its output; then end
    /// the host with the command's exit status and a note. Such processes
    /// are left running.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "2s",
        help_heading = "Execution"
    )]
    pub drain_timeout: Dur,

    /// Print the plan (the hosts, the exact remote commands in order, the
    /// concurrency) and connect to nothing.
    #[arg(long, help_heading = "Execution")]
    pub dry_run: bool,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Output::Summary, help_heading = "Output")]
    pub output: Output,

    /// Show hosts' output with its control characters as they came (colours,
    /// cursor moves, title changes reach the terminal). By default they are
    /// shown escaped (`\e[31m`), so no host can rewrite what galley
    /// printed. Reports keep the bytes either way.
    #[arg(long, help_heading = "Output")]
    pub raw_output: bool,

    /// Also write a JSON Lines report here: a header, one line per host as
    /// it finishes, a summary. It stays valid if galley is killed. It is
    /// created readable by you only; an existing file is never written
    /// over (--resume adds to it, --overwrite-report replaces it).
    #[arg(long, value_name = "FILE", help_heading = "Output", add = ArgValueCompleter::new(complete::report))]
    pub report: Option<PathBuf>,

    /// Replace the --report file if it exists.
    #[arg(long, requires = "report", help_heading = "Output")]
    pub overwrite_report: bool,

    /// Run only the selected hosts that were not ok in this earlier report,
    /// and, when that run was killed before its summary, those it never
    /// reported. QUERY still selects from the source. (--resume does the
    /// same and appends to that report.)
    #[arg(long, value_name = "REPORT", help_heading = "Rollout", add = ArgValueCompleter::new(complete::report))]
    pub retry_failed: Option<PathBuf>,

    /// Carry on an earlier run: run only the hosts that are not ok in its
    /// report (also one cut short by a crash or a kill), and append to that
    /// report under a new header, so the file tells the whole story.
    #[arg(
        long,
        value_name = "REPORT",
        conflicts_with = "retry_failed",
        help_heading = "Rollout",
        add = ArgValueCompleter::new(complete::report)
    )]
    pub resume: Option<PathBuf>,

    /// Run on N hosts first (spread across environments and roles, the same
    /// pick every time); go on with the rest only if every one is ok.
    #[arg(long, value_name = "N", help_heading = "Rollout")]
    pub canary: Option<Concurrency>,

    /// Stop starting hosts once N hosts are not ok (1 is fail-fast), or once
    /// more than P% of the finished ones are not ok; the rest are skipped.
    #[arg(long, value_name = "N|P%", help_heading = "Rollout")]
    pub max_failures: Option<HostCount>,

    /// Start hosts in waves of N (or P% of the selection), after the
    /// canaries; --max-failures is checked within and between waves.
    #[arg(long, value_name = "N|P%", help_heading = "Rollout")]
    pub batch_size: Option<HostCount>,

    /// Wait this long between waves (Ctrl-C stops the wait and the run).
    #[arg(long, value_name = "DURATION", help_heading = "Rollout")]
    pub batch_pause: Option<Dur>,

    /// Leave out the hosts this report holds, whatever their outcome (the
    /// canaries a CI pipeline ran in an earlier job).
    #[arg(long, value_name = "REPORT", help_heading = "Rollout", add = ArgValueCompleter::new(complete::report))]
    pub exclude_report: Option<PathBuf>,

    /// Act only on the K-th of N disjoint slices of the selected nodes (by a
    /// hash of the node name), so N runners cover the fleet exactly once.
    /// `auto`: the slice GitLab CI's `parallel: N` gives this job
    /// (CI_NODE_INDEX/CI_NODE_TOTAL).
    #[arg(long, value_name = "K/N|auto", help_heading = "Rollout")]
    pub shard: Option<ShardSpec>,

    /// Output kept per host and stream (head and tail; the rest is counted).
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "1M",
        help_heading = "Output"
    )]
    pub max_output: Bytes,
}

/// Where apt sources live on the hosts, and where removed ones are kept.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Apt sources")]
pub struct AptPlaces {
    /// The apt folder on the hosts: its sources.list, sources.list.d/*.list
    /// and sources.list.d/*.sources are searched.
    #[arg(long, value_name = "DIR", default_value = "/etc/apt")]
    pub sources_dir: String,

    /// Where removed sources are kept, one dated folder per run (the
    /// backup id), from which --restore puts them back.
    #[arg(long, value_name = "DIR", default_value = "/var/backups/galley")]
    pub backup_dir: String,
}

#[derive(Debug, Args)]
pub struct AptSourcesArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Sources whose file name (gitlab_pre-release.list) or repository URI
    /// matches this regular expression (Rust regex syntax; the URI is
    /// matched with its credentials, which are never shown).
    #[arg(
        long = "match",
        value_name = "REGEX",
        required_unless_present = "restore",
        help_heading = "Apt sources"
    )]
    pub pattern: Option<String>,

    /// Match --match against each file's whole path
    /// (/etc/apt/sources.list.d/x.list) instead of its name.
    #[arg(long, requires = "pattern", help_heading = "Apt sources")]
    pub match_path: bool,

    /// Remove the matching sources: files are moved into the backup folder,
    /// lines of sources.list are commented out (the file is backed up
    /// first). Without it, nothing changes.
    #[arg(long, requires = "pattern", help_heading = "Apt sources")]
    pub remove: bool,

    /// Put back what the run with this backup id removed (the id is in its
    /// summary and report: apt-sources-20261125T203000Z).
    #[arg(
        long,
        value_name = "BACKUP_ID",
        conflicts_with_all = ["pattern", "remove"],
        help_heading = "Apt sources",
        add = ArgValueCompleter::new(complete::backup_id)
    )]
    pub restore: Option<String>,

    #[command(flatten)]
    pub places: AptPlaces,
}

/// How chef-client runs, and how its result is confirmed.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "chef-client")]
pub struct ConvergeOptions {
    /// The chef-client command on the hosts (run as root: under `sudo -n`
    /// when the login user is not root).
    #[arg(long, value_name = "COMMAND", default_value = "chef-client")]
    pub chef_client_cmd: String,

    /// chef-client's dry run (--why-run): report what would change.
    #[arg(long)]
    pub why_run: bool,

    /// How long chef-client waits for another run's lock before it gives up
    /// (passed as --run-lock-timeout; chef-client alone waits forever).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub run_lock_timeout: Dur,

    /// Confirm each successful run on the Chef server: the node's ohai_time
    /// must move past the moment the run started, else the host is
    /// unverified. auto: when the nodes come from a Chef server.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ServerCheck::Auto)]
    pub server_check: ServerCheck,
}

/// When to confirm chef-client runs on the Chef server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServerCheck {
    /// When the nodes come from a Chef server.
    Auto,
    /// Always (a Chef server must be configured).
    On,
    /// Never.
    Off,
}

#[derive(Debug, Args)]
pub struct ConvergeArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    #[command(flatten)]
    pub chef_client: ConvergeOptions,

    /// More arguments for chef-client, after `--` (each passed quoted).
    #[arg(last = true, value_name = "ARG")]
    pub extra: Vec<String>,
}

/// How services are restarted and their state read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Services")]
pub struct ServiceManager {
    /// An omnibus control command (gitlab-ctl, packagecloud-ctl): `NAME
    /// restart SERVICE`, state from `NAME status SERVICE` (runit).
    #[arg(long, value_name = "NAME", conflicts_with = "systemd", add = ArgValueCompleter::new(complete::ctl))]
    pub ctl: Option<String>,

    /// systemd units: `systemctl restart UNIT`, state from `systemctl show`.
    #[arg(long)]
    pub systemd: bool,

    /// How long a restarted service must stay up, with the same pid,
    /// before its restart counts as proven.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub settle: Dur,
}

#[derive(Debug, Args)]
#[command(mut_arg("query", |a| a.num_args(1).index(1).action(clap::ArgAction::Set)))]
pub struct RestartArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// The services to restart, in this order (unicorn nginx).
    #[arg(value_name = "SERVICE", required = true, index = 2, add = ArgValueCompleter::new(complete::service))]
    pub services: Vec<String>,

    #[command(flatten)]
    pub manager: ServiceManager,
}

#[derive(Debug, Args)]
pub struct FixupArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,

    /// Step 1: remove the apt sources whose file name or repository URI
    /// matches this regular expression (moved to the backup folder, as
    /// `galley apt-sources --remove`; `galley apt-sources QUERY --match
    /// REGEX` lists them first without removing anything).
    #[arg(long, value_name = "REGEX", help_heading = "Steps")]
    pub remove_sources: Option<String>,

    /// Skip step 2, chef-client.
    #[arg(long, help_heading = "Steps")]
    pub no_converge: bool,

    /// Step 3: restart these services, in order (repeat the flag, or
    /// unicorn,nginx).
    #[arg(
        long,
        value_name = "SERVICE",
        value_delimiter = ',',
        help_heading = "Steps",
        add = ArgValueCompleter::new(complete::service)
    )]
    pub restart: Vec<String>,

    #[command(flatten)]
    pub places: AptPlaces,

    #[command(flatten)]
    pub chef_client: ConvergeOptions,

    #[command(flatten)]
    pub manager: ServiceManager,
}

/// How to reach hosts over SSH.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Login user. Default: the local user.
    #[arg(short = 'x', long, value_name = "USER")]
    pub ssh_user: Option<String>,

    /// Port for every host, over the node's cloud.public_ssh_port.
    #[arg(short = 'p', long, value_name = "PORT")]
    pub ssh_port: Option<u16>,

    /// Private key to authenticate with (repeatable). Without it: the
    /// agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
    #[arg(short = 'i', long, value_name = "FILE")]
    pub identity_file: Vec<PathBuf>,

    /// Deadline for the connection, the SSH version exchange and the key
    /// exchange, as ssh_config's ConnectTimeout (through gateways: each
    /// hop's) [default: ssh_config ConnectTimeout, else 10s for the TCP
    /// connection and 30s with the key exchange].
    #[arg(long, value_name = "DURATION")]
    pub connect_timeout: Option<Dur>,

    /// Deadline for logging in after the key exchange: the host key check
    /// and authentication. A loaded host can take over 10s; OpenSSH's client
    /// sets no limit there (sshd's LoginGraceTime is 120s) [default: 30s].
    #[arg(long, value_name = "DURATION")]
    pub login_timeout: Option<Dur>,

    /// How to check host keys [default: ssh_config StrictHostKeyChecking,
    /// else strict]. A changed key is refused under every policy but off.
    #[arg(long, value_enum)]
    pub host_key_check: Option<HostKeyPolicy>,

    /// The OpenSSH client config to read instead of ~/.ssh/config and
    /// /etc/ssh/ssh_config (none: no file). Read as ssh reads it, Host,
    /// Match and Include included; galley uses HostName, User, Port,
    /// IdentityFile, IdentitiesOnly, ProxyJump, ProxyCommand,
    /// ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile,
    /// GlobalKnownHostsFile, HostKeyAlias and the algorithm lists, and
    /// refuses, naming file and line, a setting that would make ssh connect
    /// another way. Flags win over it; the node's cloud.public_ssh_port wins
    /// over its Port, as in knife. `galley ssh-config HOST` shows the result.
    #[arg(short = 'F', long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,

    /// Reach every host through this bastion, [user@]host[:port]; several,
    /// comma-separated, are a chain. Default: ssh_config ProxyJump. One
    /// session to each gateway carries all its targets, and each target's
    /// host key is still checked end to end.
    #[arg(short = 'G', long, value_name = "GATEWAY")]
    pub ssh_gateway: Option<String>,

    /// Channels open at once through one gateway.
    #[arg(long, value_name = "N", default_value = "16")]
    pub gateway_concurrency: Concurrency,

    /// The known_hosts file to read and (with accept-new) write, instead of
    /// ssh_config's UserKnownHostsFile or ~/.ssh/known_hosts and
    /// known_hosts2. The global files (/etc/ssh/ssh_known_hosts) are read too.
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
}

/// Where the Chef server settings come from (knife's files, overridden by
/// these flags).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Chef server")]
pub struct ChefArgs {
    /// The knife config file (config.rb or knife.rb) instead of knife's
    /// lookup ($KNIFE_HOME, .chef/ here and upward, ~/.chef/).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config_file: Option<PathBuf>,

    /// The ~/.chef/credentials profile [default: CHEF_PROFILE, else
    /// ~/.chef/context, else default].
    #[arg(long, value_name = "PROFILE", add = ArgValueCompleter::new(complete::profile))]
    pub profile: Option<String>,

    /// The Chef server URL, with the organization
    /// (https://chef.example.com/organizations/acme).
    #[arg(long, value_name = "URL")]
    pub server_url: Option<String>,

    /// The API client name.
    #[arg(short = 'u', long, value_name = "NAME")]
    pub user: Option<String>,

    /// The API client's private key file.
    #[arg(short = 'k', long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// The request signing protocol (mixlib-authentication).
    #[arg(long, value_name = "VERSION", default_value = "1.3")]
    pub sign_version: SignVersion,

    /// Deadline for each request to the Chef server.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub server_timeout: Dur,

    /// Rows per page of partial search.
    #[arg(long, value_name = "N", default_value = "1000")]
    pub search_rows: Concurrency,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub select: Selection,

    /// Flag nodes whose last successful run is older than this (90m, 2h).
    #[arg(long, value_name = "DURATION", help_heading = "Verification")]
    pub stale_after: Option<Dur>,

    /// Flag nodes whose last successful run is before this moment
    /// (2026-11-25T12:00:00Z, or a time ago such as -2h): did every node
    /// converge after the rotation?
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        help_heading = "Verification"
    )]
    pub since: Option<Moment>,

    /// How to print the nodes.
    #[arg(long, value_enum, default_value_t = Format::Table, help_heading = "Output")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(flatten)]
    pub chef: ChefArgs,

    /// How to print the settings.
    #[arg(long, value_enum, default_value_t = Format::Table, help_heading = "Output")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON array, for programs.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: ReportAction,
}

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// The summary and gathered outputs of one or more reports, merged:
    /// each host's latest outcome wins. Exits 0 when every host is ok, 1
    /// otherwise.
    Show(ReportShowArgs),
    /// The hosts whose outcome differs between two reports (a host missing
    /// from one counts). Exits 0 when none does, 1 otherwise.
    Diff(ReportDiffArgs),
    /// JUnit XML of one or more reports, merged as `show` merges them, for
    /// CI (GitLab's test report, Jenkins' junit step): a test suite per
    /// run, a test case per host named by its node; `failure` for failed
    /// or unverified, `error` for a host galley could not run on, `skipped`
    /// for one never started; the masked output as system-out. Exits 0
    /// once written, whatever the hosts' outcomes (the run's own exit code
    /// said those).
    Junit(ReportExportArgs),
    /// One self-contained HTML page of one or more reports, merged as
    /// `show` merges them: the run, a timeline of every host (its phases,
    /// waves, canaries, where the rollout stopped), a host table to sort
    /// and filter, each host's details and masked output, identical
    /// outputs gathered. No network access, no external files; a strict
    /// Content-Security-Policy keeps hosts' output text. Exits 0 once
    /// written.
    Html(ReportExportArgs),
    /// Hosts' outcomes across many reports, newest first: when, the report,
    /// the command or steps, the query, the outcome and the reason. HOST is
    /// a node name, a host list (web-[01-04]) or a pattern (web-*). Answers
    /// from an index (~/.cache/galley/history.sqlite) that it first brings
    /// up to date: a report added, changed or removed since is read again
    /// or dropped. Exits 0 when a host was found, 4 when none was.
    History(ReportHistoryArgs),
}

#[derive(Debug, Args)]
pub struct ReportHistoryArgs {
    /// Node names, host lists or patterns.
    #[arg(required = true, value_name = "HOST", add = ArgValueCompleter::new(complete::host))]
    pub hosts: Vec<String>,

    /// Reports to look in: a folder (its *.jsonl files, not its
    /// subfolders) or a report file; repeatable. Default: the reports
    /// galley remembers writing on this machine (the last 200).
    #[arg(long = "reports", value_name = "DIR")]
    pub reports: Vec<PathBuf>,

    /// At most this many runs per host, the newest; 0 for every one.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportExportArgs {
    /// JSON Lines reports written by --report (or --resume).
    #[arg(required = true, value_name = "REPORT", add = ArgValueCompleter::new(complete::report))]
    pub reports: Vec<PathBuf>,

    /// Write here (replaced whole, readable by its owner only) instead of
    /// standard output. Never one of the reports read.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportShowArgs {
    /// JSON Lines reports written by --report (or --resume).
    #[arg(required = true, value_name = "REPORT", add = ArgValueCompleter::new(complete::report))]
    pub reports: Vec<PathBuf>,

    /// table: the human summary; json: one document.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ReportDiffArgs {
    /// The earlier report.
    #[arg(value_name = "BEFORE", add = ArgValueCompleter::new(complete::report))]
    pub before: PathBuf,

    /// The later report.
    #[arg(value_name = "AFTER", add = ArgValueCompleter::new(complete::report))]
    pub after: PathBuf,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh and fish print the line that registers
    /// completion (source <(COMPLETE=bash galley)); elvish and powershell
    /// print a static script.
    #[arg(value_enum, required_unless_present = "dir")]
    pub shell: Option<clap_complete::Shell>,

    /// Write the scripts for every shell into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write galley.1 and one page per subcommand into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "markdown")]
    pub dir: Option<PathBuf>,

    /// Print the reference as one Markdown page instead (every
    /// subcommand's --help: docs/reference.md).
    #[arg(long)]
    pub markdown: bool,
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
            &["run", "-m", "web-[1-3]", "--", "uptime"],
            &[
                "run",
                "--inventory",
                "x",
                "-C",
                "50",
                "--command-timeout",
                "30s",
                "roles:web",
                "--",
                "sudo",
                "rm",
                "-f",
                "/x",
            ],
            &[
                "run",
                "-m",
                "h",
                "-x",
                "deploy",
                "-p",
                "2222",
                "-i",
                "k1",
                "-i",
                "k2",
                "--host-key-check",
                "accept-new",
                "--",
                "true",
            ],
            &[
                "run",
                "-m",
                "h",
                "--output",
                "json",
                "--report",
                "r.jsonl",
                "--max-output",
                "64k",
                "--",
                "true",
            ],
            &["status", "--inventory", "x", "--stale-after", "90m", "*:*"],
            &[
                "status",
                "--since",
                "-2h",
                "--format",
                "json",
                "chef_environment:gprd",
            ],
            &["status", "--since", "2026-11-25T12:00:00Z", "*:*"],
            &["config"],
            &[
                "config",
                "--profile",
                "prod",
                "-c",
                "knife.rb",
                "--server-url",
                "https://x/organizations/y",
                "-u",
                "me",
                "-k",
                "me.pem",
                "--format",
                "json",
            ],
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
            (&["run", "-m", "h"], MissingRequiredArgument),
            (
                &["run", "-m", "h", "-C", "0", "--", "true"],
                ValueValidation,
            ),
            (
                &["run", "-m", "h", "--command-timeout", "soon", "--", "true"],
                ValueValidation,
            ),
            (
                &["run", "-m", "h", "--host-key-check", "maybe", "--", "true"],
                InvalidValue,
            ),
            (
                &["run", "-m", "h", "--max-output", "1T", "--", "true"],
                ValueValidation,
            ),
        ];
        for (args, kind) in invalid {
            match parse(args) {
                Ok(cli) => panic!("should fail: {args:?}, parsed {cli:?}"),
                Err(e) => assert_eq!(e.kind(), *kind, "{args:?}: {e}"),
            }
        }
    }
}
