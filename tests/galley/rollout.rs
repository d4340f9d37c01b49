//! Rollout controls on real sshd hosts: canaries, failure thresholds,
//! batches, resume after SIGTERM and SIGKILL, shards, `galley report`.
//!
//! The hosts' commands append a line to a per-host file in the test's
//! folder, so each test counts what really ran on each host.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use galley::outcome::OutcomeKind;

use crate::support::{galley, Fleet, Galley, RecordExt, Shown};

/// A command that records its run in `dir/HOST`, then does `then`.
fn counted(dir: &Path, then: &str) -> String {
    format!(
        "echo ran >> {}/\"$GALLEY_TEST_HOST\"; {then}",
        dir.display()
    )
}

/// How many times each host ran (hosts that never ran are absent).
fn runs(dir: &Path) -> BTreeMap<String, usize> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let count = std::fs::read_to_string(e.path()).unwrap().lines().count();
            (name, count)
        })
        .collect()
}

fn names(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("{prefix}-{i:02}")).collect()
}

fn start(names: &[String]) -> (Fleet, tempfile::TempDir) {
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    (Fleet::start(&refs), tempfile::tempdir().unwrap())
}

/// Each host's outcome name in the fleet's report.
fn outcomes(fleet: &Fleet) -> BTreeMap<String, String> {
    crate::support::host_outcomes(&fleet.report())
        .into_iter()
        .map(|(name, kind)| (name, kind.name().to_string()))
        .collect()
}

#[test]
fn a_failing_canary_stops_the_run_with_nothing_else_touched() {
    let (fleet, ran) = start(&names("can", 6));
    let fail_first = counted(ran.path(), "[ \"$GALLEY_TEST_HOST\" != can-01 ]");
    let run = fleet.run(&["--canary", "2"], "*:*", &fail_first);
    run.expect_code(1);
    // Only the canaries ran: the rest of the fleet is untouched.
    assert_eq!(
        runs(ran.path()),
        BTreeMap::from([("can-01".into(), 1), ("can-02".into(), 1)])
    );
    let records = fleet.host_records();
    assert_eq!(records["can-01"].outcome, OutcomeKind::Failed);
    assert_eq!(records["can-02"].outcome, OutcomeKind::Ok);
    for name in ["can-03", "can-04", "can-05", "can-06"] {
        assert_eq!(records[name].outcome, OutcomeKind::Skipped);
        assert_eq!(
            records[name].reason.as_deref().unwrap(),
            "not started: the canary was not ok (can-01 failed)"
        );
    }
    assert!(
        run.stderr().contains("galley: canary: can-[01-02]"),
        "{run}"
    );
    // The report draws the run: each host's wave and start, who ran it,
    // and when the rollout stopped.
    for name in ["can-01", "can-02"] {
        assert_eq!(records[name].wave.as_deref(), Some("canary"));
        assert!(records[name].started_ms.is_some(), "{name}");
    }
    for name in ["can-03", "can-06"] {
        assert_eq!(records[name].wave.as_deref(), Some("all"));
        assert_eq!(records[name].started_ms, None, "{name} never started");
    }
    let lines = fleet.report_lines();
    let operator = lines[0].header().unwrap().operator.clone().unwrap();
    let whoami = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    assert_eq!(
        operator.user,
        String::from_utf8_lossy(&whoami.stdout).trim()
    );
    assert!(!operator.host.is_empty());
    let summary = lines.last().unwrap().summary().unwrap();
    let stopped = summary
        .stopped
        .as_ref()
        .expect("the run stopped starting hosts");
    assert_eq!(stopped.reason, "the canary was not ok (can-01 failed)");
    let canary_ended = ["can-01", "can-02"]
        .iter()
        .map(|n| records[*n].started_ms.unwrap() + records[*n].timings.total_ms)
        .max()
        .unwrap();
    assert!(
        stopped.after_ms + 5 >= canary_ended,
        "{stopped:?} {canary_ended}"
    );
    assert!(stopped.after_ms <= summary.elapsed_ms);

    // Healthy canaries let the rest go.
    let all_ok = counted(ran.path(), "true");
    fleet.run(&["--canary", "2"], "*:*", &all_ok).expect_code(0);
    assert_eq!(runs(ran.path()).values().sum::<usize>(), 2 + 6);
}

