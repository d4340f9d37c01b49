//! `galley report junit`: reports as JUnit XML, the way GitLab's test
//! report and Jenkins' junit step read it (valid against the JUnit schema
//! Jenkins' xunit plugin ships, `fixtures/junit/junit-10.xsd`).
//!
//! One test suite per run, one test case per host named by its node:
//! `failure` for a host whose command or step failed (`failed`,
//! `unverified`), `error` for one galley could not run the command on
//! (timeout, unreachable, authentication, host key, sudo, error,
//! cancelled), `skipped` for one never started. The reason is the message,
//! the host's output (masked, as in the report) its `system-out` and
//! `system-err`; durations in seconds.

use std::fmt::Write;

use super::merged::output;
use super::merged::{Merged, Run};
use super::record::HostRecord;
use crate::outcome::OutcomeKind;

/// How JUnit counts an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failure,
    Error,
    Skipped,
}

fn verdict(kind: OutcomeKind) -> Verdict {
    match kind {
        OutcomeKind::Ok => Verdict::Passed,
        OutcomeKind::Failed | OutcomeKind::Unverified => Verdict::Failure,
        OutcomeKind::Skipped => Verdict::Skipped,
        OutcomeKind::Timeout
        | OutcomeKind::Unreachable
        | OutcomeKind::AuthFailed
        | OutcomeKind::HostkeyUnknown
        | OutcomeKind::HostkeyMismatch
        | OutcomeKind::SudoPasswordRequired
        | OutcomeKind::Error
        | OutcomeKind::Cancelled => Verdict::Error,
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    millis: u64,
}

impl Counts {
    fn add(&mut self, record: &HostRecord) {
        self.tests += 1;
        self.millis += record.timings.total_ms;
        match verdict(record.outcome) {
            Verdict::Passed => {}
            Verdict::Failure => self.failures += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

/// The merged reports as one JUnit XML document.
pub fn render(merged: &Merged) -> String {
    // Hosts by the run that wrote their latest record; records before any
    // header (a report cut before its first line) go last, on their own.
    let mut by_run: Vec<Vec<&HostRecord>> = vec![Vec::new(); merged.runs.len() + 1];
    for latest in merged.hosts.values() {
        let slot = latest.run.unwrap_or(merged.runs.len());
        by_run[slot].push(&latest.record);
    }
    let mut total = Counts::default();
    let mut suites = String::new();
    for (index, records) in by_run.iter().enumerate() {
        if records.is_empty() {
            continue;
        }
        let mut counts = Counts::default();
        records.iter().for_each(|r| counts.add(r));
        records.iter().for_each(|r| total.add(r));
        let run = merged.runs.get(index);
        // A run's wall time is its summary's; the hosts' sum otherwise.
        let millis = run
            .and_then(|r| r.summary.as_ref())
            .map_or(counts.millis, |s| s.elapsed_ms);
        suite(&mut suites, run, records, &counts, millis);
    }
    let wall: u64 = merged
        .runs
        .iter()
        .filter_map(|r| r.summary.as_ref())
        .map(|s| s.elapsed_ms)
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"galley\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        total.tests,
        total.failures,
        total.errors,
        seconds(wall)
    );
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}

fn suite(
    out: &mut String,
    run: Option<&Run>,
    records: &[&HostRecord],
    counts: &Counts,
    millis: u64,
) {
    let name = run.map_or_else(
        || "galley: hosts recorded before any run's header".to_string(),
        |r| format!("galley {}: {}", r.header.command, r.header.query),
    );
    let _ = write!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\"",
        attr(&name),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped,
        seconds(millis)
    );
    if let Some(run) = run {
        let timestamp = crate::units::iso8601(run.header.started_at as i64);
        // JUnit's timestamp has no zone: the time is UTC.
        let _ = write!(out, " timestamp=\"{}\"", timestamp.trim_end_matches('Z'));
        if let Some(operator) = &run.header.operator {
            let _ = write!(out, " hostname=\"{}\"", attr(&operator.host));
        }
        let _ = write!(out, " file=\"{}\"", attr(&run.file.display().to_string()));
    }
    out.push_str(">\n");
    if let Some(run) = run {
        properties(out, run);
    }
    let classname = run.map_or("galley".to_string(), |r| {
        format!("galley.{}", first_word(&r.header.command))
    });
    for record in records {
        case(out, record, &classname);
    }
    out.push_str("  </testsuite>\n");
}

/// The run's settings, as properties.
fn properties(out: &mut String, run: &Run) {
    let header = &run.header;
    let mut props: Vec<(&str, String)> = vec![
        ("command", header.command.clone()),
        ("query", header.query.clone()),
        ("galley", header.galley.clone()),
        ("selected", header.hosts.to_string()),
    ];
    if let Some(operator) = &header.operator {
        props.push(("operator", format!("{}@{}", operator.user, operator.host)));
    }
    if let Some(rollout) = &header.rollout {
        let mut set = |name, value: &Option<String>| {
            if let Some(value) = value {
                props.push((name, value.clone()));
            }
        };
        set("canary", &rollout.canary.map(|c| c.to_string()));
        set("batch_size", &rollout.batch_size);
        set("batch_pause", &rollout.batch_pause);
        set("max_failures", &rollout.max_failures);
        set("shard", &rollout.shard);
        set("retried_from", &rollout.retried_from);
        set("excluded_from", &rollout.excluded_from);
    }
    if let Some(stopped) = run.summary.as_ref().and_then(|s| s.stopped.as_ref()) {
        props.push(("stopped", stopped.reason.clone()));
    }
    out.push_str("    <properties>\n");
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(&value)
        );
    }
    out.push_str("    </properties>\n");
}

