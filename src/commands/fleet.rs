//! The driver every command that acts on hosts shares: select the hosts,
//! read the SSH settings, then connect to each host (at most `-C` at once),
//! do the job there (one command, or a list of steps over the same
//! session), and report: progress, the JSON Lines report as hosts finish,
//! the summary or JSON document at the end, the exit code. `--dry-run`
//! prints the plan instead and connects to nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::action::command::{self, Limits, Privilege};
use crate::action::step::{self, Facts, HostContext, Remote, RunCommand, Step};
use crate::cli::{FleetArgs, RunOutput};
use crate::config::{knife_ssh, ssh_settings, Selection, SourceSpec};
use crate::error::Error;
use crate::exec::{self, Cancel, Event, Live, Pace};
use crate::exit;
use crate::outcome::{Ended, HostOutcome, Timings};
use crate::report::human::now_epoch;
use crate::report::nodes;
use crate::report::plan::{self, Plan, PlannedWork};
use crate::report::progress::Progress;
use crate::report::record::{Header, Rollout, SCHEMA_VERSION};
use crate::report::reporter::{self, Output, ReportFile, Reporter};
use crate::rollout::{self, Threshold};
use crate::secrets;
use crate::ssh::{self, Connection, Gateways, Policy};
use crate::target::{AddressRule, Target, Targets};
use crate::terminal::{self, HostBytes};

/// The hosts to act on and how to reach them.
pub struct Prepared {
    pub selection: Selection,
    pub settings: ssh::Settings,
    pub targets: Targets,
    /// Where the nodes came from is a Chef server.
    pub from_server: bool,
    /// The slice of the selection this run took (`--shard`, resolved).
    pub shard: Option<crate::units::Shard>,
}

/// Selects the hosts and reads the SSH settings. `Err(code)` when there is
/// nothing to do (no match: 4; nothing left to retry: 0).
pub fn prepare(args: &FleetArgs) -> Result<Result<Prepared, u8>, Error> {
    let mut selection = Selection::from_args(&args.select)?;
    let shard = args
        .shard
        .map(|spec| spec.resolve(|name| std::env::var(name).ok()))
        .transpose()
        .map_err(|why| Error::usage(anyhow::anyhow!(why)))?;
    let from_server = matches!(selection.source, SourceSpec::ChefServer(_));
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
    let Some(mut targets) = super::select(&selection)? else {
        return Ok(Err(exit::NO_MATCH));
    };
    if let Some(path) = &args.exclude_report {
        let past = super::report::read(path, "")?;
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
    if let Some(path) = args.resume.as_ref().or(args.retry_failed.as_ref()) {
        if !keep_retries(&mut targets, path, &selection)? {
            return Ok(Err(exit::OK));
        }
    }
    for warning in nodes::warnings(&targets) {
        crate::terminal::message(&format!("galley: warning: {warning}"));
    }
    if settings.policy == Some(Policy::Off) && !args.dry_run {
        crate::terminal::message("galley: warning: --host-key-check off: host keys are not checked, a machine in the middle would not be noticed");
    }
    Ok(Ok(Prepared {
        selection,
        settings,
        targets,
        from_server,
        shard,
    }))
}

/// What each host does once connected: steps in order, stopping at the
/// first that is not ok.
pub enum Work<'a> {
    /// One command (`galley run`), recorded as the host's own result.
    Command(RunCommand),
    /// Steps, each recorded (the fixup commands).
    Steps(Vec<&'a dyn Step>),
}

impl Work<'_> {
    fn steps(&self) -> Vec<&dyn Step> {
        match self {
            Work::Command(command) => vec![command],
            Work::Steps(steps) => steps.clone(),
        }
    }
}

/// A job for the driver.
pub struct Job<'a> {
    /// What runs, for the report header and the plan (`converge`,
    /// `fixup --remove-sources X ...`, or the command), secrets masked.
    pub describe: String,
    pub work: Work<'a>,
    /// Lines the plan shows before the commands (the backup id).
    pub plan_notes: Vec<String>,
    /// What `--dry-run` shows each host doing: per step (or the one
    /// command), its name and remote commands, secrets masked.
    pub planned: Vec<(String, Vec<String>)>,
    /// What the run uses that completion offers next time: the ctl name,
    /// the services restarted, the apt-sources backup id.
    pub used: Used,
}

/// Names a run used, for completion (see [`crate::complete::index`]).
#[derive(Debug, Clone, Default)]
pub struct Used {
    pub ctl: Option<String>,
    pub services: Vec<String>,
    pub backup_id: Option<String>,
}

