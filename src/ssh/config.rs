//! OpenSSH client configuration (`~/.ssh/config`, `-F FILE`), read with
//! OpenSSH's own rules (ssh_config(5)):
//! - `Host` blocks apply when a pattern matches the name galley connects to
//!   and no negated pattern (`!pattern`) does; `*` and `?` are wildcards;
//! - for each keyword the first value obtained wins, except `IdentityFile`,
//!   which accumulates;
//! - `Include` reads more files (globs; relative to `~/.ssh`), in place,
//!   also inside a `Host` block;
//! - `Match` blocks are not evaluated: galley treats them as not matching
//!   and says so once.
//!
//! Keywords galley does not use are ignored; a keyword it uses with a bad
//! value is an error naming the file and line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ssh::Policy;

/// Settings for one host, as the config file gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostConfig {
    pub host_name: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Vec<PathBuf>,
    pub identities_only: Option<bool>,
    pub proxy_jump: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub strict_host_key_checking: Option<Policy>,
    pub user_known_hosts_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    file: PathBuf,
    number: usize,
    keyword: String,
    args: Vec<String>,
}

/// A parsed config: its lines with their `Host` conditions resolved later.
#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    /// (patterns of the enclosing Host block, or None before any), line.
    lines: Vec<(Option<Vec<String>>, Line)>,
    /// Files and line numbers of `Match` blocks, to warn about.
    pub match_blocks: Vec<String>,
    home: PathBuf,
}

/// Why a config file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

const MAX_INCLUDE_DEPTH: usize = 16;

impl SshConfig {
    /// Reads `file` (and what it includes). `home` resolves `~` and
    /// relative `Include` paths.
    pub fn load(file: &Path, home: &Path) -> Result<SshConfig, ConfigError> {
        let mut config = SshConfig {
            home: home.to_path_buf(),
            ..SshConfig::default()
        };
        let mut block = None;
        config.read(file, &mut block, 0)?;
        Ok(config)
    }

    fn read(
        &mut self,
        file: &Path,
        block: &mut Option<Vec<String>>,
        depth: usize,
    ) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        for (i, raw) in text.lines().enumerate() {
            let number = i + 1;
            let Some((keyword, args)) = split_line(raw) else {
                continue;
            };
            let err = |message: String| ConfigError {
                file: file.to_path_buf(),
                line: number,
                message,
            };
            if args.is_empty() {
                return Err(err(format!("{keyword} needs a value")));
            }
            match keyword.as_str() {
                "host" => *block = Some(args),
                "match" => {
                    self.match_blocks
                        .push(format!("{}:{number}", file.display()));
                    // Never matches: what follows until the next Host is skipped.
                    *block = Some(vec!["!*".into(), "*".into()]);
                }
                "include" => {
                    if depth >= MAX_INCLUDE_DEPTH {
                        return Err(err("Include nested too deeply".into()));
                    }
                    for pattern in &args {
                        let pattern = expand_tilde(pattern, &self.home);
                        let path = if Path::new(&pattern).is_absolute() {
                            PathBuf::from(pattern)
                        } else {
                            self.home.join(".ssh").join(pattern)
                        };
                        for included in glob_files(&path) {
                            // An included file starts inside the current block
                            // and its own Host lines end only within it.
                            let mut inner = block.clone();
                            self.read(&included, &mut inner, depth + 1)?;
                        }
                    }
                }
                _ => {
                    let line = Line {
                        file: file.to_path_buf(),
                        number,
                        keyword,
                        args,
                    };
                    check_value(&line).map_err(err)?;
                    self.lines.push((block.clone(), line));
                }
            }
        }
        Ok(())
    }

    /// The settings for `host` (the name galley would connect to).
    /// `remote_user` and `local_user` fill the `%r` and `%u` tokens.
    pub fn for_host(&self, host: &str, local_user: &str) -> HostConfig {
        let mut out = HostConfig::default();
        for (block, line) in &self.lines {
            if let Some(patterns) = block {
                if !host_matches(patterns, host) {
                    continue;
                }
            }
            let first = line.args[0].as_str();
            match line.keyword.as_str() {
                "hostname" => {
                    out.host_name
                        .get_or_insert_with(|| first.replace("%h", host));
                }
                "user" => {
                    out.user.get_or_insert_with(|| first.to_string());
                }
                "port" => {
                    out.port
                        .get_or_insert_with(|| first.parse().expect("checked when read"));
                }
                "identityfile" => {
                    let user = out.user.clone().unwrap_or_else(|| local_user.to_string());
                    let path = tokens(first, host, &user, local_user, &self.home);
                    out.identity_files.push(PathBuf::from(path));
                }
                "identitiesonly" => {
                    out.identities_only.get_or_insert(yes(first));
                }
                "proxyjump" => {
                    out.proxy_jump.get_or_insert_with(|| first.to_string());
                }
                "connecttimeout" => {
                    out.connect_timeout.get_or_insert_with(|| {
                        Duration::from_secs(first.parse().expect("checked when read"))
                    });
                }
                "stricthostkeychecking" => {
                    out.strict_host_key_checking
                        .get_or_insert(policy(first).expect("checked when read"));
                }
                "userknownhostsfile" => {
                    out.user_known_hosts_file
                        .get_or_insert_with(|| PathBuf::from(expand_tilde(first, &self.home)));
                }
                _ => {}
            }
        }
        out
    }
}

