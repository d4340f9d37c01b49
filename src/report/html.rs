//! `galley report html`: one self-contained page of one or more reports.
//!
//! The page is a fixed script and style (`assets/report.js`,
//! `assets/report.css`) and the run's data as one JSON block. Every fleet
//! value reaches the page only as JSON inside a `<script
//! type="application/json">` element, with `<`, `>` and `&` written as
//! `\u003c` and so on, so no value can end the element; the script builds
//! the page from it with `textContent` and SVG attributes, never as
//! markup. The Content-Security-Policy allows only that script and that
//! style, by their SHA-256, and nothing from the network: a host's output
//! can never run script or change the page.
//!
//! Identical outputs are kept once (`outputs`), as the terminal summary
//! gathers them, so a 10,000-host run of one command stays small.

use std::collections::HashMap;

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::merged::{output, Merged};
use super::record::HostRecord;
use crate::outcome::OutcomeKind;

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

#[derive(Serialize)]
struct Page {
    galley: &'static str,
    runs: Vec<RunView>,
    hosts: Vec<HostView>,
    /// Distinct outputs; hosts point into it.
    outputs: Vec<String>,
}

#[derive(Serialize)]
struct RunView {
    file: String,
    command: String,
    query: String,
    selected: usize,
    galley: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    started: String,
    /// Milliseconds from the first run's start.
    offset_ms: u64,
    operator: Option<String>,
    rollout: Vec<(&'static str, String)>,
    elapsed_ms: Option<u64>,
    exit_code: Option<u8>,
    /// Milliseconds from the first run's start, and why.
    stopped: Option<(u64, String)>,
}

#[derive(Serialize)]
struct HostView {
    name: String,
    outcome: &'static str,
    phase: Option<&'static str>,
    reason: Option<String>,
    exit: Option<i32>,
    signal: Option<String>,
    run: Option<usize>,
    /// Milliseconds from the first run's start; None when never started.
    start: Option<u64>,
    total_ms: u64,
    /// connect, handshake, auth, command (ms), as measured.
    phases: [Option<u64>; 4],
    wave: Option<String>,
    address: Option<String>,
    user: Option<String>,
    auth: Option<String>,
    notes: Vec<String>,
    steps: Vec<StepView>,
    /// Index into `outputs` of the host's output (stdout, then stderr).
    output: Option<usize>,
}

#[derive(Serialize)]
struct StepView {
    name: String,
    outcome: &'static str,
    reason: Option<String>,
    ms: u64,
    changed: Option<bool>,
    details: serde_json::Value,
}

/// The merged reports as one HTML page.
pub fn render(merged: &Merged) -> String {
    let page = page(merged);
    let data = script_safe_json(&serde_json::to_string(&page).expect("the page serializes"));
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; base-uri 'none'; form-action 'none'",
        sha256_source(SCRIPT),
        sha256_source(STYLE)
    );
    let mut out = String::with_capacity(data.len() + SCRIPT.len() + STYLE.len() + 2048);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>galley run report</title>\n");
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str("<noscript>This page draws the run with its own script; allow it to see the report.</noscript>\n");
    out.push_str("<main id=\"app\"></main>\n");
    out.push_str(&format!(
        "<script type=\"application/json\" id=\"galley-data\">{data}</script>\n"
    ));
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

fn page(merged: &Merged) -> Page {
    let t0 = merged
        .runs
        .iter()
        .map(|r| r.header.started_at)
        .fold(f64::INFINITY, f64::min);
    let t0 = if t0.is_finite() { t0 } else { 0.0 };
    let offset = |at: f64| ((at - t0).max(0.0) * 1000.0).round() as u64;
    let runs: Vec<RunView> = merged
        .runs
        .iter()
        .map(|run| {
            let header = &run.header;
            let base = offset(header.started_at);
            RunView {
                file: run.file.display().to_string(),
                command: header.command.clone(),
                query: header.query.clone(),
                selected: header.hosts,
                galley: header.galley.clone(),
                started: crate::units::iso8601(header.started_at as i64),
                offset_ms: base,
                operator: header
                    .operator
                    .as_ref()
                    .map(|o| format!("{}@{}", o.user, o.host)),
                rollout: rollout(header),
                elapsed_ms: run.summary.as_ref().map(|s| s.elapsed_ms),
                exit_code: run.summary.as_ref().map(|s| s.exit_code),
                stopped: run
                    .summary
                    .as_ref()
                    .and_then(|s| s.stopped.as_ref())
                    .map(|s| (base + s.after_ms, s.reason.clone())),
            }
        })
        .collect();
    let mut outputs: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let hosts = merged
        .hosts
        .values()
        .map(|latest| {
            let record = &latest.record;
            let base = latest.run.map_or(0, |i| runs[i].offset_ms);
            let text = combined_output(record);
            let output = (!text.is_empty()).then(|| {
                let next = outputs.len();
                *seen.entry(text.clone()).or_insert_with(|| {
                    outputs.push(text);
                    next
                })
            });
            host_view(record, latest.run, base, output)
        })
        .collect();
    Page {
        galley: env!("CARGO_PKG_VERSION"),
        runs,
        hosts,
        outputs,
    }
}

fn host_view(
    record: &HostRecord,
    run: Option<usize>,
    base: u64,
    output: Option<usize>,
) -> HostView {
    let t = &record.timings;
    HostView {
        name: record.name.clone(),
        outcome: record.outcome.name(),
        phase: record.phase.map(|p| p.name()),
        reason: record.reason.clone(),
        exit: record.exit_code,
        signal: record.signal.clone(),
        run,
        // Reports before version 3 do not say when a host started: one that
        // ran is drawn from its run's start.
        start: match record.started_ms {
            Some(started) => Some(base + started),
            None if record.outcome != OutcomeKind::Skipped => Some(base),
            None => None,
        },
        total_ms: t.total_ms,
        phases: [t.connect_ms, t.handshake_ms, t.auth_ms, t.command_ms],
        wave: record.wave.clone(),
        address: record.address.clone(),
        user: record.user.clone(),
        auth: record.auth.clone(),
        notes: record.notes.clone(),
        steps: record
            .steps
            .iter()
            .map(|s| StepView {
                name: s.name.clone(),
                outcome: s.outcome.name(),
                reason: s.reason.clone(),
                ms: s.ms,
                changed: s.changed,
                details: s.details.clone(),
            })
            .collect(),
        output,
    }
}

/// The host's output as one text: stdout, then stderr after a marker.
fn combined_output(record: &HostRecord) -> String {
    let (stdout, stderr) = output(record);
    if stderr.is_empty() {
        return stdout;
    }
    let mut text = stdout;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("--- stderr ---\n");
    text.push_str(&stderr);
    text
}

fn rollout(header: &super::record::Header) -> Vec<(&'static str, String)> {
    let Some(r) = &header.rollout else {
        return Vec::new();
    };
    [
        ("canary", r.canary.map(|c| c.to_string())),
        ("batch size", r.batch_size.clone()),
        ("batch pause", r.batch_pause.clone()),
        ("max failures", r.max_failures.clone()),
        ("shard", r.shard.clone()),
        ("retried from", r.retried_from.clone()),
        ("excluded from", r.excluded_from.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect()
}

/// JSON that can sit inside a `<script>` element: `<`, `>`, `&` and the
/// line separators that JavaScript once read as line ends, as `\u` escapes
/// (JSON syntax has none of them outside strings, so only strings change).
fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A CSP source for inline content: `'sha256-BASE64'` without the quotes.
fn sha256_source(content: &str) -> String {
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_a_script_element_cannot_end_it() {
        let json = serde_json::to_string("</script><!--&\u{2028}").unwrap();
        let safe = script_safe_json(&json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(
            serde_json::from_str::<String>(&safe).unwrap(),
            "</script><!--&\u{2028}"
        );
    }

    #[test]
    fn the_policy_names_the_script_and_style_by_their_hash() {
        let page = render(&Merged::default());
        let hash = sha256_source(SCRIPT);
        assert!(page.contains(&format!("script-src '{hash}'")), "{page}");
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(page.contains("default-src 'none'"));
    }
}
