//! Reports on disk and the JSON document: the JSON Lines report written as
//! hosts finish, read back for `report show`, `report diff`,
//! `--retry-failed` and `--resume`, and `--output json`'s document. Both
//! directions go through the types of [`super::record`].
//!
//! A report read from disk is masked as it is read (see
//! [`crate::secrets`]): one written by hand, or by a galley that masked
//! less, is held to the same rule as a fresh run.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::record::{sorted_value, Header, HostRecord, Record, Stream, Summary, SCHEMA_VERSION};
use crate::outcome::{Captured, HostOutcome, OutcomeKind};
use crate::secrets;

/// The JSON Lines report: each line written whole and flushed at once, so a
/// crash or a kill leaves every finished host on disk.
///
/// Space for the last line is kept ahead of the file's end
/// (`fallocate(FALLOC_FL_KEEP_SIZE)`, [`RESERVE`] bytes): when the file
/// system fills up, galley stops writing hosts while the reserve still
/// holds, and the reserve takes the `unrecorded` line that says which
/// hosts are missing. A file system that cannot reserve (not Linux, or no
/// fallocate) is written as before, without that last line.
pub struct JsonlReport {
    file: File,
    /// The length of the complete lines written.
    len: u64,
    /// Whether the reserve is kept (the file system supports it).
    reserving: bool,
    /// The end of the space reserved so far.
    reserved_to: u64,
}

/// Why a record could not be written, or no more can be.
#[derive(Debug)]
pub enum WriteError {
    /// The record is not in the file.
    NotWritten(io::Error),
    /// The record is in the file, but the file system has no room for more.
    Full(io::Error),
}

impl WriteError {
    pub fn io(&self) -> &io::Error {
        match self {
            WriteError::NotWritten(e) | WriteError::Full(e) => e,
        }
    }
}

/// Bytes kept reserved past the report's end for its last line.
pub const RESERVE: u64 = 64 * 1024;

impl JsonlReport {
    /// Creates the report, readable by its owner only (it holds hosts'
    /// output). `replace`: an existing report is overwritten (the operator
    /// said so); otherwise an existing file is an error, never emptied.
    pub fn create(path: &Path, replace: bool) -> io::Result<JsonlReport> {
        JsonlReport::new(crate::files::create_private(path, replace)?, 0)
    }

    fn new(file: File, len: u64) -> io::Result<JsonlReport> {
        let mut report = JsonlReport {
            file,
            len,
            reserving: true,
            reserved_to: len,
        };
        match report.reserve() {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => report.reserving = false,
            Err(e) => return Err(e),
        }
        Ok(report)
    }

    /// Opens a report to add a run to it. A last line cut short (galley
    /// was killed while writing it) is dropped first, so the file stays
    /// one JSON object per line; its host was not recorded as finished, so
    /// it runs again.
    pub fn append(path: &Path) -> io::Result<JsonlReport> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        let mut len = text.len() as u64;
        if !text.is_empty() && !text.ends_with(b"\n") {
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64)?;
            len = keep as u64;
            crate::terminal::message(&format!(
                "galley: note: dropped the cut-short last line of {} before appending",
                path.display()
            ));
        }
        file.seek(SeekFrom::End(0))?;
        JsonlReport::new(file, len)
    }

    /// Keeps [`RESERVE`] bytes allocated past the end.
    fn reserve(&mut self) -> io::Result<()> {
        if !self.reserving || self.reserved_to >= self.len + RESERVE / 2 {
            return Ok(());
        }
        crate::sys::reserve(&self.file, self.len, RESERVE)?;
        self.reserved_to = self.len + RESERVE;
        Ok(())
    }

    /// Writes one record. [`WriteError::Full`]: it is written, but no
    /// other line should be but the last (see [`JsonlReport::write_last`]).
    pub fn write(&mut self, record: &Record) -> Result<(), WriteError> {
        self.write_last(record).map_err(WriteError::NotWritten)?;
        // No room left to keep the reserve: the file system is full. Stop
        // here, while the reserve still holds the last line.
        self.reserve().map_err(WriteError::Full)
    }

    /// Writes a record without renewing the reserve: the last line after
    /// a failed write goes into what is left of it.
    pub fn write_last(&mut self, record: &Record) -> io::Result<()> {
        let mut line = record.to_line();
        line.push('\n');
        // One write per line: a reader never sees half a record unless the
        // machine dies mid-write.
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush());
        match written {
            Ok(()) => self.len += line.len() as u64,
            // Half a line would make the file unreadable: cut it off.
            Err(_) => {
                let _ = self.file.set_len(self.len);
            }
        }
        written
    }
}

