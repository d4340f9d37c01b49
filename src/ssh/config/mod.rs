//! OpenSSH client configuration, evaluated for each host as OpenSSH 9.2's
//! ssh(1) evaluates it (readconf.c, ssh.c), so that `ssh -G HOST` and
//! galley agree on every setting galley uses:
//! - the user's file (`~/.ssh/config`, or `-F FILE` alone), then the
//!   system's (`/etc/ssh/ssh_config`);
//! - `Host` patterns match the name as given, case sensitively; `Match`
//!   evaluates `all`, `host`, `originalhost`, `user`, `localuser`, `exec`,
//!   `canonical` and `final` (with OpenSSH's second, final pass);
//! - the first value of a keyword wins; `IdentityFile` accumulates;
//!   `Include` reads files in place, and inside a block that does not apply
//!   their `Host` and `Match` lines apply to nothing;
//! - an unknown keyword is an error unless `IgnoreUnknown` names it.
//!
//! A keyword that would change where or how OpenSSH connects, or how it
//! checks the host, and that galley does not honour (`BindAddress`,
//! `CanonicalizeHostname yes`, `KnownHostsCommand`, ...) is
//! [`Refused`] for the hosts it applies to, naming its file and line: the
//! run stops before any host rather than connect another way.

mod parse;
mod pattern;
pub(crate) mod tokens;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use parse::{File, Item};
pub(crate) use parse::{Owner, Place};

use crate::ssh::Policy;

/// How a host is reached, by ssh_config: `ProxyJump`, `ProxyCommand`, or
/// `none` (directly, whatever a later block says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proxy {
    Direct,
    /// The jumps as written: `[user@]host[:port]`, comma-separated.
    Jump(String),
    /// The command as written, before `%` tokens.
    Command(String),
}

/// The algorithm lists, as written (`+`, `-`, `^` forms included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Algorithms {
    pub ciphers: Option<String>,
    pub kex: Option<String>,
    pub macs: Option<String>,
    pub host_key: Option<String>,
}

/// A keyword galley does not honour, in effect for a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub keyword: String,
    pub value: String,
    pub at: Place,
    pub why: &'static str,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} {}: {}",
            self.at, self.keyword, self.value, self.why
        )
    }
}

/// Settings for one host, as the config files give them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostConfig {
    /// `HostName` (with `%h`), else the name as given; lowercased unless
    /// an address, as ssh does.
    pub host_name: String,
    pub user: Option<String>,
    pub port: Option<u16>,
    /// As written: `~` and tokens are expanded for the connection.
    pub identity_files: Vec<String>,
    pub identities_only: Option<bool>,
    pub proxy: Option<(Proxy, Place)>,
    pub connect_timeout: Option<Duration>,
    pub strict_host_key_checking: Option<Strict>,
    /// As written (`none` alone means no file).
    pub user_known_hosts_files: Option<Vec<String>>,
    pub global_known_hosts_files: Option<Vec<String>>,
    pub host_key_alias: Option<String>,
    pub algorithms: Algorithms,
    /// `IdentityAgent none`: no agent.
    pub no_agent: bool,
    pub refused: Vec<Refused>,
}

/// Why a config file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl ConfigError {
    fn at(at: &Place, message: String) -> ConfigError {
        ConfigError {
            file: at.file.to_path_buf(),
            line: at.line,
            message,
        }
    }
}

/// The config files, read.
#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    files: Vec<File>,
    home: PathBuf,
    local_user: String,
}

