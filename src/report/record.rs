//! The report's records as Rust types: written and read through the same
//! types, so the writer and the readers (`report show`, `report diff`,
//! `--retry-failed`, `--resume`) cannot disagree on a field.
//!
//! JSON Lines schema (version [`SCHEMA_VERSION`]), one record per line,
//! tagged by `type`:
//! - `header`: `version`, `galley`, `started_at` (epoch seconds),
//!   `command`, `query`, `hosts`, `rollout` (version 2: the rollout flags
//!   given; absent in version 1), `operator` (version 3: the local user
//!   and machine that ran it)
//! - `host`, per host, flushed as it finishes: `name`, `address`, `port`,
//!   `user`, `outcome`, `phase`, `reason`, `exit_code`, `signal`, `auth`,
//!   `timings`, `stdout`, `stderr` (each `{encoding, data}`, with
//!   `dropped_bytes` and `dropped_at` when bytes were dropped), and
//!   `steps` (version 2, when the host ran steps), `started_ms` (version
//!   3: when the host started, in milliseconds from the run's start;
//!   absent for a host never started) and `wave` (version 3, when the run
//!   had several: `canary`, `batch 2/5`)
//! - `summary`: `finished_at`, `elapsed_ms`, `counts` (by outcome),
//!   `exit_code`, `stopped` (version 3, when hosts stopped being started:
//!   `after_ms` from the run's start and the `reason`)
//! - `unrecorded`, in place of the summary when the report could not be
//!   written to the end (a full disk): `error`, and `hosts`, the names of
//!   the hosts that finished but are not in the report
//!
//! Records are written with their keys in alphabetical order, as galley
//! has always written them, so a version 1 or 2 report read and written
//! again is byte for byte the same. A field galley does not know is
//! refused, not dropped: a report from a later galley may mean more than
//! this one can read.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::outcome::{
    Captured, Contradiction, Details, Ended, Exit, HostOutcome, OutcomeKind, Phase, RunStats,
    StepOutcome, Timings,
};

pub const SCHEMA_VERSION: u32 = 3;

/// One line of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Header(Box<Header>),
    Host(Box<HostRecord>),
    Summary(Summary),
    Unrecorded(Unrecorded),
}

/// The last line of a report that could not be written to the end: the
/// hosts that finished but are not in it. `--resume` and
/// `--retry-failed` do not run them again: they did run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unrecorded {
    pub error: String,
    pub hosts: Vec<String>,
}

impl Record {
    /// The record as one line of JSON, keys in alphabetical order.
    pub fn to_line(&self) -> String {
        sorted_json(self)
    }
}

/// Any record as JSON with its keys in alphabetical order (serde_json's
/// map is ordered), the way galley writes reports and documents.
pub fn sorted_value(record: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(record).expect("records serialize")
}

fn sorted_json(record: &impl Serialize) -> String {
    serde_json::to_string(&sorted_value(record)).expect("records serialize")
}

/// What a run was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub command: String,
    pub galley: String,
    pub hosts: usize,
    /// Who ran it, from where (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    pub started_at: f64,
    pub version: u32,
}

/// The local user and machine a run was started by and from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    /// The machine's host name.
    pub host: String,
    /// The user's login name.
    pub user: String,
}

impl Operator {
    /// This process's user and machine; None when the user has no name.
    pub fn here() -> Option<Operator> {
        Some(Operator {
            host: crate::sys::host_name(),
            user: crate::sys::login_name()?,
        })
    }
}

/// The rollout flags a run was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_pause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_failures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retried_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub counts: BTreeMap<OutcomeKind, usize>,
    pub elapsed_ms: u64,
    pub exit_code: u8,
    pub finished_at: f64,
    /// When and why hosts stopped being started (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

/// The moment a run stopped starting hosts: a canary not ok, the failure
/// threshold, an interrupt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stopped {
    /// Milliseconds from the run's start.
    pub after_ms: u64,
    pub reason: String,
}

impl Summary {
    pub fn new(
        stats: &RunStats,
        finished_at: f64,
        elapsed_ms: u64,
        exit_code: u8,
        stopped: Option<Stopped>,
    ) -> Summary {
        Summary {
            counts: stats.counts.clone(),
            elapsed_ms,
            exit_code,
            finished_at,
            stopped,
        }
    }
}

/// How a captured stream is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// The bytes are UTF-8 text.
    Utf8,
    /// Anything else, base64.
    Base64,
}

/// A captured stream, lossless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    pub data: String,
    /// Where the dropped bytes were, as an offset into the decoded data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_at: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_bytes: Option<u64>,
    pub encoding: Encoding,
}

