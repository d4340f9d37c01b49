//! What happened on each host: plain data, serialised into reports.
//!
//! A host's failure is an outcome, never an `Err`: every selected host ends
//! in exactly one [`OutcomeKind`], with the phase that failed, the reason in
//! one line, timings per phase and its captured output.

use serde::{Deserialize, Serialize};

/// How a host ended. The names are stable: reports and scripts use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// The command ran and exited 0.
    Ok,
    /// The command exited non-zero or was killed by a signal.
    Failed,
    /// The work reported success that galley could not confirm (a
    /// chef-client run whose node did not check in with the Chef server).
    Unverified,
    /// A phase ran past its deadline (see `phase`).
    Timeout,
    /// The address did not resolve, or the connection was refused or had no route.
    Unreachable,
    /// No key or agent identity was accepted.
    AuthFailed,
    /// The host's key is not known and the policy does not accept new keys.
    HostkeyUnknown,
    /// The host's key differs from the known one: the command never ran.
    HostkeyMismatch,
    /// `--sudo` and sudo wanted a password.
    SudoPasswordRequired,
    /// A protocol or other error (see `reason`).
    Error,
    /// The run was interrupted while this host was running.
    Cancelled,
    /// The host was never started (interrupted run, no usable address).
    Skipped,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 12] = [
        OutcomeKind::Ok,
        OutcomeKind::Failed,
        OutcomeKind::Unverified,
        OutcomeKind::Timeout,
        OutcomeKind::Unreachable,
        OutcomeKind::AuthFailed,
        OutcomeKind::HostkeyUnknown,
        OutcomeKind::HostkeyMismatch,
        OutcomeKind::SudoPasswordRequired,
        OutcomeKind::Error,
        OutcomeKind::Cancelled,
        OutcomeKind::Skipped,
    ];

    /// The name used in reports and summaries.
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Unverified => "unverified",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::Unreachable => "unreachable",
            OutcomeKind::AuthFailed => "auth_failed",
            OutcomeKind::HostkeyUnknown => "hostkey_unknown",
            OutcomeKind::HostkeyMismatch => "hostkey_mismatch",
            OutcomeKind::SudoPasswordRequired => "sudo_password_required",
            OutcomeKind::Error => "error",
            OutcomeKind::Cancelled => "cancelled",
            OutcomeKind::Skipped => "skipped",
        }
    }
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

/// How one host ended.
#[derive(Debug, Clone, PartialEq)]
pub struct HostOutcome {
    /// The node name.
    pub name: String,
    pub address: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub kind: OutcomeKind,
    /// The phase that failed, for outcomes other than ok/failed/skipped.
    pub phase: Option<Phase>,
    /// One line that explains a result that is not ok.
    pub reason: Option<String>,
    pub exit_code: Option<i32>,
    /// The signal that killed the command (`TERM`, `KILL`).
    pub signal: Option<String>,
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

/// One step of a fixup command on one host.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    /// `apt-sources`, `converge`, `restart`, `verify`.
    pub name: String,
    pub kind: OutcomeKind,
    /// One line that explains a result that is not ok.
    pub reason: Option<String>,
    /// Whether the step changed the host (None: it cannot tell).
    pub changed: Option<bool>,
    pub millis: u64,
    /// What happened, in lines for people; alike across hosts where the
    /// hosts fared alike, so the summary can gather them.
    pub notes: Vec<String>,
    /// What happened, for programs (the report's `details`).
    pub details: serde_json::Value,
    /// The main remote command's exit code and output (chef-client's log).
    pub exit_code: Option<i32>,
    pub stdout: Captured,
    pub stderr: Captured,
}

impl StepOutcome {
    pub fn new(name: &str) -> StepOutcome {
        StepOutcome {
            name: name.to_string(),
            kind: OutcomeKind::Ok,
            reason: None,
            changed: None,
            millis: 0,
            notes: Vec::new(),
            details: serde_json::Value::Null,
            exit_code: None,
            stdout: Captured::default(),
            stderr: Captured::default(),
        }
    }

    /// Marks the step as ended in `kind` for `reason`.
    pub fn fail(&mut self, kind: OutcomeKind, reason: impl Into<String>) {
        self.kind = kind;
        self.reason = Some(reason.into());
    }

    pub fn is_ok(&self) -> bool {
        self.kind == OutcomeKind::Ok
    }
}

impl HostOutcome {
    /// A host that ended before anything ran on it.
    pub fn without_run(name: &str, kind: OutcomeKind, reason: impl Into<String>) -> HostOutcome {
        HostOutcome {
            name: name.to_string(),
            address: None,
            port: None,
            user: None,
            kind,
            phase: None,
            reason: Some(reason.into()),
            exit_code: None,
            signal: None,
            auth: None,
            timings: Timings::default(),
            stdout: Captured::default(),
            stderr: Captured::default(),
            steps: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn is_ok(&self) -> bool {
        self.kind == OutcomeKind::Ok
    }
}

/// A host that ran a command with this stdout and exit code, for tests.
#[cfg(test)]
pub fn sample_outcome(name: &str, stdout: &str, code: i32) -> HostOutcome {
    let kind = if code == 0 {
        OutcomeKind::Ok
    } else {
        OutcomeKind::Failed
    };
    let mut o = HostOutcome::without_run(name, kind, "");
    o.reason = (code != 0).then(|| format!("exit code {code}"));
    o.exit_code = Some(code);
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
            *stats.counts.entry(o.kind).or_default() += 1;
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