impl<'a> Job<'a> {
    /// A job; the operator's words in it (a command, a pattern) may hold a
    /// token, so what is shown of them is masked here, once.
    pub fn new(describe: &str, work: Work<'a>, plan_notes: Vec<String>) -> Job<'a> {
        let planned = match &work {
            Work::Command(command) => vec![(String::new(), vec![secrets::mask(&command.command)])],
            Work::Steps(steps) => steps
                .iter()
                .map(|step| {
                    let commands = step.plan().iter().map(|c| secrets::mask(c)).collect();
                    (step.name().to_string(), commands)
                })
                .collect(),
        };
        Job {
            describe: secrets::mask(describe),
            work,
            plan_notes,
            planned,
            used: Used::default(),
        }
    }
}

/// Connects to one host and does the job there.
fn run_host(
    target: &Target,
    settings: &ssh::Settings,
    limits: Limits,
    work: &Work,
    gateways: &Gateways,
    cancel: &Cancel,
    live: Option<&Live>,
) -> HostOutcome {
    let started = Instant::now();
    let mut timings = Timings::default();
    let mut outcome = HostOutcome::without_run(&target.name, Ended::Ok);
    let plan = settings.plan(target);
    outcome.address = Some(plan.host.clone());
    outcome.port = Some(plan.port);
    outcome.user = Some(plan.user.clone());
    match ssh::connect(target, &plan, gateways, settings, &mut timings) {
        Err(failure) => outcome.ended = failure.ended(),
        Ok(conn) => {
            outcome.auth = Some(conn.auth.clone());
            let command_started = Instant::now();
            let sink = |stream: u8, bytes: &[u8]| {
                if let Some(live) = live {
                    live.send(stream, bytes);
                }
            };
            let host = HostContext {
                node: &target.name,
                remote: Remote {
                    conn: &conn,
                    cancel,
                    limits,
                    notes: Default::default(),
                    live: live.map(|_| &sink as command::OutputSink),
                },
                facts: std::cell::RefCell::new(Facts::default()),
            };
            step::run_steps(&work.steps(), &host, &mut outcome);
            if let Work::Command(_) = work {
                outcome.take_only_step();
            }
            timings.command_ms = Some(ssh::millis(command_started.elapsed()));
            disconnect(&conn);
        }
    }
    timings.total_ms = ssh::millis(started.elapsed());
    outcome.timings = timings;
    outcome
}

fn disconnect(conn: &Connection) {
    let _ = conn.session.disconnect(None, "galley done", None);
}

/// Keeps the targets an earlier report says to run again; false when none
/// is left (said on stderr).
fn keep_retries(targets: &mut Targets, path: &Path, selection: &Selection) -> Result<bool, Error> {
    let past = super::report::read(path, "")?;
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

/// The first interrupt stops starting hosts, the second stops running ones.
/// Returns when the signal handle is closed.
fn watch_signals(signals: &mut Signals, cancel: &Cancel, progress: &Progress) {
    for signal in signals.forever() {
        let name = if signal == SIGINT {
            "interrupt"
        } else {
            "termination signal"
        };
        cancel.interrupt();
        progress.println(&if cancel.aborted() {
            format!("galley: {name} again: stopping the running hosts")
        } else {
            format!(
                "galley: {name}: starting no more hosts, waiting for the running ones (interrupt again to stop them)"
            )
        });
    }
}

/// The rollout flags, for the report header.
fn rollout_record(args: &FleetArgs, shard: Option<crate::units::Shard>) -> Rollout {
    let text = |v: &dyn std::fmt::Display| Some(v.to_string());
    Rollout {
        batch_pause: args.batch_pause.as_ref().and_then(|p| text(p)),
        batch_size: args.batch_size.as_ref().and_then(|s| text(s)),
        canary: args.canary.map(|n| n.0),
        excluded_from: args
            .exclude_report
            .as_ref()
            .map(|p| p.display().to_string()),
        max_failures: args.max_failures.as_ref().and_then(|m| text(m)),
        retried_from: args
            .resume
            .as_ref()
            .or(args.retry_failed.as_ref())
            .map(|p| p.display().to_string()),
        shard: shard.map(|s| s.to_string()),
    }
}

/// Runs the job on every prepared host and reports: selection, plan or
/// execution, finish. Returns the exit code.
pub fn drive(args: &FleetArgs, prepared: Prepared, job: &Job) -> Result<u8, Error> {
    if args.dry_run {
        terminal::print(
            &plan::render(&plan(args, &prepared, job)),
            HostBytes::Escaped,
        )?;
        return Ok(exit::OK);
    }
    let Prepared {
        selection,
        settings,
        targets,
        shard: prepared_shard,
        ..
    } = prepared;
    let header = Header {
        command: job.describe.clone(),
        galley: env!("CARGO_PKG_VERSION").to_string(),
        hosts: targets.len(),
        query: selection.query.to_string(),
        rollout: Some(rollout_record(args, prepared_shard)),
        started_at: now_epoch(),
        version: SCHEMA_VERSION,
    };
    let mut reporter = Reporter::open(reporting(args, &selection), header, &targets)?;
    let cancel = Cancel::default();
    execute(
        args,
        &settings,
        &job.work,
        &targets.targets,
        &cancel,
        &mut reporter,
    )?;
    remember(args, &job.used);
    reporter.finish(cancel.interrupted())
}

/// Keeps what this run used for completion: its report, ctl, services and
/// backup id.
fn remember(args: &FleetArgs, used: &Used) {
    let report = args
        .resume
        .as_ref()
        .or(args.report.as_ref())
        .and_then(|p| std::path::absolute(p).ok());
    crate::complete::index::remember_run(|history| {
        if let Some(report) = &report {
            history.reports.retain(|r| r != report);
            history.reports.push(report.clone());
            let keep = history.reports.len().saturating_sub(200);
            history.reports.drain(..keep);
        }
        history.ctl.extend(used.ctl.clone());
        history.services.extend(used.services.iter().cloned());
        if let Some(id) = &used.backup_id {
            history.backups.insert(id.clone(), report.clone());
        }
    });
}

/// How the run is reported, from the flags.
fn reporting(args: &FleetArgs, selection: &Selection) -> reporter::Settings {
    reporter::Settings {
        output: match args.output {
            RunOutput::Summary => Output::Summary,
            RunOutput::Stream => Output::Stream,
            RunOutput::Json => Output::Json,
        },
        host_bytes: if args.raw_output {
            HostBytes::Raw
        } else {
            HostBytes::Escaped
        },
        report: match (&args.resume, &args.report) {
            (Some(path), _) => Some(ReportFile::Append(path.clone())),
            (None, Some(path)) => Some(ReportFile::Create(path.clone())),
            (None, None) => None,
        },
        selected_by: selection.understood(),
    }
}

/// Runs the waves on the targets, the reporter taking every event as it
/// comes; interrupts are watched and the progress line drawn meanwhile.
fn execute(
    args: &FleetArgs,
    settings: &ssh::Settings,
    work: &Work,
    targets: &[Target],
    cancel: &Cancel,
    reporter: &mut Reporter,
) -> Result<(), Error> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::setup(anyhow::Error::new(e).context("cannot handle interrupts")))?;
    let signal_handle = signals.handle();
    let gateways = Gateways::new(args.connection.gateway_concurrency.0);
    let streaming = args.output == RunOutput::Stream;
    let waves = rollout::waves(targets, args.canary.map(|c| c.0), args.batch_size);
    let threshold = args.max_failures.map(Threshold::new);
    let pace = Pace {
        concurrency: args.concurrency.0,
        pause: args.batch_pause.map(|p| p.0),
    };
    let limits = Limits {
        timeout: args.command_timeout.map(|d| d.0),
        drain: args.drain_timeout.0,
        max_output: args.max_output.0,
    };
    let progress = reporter.progress().clone();
    let done = AtomicBool::new(false);
    let (events, received) = mpsc::channel::<Event>();
    std::thread::scope(|scope| {
        let (progress, done, gateways) = (&progress, &done, &gateways);
        scope.spawn(move || watch_signals(&mut signals, cancel, progress));
        scope.spawn(move || progress.tick_until(cancel, done));
        let worker = scope.spawn(move || {
            exec::run_waves(
                targets,
                &waves,
                pace,
                cancel,
                &events,
                threshold.as_ref(),
                |t, c, live| {
                    run_host(
                        t,
                        settings,
                        limits,
                        work,
                        gateways,
                        c,
                        streaming.then_some(live),
                    )
                },
            )
        });
        for event in received {
            reporter.event(event);
        }
        worker.join().expect("the executor does not panic");
        signal_handle.close();
        done.store(true, Ordering::SeqCst);
    });
    Ok(())
}