impl From<&Captured> for Stream {
    fn from(captured: &Captured) -> Stream {
        let (encoding, data) = match String::from_utf8(captured.kept()) {
            Ok(text) => (Encoding::Utf8, text),
            Err(e) => (
                Encoding::Base64,
                base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
            ),
        };
        let dropped = captured.dropped > 0;
        Stream {
            data,
            dropped_at: dropped.then_some(captured.head.len()),
            dropped_bytes: dropped.then_some(captured.dropped),
            encoding,
        }
    }
}

impl From<&Stream> for Captured {
    fn from(stream: &Stream) -> Captured {
        let bytes = match stream.encoding {
            Encoding::Base64 => base64::engine::general_purpose::STANDARD
                .decode(&stream.data)
                .unwrap_or_default(),
            Encoding::Utf8 => stream.data.as_bytes().to_vec(),
        };
        let at = stream
            .dropped_at
            .map_or(bytes.len(), |a| a.min(bytes.len()));
        Captured {
            head: bytes[..at].to_vec(),
            tail: bytes[at..].to_vec(),
            dropped: stream.dropped_bytes.unwrap_or(0),
        }
    }
}

/// One host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRecord {
    pub address: Option<String>,
    pub auth: Option<String>,
    pub exit_code: Option<i32>,
    pub name: String,
    /// What the operator should know of a host that ended (absent when
    /// there is nothing; reports before it have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub outcome: OutcomeKind,
    pub phase: Option<Phase>,
    pub port: Option<u16>,
    pub reason: Option<String>,
    pub signal: Option<String>,
    pub stderr: Stream,
    pub stdout: Stream,
    /// Milliseconds from the run's start to this host's (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRecord>,
    pub timings: Timings,
    pub user: Option<String>,
    /// The host's wave, when the run had several (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave: Option<String>,
}

/// One step of a fixup command on a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    pub changed: Option<bool>,
    /// What happened, for programs (the step's own shape).
    pub details: serde_json::Value,
    pub exit_code: Option<i32>,
    pub ms: u64,
    pub name: String,
    pub notes: Vec<String>,
    pub outcome: OutcomeKind,
    pub reason: Option<String>,
    pub stderr: Stream,
    pub stdout: Stream,
}

impl From<&StepOutcome> for StepRecord {
    fn from(s: &StepOutcome) -> StepRecord {
        StepRecord {
            changed: s.changed,
            details: sorted_value(&s.details),
            // A step's signal is in its reason: the step record has no
            // field of its own for one.
            exit_code: s.exit.as_ref().and_then(Exit::code),
            ms: s.millis,
            name: s.name.clone(),
            notes: s.notes.clone(),
            outcome: s.ended.kind(),
            reason: s.ended.reason().map(str::to_string),
            stderr: Stream::from(&s.stderr),
            stdout: Stream::from(&s.stdout),
        }
    }
}

/// A record whose parts do not make one outcome; see [`Contradiction`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unreadable {
    #[error("{0}")]
    Parts(#[from] Contradiction),
    #[error("step {step}: {why}")]
    Step { step: String, why: String },
}

impl TryFrom<&StepRecord> for StepOutcome {
    type Error = Unreadable;

    fn try_from(s: &StepRecord) -> Result<StepOutcome, Unreadable> {
        let step = |why: String| Unreadable::Step {
            step: s.name.clone(),
            why,
        };
        // Steps run commands once connected: a step that stopped, stopped
        // in the command phase (the step record has no phase).
        let phase = s.outcome.stop().map(|_| Phase::Command);
        Ok(StepOutcome {
            name: s.name.clone(),
            ended: Ended::from_parts(s.outcome, phase, s.reason.clone())
                .map_err(|e| step(e.to_string()))?,
            changed: s.changed,
            millis: s.ms,
            notes: s.notes.clone(),
            details: Details::read(&s.name, &s.details)
                .map_err(|why| step(format!("details: {why}")))?,
            exit: s.exit_code.map(Exit::Code),
            stdout: Captured::from(&s.stdout),
            stderr: Captured::from(&s.stderr),
        })
    }
}

impl From<&HostOutcome> for HostRecord {
    fn from(o: &HostOutcome) -> HostRecord {
        HostRecord {
            address: o.address.clone(),
            auth: o.auth.clone(),
            exit_code: o.exit.as_ref().and_then(Exit::code),
            name: o.name.clone(),
            notes: o.notes.clone(),
            outcome: o.ended.kind(),
            phase: o.ended.phase(),
            port: o.port,
            reason: o.ended.reason().map(str::to_string),
            signal: o.exit.as_ref().and_then(Exit::signal).map(str::to_string),
            stderr: Stream::from(&o.stderr),
            stdout: Stream::from(&o.stdout),
            started_ms: None,
            steps: o.steps.iter().map(StepRecord::from).collect(),
            timings: o.timings.clone(),
            user: o.user.clone(),
            wave: None,
        }
    }
}