/// Keywords OpenSSH 9.2 knows (readconf.c's `keywords[]`).
const KNOWN: &[&str] = &[
    "protocol",
    "cipher",
    "fallbacktorsh",
    "globalknownhostsfile2",
    "rhostsauthentication",
    "userknownhostsfile2",
    "useroaming",
    "usersh",
    "useprivilegedport",
    "afstokenpassing",
    "kerberosauthentication",
    "kerberostgtpassing",
    "rsaauthentication",
    "rhostsrsaauthentication",
    "compressionlevel",
    "gssapiauthentication",
    "gssapidelegatecredentials",
    "pkcs11provider",
    "smartcarddevice",
    "forwardagent",
    "forwardx11",
    "forwardx11trusted",
    "forwardx11timeout",
    "exitonforwardfailure",
    "xauthlocation",
    "gatewayports",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "kbdinteractivedevices",
    "challengeresponseauthentication",
    "skeyauthentication",
    "tisauthentication",
    "pubkeyauthentication",
    "dsaauthentication",
    "hostbasedauthentication",
    "identityfile",
    "identityfile2",
    "identitiesonly",
    "certificatefile",
    "addkeystoagent",
    "identityagent",
    "hostname",
    "hostkeyalias",
    "proxycommand",
    "port",
    "ciphers",
    "macs",
    "remoteforward",
    "localforward",
    "permitremoteopen",
    "user",
    "host",
    "match",
    "escapechar",
    "globalknownhostsfile",
    "userknownhostsfile",
    "connectionattempts",
    "batchmode",
    "checkhostip",
    "stricthostkeychecking",
    "compression",
    "tcpkeepalive",
    "keepalive",
    "numberofpasswordprompts",
    "syslogfacility",
    "loglevel",
    "logverbose",
    "dynamicforward",
    "preferredauthentications",
    "hostkeyalgorithms",
    "casignaturealgorithms",
    "bindaddress",
    "bindinterface",
    "clearallforwardings",
    "enablesshkeysign",
    "verifyhostkeydns",
    "nohostauthenticationforlocalhost",
    "rekeylimit",
    "connecttimeout",
    "addressfamily",
    "serveraliveinterval",
    "serveralivecountmax",
    "sendenv",
    "setenv",
    "controlpath",
    "controlmaster",
    "controlpersist",
    "hashknownhosts",
    "include",
    "tunnel",
    "tunneldevice",
    "localcommand",
    "permitlocalcommand",
    "remotecommand",
    "visualhostkey",
    "kexalgorithms",
    "ipqos",
    "requesttty",
    "sessiontype",
    "stdinnull",
    "forkafterauthentication",
    "proxyusefdpass",
    "canonicaldomains",
    "canonicalizefallbacklocal",
    "canonicalizehostname",
    "canonicalizemaxdots",
    "canonicalizepermittedcnames",
    "streamlocalbindmask",
    "streamlocalbindunlink",
    "revokedhostkeys",
    "fingerprinthash",
    "updatehostkeys",
    "hostbasedacceptedalgorithms",
    "hostbasedkeytypes",
    "pubkeyacceptedalgorithms",
    "pubkeyacceptedkeytypes",
    "ignoreunknown",
    "proxyjump",
    "securitykeyprovider",
    "knownhostscommand",
    "requiredrsasize",
    "enableescapecommandline",
];

/// Keywords that change where or how ssh connects or checks the host,
/// which galley does not honour, with the values that change nothing.
const REFUSED: &[(&str, &[&str], &str)] = &[
    (
        "addressfamily",
        &["any"],
        "galley tries every address the name resolves to",
    ),
    ("bindaddress", &[], "galley does not choose a local address"),
    (
        "bindinterface",
        &[],
        "galley does not choose a local interface",
    ),
    (
        "canonicalizehostname",
        &["no", "false"],
        "galley does not canonicalize host names",
    ),
    (
        "certificatefile",
        &["none"],
        "galley does not authenticate with certificates",
    ),
    (
        "knownhostscommand",
        &["none"],
        "galley reads known_hosts files only",
    ),
    (
        "nohostauthenticationforlocalhost",
        &["no", "false"],
        "galley checks every host's key",
    ),
    (
        "pkcs11provider",
        &["none"],
        "galley does not use PKCS#11 keys",
    ),
    (
        "smartcarddevice",
        &["none"],
        "galley does not use PKCS#11 keys",
    ),
    (
        "proxyusefdpass",
        &["no", "false"],
        "galley does not take a socket from ProxyCommand",
    ),
    (
        "pubkeyauthentication",
        &["yes", "true", "unbound", "host-bound"],
        "galley authenticates with keys only",
    ),
    ("remotecommand", &["none"], "galley runs its own command"),
    (
        "revokedhostkeys",
        &["none"],
        "galley does not read key revocation lists; list revoked keys as @revoked in known_hosts",
    ),
    (
        "verifyhostkeydns",
        &["no", "false"],
        "galley does not check SSHFP records",
    ),
];

