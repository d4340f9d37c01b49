//! The human summary of a run: counts by outcome, per-step counts, the
//! hosts that are not ok with their reason, outputs gathered across hosts
//! (hosts with identical output under one folded host list, as `clush -b`
//! does) and the steps' results gathered the same way.

use std::collections::BTreeMap;

use crate::hostlist;
use crate::outcome::{Captured, Exit, HostOutcome, OutcomeKind, RunStats, StepOutcome};
use crate::units::plural;

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
            .map(|k| (k, steps.iter().filter(|s| s.kind() == *k).count()))
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
                    s.kind().name(),
                    s.ended.reason().unwrap_or("")
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
    let counts = if parts.is_empty() {
        String::new()
    } else {
        format!(": {}", parts.join(", "))
    };
    out.push_str(&format!(
        "{}{counts} ({:.1}s)\n",
        plural(stats.total(), "host", "hosts"),
        elapsed_ms as f64 / 1000.0
    ));

    out.push_str(&render_step_counts(outcomes));

    append_not_ok(&mut out, outcomes);
    append_host_notes(&mut out, outcomes);
    out
}

/// The hosts that are not ok, gathered by outcome, phase and reason, the
/// largest group first: thirty hosts refused the same way are one line.
/// A reason that names its own host's address or name is compared with
/// that name standing as `<host>`; a group of one shows its reason whole.
fn append_not_ok(out: &mut String, outcomes: &[HostOutcome]) {
    type Key = (&'static str, String, String);
    let mut groups: BTreeMap<Key, (String, Vec<&str>)> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| !o.is_ok()) {
        let phase = o
            .ended
            .phase()
            .map(|p| format!("{}: ", p.name()))
            .unwrap_or_default();
        let reason = o.ended.reason().unwrap_or("");
        let mut general = reason.to_string();
        for own in [o.address.as_deref(), Some(o.name.as_str())]
            .into_iter()
            .flatten()
        {
            general = replace_word(&general, own, "<host>");
        }
        groups
            .entry((o.kind().name(), phase, general))
            .or_insert_with(|| (reason.to_string(), Vec::new()))
            .1
            .push(&o.name);
    }
    if groups.is_empty() {
        return;
    }
    let shown = |text: &str| crate::terminal::escape_value(text).into_owned();
    let mut rows: Vec<(String, &str, String, Vec<&str>)> = groups
        .into_iter()
        .map(|((kind, phase, general), (whole, mut names))| {
            names.sort();
            let (who, reason) = match names.as_slice() {
                [one] => (shown(one), whole),
                many => (
                    format!(
                        "{} ({})",
                        shown(&hostlist::fold(many)),
                        plural(many.len(), "host", "hosts")
                    ),
                    general,
                ),
            };
            (who, kind, format!("{phase}{}", shown(&reason)), names)
        })
        .collect();
    rows.sort_by(|a, b| largest_first(&a.3, &b.3));
    let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
    let kind_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    out.push_str("\nnot ok:\n");
    for (who, kind, reason, _) in rows {
        out.push_str(&format!("  {who:<width$}  {kind:<kind_width$}  {reason}\n"));
    }
}