#[test]
fn failure_thresholds_by_count_and_by_share() {
    let (fleet, ran) = start(&names("thr", 6));
    let two_fail = counted(
        ran.path(),
        "case $GALLEY_TEST_HOST in thr-02|thr-03) exit 1;; esac",
    );
    // One host at a time, in name order: 01 ok, 02 and 03 fail, then stop.
    let run = fleet.run(&["-C", "1", "--max-failures", "2"], "*:*", &two_fail);
    run.expect_code(1);
    assert_eq!(runs(ran.path()).len(), 3);
    let records = fleet.host_records();
    assert_eq!(
        records["thr-04"].reason.as_deref().unwrap(),
        "not started: --max-failures 2 reached (2 of 3 finished hosts not ok)"
    );
    // One wave: no host names one.
    assert!(records.values().all(|r| r.wave.is_none()));
    let lines = fleet.report_lines();
    let stopped = lines
        .last()
        .unwrap()
        .summary()
        .unwrap()
        .stopped
        .clone()
        .unwrap();
    assert_eq!(
        stopped.reason,
        "--max-failures 2 reached (2 of 3 finished hosts not ok)"
    );
    // Hosts start one at a time, in name order.
    let start = |name: &str| records[name].started_ms.unwrap();
    assert!(start("thr-01") <= start("thr-02") && start("thr-02") <= start("thr-03"));

    // 40%: 01 ok (0 of 1), 02 fails (1 of 2 is 50%): stop.
    let ran2 = tempfile::tempdir().unwrap();
    let two_fail = counted(
        ran2.path(),
        "case $GALLEY_TEST_HOST in thr-02|thr-03) exit 1;; esac",
    );
    let run = fleet.run(&["-C", "1", "--max-failures", "40%"], "*:*", &two_fail);
    run.expect_code(1);
    assert_eq!(
        runs(ran2.path()).into_keys().collect::<Vec<_>>(),
        ["thr-01", "thr-02"]
    );
    assert_eq!(
        outcomes(&fleet)
            .values()
            .filter(|o| *o == "skipped")
            .count(),
        4
    );
}

#[test]
fn batches_go_in_order_with_a_pause_and_the_threshold_holds_between_them() {
    let (fleet, ran) = start(&names("bat", 6));
    let log = ran.path().join("log");
    let stamp = format!(
        "echo \"$GALLEY_TEST_HOST $(date +%s%N)\" >> {}",
        log.display()
    );
    let run = fleet.run(
        &["-C", "10", "--batch-size", "2", "--batch-pause", "400ms"],
        "*:*",
        &stamp,
    );
    run.expect_code(0);
    let at: BTreeMap<String, u128> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let (host, ns) = l.split_once(' ').unwrap();
            (host.to_string(), ns.parse().unwrap())
        })
        .collect();
    let wave = |a: &str, b: &str| (at[a].min(at[b]), at[a].max(at[b]));
    let (w1, w2, w3) = (
        wave("bat-01", "bat-02"),
        wave("bat-03", "bat-04"),
        wave("bat-05", "bat-06"),
    );
    // Each wave starts after the one before it ended, plus the pause.
    assert!(w2.0 >= w1.1 + 400_000_000, "{at:?}");
    assert!(w3.0 >= w2.1 + 400_000_000, "{at:?}");
    assert!(
        run.stderr()
            .contains("batch 1/3 done; pausing 0.4s before batch 2/3"),
        "{run}"
    );

    // A failure in the first wave: the second never starts.
    let counted_fail = counted(ran.path(), "[ \"$GALLEY_TEST_HOST\" != bat-01 ]");
    let run = fleet.run(
        &["--batch-size", "2", "--max-failures", "1"],
        "*:*",
        &counted_fail,
    );
    run.expect_code(1);
    assert_eq!(
        runs(ran.path())
            .into_keys()
            .filter(|k| k != "log")
            .collect::<Vec<_>>(),
        ["bat-01", "bat-02"]
    );
}