/// `StrictHostKeyChecking`, as OpenSSH reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strict {
    Yes,
    Ask,
    No,
    AcceptNew,
}

impl Strict {
    fn parse(value: &str) -> Option<Strict> {
        Some(match value.to_ascii_lowercase().as_str() {
            "yes" | "true" => Strict::Yes,
            "ask" => Strict::Ask,
            "no" | "false" | "off" => Strict::No,
            "accept-new" => Strict::AcceptNew,
            _ => return None,
        })
    }

    /// As `ssh -G` prints it.
    pub fn openssh_name(self) -> &'static str {
        match self {
            Strict::Yes => "true",
            Strict::Ask => "ask",
            Strict::No => "false",
            Strict::AcceptNew => "accept-new",
        }
    }

    /// galley's policy. `ask` is strict (a fleet run never asks). `no` is
    /// read as accept-new: galley connects to a host whose key changed
    /// only with `--host-key-check off` on the command line, never because
    /// of a config file.
    pub fn policy(self) -> Policy {
        match self {
            Strict::Yes | Strict::Ask => Policy::Strict,
            Strict::No | Strict::AcceptNew => Policy::AcceptNew,
        }
    }
}

/// The name and flag values of a keyword galley reads.
fn flag(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// OpenSSH's convtime: `90`, `90s`, `1m30s`, `1h`, `2d`, `1w`.
fn seconds(value: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in value.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    if !number.is_empty() {
        total = total.checked_add(number.parse().ok()?)?;
    } else if value.is_empty() || !value.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(total)
}

/// One host's evaluation: what Host and Match compare against.
struct Pass<'a> {
    /// What `Host` patterns match: the name as given, or in the final
    /// pass the host name after HostName.
    host: &'a str,
    original: &'a str,
    final_pass: bool,
}

/// What an evaluation has gathered so far.
#[derive(Default)]
struct State {
    out: HostConfig,
    hostname: Option<String>,
    ignore_unknown: Option<String>,
    want_final: bool,
    /// The refusable keywords seen (the first value decides).
    decided: Vec<&'static str>,
}

impl SshConfig {
    /// Reads the files (the user's first); a file that does not exist is
    /// skipped unless it is the `-F` file (`must`).
    pub fn load(
        files: &[(PathBuf, Owner, bool)],
        home: &Path,
        local_user: &str,
    ) -> Result<SshConfig, ConfigError> {
        let mut config = SshConfig {
            files: Vec::new(),
            home: home.to_path_buf(),
            local_user: local_user.to_string(),
        };
        for (path, owner, must) in files {
            if !must && !path.is_file() {
                continue;
            }
            let file = parse::read(path, *owner, home, 0)?;
            config.check(&file.items)?;
            config.files.push(file);
        }
        Ok(config)
    }

    /// Value errors anywhere in a file, as OpenSSH reports them whether
    /// or not the line applies.
    fn check(&self, items: &[Item]) -> Result<(), ConfigError> {
        for item in items {
            match item {
                Item::Include { files } => {
                    for file in files {
                        self.check(&file.items)?;
                    }
                }
                Item::Host { at, patterns } => {
                    if patterns.iter().any(|p| p.is_empty() || p == "!") {
                        return Err(ConfigError::at(at, "Host: empty pattern".into()));
                    }
                }
                Item::Match { at, criteria } => {
                    check_match(criteria).map_err(|m| ConfigError::at(at, m))?
                }
                Item::Setting {
                    at, keyword, args, ..
                } => check_value(keyword, args).map_err(|m| ConfigError::at(at, m))?,
            }
        }
        Ok(())
    }

    /// The settings for `host`, the name galley was given (a node's
    /// address), as `ssh -G host` would resolve them.
    pub fn resolve(&self, host: &str) -> Result<HostConfig, ConfigError> {
        let mut state = State::default();
        let first = Pass {
            host,
            original: host,
            final_pass: false,
        };
        for file in &self.files {
            self.apply(&file.items, &first, &mut state, true)?;
        }
        let mut name = match &state.hostname {
            Some(h) => expand_hostname(h, host),
            None => host.to_string(),
        };
        if name.parse::<IpAddr>().is_err() {
            name = name.to_ascii_lowercase();
        }
        if state.want_final {
            state.hostname = Some(name.clone());
            let last = Pass {
                host: &name,
                original: host,
                final_pass: true,
            };
            for file in &self.files {
                self.apply(&file.items, &last, &mut state, true)?;
            }
        }
        let mut out = state.out;
        out.host_name = name;
        Ok(out)
    }

