//! Reports of a run on hosts: the JSON Lines report written as hosts finish,
//! the JSON document, and the human summary with gathered outputs.
//!
//! What the records carry was masked where it entered galley (see
//! [`crate::secrets`]); a report read back from disk is masked as it is
//! read, so one written by hand or by an older galley is held to the same
//! rule.
//!
//! JSON Lines schema (version [`SCHEMA_VERSION`]), one object per line:
//! - `{"type":"header","version":2,"galley":"0.1.0","started_at":EPOCH,"command":CMD,"query":Q,"hosts":N}`
//! - `{"type":"host", ...}` per host, flushed as it finishes (see [`host_record`])
//! - `{"type":"summary","finished_at":EPOCH,"elapsed_ms":MS,"counts":{"ok":N,...},"exit_code":C}`

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use base64::Engine;
use serde_json::{json, Map, Value};

use super::human::plural;
use crate::hostlist;
use crate::outcome::{escape_bytes, Captured, HostOutcome, OutcomeKind, RunStats, StepOutcome};
use crate::secrets;

pub const SCHEMA_VERSION: u32 = 2;

/// What a run was, for the header.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub command: String,
    pub query: String,
    pub hosts: usize,
    pub started_at: f64,
    /// The rollout settings (`shard`, `canary`, `max_failures`, ...), when any.
    pub rollout: Value,
}

pub fn header_record(info: &RunInfo) -> Value {
    json!({
        "type": "header",
        "version": SCHEMA_VERSION,
        "galley": env!("CARGO_PKG_VERSION"),
        "started_at": info.started_at,
        "command": info.command,
        "query": info.query,
        "hosts": info.hosts,
        "rollout": info.rollout,
    })
}

/// A captured stream, lossless: UTF-8 text as it is, anything else base64.
fn stream_record(captured: &Captured) -> Value {
    let data = captured.kept();
    let mut out = Map::new();
    match String::from_utf8(data) {
        Ok(text) => {
            out.insert("encoding".into(), "utf8".into());
            out.insert("data".into(), text.into());
        }
        Err(e) => {
            out.insert("encoding".into(), "base64".into());
            out.insert(
                "data".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(e.as_bytes())
                    .into(),
            );
        }
    }
    if captured.dropped > 0 {
        out.insert("dropped_bytes".into(), captured.dropped.into());
        out.insert("dropped_at".into(), captured.head.len().into());
    }
    Value::Object(out)
}

/// A record read from a report with every string masked, and every
/// captured stream's bytes (its head and tail each, where bytes were
/// dropped between them).
fn masked_record(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(secrets::mask(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(masked_record).collect()),
        Value::Object(map) if map.contains_key("encoding") && map.contains_key("data") => {
            let captured = captured_from(&Value::Object(map));
            let masked = Captured {
                head: secrets::mask_bytes(&captured.head),
                tail: secrets::mask_bytes(&captured.tail),
                dropped: captured.dropped,
            };
            stream_record(&masked)
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, masked_record(v)))
                .collect(),
        ),
        other => other,
    }
}

/// One step of a fixup command.
fn step_record(s: &StepOutcome) -> Value {
    json!({
        "name": s.name,
        "outcome": s.kind,
        "reason": s.reason,
        "changed": s.changed,
        "ms": s.millis,
        "notes": s.notes,
        "details": s.details,
        "exit_code": s.exit_code,
        "stdout": stream_record(&s.stdout),
        "stderr": stream_record(&s.stderr),
    })
}

/// One host, as the report and `--output json` carry it.
pub fn host_record(o: &HostOutcome) -> Value {
    let mut record = json!({
        "type": "host",
        "name": o.name,
        "address": o.address,
        "port": o.port,
        "user": o.user,
        "outcome": o.kind,
        "phase": o.phase,
        "reason": o.reason,
        "exit_code": o.exit_code,
        "signal": o.signal,
        "auth": o.auth,
        "timings": o.timings,
        "stdout": stream_record(&o.stdout),
        "stderr": stream_record(&o.stderr),
    });
    if !o.steps.is_empty() {
        record["steps"] = o.steps.iter().map(step_record).collect();
    }
    record
}

