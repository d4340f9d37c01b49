//! Reports and JSON documents as the tests read them: into galley's own
//! record types, which refuse a field they do not know (as ripgrep's JSON
//! tests read its messages), so a test never indexes a JSON path and a
//! field galley writes by mistake fails the test.

use std::collections::BTreeMap;
use std::path::Path;

use galley::outcome::{HostOutcome, OutcomeKind, StepOutcome};
use galley::report::record::{Header, HostRecord, Record, Summary, Unrecorded};
use serde::Deserialize;

/// The lines of a JSON Lines report, read.
#[track_caller]
pub fn report_lines(report: &Path) -> Vec<Record> {
    std::fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("cannot read the report {}: {e}", report.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a report line: {e}: {l}")))
        .collect()
}

/// The host records of a report, by name (the latest line of each host).
#[track_caller]
pub fn host_records(report: &Path) -> BTreeMap<String, HostRecord> {
    report_lines(report)
        .into_iter()
        .filter_map(|r| r.host().cloned())
        .map(|r| (r.name.clone(), r))
        .collect()
}

/// The hosts of a report as galley reads them back (the record made an
/// outcome, its steps' details typed), by name.
#[track_caller]
pub fn outcomes(report: &Path) -> BTreeMap<String, HostOutcome> {
    host_records(report)
        .into_iter()
        .map(|(name, r)| (name, outcome(&r)))
        .collect()
}

/// A host record made an outcome, as galley reads it back.
#[track_caller]
pub fn outcome(record: &HostRecord) -> HostOutcome {
    HostOutcome::try_from(record).unwrap_or_else(|e| panic!("{e}: {record:?}"))
}

/// Each host's outcome in a report.
#[track_caller]
pub fn host_outcomes(report: &Path) -> BTreeMap<String, OutcomeKind> {
    host_records(report)
        .into_iter()
        .map(|(n, r)| (n, r.outcome))
        .collect()
}

/// A host's step by name.
#[track_caller]
pub fn step<'a>(host: &'a HostOutcome, name: &str) -> &'a StepOutcome {
    host.steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name} step in {host:?}"))
}

/// What a record is, for the tests.
pub trait RecordExt {
    fn host(&self) -> Option<&HostRecord>;
    fn header(&self) -> Option<&Header>;
    fn summary(&self) -> Option<&Summary>;
    fn unrecorded(&self) -> Option<&Unrecorded>;
}

impl RecordExt for Record {
    fn host(&self) -> Option<&HostRecord> {
        match self {
            Record::Host(host) => Some(host),
            _ => None,
        }
    }

    fn header(&self) -> Option<&Header> {
        match self {
            Record::Header(header) => Some(header),
            _ => None,
        }
    }

    fn summary(&self) -> Option<&Summary> {
        match self {
            Record::Summary(summary) => Some(summary),
            _ => None,
        }
    }

    fn unrecorded(&self) -> Option<&Unrecorded> {
        match self {
            Record::Unrecorded(lost) => Some(lost),
            _ => None,
        }
    }
}

/// The document `--output json` prints: the report's records in one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    header: Record,
    hosts: Vec<Record>,
    summary: Record,
}

impl Document {
    #[track_caller]
    pub fn read(json: &[u8]) -> Document {
        serde_json::from_slice(json).unwrap_or_else(|e| {
            panic!(
                "not a run's JSON document: {e}\n{}",
                String::from_utf8_lossy(json)
            )
        })
    }

    #[track_caller]
    pub fn header(&self) -> &Header {
        self.header.header().expect("a header record")
    }

    /// The hosts, in the document's order (by name).
    #[track_caller]
    pub fn hosts(&self) -> Vec<&HostRecord> {
        hosts_of(&self.hosts)
    }

    #[track_caller]
    pub fn summary(&self) -> &Summary {
        self.summary.summary().expect("a summary record")
    }
}

/// The document `report show --format json` prints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shown {
    pub counts: BTreeMap<OutcomeKind, usize>,
    hosts: Vec<Record>,
    pub reports: Vec<String>,
    pub runs: usize,
}

impl Shown {
    #[track_caller]
    pub fn read(json: &[u8]) -> Shown {
        serde_json::from_slice(json).unwrap_or_else(|e| {
            panic!(
                "not report show's JSON document: {e}\n{}",
                String::from_utf8_lossy(json)
            )
        })
    }

    #[track_caller]
    pub fn hosts(&self) -> Vec<&HostRecord> {
        hosts_of(&self.hosts)
    }
}

/// A document's host records, each required to be one.
#[track_caller]
fn hosts_of(records: &[Record]) -> Vec<&HostRecord> {
    records
        .iter()
        .map(|r| r.host().expect("a host record"))
        .collect()
}
