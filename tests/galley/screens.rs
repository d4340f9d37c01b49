//! What galley shows people, whole: the dry-run plan, error screens and
//! refusals, as snapshots (tests/galley/snapshots/), so that a change to
//! any line is reviewed as a diff. Temporary paths are replaced by
//! `<tmp>`; everything else is as printed.

use crate::support::{galley, Run};

/// stdout and stderr, the exit code, and temporary paths redacted.
fn screen(run: &Run, tmp: Option<&std::path::Path>) -> String {
    let text = format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.output.status.code().unwrap_or(-1),
        run.stdout(),
        run.stderr()
    );
    match tmp {
        Some(tmp) => text.replace(tmp.to_str().unwrap(), "<tmp>"),
        None => text,
    }
}

#[test]
fn the_dry_run_plan_shows_hosts_waves_and_commands() {
    let run = galley(&[
        "run",
        "--dry-run",
        "--inventory",
        "fixtures/inventory",
        "-F",
        "/dev/null",
        "-x",
        "root",
        "--canary",
        "1",
        "--batch-size",
        "50%",
        "--max-failures",
        "1",
        "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd",
        "--",
        "uptime",
    ]);
    insta::assert_snapshot!(screen(&run, None));
}

#[test]
fn a_malformed_query_points_at_its_column() {
    let run = galley(&[
        "search",
        "--inventory",
        "fixtures/inventory",
        "roles:web AND (chef_environment:gprd",
    ]);
    insta::assert_snapshot!(screen(&run, None));
}

#[test]
fn a_query_that_selects_nothing_says_what_would() {
    let run = galley(&[
        "search",
        "--inventory",
        "fixtures/inventory",
        "role:web AND chef_enviroment:gprd",
    ]);
    insta::assert_snapshot!(screen(&run, None));
}

#[test]
fn an_existing_report_is_refused_with_the_ways_forward() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rotation.jsonl");
    std::fs::write(&report, "").unwrap();
    let run = galley(&[
        "run",
        "--inventory",
        "fixtures/inventory",
        "-F",
        "/dev/null",
        "--report",
        report.to_str().unwrap(),
        "name:web-01-sv-gprd",
        "--",
        "true",
    ]);
    insta::assert_snapshot!(screen(&run, Some(dir.path())));
}
