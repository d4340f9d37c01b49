//! The reporter: the one consumer of the executor's events. It feeds the
//! progress line, the stream printer (hosts' lines, with the progress line
//! out of the way), the JSON Lines report (each host as it finishes), and
//! at the end the summary or the JSON document.
//!
//! A failure to write output or the report does not stop the events from
//! being consumed (the run must end and every host be accounted for); the
//! first such failure is returned at the end.

use std::path::PathBuf;
use std::time::Instant;

use super::jsonl::{write_json_document, JsonlReport, WriteError};
use super::progress::Progress;
use super::record::{Header, HostRecord, Record, Stopped, Summary, Unrecorded};
use super::stream::StreamPrinter;
use super::summary::{render_failures, render_summary};
use crate::error::Error;
use crate::exec::Event;
use crate::outcome::{Ended, HostOutcome, OutcomeKind, RunStats};
use crate::rollout::Wave;
use crate::target::Targets;
use crate::terminal::{self, HostBytes};
use crate::units::{now_epoch, plural};

/// What goes to stdout (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Counts, the hosts that are not ok, then outputs gathered across hosts.
    Summary,
    /// Each line as it arrives, prefixed with the node name: `name | line`
    /// for stdout, `name ! line` for stderr. Counts and failures go to stderr
    /// at the end.
    Stream,
    /// One JSON document at the end.
    Json,
}

/// Where the JSON Lines report goes.
#[derive(Debug, Clone)]
pub enum ReportFile {
    /// A new file (an existing one is refused).
    Create(PathBuf),
    /// `--overwrite-report`: replace an existing report.
    Replace(PathBuf),
    /// `--resume`: add this run to an earlier report.
    Append(PathBuf),
}

impl ReportFile {
    pub fn path(&self) -> &std::path::Path {
        match self {
            ReportFile::Create(path) | ReportFile::Replace(path) | ReportFile::Append(path) => path,
        }
    }
}

/// How a run is reported.
#[derive(Debug, Clone)]
pub struct Settings {
    pub output: Output,
    pub host_bytes: HostBytes,
    pub report: Option<ReportFile>,
    /// What selected the hosts, as galley understood it: the first line.
    pub selected_by: String,
}

pub struct Reporter {
    settings: Settings,
    header: Header,
    progress: Progress,
    printer: StreamPrinter,
    jsonl: Option<JsonlReport>,
    outcomes: Vec<HostOutcome>,
    started: Instant,
    /// By target index: when each host started, in ms from `started`.
    host_started: Vec<Option<u64>>,
    /// By target index: each host's wave, when the run has several.
    waves: Vec<Option<String>>,
    /// The first failure to write output.
    failed: Option<Error>,
    /// Why the report stopped being written, and the hosts that finished
    /// since and are not in it.
    report_cut: Option<(std::io::Error, Vec<String>)>,
}

impl Reporter {
    /// Opens the report (writing its header) and accounts for the nodes
    /// that have no address: they are skipped.
    pub fn open(settings: Settings, header: Header, targets: &Targets) -> Result<Reporter, Error> {
        let opened = match &settings.report {
            Some(ReportFile::Append(path)) => Some((path, JsonlReport::append(path))),
            Some(ReportFile::Create(path)) => Some((path, JsonlReport::create(path, false))),
            Some(ReportFile::Replace(path)) => Some((path, JsonlReport::create(path, true))),
            None => None,
        };
        let jsonl = match opened {
            Some((path, opened)) => Some(opened.map_err(|e| {
                Error::setup(
                    anyhow::Error::new(e)
                        .context(format!("cannot write the report {}", path.display())),
                )
            })?),
            None => None,
        };
        let mut reporter = Reporter {
            progress: Progress::new(targets.targets.len()),
            printer: StreamPrinter::new(&targets.targets),
            jsonl,
            outcomes: Vec::with_capacity(targets.len()),
            started: Instant::now(),
            host_started: vec![None; targets.targets.len()],
            waves: vec![None; targets.targets.len()],
            failed: None,
            report_cut: None,
            settings,
            header,
        };
        // Nothing has run yet: a report that cannot take its header stops
        // the run before it starts.
        if let (Some(report), Some(file)) = (&mut reporter.jsonl, &reporter.settings.report) {
            report
                .write(&Record::Header(Box::new(reporter.header.clone())))
                .map_err(|e| {
                    Error::setup(anyhow::anyhow!(
                        "cannot write the report {}: {}",
                        file.path().display(),
                        e.io()
                    ))
                })?;
        }
        for u in &targets.unaddressed {
            let outcome = HostOutcome::without_run(
                &u.node.name,
                Ended::Skipped(format!("no usable address: {}", u.reason)),
            );
            reporter.record(&outcome, None);
            reporter.outcomes.push(outcome);
        }
        Ok(reporter)
    }