/// Writes `--output json`'s document: the header, every host, the
/// summary. Each host's record is built and written in turn, so a large
/// fleet's document is never held in memory whole.
pub fn write_json_document(
    out: impl Write,
    header: &Header,
    outcomes: &[HostOutcome],
    summary: &Summary,
) -> io::Result<()> {
    use serde::ser::{SerializeMap, Serializer};

    struct Hosts<'a>(&'a [HostOutcome]);
    impl serde::Serialize for Hosts<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(super::record::host_value))
        }
    }

    let mut out = io::BufWriter::new(out);
    let mut json = serde_json::Serializer::pretty(&mut out);
    let mut doc = json.serialize_map(Some(3))?;
    doc.serialize_entry(
        "header",
        &sorted_value(&Record::Header(Box::new(header.clone()))),
    )?;
    doc.serialize_entry("hosts", &Hosts(outcomes))?;
    doc.serialize_entry("summary", &sorted_value(&Record::Summary(summary.clone())))?;
    doc.end()?;
    out.write_all(b"\n")?;
    out.flush()
}

/// What an earlier report says about each host.
#[derive(Debug, Default)]
pub struct PastRun {
    /// Host name -> its latest record (later lines win, so resumed runs
    /// appended to the same file tell the latest story), with the start
    /// time of its run.
    pub records: BTreeMap<String, (f64, HostRecord)>,
    /// Runs in the file (header lines).
    pub runs: usize,
    /// Each run's header and, when it finished, its summary, in order.
    pub run_records: Vec<(Header, Option<Summary>)>,
    /// The runs' elapsed time, from their summaries.
    pub elapsed_ms: u64,
    /// The last line was cut short (galley was killed while writing it).
    pub truncated_last_line: bool,
    /// The last run in the file wrote its summary: it finished, so a host
    /// it does not mention was not part of it.
    pub complete: bool,
    /// Hosts that finished in a run whose report could not be written to
    /// the end (its `unrecorded` line), with the error: they ran.
    pub unrecorded: BTreeMap<String, String>,
}

impl PastRun {
    /// Whether a host should run again: it was not ok, or the run was cut
    /// short before the host finished.
    pub fn should_retry(&self, name: &str) -> bool {
        if self.unrecorded.contains_key(name) {
            return false;
        }
        match self.outcome(name) {
            Some(outcome) => outcome != OutcomeKind::Ok,
            None => !self.complete,
        }
    }

    /// A host's latest outcome.
    pub fn outcome(&self, name: &str) -> Option<OutcomeKind> {
        self.records.get(name).map(|(_, r)| r.outcome)
    }
}

/// The version of a header line from a galley later than this one: what
/// explains a report this galley cannot read (its records may carry
/// fields this one does not know).
fn later_version(line: &str) -> Option<u32> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: String,
        version: Option<u32>,
    }
    let probe: Probe = serde_json::from_str(line).ok()?;
    probe
        .version
        .filter(|v| probe.kind == "header" && *v > SCHEMA_VERSION)
}

/// A report this galley must not read: a later version may mean more.
/// Why a report could not be read: each names the file, and the line
/// where there is one.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the report {}: {cause}", path.display())]
    Io { path: PathBuf, cause: io::Error },
    #[error("{} is not a file (a report is a file galley wrote with --report)", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}:{line}: a line of over {} MiB: not a report line (galley bounds each host's output, --max-output)", path.display(), MAX_READ_LINE >> 20)]
    LineTooLong { path: PathBuf, line: usize },
    #[error("{}:{line}: not a report line: {message}", path.display())]
    NotARecord {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}:{line}: the report was written by a later galley (report version {version}; this galley reads versions 1 to {SCHEMA_VERSION}): read it with that galley, or update this one", path.display())]
    LaterVersion {
        path: PathBuf,
        line: usize,
        version: u32,
    },
    #[error("{}:{line}: host {host}: {error}", path.display())]
    Contradicts {
        path: PathBuf,
        line: usize,
        host: String,
        error: super::record::Unreadable,
    },
    #[error("{} is not a galley report (no header line)", path.display())]
    NoHeader { path: PathBuf },
}

