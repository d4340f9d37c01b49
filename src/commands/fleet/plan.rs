//! The run plan: everything a run that acts on hosts decides from its
//! command line, decided once (ripgrep's `HiArgs`): which hosts (the
//! selection, the shard, the report to leave out or retry from), how to
//! reach them, the limits on every remote command, the rollout, and how
//! the run is reported. After [`RunPlan::from_args`], nothing reads the
//! arguments again.

use std::path::Path;

use crate::action::command::Limits;
use crate::cli::FleetArgs;
use crate::config::{knife_ssh, ssh_settings, Selection, SourceSpec};
use crate::error::Error;
use crate::exec::{Pace, Schedule};
use crate::exit;
use crate::report::nodes;
use crate::report::record::Rollout as RolloutRecord;
use crate::report::reporter::{self, Output, ReportFile};
use crate::rollout::{self, Wave};
use crate::ssh::{self, Policy};
use crate::target::{AddressRule, Targets};
use crate::terminal::HostBytes;
use crate::units::HostCount;

/// A run that acts on hosts, as its command line decided it.
pub struct RunPlan {
    pub selection: Selection,
    /// How to reach the hosts (ssh_config, knife, the flags).
    pub settings: ssh::Settings,
    pub targets: Targets,
    /// On every remote command.
    pub limits: Limits,
    pub rollout: Rollout,
    pub reporting: reporter::Settings,
    /// Sessions at once per gateway.
    pub gateway_concurrency: usize,
    /// Show the plan and connect to nothing.
    pub dry_run: bool,
}

/// In what order and at what pace the hosts start.
pub struct Rollout {
    /// The canaries, then the batches (one wave without either).
    pub waves: Vec<Wave>,
    pub pace: Pace,
    /// `--max-failures`.
    pub max_failures: Option<HostCount>,
    /// The flags, for the report's header.
    pub record: RolloutRecord,
}

/// What preparing a run came to.
pub enum Prepared {
    /// Hosts to act on.
    Run(Box<RunPlan>),
    /// Nothing to do, with the exit code (no match: 4; nothing left to
    /// retry: 0); the reason was said on stderr.
    Done(u8),
}

impl RunPlan {
    /// Selects the hosts and decides the rest of the run.
    pub fn from_args(args: &FleetArgs) -> Result<Prepared, Error> {
        let mut selection = Selection::from_args(&args.select)?;
        let shard = args
            .shard
            .map(|spec| spec.resolve(|name| std::env::var(name).ok()))
            .transpose()
            .map_err(|why| Error::usage(anyhow::anyhow!(why)))?;
        let knife = knife_ssh(&selection, &args.select.chef)?;
        if let (Some(attribute), None, false) = (
            &knife.attribute,
            &args.select.attribute,
            args.select.manual_list,
        ) {
            selection.address = AddressRule::Attribute(attribute.clone());
        }
        let settings = ssh_settings(&args.connection, &knife)?;
        if let (Some(resume), Some(report)) = (&args.resume, &args.report) {
            if resume != report {
                return Err(Error::usage(anyhow::anyhow!(
                    "--resume appends to {}; leave out --report (or give the same file)",
                    resume.display()
                )));
            }
        }
        let Some(mut targets) = super::super::select(&selection)? else {
            return Ok(Prepared::Done(exit::NO_MATCH));
        };
        if let Some(path) = &args.exclude_report {
            let past = super::super::report::read(path, "")?;
            let before = targets.len();
            targets.retain_names(|name| !past.records.contains_key(name));
            crate::terminal::message(&format!(
                "galley: {} of the {before} selected nodes are in {} and left out",
                before - targets.len(),
                path.display()
            ));
        }
        if let Some(shard) = shard {
            let before = targets.len();
            targets.retain_names(|name| rollout::in_shard(name, shard));
            let kept = targets.len();
            crate::terminal::message(&format!(
                "galley: shard {shard}: {kept} of the {before} selected nodes"
            ));
        }
        let retried_from = args.resume.as_ref().or(args.retry_failed.as_ref());
        if let Some(path) = retried_from {
            if !keep_retries(&mut targets, path, &selection)? {
                return Ok(Prepared::Done(exit::OK));
            }
        }
        settings
            .check_identities()
            .map_err(|why| Error::setup(anyhow::anyhow!(why)))?;
        // Every host's route, before any host: a setting galley will not
        // act on stops the run here, named.
        settings.check(&targets.targets).map_err(|why| {
            Error::setup(anyhow::anyhow!(why)).with_hint(
                "galley refuses what it cannot honour rather than connect another way; change the setting for these hosts, or point -F at another file",
            )
        })?;
        for warning in nodes::warnings(&targets) {
            crate::terminal::message(&format!("galley: warning: {warning}"));
        }
        if settings.policy == Some(Policy::Off) && !args.dry_run {
            crate::terminal::message("galley: warning: --host-key-check off: host keys are not checked, a machine in the middle would not be noticed");
        }
        let text = |v: &dyn std::fmt::Display| Some(v.to_string());
        let rollout = Rollout {
            waves: rollout::waves(&targets.targets, args.canary.map(|c| c.0), args.batch_size),
            pace: Pace {
                concurrency: args.concurrency.0,
                pause: args.batch_pause.map(|p| p.0),
            },
            max_failures: args.max_failures,
            record: RolloutRecord {
                batch_pause: args.batch_pause.as_ref().and_then(|p| text(p)),
                batch_size: args.batch_size.as_ref().and_then(|s| text(s)),
                canary: args.canary.map(|n| n.0),
                excluded_from: args
                    .exclude_report
                    .as_ref()
                    .map(|p| p.display().to_string()),
                max_failures: args.max_failures.as_ref().and_then(|m| text(m)),
                retried_from: retried_from.map(|p| p.display().to_string()),
                shard: shard.map(|s| s.to_string()),
            },
        };
        let report = report_file(args)?;
        if args.max_output.0 > crate::report::jsonl::MAX_OUTPUT {
            return Err(Error::usage(anyhow::anyhow!(
                "--max-output {} bytes: at most 8M a host and stream (galley holds each running host's output in memory; the head and tail are kept)",
                args.max_output.0
            )));
        }
        let reporting = reporter::Settings {
            output: args.output,
            host_bytes: if args.raw_output {
                HostBytes::Raw
            } else {
                HostBytes::Escaped
            },
            report,
            selected_by: selection.understood(),
        };
        Ok(Prepared::Run(Box::new(RunPlan {
            reporting,
            selection,
            settings,
            targets,
            limits: Limits {
                timeout: args.command_timeout.map(|d| d.0),
                drain: args.drain_timeout.0,
                max_output: args.max_output.0,
            },
            rollout,
            gateway_concurrency: args.connection.gateway_concurrency.0,
            dry_run: args.dry_run,
        })))
    }