fn case(out: &mut String, record: &HostRecord, classname: &str) {
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\">",
        attr(&record.name),
        attr(classname),
        seconds(record.timings.total_ms)
    );
    let reason = record.reason.clone().unwrap_or_default();
    let element = match verdict(record.outcome) {
        Verdict::Passed => None,
        Verdict::Failure => Some("failure"),
        Verdict::Error => Some("error"),
        Verdict::Skipped => Some("skipped"),
    };
    if let Some(element) = element {
        let _ = write!(
            out,
            "\n      <{element} type=\"{}\" message=\"{}\">{}</{element}>",
            record.outcome.name(),
            attr(&reason),
            text(&details(record))
        );
    }
    let (stdout, stderr) = output(record);
    if !stdout.is_empty() {
        let _ = write!(out, "\n      <system-out>{}</system-out>", text(&stdout));
    }
    if !stderr.is_empty() {
        let _ = write!(out, "\n      <system-err>{}</system-err>", text(&stderr));
    }
    if element.is_some() || !stdout.is_empty() || !stderr.is_empty() {
        out.push_str("\n    ");
    }
    out.push_str("</testcase>\n");
}

/// What a failure's body says: the outcome, phase and exit, then each
/// step and the host's notes.
fn details(record: &HostRecord) -> String {
    let mut lines = vec![format!(
        "{}{}{}{}",
        record.outcome.name(),
        record
            .phase
            .map(|p| format!(" in {}", p.name()))
            .unwrap_or_default(),
        record
            .exit_code
            .map(|c| format!(", exit {c}"))
            .unwrap_or_default(),
        record
            .signal
            .as_ref()
            .map(|s| format!(", signal {s}"))
            .unwrap_or_default(),
    )];
    if let Some(reason) = &record.reason {
        lines.push(reason.clone());
    }
    for step in &record.steps {
        lines.push(format!(
            "step {}: {}{}",
            step.name,
            step.outcome.name(),
            step.reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    lines.extend(record.notes.iter().cloned());
    lines.join("\n")
}

fn first_word(command: &str) -> &str {
    command.split_whitespace().next().unwrap_or("run")
}

/// Milliseconds as JUnit's seconds: `12.345`.
fn seconds(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// Text for an element's content: `&`, `<`, `>` escaped, and characters
/// XML 1.0 cannot hold at all (most control characters, even as
/// references) written as `\u{..}`, so a host's terminal escapes stay
/// visible rather than make the file unreadable.
fn text(value: &str) -> String {
    escape(value, false)
}

/// Text for an attribute's value: as [`text`], with quotes, and line
/// breaks and tabs as references (a parser would fold them to spaces).
fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if allowed_in_xml(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out
}

/// XML 1.0's Char production, less the C1 controls and bidi overrides
/// it allows but a reader should never meet unannounced.
fn allowed_in_xml(c: char) -> bool {
    let code = c as u32;
    !(code < 0x20
        || (0x7f..=0x9f).contains(&code)
        || (0xd800..=0xdfff).contains(&code)
        || code == 0xfffe
        || code == 0xffff
        || crate::terminal::is_bidi_control(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_keep_markup_and_control_characters_out() {
        assert_eq!(text("<b>&\"x\"</b>"), "&lt;b&gt;&amp;\"x\"&lt;/b&gt;");
        assert_eq!(attr("a\"b\nc\td"), "a&quot;b&#10;c&#9;d");
        assert_eq!(text("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(text("line\nnext\r\n"), "line\nnext&#13;\n");
        assert_eq!(text("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(text("été ✓"), "été ✓");
    }

    #[test]
    fn outcomes_map_to_junit_verdicts() {
        assert_eq!(verdict(OutcomeKind::Ok), Verdict::Passed);
        assert_eq!(verdict(OutcomeKind::Unverified), Verdict::Failure);
        assert_eq!(verdict(OutcomeKind::HostkeyMismatch), Verdict::Error);
        assert_eq!(verdict(OutcomeKind::Skipped), Verdict::Skipped);
    }

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(60_005), "60.005");
    }
}
