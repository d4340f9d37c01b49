//! Completion that knows the fleet: query fields and their values, node
//! names, profiles, reports, backup ids, ctl names and services, offered
//! by clap_complete's dynamic engine (`COMPLETE=bash galley`, as jj and
//! cargo use it) from the [`index`] galley keeps. Completing never
//! contacts a Chef server or a host; with `--inventory` on the command
//! line (or `GALLEY_INVENTORY`) the inventory itself is read.
//!
//! Candidates are what the shell should insert. A query value is escaped as
//! a query needs (`omnibus-gitlab\:\:default`); every candidate of every
//! kind is then quoted for the shell and the quote the word is in
//! ([`quote`]), so that no fleet value becomes shell syntax.

pub mod index;
mod quote;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap_complete::engine::CompletionCandidate;

use crate::inventory::query::Pattern;
use crate::inventory::Node;
use index::{SourceIndex, FIELDS};

/// The shell asking (clap_complete's `COMPLETE`, which it clears before
/// calling the completers: [`set_shell`] keeps it).
static SHELL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Remembers which shell asks for completions, before clap_complete runs.
pub fn set_shell(shell: &str) {
    let _ = SHELL.set(shell.to_string());
}

fn shell() -> String {
    SHELL.get().cloned().unwrap_or_default()
}

/// The words of the command line being completed (after the `--` that
/// clap_complete's registrations put before them).
fn words() -> Vec<String> {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match args.iter().position(|a| a == "--") {
        Some(at) => args[at + 1..].to_vec(),
        None => args,
    }
}

/// The value of `--flag VALUE` or `--flag=VALUE` on the command line.
fn flag_value(words: &[String], long: &str) -> Option<String> {
    let eq = format!("{long}=");
    words.iter().enumerate().find_map(|(i, w)| {
        if w == long {
            words.get(i + 1).cloned()
        } else {
            w.strip_prefix(&eq).map(str::to_string)
        }
    })
}

/// The fields and values completion offers for this command line: the
/// inventory it names, else every source galley has searched before.
fn sources(words: &[String]) -> SourceIndex {
    let inventory = flag_value(words, "--inventory")
        .or_else(|| std::env::var("GALLEY_INVENTORY").ok())
        .filter(|p| !p.is_empty());
    if let Some(path) = inventory {
        return match crate::inventory::node_files::Inventory::load(Path::new(&path)) {
            Ok(inventory) => SourceIndex::of(&path, inventory.nodes()),
            Err(_) => SourceIndex::default(),
        };
    }
    let mut all = SourceIndex::default();
    for index in index::source_indexes() {
        all.merge(index);
    }
    all
}

/// Text as the shell should receive it: for bash, quoted for the quote
/// the word is in (`quote`: outside quotes, single-quote it); zsh and
/// fish quote what they insert (clap_complete escapes the colons zsh's
/// `_describe` would read as a description).
fn for_shell(text: &str, context: quote::Context, quote: bool) -> String {
    match shell().as_str() {
        "bash" => quote::bash(text, context, quote),
        _ => text.to_string(),
    }
}

/// The word being completed: the quote it was opened with, and its text
/// as the shell will pass it on. bash hands the completer the word
/// without an opening quote; its registration passes the word as typed.
fn typed_word(current: &OsStr) -> (quote::Context, String) {
    let current = current.to_string_lossy().into_owned();
    let raw = match shell().as_str() {
        "bash" => std::env::var("_GALLEY_WORD").unwrap_or(current),
        _ => current,
    };
    (quote::Context::of(&raw), shell_unquote(&raw))
}

/// `values` that start with what was typed, each quoted for the shell.
fn offer(values: impl IntoIterator<Item = String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let (context, typed) = typed_word(current);
    let values: BTreeSet<String> = values
        .into_iter()
        .filter(|v| v.starts_with(&typed))
        .collect();
    let quote_all =
        context == quote::Context::None && values.iter().any(|v| quote::needs_quotes(v));
    values
        .iter()
        .map(|v| CompletionCandidate::new(for_shell(v, context, quote_all)))
        .collect()
}

/// A word as the shell will pass it on: backslashes and quotes removed,
/// as POSIX shells, zsh and fish read them (an unfinished quote is taken
/// to the end).
fn shell_unquote(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '\'' => out.extend(chars.by_ref().take_while(|&c| c != '\'')),
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => out.extend(chars.next()),
                        c => out.push(c),
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Where the term being completed starts in the word: after the last
/// space or parenthesis that is not escaped.
fn term_start(word: &str) -> usize {
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in word.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c.is_whitespace() || c == '(' {
            start = i + c.len_utf8();
        }
    }
    start
}