    /// Where the nodes came from is a Chef server.
    pub fn from_server(&self) -> bool {
        matches!(self.selection.source, SourceSpec::ChefServer(_))
    }

    /// The report this run writes or adds to.
    pub fn report_path(&self) -> Option<&Path> {
        self.reporting.report.as_ref().map(ReportFile::path)
    }

    /// Whether hosts' output is shown as it arrives.
    pub fn streaming(&self) -> bool {
        self.reporting.output == Output::Stream
    }

    /// The hosts in their waves, for the executor.
    pub fn schedule(&self) -> Schedule<'_> {
        Schedule {
            targets: &self.targets.targets,
            waves: &self.rollout.waves,
            pace: self.rollout.pace,
            max_failures: self.rollout.max_failures,
        }
    }
}

/// The report this run writes, checked before any host: a record is never
/// lost. An existing report is added to (`--resume`) or replaced when the
/// operator says so (`--overwrite-report`), never emptied otherwise; the
/// report a run retries or leaves out cannot be the one it writes; a
/// symlink, FIFO or device at the path is refused.
fn report_file(args: &FleetArgs) -> Result<Option<ReportFile>, Error> {
    let report = match (&args.resume, &args.report) {
        (Some(path), _) => ReportFile::Append(path.clone()),
        (None, Some(path)) if args.overwrite_report => ReportFile::Replace(path.clone()),
        (None, Some(path)) => ReportFile::Create(path.clone()),
        (None, None) => return Ok(None),
    };
    let path = report.path();
    crate::files::check_target(path).map_err(|e| Error::usage(anyhow::anyhow!(e)))?;
    let same = |other: &Option<std::path::PathBuf>| {
        other.as_deref().is_some_and(|other| same_file(other, path))
    };
    if same(&args.retry_failed) {
        return Err(Error::usage(anyhow::anyhow!(
            "--retry-failed and --report name the same file, {}: writing it would lose the hosts that were ok",
            path.display()
        ))
        .with_hint(format!(
            "--resume {} retries the same hosts and appends to that report",
            path.display()
        )));
    }
    if same(&args.exclude_report) {
        return Err(Error::usage(anyhow::anyhow!(
            "--exclude-report and --report name the same file, {}: writing it would lose the hosts it leaves out",
            path.display()
        ))
        .with_hint("write this run's report to another file"));
    }
    if matches!(report, ReportFile::Create(_)) && path.exists() {
        return Err(Error::usage(anyhow::anyhow!(
            "{} exists: galley never writes over a report",
            path.display()
        ))
        .with_hint(format!(
            "--resume {0} adds this run to it (running only the hosts not ok in it); --overwrite-report replaces it; or name another file",
            path.display()
        )));
    }
    Ok(Some(report))
}

/// Whether two paths name one file (an existing one, or the same path).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

/// Keeps the targets an earlier report says to run again; false when none
/// is left (said on stderr).
fn keep_retries(targets: &mut Targets, path: &Path, selection: &Selection) -> Result<bool, Error> {
    let past = super::super::report::read(path, "")?;
    if !targets
        .targets
        .iter()
        .any(|t| past.records.contains_key(&t.name))
    {
        crate::terminal::message(&format!(
            "galley: warning: no selected host is in {}: running them all",
            path.display()
        ));
    }
    let unrecorded: Vec<&str> = targets
        .targets
        .iter()
        .map(|t| t.name.as_str())
        .filter(|name| past.unrecorded.contains_key(*name))
        .collect();
    if let Some(error) = unrecorded.first().map(|name| &past.unrecorded[*name]) {
        let (outcome, it) = if unrecorded.len() == 1 {
            ("its outcome", "it")
        } else {
            ("their outcomes", "them")
        };
        crate::terminal::message(&format!(
            "galley: warning: {}: {} ran, but the report could not record {outcome} ({error}); not run again: check {it}, then run {it} by name if needed",
            path.display(),
            crate::hostlist::fold(&unrecorded),
        ));
    }
    targets.retain_names(|name| past.should_retry(name));
    if targets.is_empty() {
        crate::terminal::message(&format!(
            "galley: nothing to retry: no host selected by {} failed in {}",
            selection.query,
            path.display()
        ));
        return Ok(false);
    }
    Ok(true)
}
