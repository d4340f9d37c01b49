//! From the command line to validated settings: which source, which query,
//! which address rule; and the SSH settings (flags, knife's ssh defaults,
//! ssh_config, the environment). Parsing happens here, so a malformed query
//! or host list is a usage error before anything is read; opening the
//! source comes after, and its failures are setup errors.

use std::path::PathBuf;

use crate::chef::client::ChefClient;
use crate::chef::config::{self as chef_config, ChefConfig, Inputs};
use crate::cli;
use crate::diagnostic::SyntaxError;
use crate::error::Error;
use crate::hostlist;
use crate::inventory::chef_server::ChefServer;
use crate::inventory::query::Case;
use crate::inventory::{self, ManualList, NodeSource, Query};
use crate::ssh::{self, SshConfig};
use crate::target::AddressRule;

/// Where nodes come from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Inventory(PathBuf),
    /// The Chef server that knife's settings (and the flags) name.
    ChefServer(Box<cli::ChefArgs>),
    /// Hosts named on the command line, already expanded.
    Manual(Vec<String>),
}

/// A validated node selection.
#[derive(Debug, Clone)]
pub struct Selection {
    pub source: SourceSpec,
    pub query: Query,
    /// `--ignore-case`, for an inventory.
    pub case: Case,
    pub address: AddressRule,
    /// The Chef server's settings, read once (config.rb is code: it runs
    /// at most once per command, however many stages need the server).
    chef: std::cell::OnceCell<ChefConfig>,
}