/// The first colon that is not escaped.
fn unescaped_colon(term: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in term.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Backslash escapes removed.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// A value as a query term writes it (`omnibus-gitlab\:\:default`).
fn query_value(value: &str) -> String {
    crate::inventory::Query::Term {
        field: None,
        value: Pattern::literal(value),
    }
    .to_string()
}

/// A QUERY or HOST word being completed, without the quote the user
/// opened, and which quote that is.
fn query_word(current: &OsStr) -> (String, quote::Context) {
    // zsh and fish hand over the word as it stands on the line, quoting
    // and all; bash hands over what is inside an opening quote.
    let current = match shell().as_str() {
        "zsh" | "fish" => shell_unquote(&current.to_string_lossy()),
        _ => current.to_string_lossy().into_owned(),
    };
    // bash gives the word without the quote the user opened; its
    // registration passes the word as typed.
    let typed = std::env::var("_GALLEY_WORD").unwrap_or_default();
    let context = match quote::Context::of(&current) {
        quote::Context::None => quote::Context::of(&typed),
        opened => opened,
    };
    let word = match current.strip_prefix(['\'', '"']) {
        Some(rest) => rest.to_string(),
        None => current,
    };
    (word, context)
}

/// Completes a HOST of `report history`: node names galley has seen.
pub fn host(current: &OsStr) -> Vec<CompletionCandidate> {
    let (word, context) = query_word(current);
    host_names(&word, context, &sources(&words()))
}

/// Completes a QUERY word: field names, then a field's values; with `-m`,
/// node names.
pub fn query(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = words();
    let (current, context) = query_word(current);
    let word = current.as_str();
    let index = sources(&words);
    if words.iter().any(|w| w == "-m" || w == "--manual-list") {
        return host_names(word, context, &index);
    }
    let start = term_start(word);
    let (before, term) = word.split_at(start);
    // Operators stay in front of the field: `-`, `+`, `!`.
    let ops = term.len() - term.trim_start_matches(['-', '+', '!']).len();
    let (ops, term) = term.split_at(ops);
    let lead = format!("{before}{ops}");
    let mut out: Vec<String> = Vec::new();
    match unescaped_colon(term) {
        None => {
            let known: BTreeSet<&str> = FIELDS
                .iter()
                .copied()
                .chain(index.fields.keys().map(String::as_str))
                .collect();
            for field in known.into_iter().filter(|f| f.starts_with(term)) {
                out.push(format!("{lead}{field}:"));
            }
        }
        Some(colon) => {
            let field = unescape(&term[..colon]);
            let typed = unescape(&term[colon + 1..]).to_lowercase();
            if let Some(values) = index.fields.get(&field) {
                for value in values
                    .iter()
                    .filter(|v| v.to_lowercase().starts_with(&typed))
                {
                    out.push(format!("{lead}{}:{}", &term[..colon], query_value(value)));
                }
            }
        }
    }
    // Quoted alike, so that bash can insert what they have in common.
    let quote_all = shell() == "bash"
        && context == quote::Context::None
        && out.iter().any(|c| quote::needs_quotes(c));
    if !quote_all {
        // The shell keeps what was typed: a candidate must start with it
        // (`omnibus-gitlab\` typed is not `omnibus-gitlab`).
        out.retain(|c| c.starts_with(word));
    }
    out.iter()
        .map(|c| CompletionCandidate::new(for_shell(c, context, quote_all)))
        .collect()
}

/// Node names for a host list (`-m a,b,c`): the part after the last comma.
fn host_names(
    word: &str,
    context: quote::Context,
    index: &SourceIndex,
) -> Vec<CompletionCandidate> {
    let items = last_item(word, index.fields.get("name").into_iter().flatten());
    let quote_all = context == quote::Context::None && items.iter().any(|c| quote::needs_quotes(c));
    items
        .iter()
        .map(|c| CompletionCandidate::new(for_shell(c, context, quote_all)))
        .collect()
}

/// Completes the last item of a comma-separated list (`a,b,c`) from
/// `values`, keeping the items before it.
fn last_item<S: AsRef<str>>(word: &str, values: impl IntoIterator<Item = S>) -> Vec<String> {
    let (done, typed) = match word.rsplit_once(',') {
        Some((done, typed)) if !done.is_empty() => (format!("{done},"), typed),
        Some((_, typed)) => (String::new(), typed),
        None => (String::new(), word),
    };
    values
        .into_iter()
        .filter(|v| v.as_ref().starts_with(typed))
        .map(|v| format!("{done}{}", v.as_ref()))
        .collect()
}

/// `--profile`: the profiles of `~/.chef/credentials`.
pub fn profile(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    let text =
        std::fs::read_to_string(PathBuf::from(home).join(".chef/credentials")).unwrap_or_default();
    let profiles = text
        .parse::<toml::Table>()
        .map(|t| t.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    offer(profiles, current)
}

/// Report files: those earlier runs wrote that still exist, and the
/// `*.jsonl` files beside what is typed.
pub fn report(current: &OsStr) -> Vec<CompletionCandidate> {
    let (_, text) = typed_word(current);
    let typed = PathBuf::from(&text);
    let dir = match typed.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = if text.contains('/') {
        dir.display().to_string() + "/"
    } else {
        String::new()
    };
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".jsonl").then(|| format!("{prefix}{name}"))
        })
        .collect();
    found.extend(
        index::history()
            .reports
            .into_iter()
            .filter(|p| p.exists())
            .map(|p| p.display().to_string()),
    );
    offer(found, current)
}

