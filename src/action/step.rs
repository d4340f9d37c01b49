//! Steps: the pieces the fixup commands are made of (apt sources,
//! chef-client, restarts, verification). A host runs its steps in order over
//! one SSH session and stops at the first that is not ok.
//!
//! A step sends remote commands through [`Remote`], which applies the run's
//! limits (command timeout, output cap, cancellation) to each of them, and
//! leaves what later steps need (when the run started, the new pids) in
//! [`Facts`].

use std::cell::RefCell;
use std::time::Instant;

use super::command::{self, CommandResult, CommandSpec, Limits, OutputSink, Privilege};
use crate::exec::Cancel;
use crate::outcome::{Ended, Exit, HostOutcome, StepOutcome};
use crate::ssh::Connection;
use crate::units::millis;

/// Runs commands on one connected host, under the run's limits.
pub struct Remote<'a> {
    pub conn: &'a Connection,
    pub cancel: &'a Cancel,
    pub limits: Limits,
    /// What the commands run so far noted (see [`CommandResult::note`]),
    /// taken into the step that ran them.
    pub notes: RefCell<Vec<String>>,
    /// Sees the output of the commands worth watching (chef-client's log).
    pub live: Option<OutputSink<'a>>,
}

impl Remote<'_> {
    /// Runs a command; `watch` streams its output to `live`.
    pub fn run(&self, command: String, privilege: Privilege, watch: bool) -> CommandResult {
        self.run_spec(command, privilege, watch, false)
    }

    /// Runs a command whose stdout the step parses byte for byte: the
    /// result also carries it unmasked.
    pub fn run_keeping_unmasked(&self, command: String, privilege: Privilege) -> CommandResult {
        self.run_spec(command, privilege, false, true)
    }

    fn run_spec(
        &self,
        command: String,
        privilege: Privilege,
        watch: bool,
        keep_unmasked: bool,
    ) -> CommandResult {
        let spec = CommandSpec {
            command,
            privilege,
            limits: self.limits,
            keep_unmasked,
        };
        let result = command::run(
            self.conn,
            &spec,
            self.cancel,
            if watch { self.live } else { None },
        );
        if let Some(note) = &result.note {
            self.notes.borrow_mut().push(note.clone());
        }
        result
    }
}

/// What a step learned that a later step needs.
#[derive(Debug, Default)]
pub struct Facts {
    /// The host's clock (epoch seconds) just before chef-client started,
    /// and whether the run reported success (not a why-run).
    pub converged_since: Option<i64>,
    /// Services restarted, with the pid each came back under.
    pub restarted: Vec<(String, u32)>,
}

/// One host, as the steps see it.
pub struct HostContext<'a> {
    pub node: &'a str,
    pub remote: Remote<'a>,
    pub facts: RefCell<Facts>,
}

/// A piece of work on a host.
pub trait Step: Sync {
    /// The step's name in summaries and reports.
    fn name(&self) -> &'static str;

    /// The remote commands the step sends, in order, for `--dry-run`.
    fn plan(&self) -> Vec<String>;

    /// Runs the step on one host.
    fn run(&self, host: &HostContext) -> StepOutcome;
}

/// `galley run`'s command as a step, so that a job of one command runs
/// down the same path as the fixups' steps; the host's record then shows
/// it as the host's own (see [`HostOutcome::take_only_step`]).
pub struct RunCommand {
    /// The operator's command, sent as written.
    pub command: String,
    pub privilege: Privilege,
}

impl Step for RunCommand {
    fn name(&self) -> &'static str {
        "command"
    }

    fn plan(&self) -> Vec<String> {
        vec![self.command.clone()]
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let result = host.remote.run(self.command.clone(), self.privilege, true);
        let mut step = StepOutcome::new(self.name());
        step.end(result.ended);
        step.exit = result.exit;
        step.stdout = result.stdout;
        step.stderr = result.stderr;
        step
    }
}

/// Turns a command that did not run to an exit status (timeout, lost
/// connection, sudo wanting a password, interrupt, a signal) into the
/// step's end and returns true; false when it ran to its exit status.
pub fn unfinished(result: &CommandResult, step: &mut StepOutcome) -> bool {
    if matches!(result.exit, Some(Exit::Code(_)))
        && matches!(result.ended, Ended::Ok | Ended::Failed(_))
    {
        return false;
    }
    step.end(result.ended.clone());
    step.exit = result.exit.clone();
    true
}

/// What a command printed, both streams trimmed and joined.
pub fn said(result: &CommandResult) -> String {
    format!(
        "{}{}",
        result.stdout.text().trim(),
        result.stderr.text().trim()
    )
}

/// `WHAT failed (exit N): STDERR`.
pub fn failed(what: &str, result: &CommandResult) -> String {
    format!(
        "{what} failed (exit {}): {}",
        result.code().unwrap_or(-1),
        result.stderr.text().trim()
    )
}

/// Runs the steps in order on one host; the host ends as its first step
/// that is not ok, that step's name before the reason.
pub fn run_steps(steps: &[&dyn Step], host: &HostContext, outcome: &mut HostOutcome) {
    outcome.ended = Ended::Ok;
    for step in steps {
        let started = Instant::now();
        let mut result = step.run(host);
        result.millis = millis(started.elapsed());
        result.notes.append(&mut host.remote.notes.borrow_mut());
        let ok = result.is_ok();
        if !ok {
            let name = &result.name;
            outcome.ended = result
                .ended
                .clone()
                .map_reason(|reason| format!("{name}: {reason}"));
        }
        outcome.steps.push(result);
        if !ok {
            break;
        }
    }
}