/// Writes `--output json`'s document: the header, every host, the
/// summary. Each host's record is built and written in turn, so a large
/// fleet's document is never held in memory whole.
pub fn write_json_document(
    out: impl Write,
    header: &Value,
    outcomes: &[HostOutcome],
    summary: &Value,
) -> io::Result<()> {
    use serde::ser::{SerializeMap, Serializer};

    struct Hosts<'a>(&'a [HostOutcome]);
    impl serde::Serialize for Hosts<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(host_record))
        }
    }

    let mut out = io::BufWriter::new(out);
    let mut json = serde_json::Serializer::pretty(&mut out);
    let mut doc = json.serialize_map(Some(3))?;
    doc.serialize_entry("header", header)?;
    doc.serialize_entry("hosts", &Hosts(outcomes))?;
    doc.serialize_entry("summary", summary)?;
    doc.end()?;
    out.write_all(b"\n")?;
    out.flush()
}

fn counts(stats: &RunStats) -> Value {
    Value::Object(
        stats
            .counts
            .iter()
            .map(|(k, n)| (k.name().to_string(), Value::from(*n)))
            .collect(),
    )
}

pub fn summary_record(stats: &RunStats, finished_at: f64, elapsed_ms: u64, exit_code: u8) -> Value {
    json!({
        "type": "summary",
        "finished_at": finished_at,
        "elapsed_ms": elapsed_ms,
        "counts": counts(stats),
        "exit_code": exit_code,
    })
}

/// The JSON Lines report: each line written whole and flushed at once, so a
/// crash or a kill leaves every finished host on disk.
pub struct JsonlReport {
    file: File,
}

impl JsonlReport {
    pub fn create(path: &Path) -> io::Result<JsonlReport> {
        Ok(JsonlReport {
            file: File::create(path)?,
        })
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
        if !text.is_empty() && !text.ends_with(b"\n") {
            let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(keep as u64)?;
            crate::terminal::message(&format!(
                "galley: note: dropped the cut-short last line of {} before appending",
                path.display()
            ));
        }
        file.seek(SeekFrom::End(0))?;
        Ok(JsonlReport { file })
    }

    pub fn write(&mut self, record: &Value) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).expect("records serialize");
        line.push(b'\n');
        // One write per line: a reader never sees half a record unless the
        // machine dies mid-write.
        self.file.write_all(&line)?;
        self.file.flush()
    }
}

/// What an earlier report says about each host.
#[derive(Debug, Default)]
pub struct PastRun {
    /// Host name -> its latest record (later lines win, so resumed runs
    /// appended to the same file tell the latest story), with the start
    /// time of its run.
    pub records: BTreeMap<String, (f64, Value)>,
    /// Runs in the file (header lines).
    pub runs: usize,
    /// The runs' elapsed time, from their summaries.
    pub elapsed_ms: u64,
    /// The last line was cut short (galley was killed while writing it).
    pub truncated_last_line: bool,
    /// The last run in the file wrote its summary: it finished, so a host
    /// it does not mention was not part of it.
    pub complete: bool,
}

impl PastRun {
    /// Whether a host should run again: it was not ok, or the run was cut
    /// short before the host finished.
    pub fn should_retry(&self, name: &str) -> bool {
        match self.outcome(name) {
            Some(outcome) => outcome != "ok",
            None => !self.complete,
        }
    }

    /// A host's latest outcome name.
    pub fn outcome(&self, name: &str) -> Option<&str> {
        self.records.get(name)?.1["outcome"].as_str()
    }
}