/// `apt-sources --restore`: the backup ids earlier runs made.
pub fn backup_id(current: &OsStr) -> Vec<CompletionCandidate> {
    offer(index::history().backups.into_keys(), current)
}

/// `--ctl`: the names used before.
pub fn ctl(current: &OsStr) -> Vec<CompletionCandidate> {
    offer(index::history().ctl, current)
}

/// Services: those restarted before (`--restart a,b`: after the comma).
pub fn service(current: &OsStr) -> Vec<CompletionCandidate> {
    let (_, typed) = typed_word(current);
    offer(last_item(&typed, index::history().services), current)
}

/// Adds what a search found to the completion index (not for host lists).
pub fn remember(source: &str, nodes: &[std::sync::Arc<Node>]) {
    index::remember_nodes(source, nodes);
}

/// One of clap_complete's shell integrations with its registration script
/// changed by `patch` (given the environment variable's name and the
/// script); completing itself is clap_complete's.
pub struct Patched {
    name: &'static str,
    inner: &'static dyn clap_complete::env::EnvCompleter,
    patch: fn(&str, String) -> String,
}

impl clap_complete::env::EnvCompleter for Patched {
    fn name(&self) -> &'static str {
        self.name
    }

    fn is(&self, name: &str) -> bool {
        name == self.name
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn std::io::Write,
    ) -> Result<(), std::io::Error> {
        let mut script = Vec::new();
        self.inner
            .write_registration(var, name, bin, completer, &mut script)?;
        let script = (self.patch)(var, String::from_utf8_lossy(&script).into_owned());
        write!(buf, "{script}")
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<std::ffi::OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn std::io::Write,
    ) -> Result<(), std::io::Error> {
        self.inner.write_complete(cmd, args, current_dir, buf)
    }
}

/// bash, with two changes queries need: `:` leaves `COMP_WORDBREAKS` (else
/// `chef_environment:` would be completed as a word of its own; npm's
/// completion does the same for `=` and `@`), and the word as typed (with
/// an opening quote) reaches the completer, which cannot see the quote
/// otherwise.
pub const BASH: Patched = Patched {
    name: "bash",
    inner: &clap_complete::env::Bash,
    patch: |var, script| {
        script.replace(
            &format!("{var}=\"bash\""),
            &format!("_GALLEY_WORD=\"${{COMP_WORDS[COMP_CWORD]}}\" {var}=\"bash\""),
        ) + "COMP_WORDBREAKS=${COMP_WORDBREAKS//:}\n"
    },
};

/// zsh, with one change: a candidate that ends in `:` (a query field,
/// `chef_environment:`) gets no space after it, so its value can be typed
/// (or completed) right away.
pub const ZSH: Patched = Patched {
    name: "zsh",
    inner: &clap_complete::env::Zsh,
    patch: |_, script| {
        script
            .replace(
                "        local -a other=()\n",
                "        local -a other=()\n        local -a fields=()\n",
            )
            .replace(
                "            else\n                other+=(\"$completion\")",
                "            elif [[ \"$completion\" == *'\\:' ]]; then\n                fields+=(\"$completion\")\n            else\n                other+=(\"$completion\")",
            )
            .replace(
                "        [[ -n $other ]] && _describe -V 'values' other\n",
                "        [[ -n $other ]] && _describe -V 'values' other\n        [[ -n $fields ]] && _describe -V 'values' fields -S ''\n",
            )
    },
};

/// The shells galley's dynamic completion serves.
pub const SHELLS: clap_complete::env::Shells<'static> = clap_complete::env::Shells(&[
    &BASH,
    &ZSH,
    &clap_complete::env::Fish,
    &clap_complete::env::Elvish,
    &clap_complete::env::Powershell,
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_fields_are_found_in_a_word() {
        assert_eq!(term_start("chef_environment:gprd AND rol"), 26);
        assert_eq!(term_start("(a:b OR c"), 8);
        assert_eq!(term_start(r"x:a\ b"), 0);
        assert_eq!(unescaped_colon(r"recipes:omnibus\:\:d"), Some(7));
        assert_eq!(unescaped_colon(r"a\:b"), None);
        assert_eq!(unescape(r"omnibus-gitlab\:\:de"), "omnibus-gitlab::de");
        assert_eq!(
            query_value("omnibus-gitlab::default"),
            r"omnibus-gitlab\:\:default"
        );
        assert_eq!(
            shell_unquote(r"recipes:omnibus-gitlab\\:"),
            r"recipes:omnibus-gitlab\:"
        );
        assert_eq!(shell_unquote(r"'a:b\:c' x\ y"), r"a:b\:c x y");
        assert_eq!(shell_unquote(r#""a\"b" 'open"#), r#"a"b open"#);
    }
}