/// `text` with every whole `word` replaced by `with`: not where it is
/// part of a longer name (`web-1` in `web-10` or `web-1.example.com`).
fn replace_word(text: &str, word: &str, with: &str) -> String {
    if word.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = text[at..].find(word) {
        let (start, end) = (at + found, at + found + word.len());
        let whole =
            !continues_name(text[..start].chars().rev()) && !continues_name(text[end..].chars());
        out.push_str(&text[at..start]);
        out.push_str(if whole { with } else { word });
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Whether `chars`, read away from a word, continue a host name there: a
/// name character, or a dot followed by one.
fn continues_name(chars: impl Iterator<Item = char>) -> bool {
    let name_char = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut chars = chars.peekable();
    match chars.next() {
        Some(c) if name_char(c) => true,
        Some('.') => chars.peek().is_some_and(|c| name_char(*c)),
        _ => false,
    }
}

/// Hosts' notes, each once with the hosts it holds for.
fn append_host_notes(out: &mut String, outcomes: &[HostOutcome]) {
    let mut notes: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in outcomes {
        for note in &o.notes {
            notes.entry(note).or_default().push(&o.name);
        }
    }
    if notes.is_empty() {
        return;
    }
    out.push_str("\nnotes:\n");
    for (note, names) in notes {
        out.push_str(&format!("  {}: {note}\n", hostlist::fold(&names)));
    }
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
        let ran = o.exit.is_some() || !o.stdout.is_empty() || !o.stderr.is_empty();
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
            format!("{}|{}|{:?}", o.stdout.dropped, o.stderr.dropped, o.exit).as_bytes(),
        );
        groups
            .entry(id)
            .or_insert_with(|| {
                (
                    (
                        &o.stdout,
                        &o.stderr,
                        o.exit.as_ref().and_then(Exit::code),
                        o.exit.as_ref().and_then(Exit::signal),
                    ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::sample_outcome as outcome;

    #[test]
    fn a_reason_names_its_own_host_only_as_a_whole_name() {
        let r = |text: &str, word: &str| replace_word(text, word, "<host>");
        assert_eq!(
            r("connection to [web-1]:22 refused", "web-1"),
            "connection to [<host>]:22 refused"
        );
        assert_eq!(
            r("web-10 and web-1.example.com", "web-1"),
            "web-10 and web-1.example.com"
        );
        assert_eq!(
            r("web-1 said no. web-1.", "web-1"),
            "<host> said no. <host>."
        );
        assert_eq!(r("no name here", ""), "no name here");
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
        insta::assert_snapshot!(render_summary(&outcomes, 1200));
    }

    /// A fleet-wide fixup at 3 a.m.: hosts ok, a failed step, hosts that
    /// could not be reached or logged into, a timeout, hosts never started.
    fn fixup_run() -> Vec<HostOutcome> {
        use crate::outcome::{Details, Ended, Phase, StepOutcome, Stop};
        let step = |name: &str, ended: Ended, note: &str| StepOutcome {
            name: name.into(),
            ended,
            changed: Some(true),
            millis: 1500,
            notes: vec![note.into()],
            details: Details::None,
            exit: None,
            stdout: Default::default(),
            stderr: Default::default(),
        };
        let fixed = |name: &str| {
            let mut o = HostOutcome::without_run(name, Ended::Ok);
            o.steps = vec![
                step(
                    "apt-sources",
                    Ended::Ok,
                    "moved gitlab_pre-release.list to the backup",
                ),
                step("converge", Ended::Ok, "3/120 resources updated"),
            ];
            o
        };
        let mut failed = HostOutcome::without_run(
            "web-07",
            Ended::Failed("converge: Chef run failed: template[/etc/gitlab/gitlab.rb]".into()),
        );
        failed.steps = vec![
            step(
                "apt-sources",
                Ended::Ok,
                "moved gitlab_pre-release.list to the backup",
            ),
            step(
                "converge",
                Ended::Failed("Chef run failed: template[/etc/gitlab/gitlab.rb]".into()),
                "failed resource: template[/etc/gitlab/gitlab.rb]",
            ),
        ];
        let stopped = |name: &str, stop: Stop, phase: Phase, reason: &str| {
            HostOutcome::without_run(name, stop.at(phase, reason))
        };
        let mut outcomes: Vec<HostOutcome> =
            (1..=6).map(|i| fixed(&format!("web-{i:02}"))).collect();
        outcomes.extend([
            failed,
            stopped(
                "web-08",
                Stop::Unreachable,
                Phase::Connect,
                "connection to web-08:22 refused",
            ),
            stopped(
                "web-09",
                Stop::Unreachable,
                Phase::Connect,
                "connection to web-09:22 refused",
            ),
            stopped(
                "db-01",
                Stop::AuthFailed,
                Phase::Auth,
                "/root/.ssh/id_ed25519 was not accepted",
            ),
            stopped(
                "db-02",
                Stop::Timeout,
                Phase::Command,
                "the command ran past 10m",
            ),
        ]);
        for name in ["web-10", "web-11"] {
            outcomes.push(HostOutcome::without_run(
                name,
                Ended::Skipped(
                    "not started: --max-failures 2 reached (2 of 11 finished hosts not ok)".into(),
                ),
            ));
        }
        outcomes
    }

    #[test]
    fn a_fixups_summary_reads_as_a_whole() {
        insta::assert_snapshot!("fixup_summary", render_summary(&fixup_run(), 83_400));
        insta::assert_snapshot!("fixup_failures", render_failures(&fixup_run(), 83_400));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any names, as a hostile inventory or a crafted report may hold:
        /// the summary renders, and no name starts a line of its own.
        #[test]
        fn any_names_render_without_panic_or_forged_lines(names in proptest::collection::vec("\\PC{0,10}|.{0,10}", 1..6)) {
            let outcomes: Vec<HostOutcome> = names
                .iter()
                .enumerate()
                .map(|(i, name)| outcome(&format!("{name}\nforged-{i}"), "out\n", (i % 2) as i32))
                .collect();
            let text = render_summary(&outcomes, 10) + &render_failures(&outcomes, 10);
            for line in text.lines() {
                proptest::prop_assert!(!line.trim_start().starts_with("forged-"), "{}", text);
            }
        }
    }
}