    /// Applies one file's items. `can_match`: false inside an Include
    /// from a block that does not apply (OpenSSH's SSHCONF_NEVERMATCH).
    fn apply(
        &self,
        items: &[Item],
        pass: &Pass,
        state: &mut State,
        can_match: bool,
    ) -> Result<bool, ConfigError> {
        let mut active = can_match;
        for item in items {
            match item {
                Item::Host { patterns, .. } => {
                    active = can_match && pattern::host_line(patterns, pass.host);
                }
                Item::Match { at, criteria } => {
                    let matched = self.evaluate_match(criteria, at, pass, state)?;
                    active = can_match && matched;
                }
                Item::Include { files } => {
                    for file in files {
                        // An included file's blocks do not change the
                        // including file's.
                        self.apply(&file.items, pass, state, active)?;
                    }
                }
                Item::Setting {
                    at,
                    keyword,
                    args,
                    rest,
                } => self.setting(at, keyword, args, rest, active, state)?,
            }
        }
        Ok(active)
    }

    fn setting(
        &self,
        at: &Place,
        keyword: &str,
        args: &[String],
        rest: &str,
        active: bool,
        state: &mut State,
    ) -> Result<(), ConfigError> {
        if !KNOWN.contains(&keyword) {
            return unknown(keyword, at, state);
        }
        if !active {
            return Ok(());
        }
        let first = args[0].as_str();
        let out = &mut state.out;
        let set = |slot: &mut Option<String>| {
            slot.get_or_insert_with(|| first.to_string());
        };
        match keyword {
            "hostname" => set(&mut state.hostname),
            "user" => set(&mut out.user),
            "port" => {
                out.port
                    .get_or_insert(first.parse().expect("checked when read"));
            }
            "identityfile" | "identityfile2" => out.identity_files.push(first.to_string()),
            "identitiesonly" => {
                out.identities_only.get_or_insert(flag(first) == Some(true));
            }
            "proxycommand" | "proxyjump" => {
                if out.proxy.is_none() {
                    out.proxy = Some((proxy(keyword, rest), at.clone()));
                }
            }
            "connecttimeout" => {
                let s = seconds(first).expect("checked when read");
                out.connect_timeout.get_or_insert(Duration::from_secs(s));
            }
            "stricthostkeychecking" => {
                out.strict_host_key_checking
                    .get_or_insert(Strict::parse(first).expect("checked when read"));
            }
            "userknownhostsfile" => {
                out.user_known_hosts_files
                    .get_or_insert_with(|| args.to_vec());
            }
            "globalknownhostsfile" => {
                out.global_known_hosts_files
                    .get_or_insert_with(|| args.to_vec());
            }
            "hostkeyalias" => set(&mut out.host_key_alias),
            "ciphers" => set(&mut out.algorithms.ciphers),
            "kexalgorithms" => set(&mut out.algorithms.kex),
            "macs" => set(&mut out.algorithms.macs),
            "hostkeyalgorithms" => set(&mut out.algorithms.host_key),
            "ignoreunknown" => set(&mut state.ignore_unknown),
            "identityagent" => identity_agent(first, at, state),
            _ => refuse_unless_harmless(keyword, args, at, state),
        }
        Ok(())
    }

    /// The `%` tokens of a `Match exec` command, as the pass stands.
    fn tokens(&self, host: &str, remote_user: &str, pass: &Pass, state: &State) -> tokens::Tokens {
        tokens::Tokens {
            host: host.to_string(),
            original: pass.original.to_string(),
            port: state.out.port.unwrap_or(22),
            user: remote_user.to_string(),
            local_user: self.local_user.clone(),
            home: self.home.display().to_string(),
            uid: crate::sys::uid(),
            key_alias: state
                .out
                .host_key_alias
                .clone()
                .unwrap_or_else(|| host.to_string()),
            this_host: tokens::this_host(),
        }
    }