/// A query that does not parse, with what most likely went wrong: a word
/// meant for a flag, or backslashes the shell took away.
fn query_error(error: SyntaxError, args: &cli::Selection) -> Error {
    // Which word of the command line the mistake is in (the words were
    // joined with one space).
    let mut start = 0;
    let word = args.query.iter().position(|w| {
        let end = start + w.len();
        let here = error.offset >= start && error.offset < end.max(start + 1);
        start = end + 1;
        here
    });
    let hint = word
        .and_then(|i| args.word_hints.get(i).cloned().flatten())
        .or_else(|| quoting_hint(&args.query.join(" ")));
    let error = Error::usage(error);
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// When a query has no backslash but a value holds characters a query
/// must escape, the shell most likely took the backslashes away: the query
/// as it should be typed, single-quoted.
fn quoting_hint(text: &str) -> Option<String> {
    if text.contains('\\') {
        return None;
    }
    let mut changed = false;
    let words: Vec<String> = text
        .split(' ')
        .map(|word| match word.split_once(':') {
            Some((field, value))
                if !field.is_empty()
                    && value.contains(|c| ":[]{}()".contains(c))
                    && !value.starts_with(['[', '{', '(']) =>
            {
                changed = true;
                let escaped: String = value
                    .chars()
                    .flat_map(|c| {
                        let escape = ":[]{}()".contains(c).then_some('\\');
                        escape.into_iter().chain(std::iter::once(c))
                    })
                    .collect();
                format!("{field}:{escaped}")
            }
            _ => word.to_string(),
        })
        .collect();
    changed.then(|| {
        format!(
            "the shell removes backslashes outside quotes: single-quote the query, as in '{}'",
            words.join(" ")
        )
    })
}

impl Selection {
    pub fn from_args(args: &cli::Selection) -> Result<Selection, Error> {
        let text = args.query.join(" ");
        if args.manual_list {
            let hosts = hostlist::expand(&text).map_err(Error::usage)?;
            return Ok(Selection {
                source: SourceSpec::Manual(hosts),
                query: Query::All,
                case: Case::Sensitive,
                address: AddressRule::Name,
                chef: Default::default(),
            });
        }
        let query = inventory::parse_selection(&text).map_err(|e| query_error(e, args))?;
        let address = match &args.attribute {
            Some(path) if path.trim().is_empty() || path.split('.').any(str::is_empty) => {
                return Err(Error::usage(anyhow::anyhow!(
                    "--attribute {path:?} is not a dotted attribute path such as ipaddress or cloud.public_hostname"
                )))
            }
            Some(path) => AddressRule::Attribute(path.clone()),
            None => AddressRule::Knife,
        };
        let source = match &args.inventory {
            Some(path) => SourceSpec::Inventory(path.clone()),
            None => SourceSpec::ChefServer(Box::new(args.chef.clone())),
        };
        if args.ignore_case && matches!(source, SourceSpec::ChefServer(_)) {
            return Err(Error::usage(anyhow::anyhow!(
                "--ignore-case works on an inventory only: a Chef server matches field names and values case-sensitively, and galley sends it the query as written"
            ))
            .with_hint("search an exported inventory (--inventory PATH), or spell the value as the node has it (galley search -l shows the attributes)"));
        }
        Ok(Selection {
            source,
            query,
            case: if args.ignore_case {
                Case::Ignore
            } else {
                Case::Sensitive
            },
            address,
            chef: Default::default(),
        })
    }

    /// What selected the hosts, as galley understood it (the query
    /// normalised, so a stray word or the precedence shows), for the plan
    /// and the summary: `query: QUERY (from SOURCE)` or `hosts: LIST`.
    pub fn understood(&self) -> String {
        match &self.source {
            SourceSpec::Manual(hosts) => format!("hosts: {}", hostlist::fold(hosts)),
            _ => format!(
                "query: {} (from {}{})",
                self.query,
                self.describe_source(),
                if self.case == Case::Ignore {
                    ", ignoring case"
                } else {
                    ""
                }
            ),
        }
    }

    /// The source, for messages: `inventory PATH` or `a host list`.
    pub fn describe_source(&self) -> String {
        match &self.source {
            SourceSpec::Inventory(path) => format!("inventory {}", path.display()),
            SourceSpec::Manual(_) => "the host list on the command line".into(),
            SourceSpec::ChefServer(_) => "the Chef server".into(),
        }
    }

    /// The settings of the Chef server the nodes come from, read (and
    /// config.rb evaluated) the first time they are asked for. `None` when
    /// the nodes come from elsewhere.
    pub fn chef_settings(&self) -> Result<Option<&ChefConfig>, Error> {
        let SourceSpec::ChefServer(args) = &self.source else {
            return Ok(None);
        };
        if let Some(settings) = self.chef.get() {
            return Ok(Some(settings));
        }
        let settings = chef_settings(args, true)?;
        Ok(Some(self.chef.get_or_init(|| settings)))
    }

    /// Opens the node source (reads the inventory).
    pub fn open(&self) -> Result<Box<dyn NodeSource>, Error> {
        match &self.source {
            SourceSpec::Manual(hosts) => Ok(Box::new(ManualList::new(hosts))),
            // Read when the query is known, keeping only what it selects.
            SourceSpec::Inventory(path) => Ok(Box::new(inventory::node_files::Matching {
                path: path.clone(),
                case: self.case,
                kept: inventory::node_files::Kept::used(match &self.address {
                    AddressRule::Attribute(path) => Some(path.as_str()),
                    _ => None,
                }),
            })),
            SourceSpec::ChefServer(args) => {
                let settings = self
                    .chef_settings()?
                    .expect("the nodes come from a Chef server");
                for warning in chef_config::key_warnings(settings) {
                    crate::terminal::message(&format!("galley: warning: {warning}"));
                }
                let Some(url) = settings.server_url.as_ref().map(|u| u.value.clone()) else {
                    return Err(Error::setup(anyhow::anyhow!("no node source: galley needs node data to search")).with_hint(
                        "pass --inventory PATH (or set GALLEY_INVENTORY) to search node JSON files, \
                         -m to give a list of hosts instead of a query, \
                         or configure a Chef server as knife does (~/.chef/credentials, config.rb, or --server-url)",
                    ));
                };
                let client =
                    ChefClient::from_config(settings, args.sign_version, args.server_timeout.0)
                        .map_err(Error::setup)?;
                let attribute = match &self.address {
                    AddressRule::Attribute(path) => Some(path.clone()),
                    _ => None,
                };
                Ok(Box::new(ChefServer::new(
                    client,
                    url,
                    args.search_rows.0,
                    attribute,
                )))
            }
        }
    }
}

/// knife's `knife[:ssh_user]`, `knife[:ssh_attribute]` and
/// `knife[:ssh_gateway]`: defaults under galley's own flags.
#[derive(Debug, Default)]
pub struct KnifeSsh {
    pub user: Option<String>,
    pub attribute: Option<String>,
    pub gateway: Option<String>,
}

/// Reads the knife settings: those of the selection's Chef server, or, when
/// the nodes come from elsewhere, config.rb's literal settings (no code
/// runs), where a file galley cannot read only costs its ssh defaults, with
/// a warning.
pub fn knife_ssh(selection: &Selection, chef: &cli::ChefArgs) -> Result<KnifeSsh, Error> {
    let knife = |config: &ChefConfig| KnifeSsh {
        user: config.ssh_user.as_ref().map(|s| s.value.clone()),
        attribute: config.ssh_attribute.as_ref().map(|s| s.value.clone()),
        gateway: config.ssh_gateway.as_ref().map(|s| s.value.clone()),
    };
    if let Some(config) = selection.chef_settings()? {
        return Ok(knife(config));
    }
    match chef_settings(chef, false) {
        Ok(config) => Ok(knife(&config)),
        Err(e) => {
            crate::terminal::message(&format!(
                "galley: warning: knife settings not used: {}",
                e.error
            ));
            Ok(KnifeSsh::default())
        }
    }
}

/// Turns the connection flags into SSH settings (environment: HOME, USER,
/// SSH_AUTH_SOCK; files: `-F FILE` or `~/.ssh/config`).
pub fn ssh_settings(args: &cli::ConnectionArgs, knife: &KnifeSsh) -> Result<ssh::Settings, Error> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"));
    let local_user = local_user().ok_or_else(|| {
        Error::setup(anyhow::anyhow!("cannot tell the local user name")).with_hint("pass -x USER")
    })?;
    // As ssh: `-F FILE` alone (`-F none`: no file), else the user's file
    // and then the system's.
    let files = match &args.ssh_config {
        Some(file) if file.as_os_str() == "none" => Vec::new(),
        Some(file) => vec![(file.clone(), ssh::config::Owner::User, true)],
        None => vec![
            (home.join(".ssh/config"), ssh::config::Owner::User, false),
            (
                PathBuf::from("/etc/ssh/ssh_config"),
                ssh::config::Owner::System,
                false,
            ),
        ],
    };
    let config = SshConfig::load(&files, &home, &local_user)
        .map_err(|e| Error::setup(e).with_hint("fix the file, or point -F at another one"))?;
    let gateway = match args.ssh_gateway.as_ref().or(knife.gateway.as_ref()) {
        Some(spec) => Some(
            ssh::gateway::parse_chain(spec)
                .map_err(|why| Error::usage(anyhow::anyhow!("--ssh-gateway {why}")))?,
        ),
        None => None,
    };
    let mut settings = ssh::Settings::new(
        args.ssh_user.clone().or_else(|| knife.user.clone()),
        local_user,
        home,
        config,
        gateway,
    );
    settings.port = args.ssh_port;
    settings.connect_timeout = args.connect_timeout.map(|d| d.0);
    settings.login_timeout = args.login_timeout.map(|d| d.0);
    settings.policy = args.host_key_check;
    settings.known_hosts_file = args.known_hosts.clone();
    settings.identity_files = args.identity_file.clone();
    settings.agent = std::env::var_os("SSH_AUTH_SOCK").is_some_and(|s| !s.is_empty());
    Ok(settings)
}

