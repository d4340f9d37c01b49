//! The run plan: everything a run that acts on hosts decides from its
//! command line, decided once (ripgrep's `HiArgs`): which hosts (the
//! selection, the shard, the report to leave out or retry from), how to
//! reach them, the limits on every remote command, the rollout, and how
//! the run is reported. After [`RunPlan::from_args`], nothing reads the
//! arguments again.
//!
//! Reading and deciding are apart: [`gather`] reads what the run needs
//! (the hosts the query selects, ssh_config and knife's settings, the
//! reports named), [`RunPlan::decide`] makes the plan of it without
//! reading or printing anything (what the operator must be told comes
//! back as notes), and the tests below are a table of command lines and
//! the plans they make.

use std::path::{Path, PathBuf};

use crate::action::command::Limits;
use crate::cli::{ChefArgs, FleetArgs};
use crate::config::{knife_ssh, ssh_settings, Selection, SourceSpec};
use crate::error::Error;
use crate::exec::{Pace, Schedule};
use crate::exit;
use crate::report::jsonl::PastRun;
use crate::report::nodes;
use crate::report::record::Rollout as RolloutRecord;
use crate::report::reporter::{self, Output, ReportFile};
use crate::rollout::{self, Wave};
use crate::ssh::{self, Policy};
use crate::target::{AddressRule, Targets};
use crate::terminal::HostBytes;
use crate::units::{HostCount, Shard};

/// A run that acts on hosts, as its command line decided it.
pub struct RunPlan {
    pub selection: Selection,
    /// The Chef server flags (`-c`, `--profile`, `--server-url`, ...): the
    /// fixups' post-run check reads the server with them when the nodes
    /// did not come from one.
    pub chef: ChefArgs,
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

impl Rollout {
    /// The waves and pace the rollout flags make of the hosts that run,
    /// and the flags as the report's header records them.
    fn of(
        args: &FleetArgs,
        targets: &Targets,
        shard: Option<Shard>,
        excluded: &Option<(PathBuf, PastRun)>,
        retried: &Option<(PathBuf, PastRun)>,
    ) -> Rollout {
        let text = |v: &dyn std::fmt::Display| Some(v.to_string());
        Rollout {
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
                excluded_from: excluded.as_ref().map(|(p, _)| p.display().to_string()),
                max_failures: args.max_failures.as_ref().and_then(|m| text(m)),
                retried_from: retried.as_ref().map(|(p, _)| p.display().to_string()),
                shard: shard.map(|s| s.to_string()),
            },
        }
    }
}

/// What preparing a run came to.
pub enum Prepared {
    /// Hosts to act on.
    Run(Box<RunPlan>),
    /// Nothing to do, with the exit code (no match: 4; nothing left to
    /// retry: 0); the reason was said on stderr.
    Done(u8),
}

/// What a run reads before it decides anything: the selection and the
/// hosts it selects, how to reach them, the shard, and the reports it
/// leaves out or retries from.
pub(crate) struct Gathered {
    pub selection: Selection,
    pub settings: ssh::Settings,
    pub targets: Targets,
    pub shard: Option<Shard>,
    /// `--exclude-report`, read.
    pub excluded: Option<(PathBuf, PastRun)>,
    /// `--resume` or `--retry-failed`, read.
    pub retried: Option<(PathBuf, PastRun)>,
    /// The report this run writes, checked.
    pub report: Option<ReportFile>,
}

/// What deciding a run came to, and what the operator must be told
/// (`galley: ...` lines, in order), whichever way it went.
pub(crate) struct Decided {
    pub prepared: Prepared,
    pub notes: Vec<String>,
}

impl RunPlan {
    /// Selects the hosts, reads what the run needs, decides the rest of
    /// the run ([`RunPlan::decide`]), says its notes, and checks every
    /// host's route and the identity files before any host.
    pub fn from_args(args: &FleetArgs) -> Result<Prepared, Error> {
        let Some(gathered) = gather(args)? else {
            return Ok(Prepared::Done(exit::NO_MATCH));
        };
        let decided = RunPlan::decide(args, gathered)?;
        for note in &decided.notes {
            crate::terminal::message(&format!("galley: {note}"));
        }
        if let Prepared::Run(plan) = &decided.prepared {
            plan.settings
                .check_identities()
                .map_err(|why| Error::setup(anyhow::anyhow!(why)))?;
            // Every host's route, before any host: a setting galley will
            // not act on stops the run here, named.
            plan.settings.check(&plan.targets.targets).map_err(|why| {
                Error::setup(anyhow::anyhow!(why)).with_hint(
                    "galley refuses what it cannot honour rather than connect another way; change the setting for these hosts, or point -F at another file",
                )
            })?;
        }
        Ok(decided.prepared)
    }