    /// Names each host's wave in its record, when the run has several.
    pub fn name_waves(&mut self, waves: &[Wave]) {
        if waves.len() < 2 {
            return;
        }
        for wave in waves {
            for &index in &wave.hosts {
                if let Some(slot) = self.waves.get_mut(index) {
                    *slot = Some(wave.label());
                }
            }
        }
    }

    /// Takes one event of the run.
    pub fn event(&mut self, event: Event) {
        let result = match event {
            Event::Started { index, name, at } => {
                if let Some(slot) = self.host_started.get_mut(index) {
                    *slot = Some(crate::units::millis(
                        at.saturating_duration_since(self.started),
                    ));
                }
                self.progress.started(index, &name);
                Ok(())
            }
            Event::Note(text) => {
                self.progress.println(&format!("galley: {text}"));
                Ok(())
            }
            Event::Interrupted { signal, again } => {
                self.progress.println(&if again {
                    format!("galley: {signal} again: stopping the running hosts")
                } else {
                    format!("galley: {signal}: starting no more hosts, waiting for the running ones (interrupt again to stop them)")
                });
                Ok(())
            }
            Event::Tick { stopping } => {
                self.progress.tick(stopping);
                Ok(())
            }
            Event::Output {
                index,
                stream,
                bytes,
            } => {
                let lines = self.printer.output(index, stream, &bytes);
                self.print(&lines)
            }
            Event::Finished { index, outcome } => {
                self.progress.finished(index, outcome.kind());
                let lines = match self.settings.output {
                    Output::Stream => self.printer.finish(index),
                    _ => String::new(),
                };
                let result = self.print(&lines);
                self.record(&outcome, Some(index));
                self.outcomes.push(*outcome);
                result
            }
        };
        if let (Err(e), None) = (result, &self.failed) {
            self.failed = Some(e);
        }
    }

    /// Hosts' lines, with the progress line out of the way.
    fn print(&self, lines: &str) -> Result<(), Error> {
        if lines.is_empty() {
            return Ok(());
        }
        self.progress
            .suspend(|| terminal::print(lines, self.settings.host_bytes))?;
        Ok(())
    }

    /// Writes a host's line to the report; once the report cannot take
    /// more, remembers the host instead (see [`Reporter::finish`]).
    fn record(&mut self, outcome: &HostOutcome, index: Option<usize>) {
        let Some(report) = &mut self.jsonl else {
            return;
        };
        if let Some((_, missing)) = &mut self.report_cut {
            missing.push(outcome.name.clone());
            return;
        }
        let mut record = HostRecord::from(outcome);
        if let Some(index) = index {
            record.started_ms = self.host_started.get(index).copied().flatten();
            record.wave = self.waves.get(index).cloned().flatten();
        }
        match report.write(&Record::Host(Box::new(record))) {
            Ok(()) => {}
            Err(WriteError::Full(e)) => self.report_cut = Some((e, Vec::new())),
            Err(WriteError::NotWritten(e)) => {
                self.report_cut = Some((e, vec![outcome.name.clone()]));
            }
        }
    }

