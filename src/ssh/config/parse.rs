//! Reading ssh_config files into lines, as OpenSSH 9.2's readconf.c does:
//! the keyword (case ignored, `Keyword value` or `Keyword=value`), then
//! the arguments split by `argv_split` (double or single quotes; `\"`,
//! `\'`, `\\` and, outside quotes, `\ ` escapes; an unquoted `#` at the
//! start of a word ends the line). `ProxyCommand` and `ProxyJump` keep the
//! rest of their line as written, as OpenSSH does.
//!
//! `Include` is followed here, once, so that evaluating the file for a host
//! ([`super::SshConfig::resolve`]) reads no file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ConfigError;

/// Where a line is: its file and line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub(crate) file: Arc<PathBuf>,
    pub(crate) line: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One line of a config file that means something.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// `Host pattern...`.
    Host { at: Place, patterns: Vec<String> },
    /// `Match criteria...`.
    Match { at: Place, criteria: Vec<String> },
    /// `Include`: the files it names, read.
    Include { files: Vec<File> },
    /// Any other keyword, lowercased, with its arguments and the rest of
    /// the line as written (for the keywords that take it whole).
    Setting {
        at: Place,
        keyword: String,
        args: Vec<String>,
        rest: String,
    },
}

/// A config file, read.
#[derive(Debug, Clone)]
pub(crate) struct File {
    pub(crate) items: Vec<Item>,
}

/// OpenSSH's READCONF_MAX_DEPTH.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Whose file: relative `Include` paths are under `~/.ssh` for the user's
/// configuration and `/etc/ssh` for the system's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User,
    System,
}

/// Reads `path` and every file it includes.
pub(crate) fn read(
    path: &Path,
    owner: Owner,
    home: &Path,
    depth: usize,
) -> Result<File, ConfigError> {
    let text = std::fs::read(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    let text = String::from_utf8_lossy(&text);
    let file = Arc::new(path.to_path_buf());
    let mut items = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let at = Place {
            file: file.clone(),
            line: i + 1,
        };
        let err = |message: String| ConfigError {
            file: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let Some(line) = split(raw).map_err(err)? else {
            continue;
        };
        match line.keyword.as_str() {
            "host" => items.push(Item::Host {
                at,
                patterns: line.args,
            }),
            "match" => items.push(Item::Match {
                at,
                criteria: line.args,
            }),
            "include" => {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(err("Include nested too deeply".into()));
                }
                let mut files = Vec::new();
                for pattern in &line.args {
                    for included in include_paths(pattern, owner, home).map_err(err)? {
                        files.push(read(&included, owner, home, depth + 1)?);
                    }
                }
                items.push(Item::Include { files });
            }
            _ => items.push(Item::Setting {
                at,
                keyword: line.keyword,
                args: line.args,
                rest: line.rest,
            }),
        }
    }
    Ok(File { items })
}

/// A line split into its keyword and arguments.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) keyword: String,
    pub(crate) args: Vec<String>,
    /// Everything after the keyword and its separator, trailing blanks
    /// removed (what ProxyCommand takes).
    pub(crate) rest: String,
}

/// `Keyword args...`, `Keyword=args`, or None for a blank line or comment.
pub(crate) fn split(raw: &str) -> Result<Option<Line>, String> {
    let line = raw.trim_end_matches([' ', '\t', '\r', '\n', '\x0c']);
    let line = line.trim_start_matches([' ', '\t']);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    // strdelim: the keyword ends at a blank or at one '=' (with blanks
    // around it).
    let end = line.find([' ', '\t', '=']).unwrap_or(line.len());
    let keyword = line[..end].to_ascii_lowercase();
    let mut rest = line[end..].trim_start_matches([' ', '\t']);
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start_matches([' ', '\t']);
    }
    if rest.is_empty() {
        return Err(format!("no argument after keyword \"{keyword}\""));
    }
    let args = argv_split(rest).ok_or_else(|| "invalid quotes".to_string())?;
    Ok(Some(Line {
        keyword,
        args,
        rest: rest.trim_start_matches([' ', '\t', '=']).to_string(),
    }))
}

