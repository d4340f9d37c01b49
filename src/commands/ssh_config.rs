//! `galley ssh-config HOST...`: how galley reaches each host. First the
//! ssh_config settings galley uses, resolved and printed as `ssh -G HOST`
//! prints them (keyword, space, value; the same defaults), so that an
//! operator (and galley's parity test) can set the two side by side; then
//! `# galley:` lines with what galley decides beyond ssh: the route with
//! its tokens expanded, the deadlines, the host key policy, the keys.

use crate::cli::SshConfigArgs;
use crate::config::{ssh_settings, KnifeSsh};
use crate::error::Error;
use crate::exit;
use crate::ssh::config::{HostConfig, Proxy};
use crate::ssh::{self, Route, Settings};
use crate::target::Target;
use crate::terminal::{self, HostBytes};

/// ssh's IdentityFile list when the config names none (readconf.c).
const DEFAULT_IDENTITIES: [&str; 7] = [
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];

pub fn run(args: &SshConfigArgs) -> Result<u8, Error> {
    let settings = ssh_settings(&args.connection, &KnifeSsh::default())?;
    let mut out = String::new();
    let mut code = exit::OK;
    for host in &args.hosts {
        let config = settings
            .config
            .resolve(host)
            .map_err(|e| Error::setup(e).with_hint("fix the file, or point -F at another one"))?;
        if args.hosts.len() > 1 {
            out.push_str(&format!("# {host}\n"));
        }
        out.push_str(&openssh_lines(&config, &settings));
        match galley_lines(host, &settings) {
            Ok(lines) => out.push_str(&lines),
            Err(why) => {
                out.push_str(&format!("# galley: refuses this host: {why}\n"));
                code = exit::SETUP;
            }
        }
    }
    terminal::print(&out, HostBytes::Escaped)?;
    Ok(code)
}

/// The settings as `ssh -G` prints them (only the keywords galley uses).
pub fn openssh_lines(config: &HostConfig, settings: &Settings) -> String {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut line = |key: &str, value: String| lines.push((key.to_string(), value));
    line("hostname", config.host_name.clone());
    line(
        "user",
        config
            .user
            .clone()
            .unwrap_or_else(|| settings.local_user.clone()),
    );
    line("port", config.port.unwrap_or(22).to_string());
    line(
        "identitiesonly",
        if config.identities_only == Some(true) {
            "yes"
        } else {
            "no"
        }
        .into(),
    );
    line(
        "stricthostkeychecking",
        config
            .strict_host_key_checking
            .map_or("ask", |s| s.openssh_name())
            .into(),
    );
    line(
        "connecttimeout",
        config
            .connect_timeout
            .map_or("none".into(), |t| t.as_secs().to_string()),
    );
    match &config.proxy {
        Some((Proxy::Jump(jumps), _)) => line("proxyjump", jump_as_ssh_prints(jumps)),
        Some((Proxy::Command(command), _)) => line("proxycommand", command.clone()),
        Some((Proxy::Direct, _)) | None => {}
    }
    if let Some(alias) = &config.host_key_alias {
        line("hostkeyalias", alias.clone());
    }
    let (user_files, global_files) = known_hosts_files(config, settings);
    line("userknownhostsfile", user_files);
    line("globalknownhostsfile", global_files);
    let identities: Vec<String> = if config.identity_files.is_empty() {
        DEFAULT_IDENTITIES.iter().map(|s| s.to_string()).collect()
    } else {
        config.identity_files.clone()
    };
    for file in identities {
        line("identityfile", file);
    }
    for (key, value) in algorithm_lines(config) {
        line(key, value);
    }
    lines
        .into_iter()
        .map(|(key, value)| format!("{key} {value}\n"))
        .collect()
}

/// UserKnownHostsFile (tokens expanded) and GlobalKnownHostsFile, or
/// ssh's defaults, as `ssh -G` prints them.
fn known_hosts_files(config: &HostConfig, settings: &Settings) -> (String, String) {
    let home = settings.home.display().to_string();
    let user_files = match &config.user_known_hosts_files {
        Some(files) => files
            .iter()
            .map(|f| expand_user_file(f, config, settings).unwrap_or_else(|_| f.clone()))
            .collect::<Vec<_>>()
            .join(" "),
        None => format!("{home}/.ssh/known_hosts {home}/.ssh/known_hosts2"),
    };
    let global_files = config.global_known_hosts_files.as_ref().map_or(
        "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2".into(),
        |f| f.join(" "),
    );
    (user_files, global_files)
}