/// Reads a JSON Lines report, also one cut short by a crash: a last line
/// that is not JSON is tolerated (and said); any other bad line is an error
/// naming its line number.
pub fn read_report(path: &Path) -> Result<PastRun, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read the report {}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    let mut past = PastRun::default();
    let mut started_at = 0.0;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Value = match serde_json::from_str(line) {
            Ok(record) => masked_record(record),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {
                past.truncated_last_line = true;
                continue;
            }
            Err(e) => {
                return Err(format!(
                    "{}:{}: not a report line: {e}",
                    path.display(),
                    i + 1
                ))
            }
        };
        match record["type"].as_str() {
            Some("header") => {
                past.complete = false;
                past.runs += 1;
                started_at = record["started_at"].as_f64().unwrap_or(0.0);
            }
            Some("summary") => {
                past.complete = true;
                past.elapsed_ms += record["elapsed_ms"].as_u64().unwrap_or(0);
            }
            _ => {}
        }
        if record["type"] == "host" {
            if let (Some(name), Some(_)) = (record["name"].as_str(), record["outcome"].as_str()) {
                past.records.insert(name.to_string(), (started_at, record));
            }
        }
    }
    if past.records.is_empty() && !lines.iter().any(|l| l.contains("\"type\":\"header\"")) {
        return Err(format!(
            "{} is not a galley report (no header line)",
            path.display()
        ));
    }
    Ok(past)
}

/// A stream record back into the bytes it holds (redacted as written).
fn captured_from(v: &Value) -> Captured {
    let data = v["data"].as_str().unwrap_or("");
    let bytes = match v["encoding"].as_str() {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap_or_default(),
        _ => data.as_bytes().to_vec(),
    };
    let dropped = v["dropped_bytes"].as_u64().unwrap_or(0);
    let at = v["dropped_at"]
        .as_u64()
        .map_or(bytes.len(), |a| (a as usize).min(bytes.len()));
    Captured {
        head: bytes[..at].to_vec(),
        tail: bytes[at..].to_vec(),
        dropped,
    }
}

fn field<T: serde::de::DeserializeOwned>(v: &Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

fn text_field(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// A host record of a report back into an outcome (for `galley report`).
pub fn outcome_from_record(v: &Value) -> HostOutcome {
    let mut o = HostOutcome::without_run(
        v["name"].as_str().unwrap_or("?"),
        field(&v["outcome"]).unwrap_or(OutcomeKind::Error),
        "",
    );
    o.reason = text_field(&v["reason"]);
    o.address = text_field(&v["address"]);
    o.port = field(&v["port"]);
    o.user = text_field(&v["user"]);
    o.phase = field(&v["phase"]);
    o.exit_code = field(&v["exit_code"]);
    o.signal = text_field(&v["signal"]);
    o.auth = text_field(&v["auth"]);
    o.timings = field(&v["timings"]).unwrap_or_default();
    o.stdout = captured_from(&v["stdout"]);
    o.stderr = captured_from(&v["stderr"]);
    o.steps = v["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let mut step = StepOutcome::new(s["name"].as_str().unwrap_or("?"));
                    step.kind = field(&s["outcome"]).unwrap_or(OutcomeKind::Error);
                    step.reason = text_field(&s["reason"]);
                    step.changed = field(&s["changed"]);
                    step.millis = s["ms"].as_u64().unwrap_or(0);
                    step.notes = field(&s["notes"]).unwrap_or_default();
                    step.details = s["details"].clone();
                    step.exit_code = field(&s["exit_code"]);
                    step.stdout = captured_from(&s["stdout"]);
                    step.stderr = captured_from(&s["stderr"]);
                    step
                })
                .collect()
        })
        .unwrap_or_default();
    o
}

/// Prints output line by line as it arrives, each line prefixed with its
/// node name (padded, as knife does); a last line without a newline is
/// printed when its host finishes.
pub struct StreamPrinter {
    names: Vec<String>,
    width: usize,
    /// Unfinished lines, per host and stream.
    partial: BTreeMap<(usize, u8), Vec<u8>>,
}

impl StreamPrinter {
    pub fn new(targets: &[crate::target::Target]) -> StreamPrinter {
        StreamPrinter {
            names: targets.iter().map(|t| t.name.clone()).collect(),
            width: targets
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(0),
            partial: BTreeMap::new(),
        }
    }

