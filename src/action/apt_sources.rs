//! Apt sources on a host: find those whose file or repository URI matches a
//! pattern, move them aside into a backup folder, and put them back.
//!
//! The host only lists and prints its source files; galley parses them (the
//! one-line format of `sources.list` and `*.list`, and deb822 `*.sources`,
//! sources.list(5)) and matches the pattern here, so the pattern never
//! reaches a remote shell. Removal names each file, quoted: a file of
//! `sources.list.d` is moved into `BACKUP_DIR/BACKUP_ID/` under its full
//! path; a matching line of `sources.list` itself is commented out, after a
//! copy of the file is kept, and only if the file is still what was read.
//! A `MANIFEST` in the backup folder says what each file was (moved or
//! edited) so `--restore BACKUP_ID` can put it back.
//!
//! Repository URIs carry credentials (`https://TOKEN:@packages.example.com`).
//! The listing is the one place galley reads a host's output unmasked
//! (the file's checksum and the URIs' credentials must be exact): an
//! entry's shown text is masked where it is parsed, and nothing else of the
//! listing is shown.

use regex::Regex;

use super::command::{sh_script, Privilege};
use super::step::{failed, unfinished, HostContext, Step};
use crate::outcome::details::{self, Details};
use crate::outcome::StepOutcome;
use crate::secrets;

/// Marks galley's own lines in the scan output (ASCII record separator).
const MARK: char = '\u{1e}';

/// Lists the apt source files of `$1` and prints each between markers.
const SCAN: &str = r#"d=$1
if [ ! -d "$d" ]; then printf '\036galley-error %s is not a folder\n' "$d"; exit 0; fi
if [ -d "$d/sources.list.d" ] && { [ ! -r "$d/sources.list.d" ] || [ ! -x "$d/sources.list.d" ]; }; then
  printf '\036galley-error cannot read %s: permission denied\n' "$d/sources.list.d"; exit 0