/// The algorithms galley would offer, or why it refuses them.
fn algorithm_lines(config: &HostConfig) -> Vec<(&'static str, String)> {
    match ssh::algorithms::Preferences::resolve(&config.algorithms) {
        Ok(prefs) => vec![
            ("ciphers", prefs.ciphers),
            ("macs", prefs.macs),
            ("kexalgorithms", prefs.kex),
            ("hostkeyalgorithms", prefs.host_keys),
        ],
        Err(why) => vec![("# galley: refuses the algorithms:", why)],
    }
}

/// ProxyJump as `ssh -G` prints it: the jumps before the last as written,
/// the last as `user@host:port` (an `ssh://` form is taken apart).
fn jump_as_ssh_prints(jumps: &str) -> String {
    let (before, last) = match jumps.rsplit_once(',') {
        Some((before, last)) => (Some(before), last),
        None => (None, jumps),
    };
    let last = last
        .parse::<ssh::Jump>()
        .map_or_else(|_| last.to_string(), |jump| jump.to_string());
    match before {
        Some(before) => format!("{before},{last}"),
        None => last,
    }
}

/// UserKnownHostsFile as ssh expands it for this host.
fn expand_user_file(
    file: &str,
    config: &HostConfig,
    settings: &Settings,
) -> Result<String, String> {
    let user = config
        .user
        .clone()
        .unwrap_or_else(|| settings.local_user.clone());
    let tokens = ssh::config::tokens::Tokens {
        host: config.host_name.clone(),
        original: config.host_name.clone(),
        port: config.port.unwrap_or(22),
        user,
        local_user: settings.local_user.clone(),
        home: settings.home.display().to_string(),
        uid: crate::sys::uid(),
        key_alias: config
            .host_key_alias
            .clone()
            .unwrap_or_else(|| config.host_name.clone()),
        this_host: ssh::config::tokens::this_host(),
    };
    if file.eq_ignore_ascii_case("none") {
        return Ok("none".into());
    }
    tokens.path(file)
}

/// What galley decides for the host, or why it will not connect.
fn galley_lines(host: &str, settings: &Settings) -> Result<String, String> {
    let target = Target {
        name: host.to_string(),
        address: host.to_string(),
        port: None,
        node: std::sync::Arc::new(crate::inventory::Node::bare(host)),
    };
    settings.check(std::slice::from_ref(&target))?;
    let plan = settings.plan(&target)?;
    let mut out = String::new();
    let route = match &plan.route {
        Route::Direct => format!("direct to {}:{}", plan.host, plan.port),
        other => format!("{}:{} {other}", plan.host, plan.port),
    };
    out.push_str(&format!("# galley: route {} as {}\n", route, plan.user));
    out.push_str(&format!(
        "# galley: connect-timeout {} for TCP, {} with the version and key exchange; login-timeout {} (host key check, authentication)\n",
        crate::units::seconds(plan.connect.tcp),
        crate::units::seconds(plan.connect.handshake),
        crate::units::seconds(plan.login_timeout)
    ));
    let known = &plan.known_hosts;
    let files: Vec<String> = known
        .user_files
        .iter()
        .chain(&known.global_files)
        .map(|f| f.display().to_string())
        .collect();
    out.push_str(&format!(
        "# galley: host-key-check {} against {}{}\n",
        policy_name(known.policy),
        files.join(" "),
        known
            .alias
            .as_ref()
            .map(|a| format!(" as {a}"))
            .unwrap_or_default()
    ));
    let mut keys: Vec<String> = Vec::new();
    if plan.identities.agent {
        keys.push("the agent (SSH_AUTH_SOCK)".into());
    }
    let files = if plan.identities.files.is_empty() {
        &plan.identities.defaults
    } else {
        &plan.identities.files
    };
    keys.extend(files.iter().map(|f| f.display().to_string()));
    out.push_str(&format!("# galley: keys {}\n", keys.join(", ")));
    Ok(out)
}

fn policy_name(policy: ssh::Policy) -> &'static str {
    match policy {
        ssh::Policy::Strict => "strict",
        ssh::Policy::AcceptNew => "accept-new",
        ssh::Policy::Off => "off",
        ssh::Policy::Chef => "chef",
    }
}