    /// The report's last line: the summary, or after a cut the hosts it
    /// misses. Err: what the operator must be told.
    fn write_last(&mut self, summary: &Summary) -> Result<(), Error> {
        let (Some(report), Some(file)) = (&mut self.jsonl, &self.settings.report) else {
            return Ok(());
        };
        let path = file.path().display();
        let Some((cause, mut missing)) = self.report_cut.take() else {
            return match report.write(&Record::Summary(summary.clone())) {
                Ok(()) | Err(WriteError::Full(_)) => Ok(()),
                Err(WriteError::NotWritten(e)) => Err(Error::setup(anyhow::anyhow!(
                    "cannot write the report {path}: {e}; every host is in it, but not the run's summary line"
                ))),
            };
        };
        missing.sort();
        let marked = report.write_last(&Record::Unrecorded(Unrecorded {
            error: cause.to_string(),
            hosts: missing.clone(),
        }));
        let hosts = crate::hostlist::fold(&missing);
        let what = if missing.is_empty() {
            "every host is in it, but not the run's summary line".to_string()
        } else {
            format!(
                "{} that finished {} not in it: {hosts} (their outcomes are in the summary above)",
                crate::units::plural(missing.len(), "host", "hosts"),
                if missing.len() == 1 { "is" } else { "are" },
            )
        };
        let resume = match (marked, missing.is_empty()) {
            (_, true) => String::new(),
            (Ok(()), false) => {
                "; its last line names them, so --resume and --retry-failed will not run them again"
                    .to_string()
            }
            (Err(_), false) => format!(
                "; the report could not say so either: --resume or --retry-failed from it would run {hosts} again"
            ),
        };
        Err(Error::setup(anyhow::anyhow!(
            "cannot write the report {path}: {cause}; {what}{resume}"
        )))
    }

    /// Ends the run: the summary record, then the summary or the JSON
    /// document. Returns the exit code.
    /// `stopped`: when and why hosts stopped being started, if they did.
    pub fn finish(
        mut self,
        interrupted: bool,
        stopped: Option<(Instant, String)>,
    ) -> Result<u8, Error> {
        self.progress.clear();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut outcomes = std::mem::take(&mut self.outcomes);
        outcomes.sort_by(|a, b| a.name.cmp(&b.name));
        let elapsed_ms = crate::units::millis(self.started.elapsed());
        let stats = RunStats::from_outcomes(&outcomes);
        let code = stats.exit_code(interrupted);
        let stopped = stopped.map(|(at, reason)| Stopped {
            after_ms: crate::units::millis(at.saturating_duration_since(self.started)),
            reason,
        });
        let summary = Summary::new(&stats, now_epoch(), elapsed_ms, code, stopped);
        // What the report could not take is told after the summary, which
        // has every host.
        let report_failed = self.write_last(&summary);
        let first = &self.settings.selected_by;
        let host_bytes = self.settings.host_bytes;
        match self.settings.output {
            Output::Summary => terminal::print(
                &format!("{first}\n{}", render_summary(&outcomes, elapsed_ms)),
                host_bytes,
            )?,
            // The lines are out already; the counts and failures go to
            // stderr, so stdout stays the hosts' own lines.
            Output::Stream => terminal::eprint(
                &format!("{first}\n{}", render_failures(&outcomes, elapsed_ms)),
                host_bytes,
            ),
            Output::Json => terminal::data_with(|out| {
                write_json_document(out, &self.header, &outcomes, &summary)
            })?,
        }
        report_failed?;
        if self.settings.output != Output::Json {
            if let Some(hint) = retry_hint(&stats, self.settings.report.as_ref()) {
                terminal::message(&hint);
            }
        }
        Ok(code)
    }
}

/// After a run with hosts not ok, the command that runs only them again.
fn retry_hint(stats: &RunStats, report: Option<&ReportFile>) -> Option<String> {
    let not_ok = stats.total() - stats.count(OutcomeKind::Ok);
    if not_ok == 0 {
        return None;
    }
    let hosts = plural(not_ok, "host", "hosts");
    Some(match report {
        Some(report) => format!(
            "galley: to run only the {hosts} not ok again: the same command with --resume {} (it adds to this report)",
            terminal::escape_value(&report.path().display().to_string())
        ),
        None => format!(
            "galley: {hosts} not ok; this run wrote no report: with --report FILE, --resume FILE runs only the hosts not ok again"
        ),
    })
}