    /// readconf.c's match_cfg_line.
    fn evaluate_match(
        &self,
        criteria: &[String],
        at: &Place,
        pass: &Pass,
        state: &mut State,
    ) -> Result<bool, ConfigError> {
        let host = match_host(pass, state);
        let remote_user = state
            .out
            .user
            .clone()
            .unwrap_or_else(|| self.local_user.clone());
        let mut result = true;
        let mut words = criteria.iter();
        while let Some(word) = words.next() {
            let (negate, attribute) = match word.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, word.as_str()),
            };
            let attribute = attribute.to_ascii_lowercase();
            let hit = match attribute.as_str() {
                "all" => {
                    return Ok(result && !negate);
                }
                "canonical" | "final" => {
                    if attribute == "final" {
                        state.want_final = true;
                    }
                    pass.final_pass
                }
                _ => {
                    let arg = words.next().expect("checked when read");
                    match attribute.as_str() {
                        "host" => pattern::hostname(&host, arg),
                        "originalhost" => pattern::hostname(pass.original, arg),
                        "user" => pattern::list(&remote_user, arg, false),
                        "localuser" => pattern::list(&self.local_user, arg, false),
                        // After a criterion that failed, ssh runs no
                        // command.
                        "exec" if !result => continue,
                        "exec" => {
                            let tokens = self.tokens(&host, &remote_user, pass, state);
                            let command = tokens
                                .expand(arg, "CLdhklnprui")
                                .map_err(|m| ConfigError::at(at, format!("Match exec {m}")))?;
                            run_exec(&command, at)?
                        }
                        _ => unreachable!("checked when read"),
                    }
                }
            };
            if hit == negate {
                result = false;
            }
        }
        Ok(result)
    }
}

/// The host `Match host` compares: the HostName set so far (with `%h`
/// expanded) or the host as given; in the final pass, the HostName.
fn match_host(pass: &Pass, state: &State) -> String {
    match (&state.hostname, pass.final_pass) {
        (Some(name), true) => name.clone(),
        (Some(name), false) => expand_hostname(name, pass.host),
        (None, _) => pass.host.to_string(),
    }
}

/// OpenSSH's `match_pattern` (`*`, `?`, case sensitive).
pub(crate) fn pattern_matches(text: &str, pattern: &str) -> bool {
    pattern::matches(text, pattern)
}

/// OpenSSH's `match_hostname`: a comma-separated pattern list, case
/// ignored, `!` vetoes.
pub(crate) fn hostname_matches(host: &str, patterns: &str) -> bool {
    pattern::hostname(host, patterns)
}

/// `HostName` with `%h` (and `%%`), as ssh.c expands it.
fn expand_hostname(value: &str, host: &str) -> String {
    let tokens = tokens::Tokens {
        host: host.to_string(),
        ..Default::default()
    };
    tokens
        .expand(value, "h")
        .unwrap_or_else(|_| value.to_string())
}

/// A keyword as ssh_config(5) spells it, for messages.
fn display_keyword(keyword: &str) -> String {
    const NAMES: &[&str] = &[
        "AddressFamily",
        "BindAddress",
        "BindInterface",
        "CanonicalizeHostname",
        "CertificateFile",
        "KnownHostsCommand",
        "NoHostAuthenticationForLocalhost",
        "PKCS11Provider",
        "SmartcardDevice",
        "ProxyUseFdpass",
        "PubkeyAuthentication",
        "RemoteCommand",
        "RevokedHostKeys",
        "VerifyHostKeyDNS",
    ];
    NAMES
        .iter()
        .find(|n| n.eq_ignore_ascii_case(keyword))
        .map(|n| n.to_string())
        .unwrap_or_else(|| keyword.to_string())
}

/// Runs a `Match exec` command as ssh does: `$SHELL -c`, no input or
/// output; exit 0 matches.
fn run_exec(command: &str, at: &Place) -> Result<bool, ConfigError> {
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    std::process::Command::new(&shell)
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .map(|status| status.success())
        .map_err(|e| ConfigError::at(at, format!("match exec {command:?}: {e}")))
}