fi
for f in "$d/sources.list" "$d"/sources.list.d/*.list "$d"/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  if [ -r "$f" ]; then
    printf '\036galley-file %s\n' "$f"; cat -- "$f"; printf '\n\036galley-end\n'
  else
    printf '\036galley-error cannot read %s: permission denied\n' "$f"
  fi
done"#;

/// Moves or edits the named files, keeping copies under `$1/$2`. Arguments
/// after those: `move FILE` or `edit FILE SHA256 SED_SCRIPT`, repeated.
const REMOVE: &str = r#"backup=$1/$2; shift 2
umask 077
mkdir -p -- "$backup" || exit 3
while [ $# -gt 0 ]; do
  action=$1; f=$2; shift 2
  dest=$backup$f
  mkdir -p -- "${dest%/*}" || exit 3
  case $action in
  move)
    mv -- "$f" "$dest" || exit 3
    printf 'moved\t%s\n' "$f" >> "$backup/MANIFEST"
    printf 'moved %s\n' "$f" ;;
  edit)
    sum=$1; script=$2; shift 2
    now=$(sha256sum < "$f") || exit 3
    if [ "${now%% *}" != "$sum" ]; then printf 'changed %s\n' "$f"; exit 4; fi
    cp -p -- "$f" "$dest" || exit 3
    printf 'edited\t%s\n' "$f" >> "$backup/MANIFEST"
    sed -i -e "$script" -- "$f" || exit 3
    printf 'edited %s\n' "$f" ;;
  esac
done"#;

/// Puts back what the backup `$1/$2` holds, as its MANIFEST says. A moved
/// file whose place is taken again is left alone; an edited file is
/// replaced, its current content kept next to the backup first.
const RESTORE: &str = r#"backup=$1/$2
if [ ! -f "$backup/MANIFEST" ]; then printf 'missing %s\n' "$backup"; exit 4; fi
status=0
tab=$(printf '\t')
while IFS=$tab read -r action f; do
  src=$backup$f
  if [ -e "$f" ] && cmp -s -- "$src" "$f"; then printf 'in-place %s\n' "$f"; continue; fi
  case $action in
  moved)
    if [ -e "$f" ]; then printf 'taken %s\n' "$f"; status=5; continue; fi
    mkdir -p -- "${f%/*}" && cp -p -- "$src" "$f" && printf 'restored %s\n' "$f" || status=3 ;;
  edited)
    cp -p -- "$f" "$src.before-restore" && cp -p -- "$src" "$f" && printf 'restored %s\n' "$f" || status=3 ;;
  esac
done < "$backup/MANIFEST"
exit $status"#;

/// One active source: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// 1-based line of the entry (of its first line, for deb822).
    pub line: usize,
    /// The entry as written (one line, or a deb822 stanza joined with `; `),
    /// secrets masked: this is what galley shows.
    pub text: String,
    /// The repository URIs with their credentials, for matching only.
    pub uris: Vec<String>,
}

/// One source file as read from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub content: String,
}

impl SourceFile {
    /// deb822 (`*.sources`) or the one-line format.
    pub fn is_deb822(&self) -> bool {
        self.path.ends_with(".sources")
    }

    /// The active entries (comments and disabled stanzas left out).
    pub fn sources(&self) -> Vec<Source> {
        if self.is_deb822() {
            deb822_sources(&self.content)
        } else {
            one_line_sources(&self.content)
        }
    }

    /// Whether this is the main `sources.list` (edited, never moved).
    pub fn is_main_list(&self) -> bool {
        self.path.ends_with("/sources.list")
    }
}

/// `deb [ options ] uri suite [component...]` lines.
fn one_line_sources(content: &str) -> Vec<Source> {
    let mut out = Vec::new();
    for (i, raw) in content.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        if !matches!(words.next(), Some("deb" | "deb-src")) {
            continue;
        }
        let mut rest: Vec<&str> = words.collect();
        // Options: `[arch=amd64 signed-by=/k.gpg]`, possibly several words.
        if rest.first().is_some_and(|w| w.starts_with('[')) {
            let end = rest.iter().position(|w| w.ends_with(']')).unwrap_or(0);
            rest.drain(..=end);
        }
        if let Some(uri) = rest.first() {
            out.push(Source {
                line: i + 1,
                text: secrets::mask(raw.trim_end()),
                uris: vec![uri.to_string()],
            });
        }
    }
    out
}

/// Stanzas of `Field: value` lines separated by blank lines; continuation
/// lines start with white space.
fn deb822_sources(content: &str) -> Vec<Source> {
    let mut out = Vec::new();
    let mut stanza: Vec<(usize, &str)> = Vec::new();
    let lines: Vec<&str> = content.lines().collect();
    for (i, line) in lines.iter().enumerate().chain([(lines.len(), &"")]) {
        if line.starts_with('#') {
            continue;
        }
        if !line.trim().is_empty() {
            stanza.push((i + 1, line));
            continue;
        }
        if stanza.is_empty() {
            continue;
        }
        let field = |name: &str| -> Option<String> {
            let mut value: Option<String> = None;
            for (_, l) in &stanza {
                if l.starts_with([' ', '\t']) {
                    if let Some(v) = &mut value {
                        v.push(' ');
                        v.push_str(l.trim());
                    }
                    continue;
                }
                if value.is_some() {
                    break;
                }
                if let Some((key, v)) = l.split_once(':') {
                    if key.trim().eq_ignore_ascii_case(name) {
                        value = Some(v.trim().to_string());
                    }
                }
            }
            value
        };
        let enabled = field("Enabled").is_none_or(|v| !v.eq_ignore_ascii_case("no"));
        let uris: Vec<String> = field("URIs")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if enabled && !uris.is_empty() {
            out.push(Source {
                line: stanza[0].0,
                text: secrets::mask(
                    &stanza
                        .iter()
                        .map(|(_, l)| l.trim())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                uris,
            });
        }
        stanza.clear();
    }
    out
}

/// Splits the scan output into files and errors.
pub fn parse_scan(output: &str) -> (Vec<SourceFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut rest = output;
    let file_mark = format!("{MARK}galley-file ");
    let error_mark = format!("{MARK}galley-error ");
    let end_mark = format!("\n{MARK}galley-end\n");
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(&error_mark) {
            let (line, next) = after.split_once('\n').unwrap_or((after, ""));
            errors.push(line.to_string());
            rest = next;
        } else if let Some(after) = rest.strip_prefix(&file_mark) {
            let (path, body) = after.split_once('\n').unwrap_or((after, ""));
            let (content, next) = body.split_once(&end_mark).unwrap_or((body, ""));
            files.push(SourceFile {
                path: path.to_string(),
                content: content.to_string(),
            });
            rest = next;
        } else {
            // Not ours (a login banner printed by the shell): skip a line.
            rest = rest.split_once('\n').map_or("", |(_, next)| next);
        }
    }
    (files, errors)
}

/// What matched in one file.
#[derive(Debug, Clone)]
pub struct Found {
    pub file: SourceFile,
    /// The matching entries (all of them when the file name matched).
    pub sources: Vec<Source>,
    /// The file's path matched (so the whole file goes).
    pub by_path: bool,
}

/// What the pattern is matched against, besides each entry's URIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOn {
    /// The file's name (`gitlab_pre-release.list`): the default, so that
    /// a pattern such as `list` or `etc` cannot select every file through
    /// the folder all of them are in.
    FileName,
    /// The whole path (`--match-path`).
    Path,
}

/// The files with a matching name (or path) or entry.
pub fn find(files: &[SourceFile], pattern: &Regex, on: MatchOn) -> Vec<Found> {
    let mut found = Vec::new();
    for file in files {
        let sources = file.sources();
        let subject = match on {
            MatchOn::Path => file.path.as_str(),
            MatchOn::FileName => file.path.rsplit('/').next().unwrap_or(&file.path),
        };
        let by_path = pattern.is_match(subject);
        let matching: Vec<Source> = sources
            .into_iter()
            .filter(|s| by_path || s.uris.iter().any(|u| pattern.is_match(u)))
            .collect();
        if by_path || !matching.is_empty() {
            found.push(Found {
                file: file.clone(),
                sources: matching,
                by_path,
            });
        }
    }
    found
}

/// The sed script that comments out the given lines.
fn comment_out(lines: &[usize], backup_id: &str) -> String {
    lines
        .iter()
        .map(|n| format!("{n}s/^/# disabled by galley ({backup_id}): /"))
        .collect::<Vec<_>>()
        .join(";")
}

/// sha256 of the text, hex, as sha256sum prints it.
fn sha256_hex(text: &str) -> String {
    use openssl::sha::sha256;
    sha256(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The arguments of the removal script for what was found.
fn removal_args(found: &[Found], backup_id: &str) -> Vec<String> {
    let mut args = Vec::new();
    for f in found {
        if f.file.is_main_list() {
            let lines: Vec<usize> = f.sources.iter().map(|s| s.line).collect();
            if lines.is_empty() {
                continue;
            }
            args.extend([
                "edit".to_string(),
                f.file.path.clone(),
                sha256_hex(&f.file.content),
                comment_out(&lines, backup_id),
            ]);
        } else {
            args.extend(["move".to_string(), f.file.path.clone()]);
        }
    }
    args
}

/// A backup id must be a plain folder name.
pub fn valid_backup_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A new backup id from a UTC time: `apt-sources-20261125T203000Z`.
pub fn backup_id(epoch: i64) -> String {
    let stamp = crate::units::iso8601(epoch).replace(['-', ':'], "");
    format!("apt-sources-{stamp}")
}

/// Where the apt sources live and where removed ones go.
#[derive(Debug, Clone)]
pub struct Places {
    pub sources_dir: String,
    pub backup_dir: String,
}

impl Places {
    fn backup_root(&self) -> String {
        self.backup_dir.trim_end_matches('/').to_string()
    }
}

/// Finds (and with `remove`, removes) the matching sources.
pub struct AptSources {
    pub pattern: Regex,
    /// What the pattern is matched against besides URIs.
    pub on: MatchOn,
    pub remove: bool,
    pub places: Places,
    pub backup_id: String,
}

impl AptSources {
    fn scan_command(&self) -> String {
        sh_script(SCAN, &[&self.places.sources_dir])
    }

    /// The plan's line about where removed sources go.
    pub fn backup_note(&self) -> String {
        format!(
            "backup id: {} (in {}/)",
            self.backup_id,
            self.places.backup_root()
        )
    }

    /// Reading needs root only when the sources are to be removed.
    fn privilege(&self) -> Privilege {
        if self.remove {
            Privilege::Root
        } else {
            Privilege::Login
        }
    }
}

/// A source line for people and reports: credentials masked.
fn shown_source(file: &str, source: &Source) -> String {
    format!("{file}:{}: {}", source.line, source.text)
}

impl Step for AptSources {
    fn name(&self) -> &'static str {
        "apt-sources"
    }

    fn plan(&self) -> Vec<String> {
        let mut plan = vec![format!(
            "{}    # list the sources; galley matches /{}/ locally against each {} and repository URI",
            self.scan_command(),
            self.pattern,
            match self.on {
                MatchOn::FileName => "file name",
                MatchOn::Path => "file path",
            }
        )];
        if self.remove {
            plan.push(format!(
                "{}    # for the matching files only (move FILE, or edit sources.list SHA256 SED)",
                sh_script(
                    REMOVE,
                    &[&self.places.backup_root(), &self.backup_id, "..."]
                )
            ));
        }
        plan
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let mut step = StepOutcome::new(self.name());
        step.changed = Some(false);
        let Some(files) = self.scan(host, &mut step) else {
            return step;
        };
        let found = find(&files, &self.pattern, self.on);
        self.note_found(&found, &mut step);
        let searched: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        if !self.remove || found.is_empty() {
            step.details = Details::Sources(details::Sources {
                backup: None,
                backup_id: None,
                searched,
                sources: found.iter().map(|f| found_record(f, "found")).collect(),
            });
            return step;
        }
        self.remove_found(host, &found, searched, &mut step);
        step
    }
}

impl AptSources {
    /// The host's source files, as listed; None when the listing failed
    /// (the step says why).
    fn scan(&self, host: &HostContext, step: &mut StepOutcome) -> Option<Vec<SourceFile>> {
        let scan = host
            .remote
            .run_keeping_unmasked(self.scan_command(), self.privilege());
        if unfinished(&scan, step) {
            return None;
        }
        let listing = scan
            .unmasked_stdout
            .as_ref()
            .map(|u| String::from_utf8_lossy(u.expose()).into_owned())
            .unwrap_or_default();
        let (files, errors) = parse_scan(&listing);
        if scan.code() != Some(0) || !errors.is_empty() {
            let why = errors
                .first()
                .cloned()
                .unwrap_or_else(|| failed("listing the sources", &scan));
            step.fail(why);
            step.notes = errors;
            return None;
        }
        Some(files)
    }

    /// A note for each source found (its secrets masked), or that none was.
    fn note_found(&self, found: &[Found], step: &mut StepOutcome) {
        for f in found {
            for s in &f.sources {
                step.notes
                    .push(format!("found {}", shown_source(&f.file.path, s)));
            }
            if f.sources.is_empty() {
                step.notes
                    .push(format!("found {} (no active entry)", f.file.path));
            }
        }
        if found.is_empty() {
            step.notes.push(format!(
                "no source matches /{}/ in {}",
                self.pattern, self.places.sources_dir
            ));
        }
    }

    /// Moves each file found into the backup (the main list: its entries
    /// commented out, a copy kept), and records what was done to each, by
    /// what the host's script said it did.
    fn remove_found(
        &self,
        host: &HostContext,
        found: &[Found],
        searched: Vec<String>,
        step: &mut StepOutcome,
    ) {
        let args = removal_args(found, &self.backup_id);
        let backup_root = self.places.backup_root();
        let mut all: Vec<&str> = vec![&backup_root, &self.backup_id];
        all.extend(args.iter().map(String::as_str));
        let removal = host
            .remote
            .run(sh_script(REMOVE, &all), Privilege::Root, false);
        let said = removal.stdout.text();
        let backup = format!("{backup_root}/{}", self.backup_id);
        let mut records = Vec::new();
        for f in found {
            let (action, word) = if f.file.is_main_list() {
                ("commented_out", "edited")
            } else {
                ("moved", "moved")
            };
            let done = said
                .lines()
                .any(|l| l.strip_prefix(word).map(str::trim) == Some(f.file.path.as_str()));
            if done {
                step.changed = Some(true);
                step.notes.push(if f.file.is_main_list() {
                    format!(
                        "commented out {} in {} (copy in {backup}/)",
                        plural_lines(f.sources.len()),
                        f.file.path
                    )
                } else {
                    format!("moved {} to {backup}/", f.file.path)
                });
            }
            records.push(found_record(f, if done { action } else { "not_changed" }));
        }
        step.details = Details::Sources(details::Sources {
            backup: Some(backup),
            backup_id: Some(self.backup_id.clone()),
            searched,
            sources: records,
        });
        if unfinished(&removal, step) {
            return;
        }
        if removal.code() != Some(0) {
            let changed = said.lines().find_map(|l| l.strip_prefix("changed "));
            let why = match changed {
                Some(file) => format!("{file} changed since it was read; nothing done to it"),
                None => failed("removing", &removal),
            };
            step.fail(why);
        }
    }
}

fn plural_lines(n: usize) -> String {
    crate::units::plural(n, "line", "lines")
}

fn found_record(f: &Found, action: &str) -> details::SourceFile {
    details::SourceFile {
        action: action.to_string(),
        entries: f
            .sources
            .iter()
            .map(|s| details::SourceEntry {
                line: s.line,
                text: s.text.clone(),
            })
            .collect(),
        file: f.file.path.clone(),
        format: if f.file.is_deb822() {
            "deb822"
        } else {
            "one-line"
        }
        .to_string(),
        matched_by: if f.by_path { "path" } else { "uri" }.to_string(),
    }
}

/// Puts back what an earlier run removed.
pub struct Restore {
    pub backup_id: String,
    pub places: Places,
}

impl Restore {
    fn command(&self) -> String {
        sh_script(RESTORE, &[&self.places.backup_root(), &self.backup_id])
    }
}

impl Step for Restore {
    fn name(&self) -> &'static str {
        "apt-sources"
    }

    fn plan(&self) -> Vec<String> {
        vec![self.command()]
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let mut step = StepOutcome::new(self.name());
        step.changed = Some(false);
        let result = host.remote.run(self.command(), Privilege::Root, false);
        if unfinished(&result, &mut step) {
            return step;
        }
        let said = result.stdout.text();
        let backup = format!("{}/{}", self.places.backup_root(), self.backup_id);
        let mut files = Vec::new();
        for line in said.lines() {
            let Some((word, file)) = line.split_once(' ') else {
                continue;
            };
            let note = match word {
                "restored" => {
                    step.changed = Some(true);
                    format!("restored {file} from {backup}/")
                }
                "in-place" => format!("{file} is already as in the backup"),
                "taken" => format!("not restored: {file} exists again (remove it first, or compare it with {backup}{file})"),
                "missing" => format!("nothing to restore: no backup {backup} on this host"),
                _ => continue,
            };
            step.notes.push(note);
            files.push(details::Restored {
                file: file.to_string(),
                result: word.to_string(),
            });
        }
        step.details = Details::Restore(details::Restore {
            backup,
            backup_id: self.backup_id.clone(),
            files,
        });
        match result.code() {
            // A host where that run removed nothing has no backup.
            Some(0) | Some(4) => {}
            Some(5) => step.fail("a file is back in its place since the backup: not overwritten"),
            _ => step.fail(failed("restoring", &result)),
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_sources_skip_comments_and_options() {
        let text = "# deb http://old/ x main\ndeb [arch=amd64 signed-by=/k.gpg] https://tok:@pkgs.example/gitlab/ focal main\n\ndeb-src http://deb.debian.org/debian bookworm main # note\n";
        let s = one_line_sources(text);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 2);
        assert_eq!(s[0].uris, ["https://tok:@pkgs.example/gitlab/"]);
        assert_eq!(s[1].uris, ["http://deb.debian.org/debian"]);
    }

    #[test]
    fn deb822_stanzas_with_several_uris_and_disabled_ones() {
        let text = "Types: deb\nURIs: https://a.example/x\n https://u:p@b.example/y\nSuites: focal\n\n# off\nTypes: deb\nURIs: https://c.example/\nSuites: focal\nEnabled: no\n\nTypes: deb-src\nURIs: https://d.example/\nSuites: focal\n";
        let s = deb822_sources(text);
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].uris,
            ["https://a.example/x", "https://u:p@b.example/y"]
        );
        assert_eq!(s[0].line, 1);
        assert_eq!(s[1].uris, ["https://d.example/"]);
        assert_eq!(s[1].line, 12);
    }

    #[test]
    fn scan_output_is_split_into_files_and_errors() {
        let out = "banner\n\u{1e}galley-file /etc/apt/sources.list\ndeb http://a/ x\n\n\u{1e}galley-end\n\u{1e}galley-file /etc/apt/sources.list.d/b.list\nno newline\n\u{1e}galley-end\n\u{1e}galley-error cannot read /etc/apt/sources.list.d/c.list: permission denied\n";
        let (files, errors) = parse_scan(out);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].content, "deb http://a/ x\n");
        assert_eq!(files[1].content, "no newline");
        assert_eq!(
            errors,
            ["cannot read /etc/apt/sources.list.d/c.list: permission denied"]
        );
    }

    #[test]
    fn main_list_lines_are_edited_other_files_moved() {
        let files = vec![
            SourceFile {
                path: "/etc/apt/sources.list".into(),
                content: "deb http://deb.debian.org/debian bookworm main\ndeb https://t:@packages.gitlab.com/gitlab/pre-release/debian bookworm main\n".into(),
            },
            SourceFile {
                path: "/etc/apt/sources.list.d/gitlab_pre-release.list".into(),
                content: "deb https://t:@packages.gitlab.com/gitlab/pre-release/debian bookworm main\n".into(),
            },
            SourceFile {
                path: "/etc/apt/sources.list.d/other.list".into(),
                content: "deb http://other/ x main\n".into(),
            },
        ];
        let found = find(
            &files,
            &Regex::new("pre-release").unwrap(),
            MatchOn::FileName,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].sources.len(), 1);
        assert_eq!(found[0].sources[0].line, 2);
        let args = removal_args(&found, "apt-sources-X");
        assert_eq!(args[0], "edit");
        assert_eq!(args[3], "2s/^/# disabled by galley (apt-sources-X): /");
        assert_eq!(
            &args[4..],
            ["move", "/etc/apt/sources.list.d/gitlab_pre-release.list"]
        );
        // sha256sum's answer for the same bytes
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn backup_ids_are_plain_names() {
        assert_eq!(backup_id(1795608000), "apt-sources-20261125T120000Z");
        assert!(valid_backup_id("apt-sources-20261125T120000Z"));
        for bad in ["", ".", "..", "../etc", "a/b", "a b", "$(id)"] {
            assert!(!valid_backup_id(bad), "{bad}");
        }
    }
}
