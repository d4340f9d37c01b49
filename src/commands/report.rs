//! `galley report show` and `galley report diff`: reading reports back.
//!
//! A host's latest outcome wins: within a file, later lines (a resumed run
//! appends to the same file); across files, the run that started later.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{
    Format, ReportAction, ReportArgs, ReportDiffArgs, ReportExportArgs, ReportHistoryArgs,
    ReportShowArgs,
};
use crate::error::Error;
use crate::exit;
use crate::outcome::{HostOutcome, OutcomeKind, RunStats};
use crate::report::history::{self, HistoryError, Index};
use crate::report::human::table;
use crate::report::jsonl::{read_report, PastRun};
use crate::report::merged::Merged;
use crate::report::record::{sorted_value, HostRecord, Record};
use crate::report::summary::render_summary;
use crate::units::plural;

pub fn run(args: &ReportArgs) -> Result<u8, Error> {
    match &args.action {
        ReportAction::Show(show) => run_show(show),
        ReportAction::Diff(diff) => run_diff(diff),
        ReportAction::Junit(export) => run_export(export, crate::report::junit::render),
        ReportAction::Html(export) => run_export(export, crate::report::html::render),
        ReportAction::History(history) => run_history(history),
    }
}

/// `report junit` and `report html`: the merged reports rendered, to
/// standard output or a file.
fn run_export(args: &ReportExportArgs, render: fn(&Merged) -> String) -> Result<u8, Error> {
    let merged = read_merged(&args.reports)?;
    let rendered = render(&merged);
    match &args.output {
        None => crate::terminal::data(rendered.as_bytes())?,
        Some(path) => {
            let keep: Vec<&Path> = args.reports.iter().map(PathBuf::as_path).collect();
            crate::files::replace_private(path, rendered.as_bytes(), &keep)
                .map_err(|e| Error::setup(anyhow::anyhow!(e)))?;
        }
    }
    Ok(exit::OK)
}

/// Reads one report, saying on stderr when its last line was cut short.
pub(crate) fn read(path: &Path, consequence: &str) -> Result<PastRun, Error> {
    let past = read_report(path).map_err(|e| Error::setup(anyhow::Error::new(e)))?;
    if past.truncated_last_line {
        crate::terminal::message(&format!(
            "galley: warning: the last line of {} is cut short (galley was stopped while writing it){consequence}",
            path.display()
        ));
    }
    Ok(past)
}

/// Reports read together; see [`Merged`].
fn read_merged(paths: &[PathBuf]) -> Result<Merged, Error> {
    let files = paths
        .iter()
        .map(|path| Ok((path.clone(), read(path, "; that host is left out")?)))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Merged::of(files))
}

fn run_show(args: &ReportShowArgs) -> Result<u8, Error> {
    let merged = read_merged(&args.reports)?;
    let (runs, elapsed_ms) = (merged.runs.len(), merged.elapsed_ms);
    let outcomes = merged
        .records()
        .map(HostOutcome::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::setup(anyhow::Error::new(e).context("cannot read a host record")))?;
    let stats = RunStats::from_outcomes(&outcomes);
    let text = match args.format {
        Format::Table => format!(
            "{} ({}):\n{}",
            plural(args.reports.len(), "report", "reports"),
            plural(runs, "run", "runs"),
            render_summary(&outcomes, elapsed_ms)
        ),
        Format::Json => {
            let doc = Shown {
                counts: &stats.counts,
                hosts: merged
                    .records()
                    .map(|r| Record::Host(Box::new(r.clone())))
                    .collect(),
                reports: args
                    .reports
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                runs,
            };
            pretty(&doc)
        }
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    Ok(stats.exit_code(false))
}

/// `report show --format json`.
#[derive(Serialize)]
struct Shown<'a> {
    counts: &'a BTreeMap<OutcomeKind, usize>,
    hosts: Vec<Record>,
    reports: Vec<String>,
    runs: usize,
}

/// A host whose outcome changed (`report diff`), with the later reason.
#[derive(Serialize)]
struct Change {
    after: Option<OutcomeKind>,
    before: Option<OutcomeKind>,
    name: String,
    reason: Option<String>,
}

/// A document as galley prints them: keys in alphabetical order, indented.
pub(crate) fn pretty(doc: &impl Serialize) -> String {
    serde_json::to_string_pretty(&sorted_value(doc)).expect("documents serialize") + "\n"
}

