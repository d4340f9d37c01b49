//! Reports read together (`report show`, `report junit`, `report html`):
//! every run once, in the order they started, and each host's latest
//! record with the run it came from. Within a file later lines win (a
//! resumed run appends to the same file); across files, the run that
//! started later, then the file named later.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::jsonl::PastRun;
use std::fmt::Write;

use super::record::{Header, HostRecord, Summary};
use crate::outcome::Captured;

/// One run of a report: its header and, when it finished, its summary.
#[derive(Debug, Clone)]
pub struct Run {
    pub file: PathBuf,
    pub header: Header,
    pub summary: Option<Summary>,
}

/// A host's latest record and the run that wrote it.
#[derive(Debug, Clone)]
pub struct Latest {
    /// Index into [`Merged::runs`]; None for a record before any header.
    pub run: Option<usize>,
    pub record: HostRecord,
}

#[derive(Debug, Clone, Default)]
pub struct Merged {
    /// Every run of every file, by start time.
    pub runs: Vec<Run>,
    /// Each host's latest record, by name.
    pub hosts: BTreeMap<String, Latest>,
    /// The runs' elapsed time, from their summaries.
    pub elapsed_ms: u64,
}

impl Merged {
    /// The files as read, in the order named.
    pub fn of(files: Vec<(PathBuf, PastRun)>) -> Merged {
        let mut runs: Vec<(usize, Run)> = Vec::new();
        // name -> (started_at, file order, record)
        let mut latest: BTreeMap<String, (f64, usize, HostRecord)> = BTreeMap::new();
        let mut elapsed_ms = 0;
        for (order, (file, past)) in files.into_iter().enumerate() {
            elapsed_ms += past.elapsed_ms;
            for (header, summary) in past.run_records {
                runs.push((
                    order,
                    Run {
                        file: file.clone(),
                        header,
                        summary,
                    },
                ));
            }
            for (name, (started_at, record)) in past.records {
                let newer = latest
                    .get(&name)
                    .is_none_or(|(at, o, _)| (started_at, order) >= (*at, *o));
                if newer {
                    latest.insert(name, (started_at, order, record));
                }
            }
        }
        runs.sort_by(|(a_order, a), (b_order, b)| {
            (a.header.started_at, a_order)
                .partial_cmp(&(b.header.started_at, b_order))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let hosts = latest
            .into_iter()
            .map(|(name, (started_at, order, record))| {
                let run = runs
                    .iter()
                    .position(|(o, r)| *o == order && r.header.started_at == started_at);
                (name, Latest { run, record })
            })
            .collect();
        Merged {
            runs: runs.into_iter().map(|(_, run)| run).collect(),
            hosts,
            elapsed_ms,
        }
    }

    /// The hosts' latest records, by name.
    pub fn records(&self) -> impl Iterator<Item = &HostRecord> {
        self.hosts.values().map(|l| &l.record)
    }
}

/// The host's output, or each step's in turn (fixups keep theirs in the
/// steps), as text for people (`Captured::display`: bytes that are not
/// UTF-8 escaped, a marker where bytes were dropped).
pub fn output(record: &HostRecord) -> (String, String) {
    let mut stdout = Captured::from(&record.stdout).display();
    let mut stderr = Captured::from(&record.stderr).display();
    for step in &record.steps {
        for (all, stream) in [(&mut stdout, &step.stdout), (&mut stderr, &step.stderr)] {
            let part = Captured::from(stream).display();
            if !part.is_empty() {
                let _ = write!(all, "--- {} ---\n{part}", step.name);
                if !part.ends_with('\n') {
                    all.push('\n');
                }
            }
        }
    }
    (stdout, stderr)
}