/// The longest report line galley reads: a host's record holds at most
/// twice `--max-output` of output (at most [`MAX_OUTPUT`]), which JSON may
/// write six bytes a byte (`\u0000`).
const MAX_READ_LINE: usize = 128 << 20;

/// The largest `--max-output`: each running host's output is held in
/// memory until it ends.
pub const MAX_OUTPUT: usize = 8 << 20;

/// Reads a JSON Lines report, also one cut short by a crash: a last line
/// that is not a record is tolerated (and said); any other bad line is an
/// error naming its line number.
pub fn read_report(path: &Path) -> Result<PastRun, ReadError> {
    let mut past = PastRun::default();
    let mut started_at = 0.0;
    let mut headers = 0;
    past.truncated_last_line = visit_records(path, |number, record: Record| {
        match record {
            Record::Header(header) => {
                headers += 1;
                past.complete = false;
                past.runs += 1;
                started_at = header.started_at;
                past.run_records.push((*header, None));
            }
            Record::Summary(summary) => {
                past.complete = true;
                past.elapsed_ms += summary.elapsed_ms;
                if let Some((_, last)) = past.run_records.last_mut() {
                    *last = Some(summary);
                }
            }
            Record::Unrecorded(lost) => {
                // The run ended; its hosts that are not in the file ran.
                past.complete = true;
                let error = secrets::mask(&lost.error);
                for name in lost.hosts {
                    past.records.remove(&name);
                    past.unrecorded.insert(name, error.clone());
                }
            }
            Record::Host(host) => {
                // Read as an outcome once, so a record whose parts
                // contradict each other is refused here, naming its line.
                if let Err(error) = HostOutcome::try_from(&*host) {
                    return Err(ReadError::Contradicts {
                        path: path.to_path_buf(),
                        line: number,
                        host: host.name.clone(),
                        error,
                    });
                }
                let host = masked(*host);
                past.unrecorded.remove(&host.name);
                past.records.insert(host.name.clone(), (started_at, host));
            }
        }
        Ok(())
    })?;
    if headers == 0 && past.records.is_empty() {
        return Err(ReadError::NoHeader {
            path: path.to_path_buf(),
        });
    }
    Ok(past)
}

/// A line of a report as some reader reads it: all of it ([`Record`]) or
/// only what that reader needs.
pub trait ReportLine: serde::de::DeserializeOwned {
    /// The report version, when this line is a header.
    fn header_version(&self) -> Option<u32>;
}

impl ReportLine for Record {
    fn header_version(&self) -> Option<u32> {
        match self {
            Record::Header(header) => Some(header.version),
            _ => None,
        }
    }
}