/// A Match line's shape, as OpenSSH checks it.
fn check_match(criteria: &[String]) -> Result<(), String> {
    let mut words = criteria.iter().peekable();
    let mut attributes = 0;
    while let Some(word) = words.next() {
        let attribute = word.trim_start_matches('!').to_ascii_lowercase();
        match attribute.as_str() {
            "all" => {
                if attributes > 1 || words.peek().is_some() {
                    return Err(format!("'{word}' cannot be combined with other Match attributes"));
                }
            }
            "canonical" | "final" => attributes += 1,
            "host" | "originalhost" | "user" | "localuser" | "exec" => {
                attributes += 1;
                if words.next().is_none() {
                    return Err(format!("Missing Match criteria for {attribute}"));
                }
            }
            _ => {
                return Err(format!(
                    "Unsupported Match attribute {attribute} (galley reads Match as OpenSSH 9.2: all, canonical, final, exec, host, originalhost, user, localuser)"
                ))
            }
        }
    }
    if criteria.is_empty() {
        return Err("Match: missing criteria".into());
    }
    Ok(())
}

/// The arguments as one string, up to a comment (ProxyJump's reading).
fn rest_of(args: &[String]) -> String {
    args.join(" ")
}

/// A value galley reads that OpenSSH would refuse, in OpenSSH's words.
fn check_value(keyword: &str, args: &[String]) -> Result<(), String> {
    let value = args[0].as_str();
    let single = [
        "hostname",
        "user",
        "port",
        "identityfile",
        "identitiesonly",
        "connecttimeout",
        "stricthostkeychecking",
        "hostkeyalias",
    ];
    if single.contains(&keyword) && args.len() > 1 {
        return Err(format!("keyword {keyword} extra arguments at end of line"));
    }
    match keyword {
        "port" => match value.parse::<u16>() {
            Ok(p) if p > 0 => Ok(()),
            _ => Err(format!("Bad port '{value}'.")),
        },
        "connecttimeout" => match seconds(value) {
            Some(s) if s > 0 => Ok(()),
            Some(_) => Err(format!(
                "ConnectTimeout {value}: galley needs a deadline; give a number of seconds"
            )),
            None => Err(format!("invalid time value {value}")),
        },
        "stricthostkeychecking" if Strict::parse(value).is_none() => Err(format!(
            "unsupported option \"{value}\" (expected yes, ask, accept-new, no or off)"
        )),
        "identitiesonly" if flag(value).is_none() => Err(format!(
            "unsupported option \"{value}\" (expected yes or no)"
        )),
        "proxyjump" => {
            let jumps = rest_of(args);
            if jumps.eq_ignore_ascii_case("none") {
                return Ok(());
            }
            crate::ssh::gateway::parse_chain(&jumps)
                .map(|_| ())
                .map_err(|why| format!("Invalid ProxyJump \"{jumps}\": {why}"))
        }
        "userknownhostsfile" | "globalknownhostsfile"
            if args.len() > 1 && args.iter().any(|a| a.eq_ignore_ascii_case("none")) =>
        {
            Err(format!(
                "keyword {keyword} \"none\" argument must appear alone."
            ))
        }
        _ => Ok(()),
    }
}

/// A keyword this file does not know: an error, as ssh's, unless
/// IgnoreUnknown names it.
fn unknown(keyword: &str, at: &Place, state: &State) -> Result<(), ConfigError> {
    let ignored = state
        .ignore_unknown
        .as_deref()
        .is_some_and(|list| pattern::list(keyword, list, true));
    if ignored {
        return Ok(());
    }
    Err(ConfigError::at(
        at,
        format!("Bad configuration option: {keyword}"),
    ))
}

/// ProxyCommand's or ProxyJump's value (`none`: a direct connection).
fn proxy(keyword: &str, rest: &str) -> Proxy {
    if keyword == "proxyjump" {
        let jumps = rest.split('#').next().unwrap_or("").trim_end();
        if jumps.eq_ignore_ascii_case("none") {
            Proxy::Direct
        } else {
            Proxy::Jump(jumps.to_string())
        }
    } else if rest.eq_ignore_ascii_case("none") {
        Proxy::Direct
    } else {
        Proxy::Command(rest.to_string())
    }
}