    /// The plan the arguments make of what was gathered: which of the
    /// selected hosts run (the report left out, the shard, the hosts to
    /// retry), the rollout, the limits and the reporting. Reads nothing
    /// and prints nothing: what the operator must be told is in the notes.
    pub(crate) fn decide(args: &FleetArgs, gathered: Gathered) -> Result<Decided, Error> {
        let Gathered {
            selection,
            settings,
            mut targets,
            shard,
            excluded,
            retried,
            report,
        } = gathered;
        if args.max_output.0 > crate::report::jsonl::MAX_OUTPUT {
            return Err(Error::usage(anyhow::anyhow!(
                "--max-output {} bytes: at most 8M a host and stream (galley holds each running host's output in memory; the head and tail are kept)",
                args.max_output.0
            )));
        }
        let mut notes = Vec::new();
        if let Some((path, past)) = &excluded {
            let before = targets.len();
            targets.retain_names(|name| !past.records.contains_key(name));
            notes.push(format!(
                "{} of the {before} selected nodes are in {} and left out",
                before - targets.len(),
                path.display()
            ));
        }
        if let Some(shard) = shard {
            let before = targets.len();
            targets.retain_names(|name| rollout::in_shard(name, shard));
            let kept = targets.len();
            notes.push(format!(
                "shard {shard}: {kept} of the {before} selected nodes"
            ));
        }
        if let Some((path, past)) = &retried {
            if !keep_retries(&mut targets, path, past, &selection, &mut notes) {
                return Ok(Decided {
                    prepared: Prepared::Done(exit::OK),
                    notes,
                });
            }
        }
        for warning in nodes::warnings(&targets) {
            notes.push(format!("warning: {warning}"));
        }
        if settings.policy == Some(Policy::Off) && !args.dry_run {
            notes.push("warning: --host-key-check off: host keys are not checked, a machine in the middle would not be noticed".into());
        }
        let rollout = Rollout::of(args, &targets, shard, &excluded, &retried);
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
        let plan = RunPlan {
            reporting,
            chef: args.select.chef.clone(),
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
        };
        Ok(Decided {
            prepared: Prepared::Run(Box::new(plan)),
            notes,
        })
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
        other
            .as_deref()
            .is_some_and(|other| crate::files::same_file(other, path))
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

/// Reads what the run needs, in the order the command line is checked:
/// the selection, the shard, knife's and ssh's settings, the hosts the
/// query selects (None: nothing matched, said), the reports to leave out
/// or retry from, and the report to write.
fn gather(args: &FleetArgs) -> Result<Option<Gathered>, Error> {
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
    let Some(targets) = super::super::select(&selection)? else {
        return Ok(None);
    };
    let read = |path: &PathBuf| -> Result<(PathBuf, PastRun), Error> {
        Ok((path.clone(), super::super::report::read(path, "")?))
    };
    let excluded = args.exclude_report.as_ref().map(read).transpose()?;
    let retried = args
        .resume
        .as_ref()
        .or(args.retry_failed.as_ref())
        .map(read)
        .transpose()?;
    Ok(Some(Gathered {
        selection,
        settings,
        targets,
        shard,
        excluded,
        retried,
        report: report_file(args)?,
    }))
}

/// Keeps the targets an earlier report says to run again; false when none
/// is left. What the operator must know goes into `notes`.
fn keep_retries(
    targets: &mut Targets,
    path: &Path,
    past: &PastRun,
    selection: &Selection,
    notes: &mut Vec<String>,
) -> bool {
    if !targets
        .targets
        .iter()
        .any(|t| past.records.contains_key(&t.name))
    {
        notes.push(format!(
            "warning: no selected host is in {}: running them all",
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
        notes.push(format!(
            "warning: {}: {} ran, but the report could not record {outcome} ({error}); not run again: check {it}, then run {it} by name if needed",
            path.display(),
            crate::hostlist::fold(&unrecorded),
        ));
    }
    targets.retain_names(|name| past.should_retry(name));
    if targets.is_empty() {
        notes.push(format!(
            "nothing to retry: no host selected by {} failed in {}",
            selection.query,
            path.display()
        ));
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    //! The plans command lines make (as just tests its `Config`): each
    //! case is a command line, what was gathered for it, and the plan.
    use std::collections::BTreeMap;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::outcome::sample_outcome;
    use crate::report::record::HostRecord;
    use crate::rollout::WaveKind;
    use clap::Parser;

    /// The fleet arguments of `galley run ARGS -- true`, and what the run
    /// would gather: the hosts of its `-m` list, no ssh_config but
    /// `-F /dev/null`, and the given reports.
    fn gathered(
        line: &str,
        excluded: Option<PastRun>,
        retried: Option<PastRun>,
    ) -> (FleetArgs, Gathered) {
        let words = ["galley", "run", "-F", "/dev/null"]
            .into_iter()
            .chain(line.split_whitespace())
            .chain(["--", "true"]);
        let cli = Cli::try_parse_from(words).unwrap_or_else(|e| panic!("{line}: {e}"));
        let Command::Run(run) = cli.command else {
            panic!("a run")
        };
        let args = run.fleet;
        let selection = Selection::from_args(&args.select).unwrap();
        let targets = crate::commands::select(&selection).unwrap().unwrap();
        let settings = ssh_settings(&args.connection, &Default::default()).unwrap();
        let shard = args.shard.map(|s| s.resolve(|_| None).unwrap());
        let gathered = Gathered {
            selection,
            settings,
            targets,
            shard,
            excluded: excluded.map(|p| (PathBuf::from("before.jsonl"), p)),
            retried: retried.map(|p| (PathBuf::from("before.jsonl"), p)),
            report: None,
        };
        (args, gathered)
    }

    fn decide(line: &str, excluded: Option<PastRun>, retried: Option<PastRun>) -> Decided {
        let (args, gathered) = gathered(line, excluded, retried);
        RunPlan::decide(&args, gathered).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    fn plan(decided: &Decided) -> &RunPlan {
        match &decided.prepared {
            Prepared::Run(plan) => plan,
            Prepared::Done(code) => panic!("no plan: done with {code}"),
        }
    }

    fn names(plan: &RunPlan) -> Vec<&str> {
        plan.targets
            .targets
            .iter()
            .map(|t| t.name.as_str())
            .collect()
    }

    /// A finished run's report: each host ok or failed.
    fn past(hosts: &[(&str, bool)]) -> PastRun {
        let records: BTreeMap<String, (f64, HostRecord)> = hosts
            .iter()
            .map(|(name, ok)| {
                let outcome = sample_outcome(name, "", if *ok { 0 } else { 1 });
                (name.to_string(), (1.0, HostRecord::from(&outcome)))
            })
            .collect();
        PastRun {
            records,
            runs: 1,
            complete: true,
            ..PastRun::default()
        }
    }

    #[test]
    fn a_plain_run_is_one_wave_of_every_host_with_the_default_limits() {
        let decided = decide("-m web-[01-06]", None, None);
        let plan = plan(&decided);
        assert_eq!(
            names(plan),
            ["web-01", "web-02", "web-03", "web-04", "web-05", "web-06"]
        );
        assert_eq!(plan.rollout.waves.len(), 1);
        assert_eq!(plan.rollout.waves[0].kind, WaveKind::All);
        assert_eq!(plan.rollout.max_failures, None);
        assert_eq!(plan.rollout.record, RolloutRecord::default());
        assert_eq!(plan.limits.timeout, None);
        assert!(plan.reporting.report.is_none());
        assert!(decided.notes.is_empty(), "{:?}", decided.notes);
    }

    #[test]
    fn rollout_flags_make_waves_and_are_recorded() {
        let table: &[(&str, &[WaveKind], RolloutRecord)] = &[
            (
                "-m web-[01-06] --canary 2",
                &[WaveKind::Canary, WaveKind::All],
                RolloutRecord {
                    canary: Some(2),
                    ..Default::default()
                },
            ),
            (
                "-m web-[01-06] --batch-size 3 --batch-pause 5s --max-failures 1",
                &[
                    WaveKind::Batch { number: 1, of: 2 },
                    WaveKind::Batch { number: 2, of: 2 },
                ],
                RolloutRecord {
                    batch_size: Some("3".into()),
                    batch_pause: Some("5s".into()),
                    max_failures: Some("1".into()),
                    ..Default::default()
                },
            ),
            (
                "-m web-[01-06] --canary 1 --batch-size 50%",
                &[
                    WaveKind::Canary,
                    WaveKind::Batch { number: 1, of: 2 },
                    WaveKind::Batch { number: 2, of: 2 },
                ],
                RolloutRecord {
                    canary: Some(1),
                    batch_size: Some("50%".into()),
                    ..Default::default()
                },
            ),
        ];
        for (line, kinds, record) in table {
            let decided = decide(line, None, None);
            let plan = plan(&decided);
            let got: Vec<WaveKind> = plan.rollout.waves.iter().map(|w| w.kind).collect();
            assert_eq!(&got, kinds, "{line}");
            assert_eq!(&plan.rollout.record, record, "{line}");
            let hosts: usize = plan.rollout.waves.iter().map(|w| w.hosts.len()).sum();
            assert_eq!(hosts, 6, "{line}: every host in one wave");
        }
    }

    #[test]
    fn limits_and_output_come_from_their_flags() {
        let decided = decide(
            "-m web-01 --command-timeout 30s --drain-timeout 1s --max-output 1M -C 7 --output json --raw-output",
            None,
            None,
        );
        let plan = plan(&decided);
        assert_eq!(
            plan.limits.timeout,
            Some(std::time::Duration::from_secs(30))
        );
        assert_eq!(plan.limits.drain, std::time::Duration::from_secs(1));
        assert_eq!(plan.limits.max_output, 1 << 20);
        assert_eq!(plan.rollout.pace.concurrency, 7);
        assert_eq!(plan.reporting.output, Output::Json);
        assert_eq!(plan.reporting.host_bytes, HostBytes::Raw);
        let (args, gathered) = gathered("-m web-01 --max-output 9M", None, None);
        let error = RunPlan::decide(&args, gathered).err().expect("refused");
        assert!(error.to_string().contains("at most 8M"), "{error}");
    }

    #[test]
    fn a_shard_and_a_report_left_out_narrow_the_hosts_and_say_so() {
        let decided = decide("-m web-[01-06] --shard 1/2", None, None);
        let kept = names(plan(&decided)).len();
        assert!(kept > 0 && kept < 6, "{kept}");
        assert_eq!(
            decided.notes,
            [format!("shard 1/2: {kept} of the 6 selected nodes")]
        );
        assert_eq!(plan(&decided).rollout.record.shard.as_deref(), Some("1/2"));
        // The other shard holds the rest, and no host twice.
        let other = decide("-m web-[01-06] --shard 2/2", None, None);
        let mut all: Vec<&str> = names(plan(&decided));
        all.extend(names(plan(&other)));
        all.sort();
        assert_eq!(
            all,
            ["web-01", "web-02", "web-03", "web-04", "web-05", "web-06"]
        );

        let ran = past(&[("web-01", true), ("web-02", false)]);
        let decided = decide(
            "-m web-[01-06] --exclude-report before.jsonl",
            Some(ran),
            None,
        );
        assert_eq!(
            names(plan(&decided)),
            ["web-03", "web-04", "web-05", "web-06"]
        );
        assert_eq!(
            decided.notes,
            ["2 of the 6 selected nodes are in before.jsonl and left out"]
        );
        assert_eq!(
            plan(&decided).rollout.record.excluded_from.as_deref(),
            Some("before.jsonl")
        );
    }

    #[test]
    fn a_retry_runs_the_hosts_not_ok_or_says_there_is_nothing_to_retry() {
        let ran = past(&[("web-01", true), ("web-02", false), ("web-03", true)]);
        let decided = decide(
            "-m web-[01-03] --retry-failed before.jsonl",
            None,
            Some(ran),
        );
        assert_eq!(names(plan(&decided)), ["web-02"]);
        assert_eq!(
            plan(&decided).rollout.record.retried_from.as_deref(),
            Some("before.jsonl")
        );
        assert!(decided.notes.is_empty(), "{:?}", decided.notes);

        let all_ok = past(&[("web-01", true), ("web-02", true)]);
        let decided = decide(
            "-m web-[01-02] --retry-failed before.jsonl",
            None,
            Some(all_ok),
        );
        assert!(matches!(decided.prepared, Prepared::Done(exit::OK)));
        assert_eq!(
            decided.notes,
            ["nothing to retry: no host selected by *:* failed in before.jsonl"]
        );

        // Hosts the report never saw: all run, with a warning.
        let elsewhere = past(&[("db-01", false)]);
        let decided = decide(
            "-m web-[01-02] --retry-failed before.jsonl",
            None,
            Some(elsewhere),
        );
        assert!(matches!(decided.prepared, Prepared::Done(exit::OK)));
        assert_eq!(
            decided.notes[0],
            "warning: no selected host is in before.jsonl: running them all"
        );
    }

    #[test]
    fn unchecked_host_keys_are_warned_of_unless_nothing_connects() {
        let decided = decide("-m web-01 --host-key-check off", None, None);
        assert_eq!(
            decided.notes,
            ["warning: --host-key-check off: host keys are not checked, a machine in the middle would not be noticed"]
        );
        let dry = decide("-m web-01 --host-key-check off --dry-run", None, None);
        assert!(dry.notes.is_empty());
        assert!(plan(&dry).dry_run);
    }
}