    fn line(&self, index: usize, stream: u8, line: &[u8]) -> String {
        // galley's own marker lines (the host clock before chef-client).
        if line.first() == Some(&0x1e) {
            return String::new();
        }
        let mark = if stream == 0 { '|' } else { '!' };
        format!(
            "{:<width$} {mark} {}\n",
            self.names[index],
            shown(line),
            width = self.width
        )
    }

    /// The complete lines this chunk finishes.
    pub fn output(&mut self, index: usize, stream: u8, bytes: &[u8]) -> String {
        let pending = self.partial.entry((index, stream)).or_default();
        pending.extend_from_slice(bytes);
        let Some(last_newline) = pending.iter().rposition(|&b| b == b'\n') else {
            return String::new();
        };
        let complete: Vec<u8> = pending.drain(..=last_newline).collect();
        complete
            .split(|&b| b == b'\n')
            .take_while(|_| true)
            .collect::<Vec<_>>()
            .split_last()
            .map(|(_, lines)| lines.iter().map(|l| self.line(index, stream, l)).collect())
            .unwrap_or_default()
    }

    /// Lines left without a newline when the host finished.
    pub fn finish(&mut self, index: usize) -> String {
        let mut out = String::new();
        for stream in [0, 1] {
            if let Some(rest) = self.partial.remove(&(index, stream)) {
                if !rest.is_empty() {
                    out.push_str(&self.line(index, stream, &rest));
                }
            }
        }
        out
    }
}

/// The human summary: counts, the hosts that are not ok with their reason,
/// then outputs gathered across hosts, the largest group first.
pub fn render_summary(outcomes: &[HostOutcome], elapsed_ms: u64) -> String {
    let mut out = render_failures(outcomes, elapsed_ms);
    append_gathered(&mut out, outcomes);
    append_step_results(&mut out, outcomes);
    out
}