/// Starts a run, waits until `ready` says so, sends `signal`.
fn interrupted(fleet: &Fleet, ran: &Path, extra: &[&str], ready: impl Fn() -> bool, signal: i32) {
    let args = fleet.args(extra, "*:*", &counted(ran, "sleep 1"));
    let running = Galley::new().args(args).spawn();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "the run did not get there");
        std::thread::sleep(Duration::from_millis(20));
    }
    running.signal(signal);
    let run = running.wait();
    if signal == libc::SIGKILL {
        assert_eq!(run.output.status.code(), None, "{run}");
    } else {
        run.expect_code(130);
    }
}

#[test]
fn a_run_stopped_by_sigterm_resumes_and_every_host_runs_exactly_once() {
    let (fleet, ran) = start(&names("term", 8));
    let started = || runs(ran.path()).len() >= 2;
    interrupted(&fleet, ran.path(), &["-C", "2"], started, libc::SIGTERM);
    let first = outcomes(&fleet);
    assert_eq!(first.len(), 8, "every host is in the report: {first:?}");
    assert!(first.values().any(|o| o == "skipped"), "{first:?}");

    let report = fleet.report();
    let resume = fleet.args(
        &["--resume", report.to_str().unwrap()],
        "*:*",
        &counted(ran.path(), "sleep 1"),
    );
    // --resume writes to the report it reads; the helper's --report is the same file.
    Galley::new().args(resume).run().expect_code(0);
    assert_eq!(
        runs(ran.path()),
        names("term", 8).into_iter().map(|n| (n, 1)).collect()
    );
    let lines = fleet.report_lines();
    assert_eq!(lines.iter().filter(|l| l.header().is_some()).count(), 2);
    assert!(lines[lines.len() - 1].summary().is_some());
    let show = galley(&["report", "show", report.to_str().unwrap()]);
    show.expect_code(0);
    assert!(
        show.stdout()
            .starts_with("1 report (2 runs):\n8 hosts: 8 ok"),
        "{show}"
    );
}

#[test]
fn a_run_killed_by_sigkill_resumes_without_rerunning_finished_hosts() {
    let (fleet, ran) = start(&names("kill", 8));
    // Kill once the report holds a finished host.
    let report = fleet.report();
    let one_finished =
        || std::fs::read_to_string(&report).is_ok_and(|t| t.contains("\"type\":\"host\""));
    interrupted(
        &fleet,
        ran.path(),
        &["-C", "2"],
        one_finished,
        libc::SIGKILL,
    );
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(
        !text.contains("\"type\":\"summary\""),
        "killed before the summary"
    );
    let finished: Vec<String> = outcomes(&fleet)
        .into_iter()
        .filter(|(_, o)| o == "ok")
        .map(|(n, _)| n)
        .collect();
    assert!(!finished.is_empty(), "{text}");
    // As if the kill had cut a line in half.
    std::fs::write(&report, format!("{text}{{\"type\":\"host\",\"name\":\"kil")).unwrap();
    let show = galley(&["report", "show", report.to_str().unwrap()]);
    assert!(show.stderr().contains("is cut short"), "{show}");

    let resume = fleet.args(
        &["--resume", report.to_str().unwrap()],
        "*:*",
        &counted(ran.path(), "sleep 1"),
    );
    let run = Galley::new().args(resume).run();
    run.expect_code(0);
    assert!(
        run.stderr().contains("dropped the cut-short last line"),
        "{run}"
    );
    let counts = runs(ran.path());
    assert_eq!(counts.len(), 8, "every host ran: {counts:?}");
    for name in &finished {
        assert_eq!(
            counts[name], 1,
            "{name} finished before the kill and ran again"
        );
    }
    // The file is JSON Lines again, and tells both runs.
    let lines = fleet.report_lines();
    assert_eq!(lines.iter().filter(|l| l.header().is_some()).count(), 2);
    assert!(outcomes(&fleet).values().all(|o| o == "ok"));
}