impl TryFrom<&HostRecord> for HostOutcome {
    type Error = Unreadable;

    fn try_from(r: &HostRecord) -> Result<HostOutcome, Unreadable> {
        // A host with steps that stopped, stopped in a step: once
        // connected, in the command phase. Reports written before the
        // phase was set there (a step that wanted a sudo password) say so
        // by the steps alone.
        let stopped_in_a_step = !r.steps.is_empty() && r.outcome.stop().is_some();
        let phase = r.phase.or(stopped_in_a_step.then_some(Phase::Command));
        Ok(HostOutcome {
            name: r.name.clone(),
            address: r.address.clone(),
            port: r.port,
            user: r.user.clone(),
            ended: Ended::from_parts(r.outcome, phase, r.reason.clone())?,
            exit: Exit::from_parts(r.exit_code, r.signal.clone())?,
            auth: r.auth.clone(),
            timings: r.timings.clone(),
            stdout: Captured::from(&r.stdout),
            stderr: Captured::from(&r.stderr),
            steps: r
                .steps
                .iter()
                .map(StepOutcome::try_from)
                .collect::<Result<_, _>>()?,
            notes: r.notes.clone(),
        })
    }
}

/// A host record as `--output json` and `report show --format json` carry
/// it: with its `type`.
pub fn host_value(o: &HostOutcome) -> serde_json::Value {
    sorted_value(&Record::Host(Box::new(HostRecord::from(o))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Stop;
    use proptest::prelude::*;

    fn captured() -> impl Strategy<Value = Captured> {
        (
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<u8>(), 0..40),
            0u64..5,
        )
            .prop_map(|(head, tail, dropped)| {
                // Without dropped bytes, head and tail are one run.
                if dropped == 0 {
                    let mut head = head;
                    head.extend(tail);
                    Captured {
                        head,
                        tail: Vec::new(),
                        dropped,
                    }
                } else {
                    Captured {
                        head,
                        tail,
                        dropped,
                    }
                }
            })
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-z \n\"\\\\é\u{1b}]{0,12}"
    }

    fn phase() -> impl Strategy<Value = Phase> {
        proptest::sample::select(vec![
            Phase::Connect,
            Phase::Handshake,
            Phase::Auth,
            Phase::Command,
        ])
    }

    /// Every end, each with the parts its kind carries; a step's stop is
    /// in the command phase.
    fn ended(step: bool) -> impl Strategy<Value = Ended> {
        let kinds = proptest::sample::select(OutcomeKind::ALL.to_vec());
        (kinds, text(), phase()).prop_map(move |(kind, reason, phase)| {
            let phase = if step { Phase::Command } else { phase };
            [
                Ended::from_parts(kind, None, None),
                Ended::from_parts(kind, None, Some(reason.clone())),
                Ended::from_parts(kind, Some(phase), Some(reason)),
            ]
            .into_iter()
            .find_map(Result::ok)
            .expect("every kind has a form")
        })
    }

    fn details() -> impl Strategy<Value = Details> {
        proptest::sample::select(vec![
            Details::None,
            Details::Verify(crate::outcome::details::Verify::default()),
            Details::Restart(crate::outcome::details::Restart {
                services: vec![crate::outcome::details::Restarted {
                    after: "run: nginx: (pid 9) 1s".into(),
                    before: "run: nginx: (pid 8) 80s".into(),
                    restart_exit_code: Some(0),
                    restart_output: "ok: run: nginx".into(),
                    seconds_since_restart: 1,
                    service: "nginx".into(),
                }],
            }),
        ])
    }

    fn step() -> impl Strategy<Value = StepOutcome> {
        (
            ended(true),
            proptest::option::of(any::<bool>()),
            any::<u64>(),
            captured(),
            proptest::option::of(any::<i32>()),
            details(),
        )
            .prop_map(
                |(ended, changed, millis, out, exit_code, details)| StepOutcome {
                    name: match details {
                        Details::Restart(_) => "restart",
                        _ => "verify",
                    }
                    .into(),
                    ended,
                    changed,
                    millis,
                    notes: vec!["a note".into()],
                    details,
                    exit: exit_code.map(Exit::Code),
                    stdout: out.clone(),
                    stderr: out,
                },
            )
    }

    fn exit() -> impl Strategy<Value = Option<Exit>> {
        prop_oneof![
            Just(None),
            any::<i32>().prop_map(|code| Some(Exit::Code(code))),
            "[A-Z]{1,4}".prop_map(|signal| Some(Exit::Signal(signal))),
        ]
    }

    fn outcome() -> impl Strategy<Value = HostOutcome> {
        (
            "[a-z0-9-]{1,10}",
            ended(false),
            proptest::option::of(any::<u16>()),
            exit(),
            captured(),
            captured(),
            proptest::collection::vec(step(), 0..3),
            proptest::option::of(any::<u64>()),
        )
            .prop_map(
                |(name, ended, port, exit, stdout, stderr, steps, ms)| HostOutcome {
                    name,
                    address: Some("10.0.0.1".into()),
                    port,
                    user: Some("root".into()),
                    ended,
                    exit,
                    auth: None,
                    timings: Timings {
                        connect_ms: ms,
                        total_ms: ms.unwrap_or(0),
                        ..Timings::default()
                    },
                    notes: Vec::new(),
                    stdout,
                    stderr,
                    steps,
                },
            )
    }

    proptest! {
        #[test]
        fn host_records_round_trip(o in outcome()) {
            let line = Record::Host(Box::new(HostRecord::from(&o))).to_line();
            let back: Record = serde_json::from_str(&line).unwrap();
            let Record::Host(record) = back else { panic!("{line}") };
            prop_assert_eq!(HostOutcome::try_from(&*record).unwrap(), o);
            prop_assert_eq!(Record::Host(record).to_line(), line);
        }
    }

    // Reports written by galley at schema versions 1 and 2 read back and
    // are written again byte for byte the same.
    #[test]
    fn committed_reports_of_both_versions_round_trip_unchanged() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports");
        let mut versions = std::collections::BTreeSet::new();
        let mut kinds = std::collections::BTreeSet::new();
        for name in ["v1-run.jsonl", "v2-rotation.jsonl", "v2-license.jsonl"] {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            for line in text.lines() {
                let record: Record =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
                match &record {
                    Record::Header(h) => {
                        versions.insert(h.version);
                    }
                    Record::Host(h) => {
                        kinds.insert(if h.steps.is_empty() {
                            "host"
                        } else {
                            "host with steps"
                        });
                        // Through the outcome and back, as `report show` does.
                        let outcome = HostOutcome::try_from(&**h)
                            .unwrap_or_else(|e| panic!("{name}: {e}: {line}"));
                        let again = HostRecord::from(&outcome);
                        assert_eq!(&again, &**h, "{name}");
                    }
                    Record::Summary(_) => {
                        kinds.insert("summary");
                    }
                    Record::Unrecorded(_) => {
                        kinds.insert("unrecorded");
                    }
                }
                assert_eq!(record.to_line(), line, "{name}");
            }
        }
        assert_eq!(versions, [1, 2].into());
        assert_eq!(kinds.len(), 3, "{kinds:?}");
    }

    // Before the phase was set for a stop in a step, a fixup host whose
    // step wanted a sudo password was written with no phase: its steps
    // say it stopped in the command phase. Without steps, no phase is
    // refused.
    #[test]
    fn a_stop_in_a_step_without_its_phase_reads_as_the_command_phase() {
        let mut host = HostOutcome::without_run(
            "web-01",
            Stop::SudoPasswordRequired.at(Phase::Command, "converge: sudo wants a password"),
        );
        let mut step = StepOutcome::new("converge");
        step.end(Stop::SudoPasswordRequired.at(Phase::Command, "sudo wants a password"));
        host.steps.push(step);
        let mut old = HostRecord::from(&host);
        old.phase = None;
        assert_eq!(HostOutcome::try_from(&old).unwrap(), host);
        old.steps.clear();
        assert_eq!(
            HostOutcome::try_from(&old).unwrap_err(),
            Unreadable::Parts(Contradiction::NoPhase("sudo_password_required"))
        );
    }

    // A field this galley does not know is refused, in every record.
    #[test]
    fn unknown_fields_are_refused() {
        for line in [
            r#"{"type":"summary","counts":{},"elapsed_ms":1,"exit_code":0,"finished_at":1.0,"later":1}"#,
            r#"{"type":"unrecorded","error":"x","hosts":[],"later":1}"#,
            r#"{"type":"header","version":2,"galley":"0","command":"x","query":"*:*","hosts":1,"started_at":1.0,"later":1}"#,
        ] {
            let error = serde_json::from_str::<Record>(line)
                .unwrap_err()
                .to_string();
            assert!(error.contains("unknown field `later`"), "{error}");
        }
    }

    #[test]
    fn keys_are_written_in_alphabetical_order() {
        let line = Record::Summary(Summary {
            counts: BTreeMap::from([(OutcomeKind::Ok, 2), (OutcomeKind::Failed, 1)]),
            elapsed_ms: 5,
            exit_code: 1,
            finished_at: 1.5,
            stopped: None,
        })
        .to_line();
        assert_eq!(
            line,
            r#"{"counts":{"failed":1,"ok":2},"elapsed_ms":5,"exit_code":1,"finished_at":1.5,"type":"summary"}"#
        );
    }
}