/// Per step: its outcomes across hosts, changed and unchanged hosts, and
/// hosts that stopped before it.
fn render_step_counts(outcomes: &[HostOutcome]) -> String {
    let with_steps: Vec<&HostOutcome> = outcomes.iter().filter(|o| !o.steps.is_empty()).collect();
    let mut names: Vec<&str> = Vec::new();
    for o in &with_steps {
        for s in &o.steps {
            if !names.contains(&s.name.as_str()) {
                names.push(&s.name);
            }
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut out = String::from("\nsteps:\n");
    for name in names {
        let steps: Vec<&StepOutcome> = with_steps
            .iter()
            .filter_map(|o| o.steps.iter().find(|s| s.name == name))
            .collect();
        let mut parts: Vec<String> = OutcomeKind::ALL
            .iter()
            .map(|k| (k, steps.iter().filter(|s| s.kind == *k).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {}", k.name()))
            .collect();
        let changed = steps.iter().filter(|s| s.changed == Some(true)).count();
        let unchanged = steps.iter().filter(|s| s.changed == Some(false)).count();
        if changed + unchanged > 0 {
            parts.push(format!("{changed} changed, {unchanged} unchanged"));
        }
        let missing = with_steps.len() - steps.len();
        if missing > 0 {
            parts.push(format!("{missing} not reached"));
        }
        let mut times: Vec<u64> = steps.iter().map(|s| s.millis).collect();
        times.sort_unstable();
        let time = |ms: u64| format!("{:.1}s", ms as f64 / 1000.0);
        let timing = match times.as_slice() {
            [] => String::new(),
            [only] => format!(" ({})", time(*only)),
            all => format!(
                " (median {}, slowest {})",
                time(all[all.len() / 2]),
                time(all[all.len() - 1])
            ),
        };
        out.push_str(&format!("  {name:<width$}  {}{timing}\n", parts.join(", ")));
    }
    out
}

/// Hosts whose steps went alike, gathered under folded host lists.
fn append_step_results(out: &mut String, outcomes: &[HostOutcome]) {
    let mut groups: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| !o.steps.is_empty()) {
        let mut lines = Vec::new();
        for s in &o.steps {
            for note in &s.notes {
                lines.push(format!("{}: {note}", s.name));
            }
            if !s.is_ok() {
                lines.push(format!(
                    "{}: {}: {}",
                    s.name,
                    s.kind.name(),
                    s.reason.as_deref().unwrap_or("")
                ));
            }
        }
        groups.entry(lines).or_default().push(&o.name);
    }
    if groups.is_empty() {
        return;
    }
    let mut groups: Vec<(Vec<String>, Vec<&str>)> = groups.into_iter().collect();
    for (_, names) in &mut groups {
        names.sort();
    }
    groups.sort_by(|a, b| largest_first(&a.1, &b.1));
    out.push_str("\nresults:\n");
    for (lines, names) in groups {
        out.push_str(&group_heading(&names, ""));
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// The counts line and the hosts that are not ok.
pub fn render_failures(outcomes: &[HostOutcome], elapsed_ms: u64) -> String {
    let stats = RunStats::from_outcomes(outcomes);
    let mut out = String::new();
    let parts: Vec<String> = OutcomeKind::ALL
        .iter()
        .filter(|k| stats.count(**k) > 0)
        .map(|k| format!("{} {}", stats.count(*k), k.name()))
        .collect();
    out.push_str(&format!(
        "{}: {} ({:.1}s)\n",
        plural(stats.total(), "host", "hosts"),
        parts.join(", "),
        elapsed_ms as f64 / 1000.0
    ));

    out.push_str(&render_step_counts(outcomes));

    let not_ok: Vec<&HostOutcome> = outcomes.iter().filter(|o| !o.is_ok()).collect();
    if !not_ok.is_empty() {
        out.push_str("\nnot ok:\n");
        let width = not_ok.iter().map(|o| o.name.len()).max().unwrap_or(0);
        let kind_width = not_ok
            .iter()
            .map(|o| o.kind.name().len())
            .max()
            .unwrap_or(0);
        for o in &not_ok {
            let phase = o
                .phase
                .map(|p| format!("{}: ", p.name()))
                .unwrap_or_default();
            let reason = o.reason.as_deref().unwrap_or("");
            out.push_str(&format!(
                "  {:<width$}  {:<kind_width$}  {phase}{reason}\n",
                o.name,
                o.kind.name()
            ));
        }
    }

    out
}

fn append_gathered(out: &mut String, outcomes: &[HostOutcome]) {
    let groups = gather(outcomes);
    if !groups.is_empty() {
        out.push_str("\noutput:\n");
    }
    for group in groups {
        let status = match (group.exit_code, &group.signal) {
            (_, Some(sig)) => format!("signal {sig}"),
            (Some(code), None) => format!("exit {code}"),
            (None, None) => "no exit status".into(),
        };
        out.push_str(&group_heading(&group.names, &format!(", {status}")));
        let stdout = group.stdout.display();
        if !stdout.is_empty() {
            out.push_str(&stdout);
            if !stdout.ends_with('\n') {
                out.push_str("\n[no newline at end]\n");
            }
        }
        let stderr = group.stderr.display();
        if !stderr.is_empty() {
            out.push_str("-- stderr\n");
            out.push_str(&stderr);
            if !stderr.ends_with('\n') {
                out.push_str("\n[no newline at end]\n");
            }
        }
    }
}

/// Hosts whose command produced the same stdout, stderr and exit status.
pub struct Group<'a> {
    pub names: Vec<&'a str>,
    pub stdout: &'a Captured,
    pub stderr: &'a Captured,
    pub exit_code: Option<i32>,
    pub signal: Option<String>,
}

/// Groups the hosts that ran their command, largest group first, ties by
/// their first host name.
pub fn gather(outcomes: &[HostOutcome]) -> Vec<Group<'_>> {
    type Key<'a> = (&'a Captured, &'a Captured, Option<i32>, Option<&'a str>);
    let mut groups: BTreeMap<Vec<u8>, (Key, Vec<&str>)> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| o.steps.is_empty()) {
        let ran = o.exit_code.is_some()
            || o.signal.is_some()
            || !o.stdout.is_empty()
            || !o.stderr.is_empty();
        if !ran {
            continue;
        }
        // A key that cannot collide between different outputs.
        let mut id = Vec::new();
        for part in [
            &o.stdout.head,
            &o.stdout.tail,
            &o.stderr.head,
            &o.stderr.tail,
        ] {
            id.extend_from_slice(&(part.len() as u64).to_le_bytes());
            id.extend_from_slice(part);
        }
        id.extend_from_slice(
            format!(
                "{}|{}|{:?}|{:?}",
                o.stdout.dropped, o.stderr.dropped, o.exit_code, o.signal
            )
            .as_bytes(),
        );
        groups
            .entry(id)
            .or_insert_with(|| {
                (
                    (&o.stdout, &o.stderr, o.exit_code, o.signal.as_deref()),
                    Vec::new(),
                )
            })
            .1
            .push(&o.name);
    }
    let mut out: Vec<Group> = groups
        .into_values()
        .map(|((stdout, stderr, exit_code, signal), mut names)| {
            names.sort();
            Group {
                names,
                stdout,
                stderr,
                exit_code,
                signal: signal.map(str::to_string),
            }
        })
        .collect();
    out.sort_by(|a, b| largest_first(&a.names, &b.names));
    out
}

/// The order summaries show groups of hosts in (each group's names
/// sorted): the largest group first, ties by their first name.
fn largest_first(a: &[&str], b: &[&str]) -> std::cmp::Ordering {
    b.len().cmp(&a.len()).then(a[0].cmp(b[0]))
}

/// `== web-[01-10] (10 hosts DETAIL)`: the line above a group's output.
fn group_heading(names: &[&str], detail: &str) -> String {
    format!(
        "== {} ({}{detail})\n",
        hostlist::fold(names),
        plural(names.len(), "host", "hosts")
    )
}

/// Output shown escaped for people (for the stream mode and messages).
pub fn shown(bytes: &[u8]) -> String {
    escape_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, stdout: &str, code: i32) -> HostOutcome {
        let mut o = HostOutcome::without_run(
            name,
            if code == 0 {
                OutcomeKind::Ok
            } else {
                OutcomeKind::Failed
            },
            "",
        );
        o.reason = (code != 0).then(|| format!("exit code {code}"));
        o.exit_code = Some(code);
        o.stdout = Captured {
            head: stdout.as_bytes().to_vec(),
            tail: Vec::new(),
            dropped: 0,
        };
        o
    }

    #[test]
    fn the_json_document_is_written_host_by_host_as_one_pretty_document() {
        let outcomes = vec![outcome("web-01", "same\n", 0), outcome("web-02", "x", 3)];
        let header = json!({"type": "header", "command": "true"});
        let summary = json!({"type": "summary", "exit_code": 1});
        let mut written = Vec::new();
        write_json_document(&mut written, &header, &outcomes, &summary).unwrap();
        let whole = json!({
            "header": header,
            "hosts": outcomes.iter().map(host_record).collect::<Vec<_>>(),
            "summary": summary,
        });
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap() + "\n"
        );
    }

    #[test]
    fn identical_outputs_are_gathered_under_folded_names() {
        let outcomes = vec![
            outcome("web-02", "same\n", 0),
            outcome("web-01", "same\n", 0),
            outcome("web-03", "other\n", 0),
            outcome("web-04", "same\n", 1),
            outcome("web-05", "same\n", 0),
        ];
        let groups = gather(&outcomes);
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].names, ["web-01", "web-02", "web-05"]);
        let text = render_summary(&outcomes, 1200);
        assert!(
            text.starts_with("5 hosts: 4 ok, 1 failed (1.2s)\n"),
            "{text}"
        );
        assert!(
            text.contains("== web-[01-02,05] (3 hosts, exit 0)\nsame\n"),
            "{text}"
        );
        assert!(text.contains("  web-04  failed  exit code 1\n"), "{text}");
    }

    #[test]
    fn streamed_lines_are_prefixed_and_the_last_partial_line_kept() {
        let targets: Vec<crate::target::Target> = ["a", "long-name"]
            .iter()
            .map(|n| crate::target::Target {
                name: n.to_string(),
                address: "x".into(),
                port: None,
                node: std::sync::Arc::new(crate::inventory::Node::bare(n)),
            })
            .collect();
        let mut p = StreamPrinter::new(&targets);
        assert_eq!(p.output(0, 0, b"one\ntw"), "a         | one\n");
        assert_eq!(p.output(1, 1, b"err\n"), "long-name ! err\n");
        assert_eq!(p.output(0, 0, b"o\nthree"), "a         | two\n");
        assert_eq!(p.output(0, 0, b"\xff end"), "");
        assert_eq!(p.finish(0), "a         | three\\xff end\n");
        assert_eq!(p.finish(1), "");
    }

    #[test]
    fn records_read_back_into_the_same_outcome() {
        let mut o = outcome("web-01", "out", 3);
        o.stdout.head = b"deb \xff".to_vec();
        o.stdout.tail = b"end".to_vec();
        o.stdout.dropped = 9;
        let mut step = StepOutcome::new("converge");
        step.kind = OutcomeKind::Unverified;
        step.notes = vec!["a note".into()];
        step.changed = Some(true);
        o.steps.push(step);
        let back = outcome_from_record(&host_record(&o));
        assert_eq!(back, o);
    }

    #[test]
    fn records_are_lossless() {
        let mut o = outcome("h", "", 0);
        o.stdout = Captured {
            head: b"deb https://REDACTED@pkgs/ x \xff".to_vec(),
            tail: b"end".to_vec(),
            dropped: 5,
        };
        let r = host_record(&o);
        assert_eq!(r["stdout"]["encoding"], "base64");
        let data = base64::engine::general_purpose::STANDARD
            .decode(r["stdout"]["data"].as_str().unwrap())
            .unwrap();
        assert_eq!(data, b"deb https://REDACTED@pkgs/ x \xffend");
        assert_eq!(r["stdout"]["dropped_bytes"], 5);
        assert_eq!(r["stdout"]["dropped_at"], o.stdout.head.len());
        assert_eq!(r["outcome"], "ok");
    }

    // A report galley did not mask (written by hand, or by an older galley
    // that masked the head and the tail apart) is masked as it is read.
    #[test]
    fn reports_read_back_are_masked() {
        let mut o = outcome("h", "", 3);
        o.reason = Some("exit code 3: https://tok:@h/".into());
        o.stdout = Captured {
            head:
                b"-----BEGIN RSA PRIVATE KEY-----\nMIIEsecret\n-----END RSA PRIVATE KEY-----\n\xff"
                    .to_vec(),
            tail: b"git https://user:pw@host/".to_vec(),
            dropped: 7,
        };
        let mut step = StepOutcome::new("apt-sources");
        step.notes = vec!["found deb https://glpat-x:@pkgs/".into()];
        step.details = json!({"sources": [{"text": "deb https://glpat-x:@pkgs/"}]});
        o.steps.push(step);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let lines = [
            json!({"type": "header", "version": 2, "started_at": 1.0}),
            host_record(&o),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let back = outcome_from_record(&read_report(&path).unwrap().records["h"].1);
        let all = format!("{back:?}");
        for secret in ["MIIEsecret", "tok:", "user:pw", "glpat-x"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert_eq!(back.stdout.dropped, 7);
        assert!(back.stdout.head.ends_with(b"PRIVATE KEY-----\n\xff"));
        assert_eq!(back.stdout.tail, b"git https://REDACTED@host/");
    }
}