/// IdentityAgent, first value wins: `none` leaves the agent out; any agent
/// but SSH_AUTH_SOCK's is refused.
fn identity_agent(first: &str, at: &Place, state: &mut State) {
    if state.decided.contains(&"identityagent") {
        return;
    }
    state.decided.push("identityagent");
    let from_env = std::env::var("SSH_AUTH_SOCK").ok();
    if first.eq_ignore_ascii_case("none") {
        state.out.no_agent = true;
    } else if first != "SSH_AUTH_SOCK"
        && first != "$SSH_AUTH_SOCK"
        && Some(first) != from_env.as_deref()
    {
        state.out.refused.push(Refused {
            keyword: "IdentityAgent".into(),
            value: first.to_string(),
            at: at.clone(),
            why: "galley uses the agent at SSH_AUTH_SOCK only",
        });
    }
}

/// A keyword galley does not honour ([`REFUSED`]), first value wins:
/// refused by name unless its value is one that changes nothing.
fn refuse_unless_harmless(keyword: &str, args: &[String], at: &Place, state: &mut State) {
    let Some((name, harmless, why)) = REFUSED.iter().find(|(name, ..)| *name == keyword) else {
        return;
    };
    if state.decided.contains(name) {
        return;
    }
    state.decided.push(name);
    if !harmless.iter().any(|h| h.eq_ignore_ascii_case(&args[0])) {
        state.out.refused.push(Refused {
            keyword: display_keyword(name),
            value: args.join(" "),
            at: at.clone(),
            why,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str, extra: &[(&str, &str)]) -> (tempfile::TempDir, SshConfig) {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".ssh/conf.d")).unwrap();
        for (name, body) in extra {
            std::fs::write(home.path().join(".ssh").join(name), body).unwrap();
        }
        let file = home.path().join(".ssh/config");
        std::fs::write(&file, text).unwrap();
        let parsed = SshConfig::load(&[(file, Owner::User, true)], home.path(), "me").unwrap();
        (home, parsed)
    }

    fn resolve(c: &SshConfig, host: &str) -> HostConfig {
        c.resolve(host).unwrap()
    }

    #[test]
    fn the_first_value_wins_and_identity_files_accumulate() {
        let (_home, c) = config(
            "Host web-*\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/web_%r\n\
             Host *\n  User root\n  Port 22\n  IdentityFile %d/.ssh/id_%h\n  ConnectTimeout 1m\n",
            &[],
        );
        let h = resolve(&c, "web-01");
        assert_eq!(h.user.as_deref(), Some("deploy"));
        assert_eq!(h.port, Some(2222));
        assert_eq!(h.connect_timeout, Some(Duration::from_secs(60)));
        assert_eq!(h.identity_files, ["~/.ssh/web_%r", "%d/.ssh/id_%h"]);
        assert_eq!(resolve(&c, "db-01").user.as_deref(), Some("root"));
    }

    #[test]
    fn host_patterns_are_case_sensitive_and_comments_end_them() {
        let (_home, c) = config(
            "Host pi  # Raspberry Pi\n  User pi\nHost WEB\n  Port 2\n",
            &[],
        );
        assert_eq!(resolve(&c, "pi").user.as_deref(), Some("pi"));
        assert_eq!(
            resolve(&c, "Raspberry").user,
            None,
            "a comment is not a pattern"
        );
        assert_eq!(resolve(&c, "web").port, None);
        let upper = resolve(&c, "WEB");
        assert_eq!(upper.port, Some(2));
        assert_eq!(
            upper.host_name, "web",
            "the name is lowercased after matching"
        );
    }

    #[test]
    fn includes_are_read_in_place_and_never_match_inside_a_block_that_does_not_apply() {
        let (_home, c) = config(
            "Include conf.d/*.conf\nHost special\n  Include special.inc\nHost *\n  User fallback\n",
            &[
                ("conf.d/10-a.conf", "Host a-*\n  HostName %h.example.com\n"),
                ("conf.d/20-b.conf", "Host a-1\n  User from-b\n"),
                ("special.inc", "Port 2200\nHost *\n  ProxyJump bastion\n"),
            ],
        );
        let a = resolve(&c, "a-1");
        assert_eq!(a.host_name, "a-1.example.com");
        assert_eq!(a.user.as_deref(), Some("from-b"));
        let special = resolve(&c, "special");
        assert_eq!(special.port, Some(2200));
        assert!(matches!(special.proxy, Some((Proxy::Jump(ref j), _)) if j == "bastion"));
        let other = resolve(&c, "other");
        assert_eq!(
            other.port, None,
            "an include inside a Host block stays inside it"
        );
        assert_eq!(
            other.proxy, None,
            "its Host lines match nothing for other hosts"
        );
        assert_eq!(other.user.as_deref(), Some("fallback"));
    }

    #[test]
    fn match_blocks_are_evaluated() {
        let (_home, c) = config(
            "Match host *.gprd !originalhost bastion*\n  ProxyJump bastion.gprd\n\
             Match user deploy exec \"test %h = db.gstg\"\n  Port 2202\n\
             Match localuser me host db.*\n  User deploy\n\
             Match final host *.gstg\n  IdentityFile late\n\
             Match all\n  ConnectTimeout 3\n",
            &[],
        );
        let web = resolve(&c, "web.gprd");
        assert!(matches!(web.proxy, Some((Proxy::Jump(ref j), _)) if j == "bastion.gprd"));
        assert_eq!(resolve(&c, "bastion.gprd").proxy, None);
        let db = resolve(&c, "db.gstg");
        assert_eq!(db.user.as_deref(), Some("deploy"));
        assert_eq!(
            db.port,
            Some(2202),
            "the final pass sees the user set by the first"
        );
        assert_eq!(db.identity_files, ["late"]);
        assert_eq!(db.connect_timeout, Some(Duration::from_secs(3)));
    }

    #[test]
    fn proxy_jump_and_proxy_command_share_one_slot() {
        let (_home, c) = config(
            "Host a\n  ProxyCommand none\nHost b\n  ProxyCommand ssh -W %h:%p gw # note\n\
             Host *\n  ProxyJump j1,j2 # comment\n",
            &[],
        );
        assert!(matches!(resolve(&c, "a").proxy, Some((Proxy::Direct, _))));
        assert!(
            matches!(resolve(&c, "b").proxy, Some((Proxy::Command(ref s), _)) if s == "ssh -W %h:%p gw # note")
        );
        assert!(matches!(resolve(&c, "c").proxy, Some((Proxy::Jump(ref s), _)) if s == "j1,j2"));
    }

    #[test]
    fn keywords_galley_cannot_honour_are_refused_by_name_and_place() {
        let (home, c) = config(
            "Host a\n  AddressFamily any\n  BindAddress 10.0.0.1\nHost *\n  AddressFamily inet\n  BindAddress 10.0.0.2\n",
            &[],
        );
        let refused = resolve(&c, "a").refused;
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(
            refused[0].to_string(),
            format!(
                "{}:3: BindAddress 10.0.0.1: galley does not choose a local address",
                home.path().join(".ssh/config").display()
            )
        );
        assert_eq!(resolve(&c, "b").refused.len(), 2);
    }

    #[test]
    fn unknown_keywords_are_errors_unless_ignored() {
        let (_home, c) = config("Host *\n  Frobnicate yes\n", &[]);
        assert!(c
            .resolve("x")
            .unwrap_err()
            .message
            .contains("Bad configuration option: frobnicate"));
        let (_home, c) = config("IgnoreUnknown frob*\nHost *\n  Frobnicate yes\n", &[]);
        assert!(c.resolve("x").is_ok());
    }

    #[test]
    fn bad_values_name_the_file_and_line() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("cfg");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            SshConfig::load(&[(file.clone(), Owner::User, true)], home.path(), "me").unwrap_err()
        };
        let err = load("Host a\n\n  Port ssh\n");
        assert_eq!(
            err.to_string(),
            format!("{}:3: Bad port 'ssh'.", file.display())
        );
        assert_eq!(load("Match tagged x\n").line, 1);
        assert!(load("User a b\n").message.contains("extra arguments"));
        assert!(load("User\n").message.contains("no argument"));
    }

    #[test]
    fn times_read_as_openssh_reads_them() {
        assert_eq!(seconds("10"), Some(10));
        assert_eq!(seconds("1m30s"), Some(90));
        assert_eq!(seconds("1H"), Some(3600));
        assert_eq!(seconds("ten"), None);
        assert_eq!(seconds(""), None);
    }
}