/// `Keyword args...` or `Keyword=args`, lowercased keyword; None for blank
/// lines and comments. Arguments may be double-quoted.
fn split_line(raw: &str) -> Option<(String, Vec<String>)> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let split = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..split].to_ascii_lowercase();
    let rest = line[split..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim_start();
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in rest.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    args.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        args.push(current);
    }
    Some((keyword, args))
}

fn yes(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "yes" | "true")
}

/// StrictHostKeyChecking to galley's policy. galley never connects to a
/// host whose key changed unless `--host-key-check off` is given on the
/// command line, so `no` and `off` mean accept-new here.
fn policy(value: &str) -> Option<Policy> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "ask" => Some(Policy::Strict),
        "accept-new" | "no" | "off" => Some(Policy::AcceptNew),
        _ => None,
    }
}

fn check_value(line: &Line) -> Result<(), String> {
    let value = &line.args[0];
    let bad = |what: &str| Err(format!("{} {value:?}: {what}", line.keyword));
    match line.keyword.as_str() {
        "port" => match value.parse::<u16>() {
            Ok(p) if p > 0 => Ok(()),
            _ => bad("not a port number"),
        },
        "connecttimeout" => match value.parse::<u64>() {
            Ok(s) if s > 0 => Ok(()),
            _ => bad("not a number of seconds"),
        },
        "stricthostkeychecking" if policy(value).is_none() => {
            bad("expected yes, ask, accept-new, no or off")
        }
        "identitiesonly"
            if !matches!(
                value.to_ascii_lowercase().as_str(),
                "yes" | "no" | "true" | "false"
            ) =>
        {
            bad("expected yes or no")
        }
        _ => Ok(()),
    }
}

/// OpenSSH's Host matching: some pattern matches and no negated one does.
pub(crate) fn host_matches(patterns: &[String], host: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        match pattern.strip_prefix('!') {
            Some(negated) if glob(negated, host) => return false,
            Some(_) => {}
            None if glob(pattern, host) => matched = true,
            None => {}
        }
    }
    matched
}

/// `*` and `?` wildcards, ASCII case ignored (host names).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (
        pattern.to_ascii_lowercase().chars().collect(),
        text.to_ascii_lowercase().chars().collect(),
    );
    let (mut pi, mut ti, mut star) = (0, 0, None);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

fn expand_tilde(path: &str, home: &Path) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest).display().to_string(),
        None if path == "~" => home.display().to_string(),
        None => path.to_string(),
    }
}