/// Calls `visit` with each record of a report and its line number, in
/// order. A report of a later version, a line over [`MAX_READ_LINE`] and a
/// line that is not a record are errors naming the line, but for a last
/// line cut short by a crash, which is left out: then Ok(true).
pub fn visit_records<T: ReportLine>(
    path: &Path,
    mut visit: impl FnMut(usize, T) -> Result<(), ReadError>,
) -> Result<bool, ReadError> {
    use std::io::{BufRead, Read};
    let cannot = |cause: io::Error| ReadError::Io {
        path: path.to_path_buf(),
        cause,
    };
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut reader = io::BufReader::new(File::open(path).map_err(cannot)?);
    let mut truncated = false;
    let mut bytes = Vec::new();
    let mut number = 0;
    loop {
        bytes.clear();
        let read = (&mut reader)
            .take(MAX_READ_LINE as u64 + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(cannot)?;
        if read == 0 {
            break;
        }
        number += 1;
        let ended = bytes.ends_with(b"\n");
        if !ended && bytes.len() > MAX_READ_LINE {
            return Err(ReadError::LineTooLong {
                path: path.to_path_buf(),
                line: number,
            });
        }
        let text = String::from_utf8_lossy(&bytes);
        let line = text.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let record: T = match serde_json::from_str(line) {
            Ok(record) => record,
            // Only the last line can lack its line feed: cut short.
            Err(_) if !ended => {
                truncated = true;
                continue;
            }
            Err(e) => {
                let path = path.to_path_buf();
                return Err(match later_version(line) {
                    Some(version) => ReadError::LaterVersion {
                        path,
                        line: number,
                        version,
                    },
                    None => ReadError::NotARecord {
                        path,
                        line: number,
                        message: e.to_string(),
                    },
                });
            }
        };
        if let Some(version) = record.header_version().filter(|v| *v > SCHEMA_VERSION) {
            return Err(ReadError::LaterVersion {
                path: path.to_path_buf(),
                line: number,
                version,
            });
        }
        visit(number, record)?;
    }
    Ok(truncated)
}

/// A host record read from disk, with secrets masked in every text and
/// captured stream (head and tail each, where bytes were dropped between).
fn masked(mut record: HostRecord) -> HostRecord {
    let text = |t: &mut Option<String>| {
        if let Some(t) = t {
            *t = secrets::mask(t);
        }
    };
    let stream = |s: &mut Stream| {
        let c = Captured::from(&*s);
        *s = Stream::from(&Captured {
            head: secrets::mask_bytes(&c.head),
            tail: secrets::mask_bytes(&c.tail),
            dropped: c.dropped,
        });
    };
    text(&mut record.reason);
    for note in &mut record.notes {
        *note = secrets::mask(note);
    }
    stream(&mut record.stdout);
    stream(&mut record.stderr);
    for step in &mut record.steps {
        text(&mut step.reason);
        for note in &mut step.notes {
            *note = secrets::mask(note);
        }
        masked_value(&mut step.details);
        stream(&mut step.stdout);
        stream(&mut step.stderr);
    }
    record
}

/// Every string inside a JSON value, masked.
fn masked_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => *text = secrets::mask(text),
        Value::Array(items) => items.iter_mut().for_each(masked_value),
        Value::Object(map) => map.values_mut().for_each(masked_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::details;
    use crate::outcome::{sample_outcome as outcome, Details, Ended, StepOutcome};
    use crate::report::record::{host_value, SCHEMA_VERSION};
    use serde_json::json;

    #[test]
    fn the_json_document_is_written_host_by_host_as_one_pretty_document() {
        let outcomes = vec![outcome("web-01", "same\n", 0), outcome("web-02", "x", 3)];
        let header = Header {
            command: "true".into(),
            galley: "0".into(),
            hosts: 2,
            operator: None,
            query: "*:*".into(),
            rollout: None,
            started_at: 1.0,
            version: SCHEMA_VERSION,
        };
        let summary = Summary {
            counts: BTreeMap::from([(OutcomeKind::Ok, 1)]),
            elapsed_ms: 3,
            exit_code: 1,
            finished_at: 2.0,
            stopped: None,
        };
        let mut written = Vec::new();
        write_json_document(&mut written, &header, &outcomes, &summary).unwrap();
        let whole = json!({
            "header": sorted_value(&Record::Header(Box::new(header))),
            "hosts": outcomes.iter().map(host_value).collect::<Vec<_>>(),
            "summary": sorted_value(&Record::Summary(summary)),
        });
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
        assert_eq!(whole["hosts"][1]["type"], "host");
        assert_eq!(whole["header"]["type"], "header");
    }

    // A report galley did not mask (written by hand, or by an older galley
    // that masked the head and the tail apart) is masked as it is read.
    #[test]
    fn reports_read_back_are_masked() {
        let mut o = outcome("h", "", 3);
        o.ended = Ended::Failed("exit code 3: https://tok:@h/".into());
        o.stdout = Captured {
            head:
                b"-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret\n-----END RSA PRIVATE KEY-----\n\xff"
                    .to_vec(),
            tail: b"git https://user:pw@host/".to_vec(),
            dropped: 7,
        };
        let mut step = StepOutcome::new("apt-sources");
        step.notes = vec!["found deb https://glpat-x:@pkgs/".into()];
        step.details = Details::Sources(details::Sources {
            backup: None,
            backup_id: None,
            searched: vec!["/etc/apt/sources.list.d/pkgs.list".into()],
            sources: vec![details::SourceFile {
                action: "found".into(),
                entries: vec![details::SourceEntry {
                    line: 1,
                    text: "deb https://glpat-x:@pkgs/".into(),
                }],
                file: "/etc/apt/sources.list.d/pkgs.list".into(),
                format: "one-line".into(),
                matched_by: "uri".into(),
            }],
        });
        o.steps.push(step);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let lines = [
            r#"{"type":"header","version":2,"galley":"0","command":"x","query":"*:*","hosts":1,"started_at":1.0}"#
                .to_string(),
            Record::Host(Box::new(HostRecord::from(&o))).to_line(),
        ];
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let back = HostOutcome::try_from(&read_report(&path).unwrap().records["h"].1).unwrap();
        let all = format!("{back:?}");
        for secret in ["MIIEsecret", "tok:", "user:pw", "glpat-x"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert_eq!(back.stdout.dropped, 7);
        assert!(back.stdout.head.ends_with(b"PRIVATE KEY-----\n\xff"));
        assert_eq!(back.stdout.tail, b"git https://REDACTED@host/");
    }

    #[test]
    fn a_bad_line_is_named_and_a_cut_last_line_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let header = r#"{"type":"header","version":2,"galley":"0","command":"x","query":"*:*","hosts":1,"started_at":1.0}"#;
        std::fs::write(&path, format!("{header}\n{{\"type\":\"host\",\"na")).unwrap();
        let past = read_report(&path).unwrap();
        assert!(past.truncated_last_line && past.records.is_empty() && past.runs == 1);
        std::fs::write(&path, format!("{header}\n{{\"type\":\"host\"}}\n")).unwrap();
        let error = read_report(&path).unwrap_err().to_string();
        assert!(error.contains("r.jsonl:2: not a report line"), "{error}");
    }

    // An ok host with a failing phase reads two ways: refused, naming the
    // line and the host, not guessed at.
    #[test]
    fn a_host_record_whose_parts_contradict_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let header = r#"{"type":"header","version":2,"galley":"0","command":"x","query":"*:*","hosts":1,"started_at":1.0}"#;
        let mut host = HostRecord::from(&outcome("web-01", "", 0));
        host.phase = Some(crate::outcome::Phase::Auth);
        let line = Record::Host(Box::new(host)).to_line();
        std::fs::write(&path, format!("{header}\n{line}\n")).unwrap();
        let error = read_report(&path).unwrap_err().to_string();
        assert!(
            error.ends_with("r.jsonl:2: host web-01: outcome ok with a phase"),
            "{error}"
        );
    }

    // A report from a later galley says so, instead of naming a field.
    #[test]
    fn a_report_from_a_later_galley_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let header = r#"{"type":"header","version":4,"galley":"9","command":"x","query":"*:*","hosts":1,"started_at":1.0,"retries":2}"#;
        std::fs::write(&path, format!("{header}\n")).unwrap();
        let error = read_report(&path).unwrap_err().to_string();
        assert!(
            error.contains("r.jsonl:1: the report was written by a later galley (report version 4; this galley reads versions 1 to 3)"),
            "{error}"
        );
        // A later header with only known fields is refused all the same,
        // as the same kind of error.
        std::fs::write(&path, header.replace(",\"retries\":2", "") + "\n").unwrap();
        let error = read_report(&path).unwrap_err();
        assert!(
            matches!(
                error,
                ReadError::LaterVersion {
                    line: 1,
                    version: 4,
                    ..
                }
            ),
            "{error}"
        );
        // The same line at this version: the unknown field is named.
        std::fs::write(
            &path,
            header.replace("\"version\":4", "\"version\":3") + "\n",
        )
        .unwrap();
        let error = read_report(&path).unwrap_err().to_string();
        assert!(error.contains("unknown field `retries`"), "{error}");
    }
}
