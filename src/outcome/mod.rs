//! What happened on each host: plain data, serialised into reports.
//!
//! A host's failure is an outcome, never an `Err`: every selected host ends
//! in exactly one [`OutcomeKind`], with the phase that failed, the reason in
//! one line, timings per phase and its captured output.

use serde::{Deserialize, Serialize};

/// Defines [`OutcomeKind`] and [`Stop`] from one list: the outcomes that
/// stop a host or a step before its end are both.
macro_rules! outcome_kinds {
    (
        ends: [$($(#[doc = $end_doc:literal])* $end:ident => $end_name:literal,)*]
        stops: [$($(#[doc = $stop_doc:literal])* $stop:ident => $stop_name:literal,)*]
        never: [$($(#[doc = $never_doc:literal])* $never:ident => $never_name:literal,)*]
    ) => {
        /// How a host ended. The names are stable: reports and scripts use
        /// them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum OutcomeKind {
            $($(#[doc = $end_doc])* $end,)*
            $($(#[doc = $stop_doc])* $stop,)*
            $($(#[doc = $never_doc])* $never,)*
        }

        impl OutcomeKind {
            pub const ALL: [OutcomeKind; [$($end_name,)* $($stop_name,)* $($never_name,)*].len()] =
                [$(OutcomeKind::$end,)* $(OutcomeKind::$stop,)* $(OutcomeKind::$never,)*];

            /// The name used in reports and summaries.
            pub fn name(self) -> &'static str {
                match self {
                    $(OutcomeKind::$end => $end_name,)*
                    $(OutcomeKind::$stop => $stop_name,)*
                    $(OutcomeKind::$never => $never_name,)*
                }
            }

            /// The stop this outcome names, for the outcomes that stop a
            /// host or a step before its end.
            pub fn stop(self) -> Option<Stop> {
                match self {
                    $(OutcomeKind::$stop => Some(Stop::$stop),)*
                    _ => None,
                }
            }
        }

        /// Why a phase stopped before its end: the outcomes that say so.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Stop {
            $($(#[doc = $stop_doc])* $stop,)*
        }

        impl Stop {
            pub const ALL: [Stop; [$($stop_name,)*].len()] = [$(Stop::$stop,)*];

            pub fn kind(self) -> OutcomeKind {
                match self {
                    $(Stop::$stop => OutcomeKind::$stop,)*
                }
            }
        }
    };
}

outcome_kinds! {
    ends: [
        /// The command ran and exited 0.
        Ok => "ok",
        /// The command exited non-zero or was killed by a signal.
        Failed => "failed",
        /// The work reported success that galley could not confirm (a
        /// chef-client run whose node did not check in with the Chef server).
        Unverified => "unverified",
    ]
    stops: [
        /// A phase ran past its deadline (see `phase`).
        Timeout => "timeout",
        /// The address did not resolve, or the connection was refused or had no route.
        Unreachable => "unreachable",
        /// No key or agent identity was accepted.
        AuthFailed => "auth_failed",
        /// The host's key is not known and the policy does not accept new keys.
        HostkeyUnknown => "hostkey_unknown",
        /// The host's key differs from the known one: the command never ran.
        HostkeyMismatch => "hostkey_mismatch",
        /// `--sudo` and sudo wanted a password.
        SudoPasswordRequired => "sudo_password_required",
        /// A protocol or other error (see `reason`).
        Error => "error",
        /// The run was interrupted while this host was running.
        Cancelled => "cancelled",
    ]
    never: [
        /// The host was never started (interrupted run, no usable address).
        Skipped => "skipped",
    ]
}

/// Which of a command's output streams bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// The phases of a host's run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// DNS and the TCP connection.
    Connect,
    /// The SSH handshake and the host key check.
    Handshake,
    /// User authentication.
    Auth,
    /// The remote command.
    Command,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Connect => "connect",
            Phase::Handshake => "handshake",
            Phase::Auth => "auth",
            Phase::Command => "command",
        }
    }
}

/// Milliseconds spent in each phase that started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command_ms: Option<u64>,
    pub total_ms: u64,
}

/// Output captured from one stream, bounded: the head and the tail are
/// kept, and what was dropped between them is counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
    /// Bytes dropped between head and tail.
    pub dropped: u64,
}

impl Captured {
    /// Everything kept, head then tail (with no marker between).
    pub fn kept(&self) -> Vec<u8> {
        let mut all = self.head.clone();
        all.extend_from_slice(&self.tail);
        all
    }

    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty() && self.dropped == 0
    }

    /// Everything kept, as text for galley to read (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.kept()).into_owned()
    }

    /// The output as text for people: invalid UTF-8 escaped (`\xff`), and a
    /// marker where bytes were dropped.
    pub fn display(&self) -> String {
        let mut text = escape_bytes(&self.head);
        if self.dropped > 0 {
            text.push_str(&format!("\n[... {} bytes dropped ...]\n", self.dropped));
        }
        text.push_str(&escape_bytes(&self.tail));
        text
    }
}

/// Valid UTF-8 as it is; each invalid byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// How a command, a step or a host ended, with what explains an end that
/// is not ok: one value, so an ok result with a failing phase, or a
/// failure without its reason, cannot be written down (nextest's
/// `ExecutionResult`). [`OutcomeKind`] is its name in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It did what was asked (the command exited 0).
    Ok,
    /// It ran to its end, and the end was not what was asked: a non-zero
    /// exit, a signal, a check that found the host wrong.
    Failed(String),
    /// It reported success that galley could not confirm.
    Unverified(String),
    /// It stopped in `phase`, before its end.
    Stopped {
        stop: Stop,
        phase: Phase,
        reason: String,
    },
    /// It never started.
    Skipped(String),
}

impl Stop {
    /// `in_phase` with `reason`.
    pub fn at(self, phase: Phase, reason: impl Into<String>) -> Ended {
        Ended::Stopped {
            stop: self,
            phase,
            reason: reason.into(),
        }
    }
}

/// Parts of a report's record that cannot make one [`Ended`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Contradiction {
    #[error("outcome ok with a {0}")]
    OkWith(&'static str),
    #[error("outcome {0} without a reason")]
    NoReason(&'static str),
    #[error("outcome {0} with a phase")]
    PhaseOn(&'static str),
    #[error("outcome {0} without the phase it stopped in")]
    NoPhase(&'static str),
    #[error("both an exit code and a signal")]
    CodeAndSignal,
}

impl Ended {
    /// The name reports and summaries use.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Ended::Ok => OutcomeKind::Ok,
            Ended::Failed(_) => OutcomeKind::Failed,
            Ended::Unverified(_) => OutcomeKind::Unverified,
            Ended::Stopped { stop, .. } => stop.kind(),
            Ended::Skipped(_) => OutcomeKind::Skipped,
        }
    }

    /// The phase that stopped, for an end that stopped.
    pub fn phase(&self) -> Option<Phase> {
        match self {
            Ended::Stopped { phase, .. } => Some(*phase),
            _ => None,
        }
    }

    /// The line that explains an end that is not ok.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Ended::Ok => None,
            Ended::Failed(reason)
            | Ended::Unverified(reason)
            | Ended::Skipped(reason)
            | Ended::Stopped { reason, .. } => Some(reason),
        }
    }

    pub fn is_ok(&self) -> bool {
        *self == Ended::Ok
    }

    /// The same end, its reason rewritten (a step's name put before it).
    pub fn map_reason(self, f: impl FnOnce(String) -> String) -> Ended {
        match self {
            Ended::Ok => Ended::Ok,
            Ended::Failed(r) => Ended::Failed(f(r)),
            Ended::Unverified(r) => Ended::Unverified(f(r)),
            Ended::Skipped(r) => Ended::Skipped(f(r)),
            Ended::Stopped {
                stop,
                phase,
                reason,
            } => Ended::Stopped {
                stop,
                phase,
                reason: f(reason),
            },
        }
    }

    /// Reads an end back from a report's `outcome`, `phase` and `reason`;
    /// parts that contradict each other are refused, not guessed at.
    pub fn from_parts(
        kind: OutcomeKind,
        phase: Option<Phase>,
        reason: Option<String>,
    ) -> Result<Ended, Contradiction> {
        let name = kind.name();
        let Some(stop) = kind.stop() else {
            return match (kind, phase, reason) {
                (OutcomeKind::Ok, None, None) => Ok(Ended::Ok),
                (OutcomeKind::Ok, Some(_), _) => Err(Contradiction::OkWith("phase")),
                (OutcomeKind::Ok, _, Some(_)) => Err(Contradiction::OkWith("reason")),
                (_, _, None) => Err(Contradiction::NoReason(name)),
                (_, Some(_), _) => Err(Contradiction::PhaseOn(name)),
                (OutcomeKind::Failed, None, Some(reason)) => Ok(Ended::Failed(reason)),
                (OutcomeKind::Unverified, None, Some(reason)) => Ok(Ended::Unverified(reason)),
                (_, None, Some(reason)) => Ok(Ended::Skipped(reason)),
            };
        };
        let reason = reason.ok_or(Contradiction::NoReason(name))?;
        let phase = phase.ok_or(Contradiction::NoPhase(name))?;
        Ok(stop.at(phase, reason))
    }
}

/// How a command that ran to its end ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Its exit status.
    Code(i32),
    /// The signal that killed it (`TERM`, `KILL`).
    Signal(String),
}

impl Exit {
    pub fn code(&self) -> Option<i32> {
        match self {
            Exit::Code(code) => Some(*code),
            Exit::Signal(_) => None,
        }
    }

    pub fn signal(&self) -> Option<&str> {
        match self {
            Exit::Signal(signal) => Some(signal),
            Exit::Code(_) => None,
        }
    }

    /// Reads an exit back from a report's `exit_code` and `signal`.
    pub fn from_parts(
        code: Option<i32>,
        signal: Option<String>,
    ) -> Result<Option<Exit>, Contradiction> {
        match (code, signal) {
            (Some(_), Some(_)) => Err(Contradiction::CodeAndSignal),
            (Some(code), None) => Ok(Some(Exit::Code(code))),
            (None, Some(signal)) => Ok(Some(Exit::Signal(signal))),
            (None, None) => Ok(None),
        }
    }
}

/// How one host ended.
#[derive(Debug, Clone, PartialEq)]
pub struct HostOutcome {
    /// The node name.
    pub name: String,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub ended: Ended,
    /// How the command ended, when one ran to its end (`galley run`).
    pub exit: Option<Exit>,
    /// What authenticated: `agent (key comment)` or a key file path.
    pub auth: Option<String>,
    pub timings: Timings,
    pub stdout: Captured,
    pub stderr: Captured,
    /// The steps of a fixup command (apt sources, converge, restart,
    /// verify), in the order they ran; empty for `galley run`.
    pub steps: Vec<StepOutcome>,
    /// What the operator should know of how the host ended, beyond its
    /// outcome (a process its command started still held the output).
    pub notes: Vec<String>,
}

/// One step of a job on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// `apt-sources`, `converge`, `restart`, `verify`, `command`.
    pub name: String,
    pub ended: Ended,
    /// Whether the step changed the host (None: it cannot tell).
    pub changed: Option<bool>,
    pub millis: u64,
    /// What happened, in lines for people; alike across hosts where the
    /// hosts fared alike, so the summary can gather them.
    pub notes: Vec<String>,
    /// What happened, for programs (the report's `details`).
    pub details: Details,
    /// How the step's main remote command ended (chef-client's exit).
    pub exit: Option<Exit>,
    pub stdout: Captured,
    pub stderr: Captured,
}

pub mod details;
pub use details::Details;

impl StepOutcome {
    pub fn new(name: &str) -> StepOutcome {
        StepOutcome {
            name: name.to_string(),
            ended: Ended::Ok,
            changed: None,
            millis: 0,
            notes: Vec::new(),
            details: Details::None,
            exit: None,
            stdout: Captured::default(),
            stderr: Captured::default(),
        }
    }

    /// Marks the step as ended so.
    pub fn end(&mut self, ended: Ended) {
        self.ended = ended;
    }

    /// Marks the step as failed for `reason`.
    pub fn fail(&mut self, reason: impl Into<String>) {
        self.ended = Ended::Failed(reason.into());
    }

    /// Marks the step as unconfirmed for `reason`.
    pub fn unverified(&mut self, reason: impl Into<String>) {
        self.ended = Ended::Unverified(reason.into());
    }

    pub fn kind(&self) -> OutcomeKind {
        self.ended.kind()
    }

    pub fn is_ok(&self) -> bool {
        self.ended.is_ok()
    }
}

impl HostOutcome {
    /// A host that ended before anything ran on it.
    pub fn without_run(name: &str, ended: Ended) -> HostOutcome {
        HostOutcome {
            name: name.to_string(),
            address: None,
            port: None,
            user: None,
            ended,
            exit: None,
            auth: None,
            timings: Timings::default(),
            stdout: Captured::default(),
            stderr: Captured::default(),
            steps: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn kind(&self) -> OutcomeKind {
        self.ended.kind()
    }

    pub fn is_ok(&self) -> bool {
        self.ended.is_ok()
    }

    /// Makes a job's only step the host's own result: its end (without
    /// the step's name before the reason), exit, output and notes, as
    /// `galley run` records a host.
    pub fn take_only_step(&mut self) {
        if self.steps.len() != 1 {
            return;
        }
        let step = self.steps.remove(0);
        self.ended = step.ended;
        self.exit = step.exit;
        self.stdout = step.stdout;
        self.stderr = step.stderr;
        self.notes.extend(step.notes);
    }
}

/// A host that ran a command with this stdout and exit code, for tests.
#[cfg(test)]
pub fn sample_outcome(name: &str, stdout: &str, code: i32) -> HostOutcome {
    let ended = if code == 0 {
        Ended::Ok
    } else {
        Ended::Failed(format!("exit code {code}"))
    };
    let mut o = HostOutcome::without_run(name, ended);
    o.exit = Some(Exit::Code(code));
    o.stdout = Captured {
        head: stdout.as_bytes().to_vec(),
        tail: Vec::new(),
        dropped: 0,
    };
    o
}

/// Counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunStats {
    pub counts: std::collections::BTreeMap<OutcomeKind, usize>,
}

impl RunStats {
    pub fn from_outcomes<'a>(outcomes: impl IntoIterator<Item = &'a HostOutcome>) -> RunStats {
        let mut stats = RunStats::default();
        for o in outcomes {
            *stats.counts.entry(o.kind()).or_default() += 1;
        }
        stats
    }

    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    pub fn all_ok(&self) -> bool {
        self.count(OutcomeKind::Ok) == self.total()
    }

    /// The run's exit code: interrupted (130) before hosts not ok (1).
    pub fn exit_code(&self, interrupted: bool) -> u8 {
        if interrupted {
            crate::exit::INTERRUPTED
        } else if self.all_ok() {
            crate::exit::OK
        } else {
            crate::exit::HOSTS_FAILED
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialize_to_their_names() {
        for kind in OutcomeKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.name());
        }
    }

    // A report's parts that do not make one end are refused, not guessed:
    // an ok host with a failing phase, a failure with no reason.
    #[test]
    fn contradicting_parts_are_refused() {
        let why = || Some("why".to_string());
        assert_eq!(
            Ended::from_parts(OutcomeKind::Ok, Some(Phase::Auth), None),
            Err(Contradiction::OkWith("phase"))
        );
        assert_eq!(
            Ended::from_parts(OutcomeKind::Failed, None, None),
            Err(Contradiction::NoReason("failed"))
        );
        assert_eq!(
            Ended::from_parts(OutcomeKind::Failed, Some(Phase::Command), why()),
            Err(Contradiction::PhaseOn("failed"))
        );
        assert_eq!(
            Ended::from_parts(OutcomeKind::Timeout, None, why()),
            Err(Contradiction::NoPhase("timeout"))
        );
        assert_eq!(
            Exit::from_parts(Some(1), Some("KILL".into())),
            Err(Contradiction::CodeAndSignal)
        );
        let stopped = Ended::from_parts(OutcomeKind::AuthFailed, Some(Phase::Auth), why()).unwrap();
        assert_eq!(
            (stopped.kind(), stopped.phase(), stopped.reason()),
            (OutcomeKind::AuthFailed, Some(Phase::Auth), Some("why"))
        );
    }

    #[test]
    fn invalid_utf8_is_escaped_for_display() {
        assert_eq!(escape_bytes(b"ok \xff\xfe end"), "ok \\xff\\xfe end");
        let c = Captured {
            head: b"a".to_vec(),
            tail: b"z".to_vec(),
            dropped: 10,
        };
        assert_eq!(c.display(), "a\n[... 10 bytes dropped ...]\nz");
    }
}