fn run_diff(args: &ReportDiffArgs) -> Result<u8, Error> {
    let latest = |path: &PathBuf| -> Result<BTreeMap<String, HostRecord>, Error> {
        let merged = read_merged(std::slice::from_ref(path))?;
        Ok(merged
            .hosts
            .into_iter()
            .map(|(name, latest)| (name, latest.record))
            .collect())
    };
    let (before, after) = (latest(&args.before)?, latest(&args.after)?);
    let outcome = |records: &BTreeMap<String, HostRecord>, name: &str| -> Option<OutcomeKind> {
        records.get(name).map(|r| r.outcome)
    };
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let changed: Vec<Change> = names
        .into_iter()
        .filter_map(|name| {
            let (was, now) = (outcome(&before, name), outcome(&after, name));
            (was != now).then(|| Change {
                after: now,
                before: was,
                name: name.clone(),
                reason: after.get(name).and_then(|r| r.reason.clone()),
            })
        })
        .collect();
    let text = match args.format {
        Format::Table if changed.is_empty() => "no host's outcome changed\n".to_string(),
        Format::Table => {
            let rows: Vec<Vec<String>> = changed
                .iter()
                .map(|c| {
                    let name = |kind: Option<OutcomeKind>| kind.map_or("-", OutcomeKind::name);
                    vec![
                        c.name.clone(),
                        name(c.before).to_string(),
                        name(c.after).to_string(),
                        c.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            format!(
                "{} changed:\n{}",
                plural(changed.len(), "host", "hosts"),
                table(&["NAME", "BEFORE", "AFTER", "REASON"], &rows)
            )
        }
        Format::Json => pretty(&changed),
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    Ok(if changed.is_empty() {
        exit::OK
    } else {
        exit::HOSTS_FAILED
    })
}

/// `report history`: the hosts' runs across the reports in scope.
fn run_history(args: &ReportHistoryArgs) -> Result<u8, Error> {
    let setup = |e: HistoryError| Error::setup(anyhow::Error::new(e));
    let mut index = Index::open(history::default_index().as_deref()).map_err(setup)?;
    let (files, gone) = history_scope(&args.reports, &index)?;
    let refreshed = index.refresh(&files, &gone).map_err(setup)?;
    for why in &refreshed.unreadable {
        crate::terminal::message(&format!(
            "galley: warning: {why}; its hosts are left out of the history"
        ));
    }
    let hosts = HostSelector::of(&args.hosts)?;
    let mut entries = index
        .lookup(&files, &hosts.globs, |name| hosts.wants(name))
        .map_err(setup)?;
    if args.limit > 0 {
        let mut seen: HashMap<String, usize> = HashMap::new();
        entries.retain(|e| {
            let n = seen.entry(e.host.clone()).or_default();
            *n += 1;
            *n <= args.limit
        });
    }
    if entries.is_empty() {
        crate::terminal::message(&format!(
            "galley: no run of {} in {}",
            args.hosts.join(" "),
            plural(files.len(), "report", "reports")
        ));
        return Ok(exit::NO_MATCH);
    }
    let text = match args.format {
        Format::Json => pretty(&entries),
        Format::Table => history_table(&entries),
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    Ok(exit::OK)
}

/// The reports a history question looks at (each `--reports` folder's
/// reports and each file named; by default the reports galley remembers
/// writing), and those indexed in those folders that are gone.
fn history_scope(places: &[PathBuf], index: &Index) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Error> {
    let setup = |e: HistoryError| Error::setup(anyhow::Error::new(e));
    let absolute =
        |p: &Path| std::path::absolute(p).map_err(|e| Error::setup(anyhow::Error::new(e)));
    if places.is_empty() {
        return Ok((crate::complete::index::history().reports, Vec::new()));
    }
    let (mut files, mut gone) = (Vec::new(), Vec::new());
    for place in places {
        if place.is_dir() {
            let now = history::reports_in(place).map_err(setup)?;
            let indexed = index.indexed_in(&absolute(place)?).map_err(setup)?;
            gone.extend(indexed.into_iter().filter(|p| !now.contains(p)));
            files.extend(now);
        } else if place.is_file() {
            files.push(absolute(place)?);
        } else {
            return Err(Error::setup(anyhow::anyhow!(
                "{} is neither a folder of reports nor a report",
                place.display()
            )));
        }
    }
    Ok((files, gone))
}

/// The hosts a history question names: exact names (from host lists) and
/// `*`/`?` patterns, with the GLOB patterns that find them in the index.
struct HostSelector {
    exact: std::collections::HashSet<String>,
    patterns: Vec<String>,
    globs: Vec<String>,
}

impl HostSelector {
    fn of(args: &[String]) -> Result<HostSelector, Error> {
        let mut hosts = HostSelector {
            exact: Default::default(),
            patterns: Vec::new(),
            globs: Vec::new(),
        };
        for arg in args {
            if arg.contains(['*', '?']) {
                hosts.globs.push(history::glob_pattern(arg));
                hosts.patterns.push(arg.clone());
            } else {
                for name in crate::hostlist::expand(arg).map_err(Error::usage)? {
                    hosts.globs.push(history::glob_exact(&name));
                    hosts.exact.insert(name);
                }
            }
        }
        Ok(hosts)
    }

    fn wants(&self, name: &str) -> bool {
        self.exact.contains(name)
            || self
                .patterns
                .iter()
                .any(|p| crate::wildcard::matches_text(p, name))
    }
}

fn history_table(entries: &[history::Entry]) -> String {
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let what = if e.steps.is_empty() {
                e.command.clone()
            } else {
                e.steps
                    .iter()
                    .map(|step| format!("{} {}", step.name, step.outcome.name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            vec![
                e.host.clone(),
                crate::units::iso8601(e.started_at as i64),
                e.outcome.name().to_string(),
                what,
                e.query.clone(),
                e.reason.clone().unwrap_or_default(),
                e.report.clone(),
            ]
        })
        .collect();
    table(
        &[
            "HOST",
            "STARTED",
            "OUTCOME",
            "COMMAND OR STEPS",
            "QUERY",
            "REASON",
            "REPORT",
        ],
        &rows,
    )
}