/// The plan `--dry-run` shows.
fn plan(args: &FleetArgs, prepared: &Prepared, job: &Job) -> Plan {
    let targets = &prepared.targets;
    let hosts = targets
        .targets
        .iter()
        .map(|target| {
            let plan = prepared.settings.plan(target);
            let via = match &plan.jumps {
                Ok(jumps) if !jumps.is_empty() => format!(
                    " via {}",
                    jumps
                        .iter()
                        .map(|j| j.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Ok(_) => String::new(),
                Err(e) => format!(" (cannot be reached: {e})"),
            };
            (
                target.name.clone(),
                format!("{}@{}:{}{via}", plan.user, plan.host, plan.port),
            )
        })
        .collect();
    let waves = rollout::waves(&targets.targets, args.canary.map(|c| c.0), args.batch_size);
    let waves = if waves.len() > 1 {
        waves
            .iter()
            .map(|wave| (wave.label(), wave.folded_names(&targets.targets)))
            .collect()
    } else {
        Vec::new()
    };
    let work = match &job.work {
        Work::Command(command) => PlannedWork::Command {
            command: job.planned[0].1.join("\n  "),
            how: match command.privilege {
                Privilege::Login => None,
                Privilege::Sudo => Some("under sudo -n".into()),
                Privilege::Root => Some("as root (sudo -n unless root)".into()),
            },
        },
        Work::Steps(_) => PlannedWork::Steps(job.planned.clone()),
    };
    Plan {
        what: match &job.work {
            Work::Command(_) => format!("run `{}`", job.describe),
            Work::Steps(_) => job.describe.clone(),
        },
        selected_by: prepared.selection.understood(),
        concurrency: args.concurrency.0,
        notes: job.plan_notes.clone(),
        hosts,
        unaddressed: targets
            .unaddressed
            .iter()
            .map(|u| (u.node.name.clone(), u.reason.to_string()))
            .collect(),
        waves,
        max_failures: args.max_failures.map(|m| m.to_string()),
        work,
    }
}
