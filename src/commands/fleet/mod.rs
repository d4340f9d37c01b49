//! The driver every command that acts on hosts shares: the run plan (the
//! hosts and everything else decided from the command line, see
//! [`plan`]), then the job on each host (at most `-C` at once, by the
//! executor: one command, or a list of steps over the same session), and
//! the reporter taking the executor's events: progress, the JSON Lines
//! report as hosts finish, the summary or JSON document at the end, the
//! exit code. `--dry-run` prints the plan instead and connects to nothing.

pub mod plan;

use std::time::Instant;

use crate::action::command::{self, Limits, Privilege};
use crate::action::step::{self, Facts, HostContext, Remote, RunCommand, Step};
use crate::cli::FleetArgs;
use crate::error::Error;
use crate::exec::{self, Cancel, Live};
use crate::exit;
use crate::outcome::{Ended, HostOutcome, OutputStream, Timings};
use crate::report::plan::{self as shown, Plan, PlannedWork};
use crate::report::record::{Header, Operator, SCHEMA_VERSION};
use crate::report::reporter::{self, Reporter};
use crate::secrets;
use crate::ssh::{self, Connection, Gateways};
use crate::target::Target;
use crate::terminal::{self, HostBytes};
use crate::units::now_epoch;
pub use plan::{Prepared, RunPlan};

/// What each host does once connected: steps in order, stopping at the
/// first that is not ok.
pub enum Work {
    /// One command (`galley run`), recorded as the host's own result.
    Command(RunCommand),
    /// Steps, each recorded (the fixup commands).
    Steps(Vec<Box<dyn Step>>),
}

impl Work {
    fn steps(&self) -> Vec<&dyn Step> {
        match self {
            Work::Command(command) => vec![command],
            Work::Steps(steps) => steps.iter().map(Box::as_ref).collect(),
        }
    }
}

/// A job for the driver.
pub struct Job {
    /// What runs, for the report header and the plan (`converge`,
    /// `fixup --remove-sources X ...`, or the command), secrets masked.
    pub describe: String,
    pub work: Work,
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

impl Job {
    /// A job; the operator's words in it (a command, a pattern) may hold a
    /// token, so what is shown of them is masked here, once.
    pub fn new(describe: &str, work: Work, plan_notes: Vec<String>) -> Job {
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
    let plan = match settings.plan(target) {
        Ok(plan) => plan,
        Err(reason) => {
            // Checked before any host: reached only if a setting changed
            // since (a `Match exec` that answers differently).
            outcome.ended = crate::outcome::Stop::Error.at(crate::outcome::Phase::Connect, reason);
            timings.total_ms = crate::units::millis(started.elapsed());
            outcome.timings = timings;
            return outcome;
        }
    };
    outcome.address = Some(plan.host.clone());
    outcome.port = Some(plan.port);
    outcome.user = Some(plan.user.clone());
    match ssh::connect(target, &plan, gateways, settings, &mut timings) {
        Err(failure) => outcome.ended = failure.ended(),
        Ok(conn) => {
            outcome.auth = Some(conn.auth.clone());
            let command_started = Instant::now();
            let sink = |stream: OutputStream, bytes: &[u8]| {
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
            timings.command_ms = Some(crate::units::millis(command_started.elapsed()));
            disconnect(&conn);
        }
    }
    timings.total_ms = crate::units::millis(started.elapsed());
    outcome.timings = timings;
    outcome
}

fn disconnect(conn: &Connection) {
    let _ = conn.session.disconnect(None, "galley done", None);
}

/// Prepares the run, has `job` make the job for it (the steps may
/// depend on the plan: the Chef server check), and runs it on every host,
/// or shows the plan with `--dry-run`. Returns the exit code.
pub fn run(
    args: &FleetArgs,
    job: impl FnOnce(&RunPlan) -> Result<Job, Error>,
) -> Result<u8, Error> {
    let plan = match RunPlan::from_args(args)? {
        Prepared::Run(plan) => plan,
        Prepared::Done(code) => return Ok(code),
    };
    let job = job(&plan)?;
    if plan.dry_run {
        terminal::print(&shown::render(&dry_run(&plan, &job)), HostBytes::Escaped)?;
        return Ok(exit::OK);
    }
    let header = Header {
        command: job.describe.clone(),
        galley: env!("CARGO_PKG_VERSION").to_string(),
        hosts: plan.targets.len(),
        operator: Operator::here(),
        query: plan.selection.query.to_string(),
        rollout: Some(plan.rollout.record.clone()),
        started_at: now_epoch(),
        version: SCHEMA_VERSION,
    };
    let mut reporter = Reporter::open(plan.reporting.clone(), header, &plan.targets)?;
    reporter.name_waves(&plan.rollout.waves);
    let cancel = Cancel::default();
    let gateways = Gateways::new(plan.gateway_concurrency);
    let streaming = plan.streaming();
    exec::run(
        &plan.schedule(),
        &cancel,
        |target, cancel, live| {
            run_host(
                target,
                &plan.settings,
                plan.limits,
                &job.work,
                &gateways,
                cancel,
                streaming.then_some(live),
            )
        },
        |event| reporter.event(event),
    )?;
    remember(&plan, &job.used);
    let code = reporter.finish(cancel.interrupted(), cancel.stopped());
    // The report is whole now: `report history` finds it indexed.
    if let Some(report) = plan.report_path().and_then(|p| std::path::absolute(p).ok()) {
        crate::report::history::remember(&report);
    }
    code
}

/// Keeps what this run used for completion: its report, ctl, services and
/// backup id.
fn remember(plan: &RunPlan, used: &Used) {
    let report = plan.report_path().and_then(|p| std::path::absolute(p).ok());
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

/// Where the run would write its report; a dry run writes none.
fn report_note(report: &reporter::ReportFile) -> String {
    let path = crate::terminal::escape_value(&report.path().display().to_string()).into_owned();
    let how = match report {
        reporter::ReportFile::Create(_) => "a new file",
        reporter::ReportFile::Replace(_) => "replacing the file (--overwrite-report)",
        reporter::ReportFile::Append(_) => "added to the earlier run's (--resume)",
    };
    format!("report: {path}, {how}; --dry-run writes none")
}

/// The plan `--dry-run` shows.
fn dry_run(plan: &RunPlan, job: &Job) -> Plan {
    let targets = &plan.targets;
    let hosts = targets
        .targets
        .iter()
        .map(|target| {
            let (route, via) = match plan.settings.plan(target) {
                Ok(route) => {
                    let via = match &route.route {
                        ssh::Route::Direct => String::new(),
                        other => format!(" {other}"),
                    };
                    (route, via)
                }
                Err(e) => {
                    return (target.name.clone(), format!("cannot be reached: {e}"));
                }
            };
            (
                target.name.clone(),
                format!("{}@{}:{}{via}", route.user, route.host, route.port),
            )
        })
        .collect();
    let waves = &plan.rollout.waves;
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
        selected_by: plan.selection.understood(),
        concurrency: plan.rollout.pace.concurrency,
        notes: job
            .plan_notes
            .iter()
            .cloned()
            .chain(plan.reporting.report.as_ref().map(report_note))
            .collect(),
        hosts,
        unaddressed: targets
            .unaddressed
            .iter()
            .map(|u| (u.node.name.clone(), u.reason.to_string()))
            .collect(),
        waves,
        max_failures: plan.rollout.max_failures.map(|m| m.to_string()),
        work,
    }
}