fn local_user() -> Option<String> {
    if let Some(user) = std::env::var("USER").ok().filter(|u| !u.is_empty()) {
        return Some(user);
    }
    crate::sys::login_name()
}

/// The Chef server settings, read as knife would (environment: HOME, the
/// current folder, KNIFE_HOME, CHEF_PROFILE), with the flags on top.
/// The Chef server settings. `evaluate`: galley needs the server now, so
/// config.rb may be evaluated by Ruby (when installed), as knife would;
/// otherwise (an inventory or host-list run reading knife's ssh defaults)
/// only its literal settings are read and no code runs.
pub fn chef_settings(args: &cli::ChefArgs, evaluate: bool) -> Result<ChefConfig, Error> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"));
    let inputs = Inputs {
        home,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        knife_home: std::env::var_os("KNIFE_HOME").map(PathBuf::from),
        chef_profile_env: std::env::var("CHEF_PROFILE").ok(),
        config_file: args.config_file.clone(),
        profile: args.profile.clone(),
        server_url: args.server_url.clone(),
        user: args.user.clone(),
        key: args.key.clone(),
        ruby: evaluate.then(crate::chef::ruby::find_ruby).flatten(),
    };
    chef_config::load(&inputs).map_err(Error::setup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn args(query: &str) -> cli::Selection {
        use clap::Parser;
        let cli =
            cli::Cli::try_parse_from(["galley", "search", "--inventory", "inv", query]).unwrap();
        match cli.command {
            cli::Command::Search(search) => search.select,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_bare_word_is_fuzzified_like_knife() {
        let s = Selection::from_args(&args("web")).unwrap();
        assert_eq!(
            s.query.to_string(),
            "tags:*web* OR roles:*web* OR fqdn:*web* OR addresses:*web* OR policy_name:*web* OR policy_group:*web*"
        );
        let s = Selection::from_args(&args("name:web")).unwrap();
        assert_eq!(s.query.to_string(), "name:web");
    }

    #[test]
    fn errors_are_usage_before_setup() {
        let e = Selection::from_args(&args("(name:web")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Usage);
        // Without an inventory the Chef server is the source (checked when opened).
        let mut no_inventory = args("name:web");
        no_inventory.inventory = None;
        let s = Selection::from_args(&no_inventory).unwrap();
        assert!(matches!(s.source, SourceSpec::ChefServer(_)));
        let mut bad_attr = args("name:web");
        bad_attr.attribute = Some("cloud..x".into());
        assert_eq!(
            Selection::from_args(&bad_attr).unwrap_err().kind,
            ErrorKind::Usage
        );
    }

    #[test]
    fn manual_lists_need_no_inventory() {
        let mut a = args("web-[1-2] db1");
        a.manual_list = true;
        a.inventory = None;
        let s = Selection::from_args(&a).unwrap();
        assert!(matches!(&s.source, SourceSpec::Manual(h) if h == &["web-1", "web-2", "db1"]));
        assert_eq!(s.address, AddressRule::Name);
    }
}