/// OpenSSH's `argv_split(s, ..., terminate_on_comment = 1)`; None for an
/// unclosed quote.
pub(crate) fn argv_split(s: &str) -> Option<Vec<String>> {
    let bytes = s.as_bytes();
    let mut args = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if matches!(bytes[i], b' ' | b'\t') {
            i += 1;
            continue;
        }
        if bytes[i] == b'#' {
            break;
        }
        let mut arg = Vec::new();
        let mut quote = 0u8;
        while i < bytes.len() {
            let c = bytes[i];
            let next = bytes.get(i + 1).copied();
            if c == b'\\' {
                match next {
                    Some(b'\'' | b'"' | b'\\') => {
                        arg.push(next.unwrap());
                        i += 1;
                    }
                    Some(b' ') if quote == 0 => {
                        arg.push(b' ');
                        i += 1;
                    }
                    _ => arg.push(c),
                }
            } else if quote == 0 && matches!(c, b' ' | b'\t') {
                break;
            } else if quote == 0 && matches!(c, b'"' | b'\'') {
                quote = c;
            } else if quote != 0 && c == quote {
                quote = 0;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote != 0 {
            return None;
        }
        args.push(String::from_utf8_lossy(&arg).into_owned());
    }
    Some(args)
}

/// The files an `Include` argument names, sorted as glob(3) sorts them:
/// relative paths are under `~/.ssh` (user) or `/etc/ssh` (system); `~`
/// is the home folder, and only the user's files may use it.
fn include_paths(pattern: &str, owner: Owner, home: &Path) -> Result<Vec<PathBuf>, String> {
    if pattern.starts_with('~') && owner == Owner::System {
        return Err(format!("bad include path {pattern}"));
    }
    let path = match pattern.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if pattern.starts_with('/') => PathBuf::from(pattern),
        None => match owner {
            Owner::User => home.join(".ssh").join(pattern),
            Owner::System => Path::new("/etc/ssh").join(pattern),
        },
    };
    Ok(glob_paths(&path))
}

/// The paths matching `path`, whose components may hold `*`, `?` and
/// `[...]` (as glob(3)); a path without wildcards is kept only if it exists.
fn glob_paths(path: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::from("/")];
    for part in path.components().skip(1) {
        let part = part.as_os_str().to_string_lossy();
        let mut next = Vec::new();
        for dir in &found {
            if !part.contains(['*', '?', '[']) {
                let candidate = dir.join(part.as_ref());
                if candidate.exists() {
                    next.push(candidate);
                }
                continue;
            }
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') || part.starts_with('.'))
                .filter(|n| super::pattern::glob_file(&part, n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        found = next;
    }
    found.retain(|p| p.is_file());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        argv_split(s).unwrap()
    }

    #[test]
    fn words_split_as_openssh_splits_them() {
        assert_eq!(args("a b\tc"), ["a", "b", "c"]);
        assert_eq!(args("\"a b\" 'c d'"), ["a b", "c d"]);
        assert_eq!(args(r#"a\ b c\\d \"e"#), ["a b", r"c\d", "\"e"]);
        assert_eq!(args(r"x\y"), [r"x\y"], "an unknown escape is kept");
        assert_eq!(
            args("pi  # Raspberry Pi"),
            ["pi"],
            "a comment ends the line"
        );
        assert_eq!(
            args("a#b c"),
            ["a#b", "c"],
            "# inside a word is a character"
        );
        assert_eq!(argv_split("\"open"), None);
    }

    #[test]
    fn keywords_take_blanks_or_one_equals_sign() {
        let line = split("  Port=22").unwrap().unwrap();
        assert_eq!(
            (line.keyword.as_str(), line.args),
            ("port", vec!["22".into()])
        );
        let line = split("User = deploy").unwrap().unwrap();
        assert_eq!(line.args, ["deploy"]);
        let line = split("ProxyCommand ssh -W %h:%p bastion # via b")
            .unwrap()
            .unwrap();
        assert_eq!(line.rest, "ssh -W %h:%p bastion # via b");
        assert_eq!(split("# c").unwrap(), None);
        assert_eq!(split("   ").unwrap(), None);
        assert_eq!(
            split("User").unwrap_err(),
            "no argument after keyword \"user\""
        );
    }
}