/// The tokens IdentityFile allows: `~`, `%d` home, `%h` host, `%r` remote
/// user, `%u` local user, `%%`.
fn tokens(value: &str, host: &str, remote_user: &str, local_user: &str, home: &Path) -> String {
    let value = expand_tilde(value, home);
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&home.display().to_string()),
            Some('h') => out.push_str(host),
            Some('r') => out.push_str(remote_user),
            Some('u') => out.push_str(local_user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Files matching a path whose last component may hold `*`/`?`, sorted.
fn glob_files(path: &Path) -> Vec<PathBuf> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !name.contains(['*', '?']) {
        return if path.is_file() {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| glob(name, n))
        })
        .collect();
    out.sort();
    out
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
        let parsed = SshConfig::load(&file, home.path()).unwrap();
        (home, parsed)
    }

    #[test]
    fn the_first_value_wins_and_identity_files_accumulate() {
        let (home, c) = config(
            "Host web-*\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/web_%r\n\
             Host *\n  User root\n  Port 22\n  IdentityFile %d/.ssh/id_%h\n  ConnectTimeout 7\n",
            &[],
        );
        let h = c.for_host("web-01", "me");
        assert_eq!(h.user.as_deref(), Some("deploy"));
        assert_eq!(h.port, Some(2222));
        assert_eq!(h.connect_timeout, Some(Duration::from_secs(7)));
        let ssh = home.path().join(".ssh");
        assert_eq!(
            h.identity_files,
            vec![ssh.join("web_deploy"), ssh.join("id_web-01")]
        );
        let other = c.for_host("db-01", "me");
        assert_eq!(other.user.as_deref(), Some("root"));
        assert_eq!(other.port, Some(22));
    }

    #[test]
    fn negated_patterns_exclude_hosts() {
        let (_home, c) = config("Host *.gprd !bastion.gprd\n  ProxyJump bastion.gprd\n", &[]);
        assert_eq!(
            c.for_host("web-01.gprd", "me").proxy_jump.as_deref(),
            Some("bastion.gprd")
        );
        assert_eq!(c.for_host("bastion.gprd", "me").proxy_jump, None);
        assert_eq!(c.for_host("web-01.gstg", "me").proxy_jump, None);
        assert!(host_matches(&["*".into()], "anything"));
        assert!(
            !host_matches(&["!a".into()], "b"),
            "a negation alone matches nothing"
        );
    }

    #[test]
    fn includes_are_read_in_place_with_globs_and_inside_blocks() {
        let (_home, c) = config(
            "Include conf.d/*.conf\nHost special\n  Include special.inc\nHost *\n  User fallback\n",
            &[
                ("conf.d/10-a.conf", "Host a-*\n  HostName %h.example.com\n"),
                ("conf.d/20-b.conf", "Host a-1\n  User from-b\n"),
                ("special.inc", "Port 2200\n"),
            ],
        );
        let a = c.for_host("a-1", "me");
        assert_eq!(a.host_name.as_deref(), Some("a-1.example.com"));
        assert_eq!(a.user.as_deref(), Some("from-b"));
        assert_eq!(c.for_host("special", "me").port, Some(2200));
        assert_eq!(
            c.for_host("other", "me").port,
            None,
            "an include inside a Host block stays inside it"
        );
        assert_eq!(c.for_host("other", "me").user.as_deref(), Some("fallback"));
    }

    #[test]
    fn policies_map_safely() {
        let (_home, c) = config("Host a\n StrictHostKeyChecking no\nHost b\n StrictHostKeyChecking=yes\nHost c\n StrictHostKeyChecking accept-new\n", &[]);
        assert_eq!(
            c.for_host("a", "me").strict_host_key_checking,
            Some(Policy::AcceptNew)
        );
        assert_eq!(
            c.for_host("b", "me").strict_host_key_checking,
            Some(Policy::Strict)
        );
        assert_eq!(
            c.for_host("c", "me").strict_host_key_checking,
            Some(Policy::AcceptNew)
        );
    }

    #[test]
    fn match_blocks_are_skipped_and_remembered() {
        let (_home, c) = config("Match user root\n  Port 1\nHost *\n  Port 2\n", &[]);
        assert_eq!(c.for_host("x", "me").port, Some(2));
        assert_eq!(c.match_blocks.len(), 1);
    }

    #[test]
    fn bad_values_name_the_file_and_line() {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join("cfg");
        std::fs::write(&file, "Host a\n\n  Port ssh\n").unwrap();
        let err = SshConfig::load(&file, home.path()).unwrap_err();
        assert_eq!(err.line, 3);
        assert_eq!(
            err.to_string(),
            format!("{}:3: port \"ssh\": not a port number", file.display())
        );
        std::fs::write(&file, "User\n").unwrap();
        assert_eq!(
            SshConfig::load(&file, home.path()).unwrap_err().message,
            "user needs a value"
        );
    }

    #[test]
    fn quoted_arguments_and_equals_signs() {
        assert_eq!(
            split_line("  IdentityFile \"/a b/key\""),
            Some(("identityfile".into(), vec!["/a b/key".into()]))
        );
        assert_eq!(
            split_line("Port=22"),
            Some(("port".into(), vec!["22".into()]))
        );
        assert_eq!(split_line("# comment"), None);
    }
}