#[test]
fn three_shards_cover_the_fleet_exactly_once_and_reports_merge() {
    let (fleet, ran) = start(&names("sh", 9));
    let mut reports: Vec<PathBuf> = Vec::new();
    for k in 1..=3 {
        let report = ran.path().join(format!("shard-{k}.jsonl"));
        let mut args = fleet.args(
            &["--shard", &format!("{k}/3")],
            "*:*",
            &counted(ran.path(), "true"),
        );
        let at = args.iter().position(|a| a == "--report").unwrap();
        args[at + 1] = report.display().to_string();
        let run = Galley::new().args(args).run();
        run.expect_code(0);
        assert!(
            run.stderr().contains(&format!("galley: shard {k}/3: ")),
            "{run}"
        );
        reports.push(report);
    }
    let counts: BTreeMap<String, usize> = runs(ran.path())
        .into_iter()
        .filter(|(n, _)| n.starts_with("sh-"))
        .collect();
    assert_eq!(counts, names("sh", 9).into_iter().map(|n| (n, 1)).collect());

    let paths: Vec<&str> = reports.iter().map(|p| p.to_str().unwrap()).collect();
    let show = galley(&[&["report", "show"], &paths[..]].concat());
    show.expect_code(0);
    assert!(
        show.stdout()
            .starts_with("3 reports (3 runs):\n9 hosts: 9 ok"),
        "{show}"
    );
    let json = galley(&[&["report", "show", "--format", "json"], &paths[..]].concat());
    let shown = Shown::read(&json.output.stdout);
    assert_eq!(shown.hosts().len(), 9);
    assert_eq!(shown.counts, BTreeMap::from([(OutcomeKind::Ok, 9)]));
    assert_eq!((shown.runs, shown.reports.len()), (3, 3));
}

#[test]
fn report_diff_lists_the_hosts_whose_outcome_changed() {
    let (fleet, ran) = start(&names("dif", 3));
    let before = ran.path().join("before.jsonl");
    let fail = counted(ran.path(), "[ \"$GALLEY_TEST_HOST\" != dif-02 ]");
    fleet.run(&[], "*:*", &fail).expect_code(1);
    std::fs::rename(fleet.report(), &before).unwrap();
    fleet
        .run(&[], "*:*", &counted(ran.path(), "true"))
        .expect_code(0);
    let after = fleet.report();
    let diff = galley(&[
        "report",
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
    ]);
    diff.expect_code(1);
    assert!(diff.stdout().starts_with("1 host changed:\n"), "{diff}");
    assert!(diff.stdout().contains("dif-02"), "{diff}");
    let json = galley(&[
        "report",
        "diff",
        "--format",
        "json",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
    ])
    .json();
    assert_eq!(
        json,
        serde_json::json!([{"name": "dif-02", "before": "failed", "after": "ok", "reason": null}])
    );
    let same = galley(&[
        "report",
        "diff",
        after.to_str().unwrap(),
        after.to_str().unwrap(),
    ]);
    same.expect_code(0);
    assert_eq!(same.stdout(), "no host's outcome changed\n");
    let bad = galley(&[
        "report",
        "show",
        ran.path().join("dif-01").to_str().unwrap(),
    ]);
    bad.expect_code(3);
    assert!(bad.stderr().contains("not a report line"), "{bad}");
}
