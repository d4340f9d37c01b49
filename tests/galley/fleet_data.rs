//! Nothing the fleet sends is turned against the operator, and no record
//! is lost: hostile names in every table and list, names that once made
//! galley panic, inputs that never end, and reports that a run must not
//! write over.

use std::os::unix::fs::PermissionsExt;

use crate::support::{galley, Galley};

/// An inventory of these nodes (name, fqdn) in a temporary folder.
fn inventory(nodes: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nodes.json");
    let nodes: Vec<serde_json::Value> = nodes
        .iter()
        .map(|(name, fqdn)| {
            serde_json::json!({"name": name, "chef_environment": "gprd", "automatic": {"fqdn": fqdn, "cloud": {"public_ssh_port": 1}}})
        })
        .collect();
    std::fs::write(&path, serde_json::to_string(&nodes).unwrap()).unwrap();
    (dir, path)
}

/// A FIFO named `fifo` in `dir`.
fn mkfifo(dir: &std::path::Path) -> std::path::PathBuf {
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo (coreutils)");
    fifo
}

/// No line of `text` may start (after indentation) with the forged row.
#[track_caller]
fn no_forged_line(text: &str) {
    for line in text.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("web-04") && !line.contains('\u{202e}'),
            "a node forged a line: {line:?} in\n{text}"
        );
    }
}

#[test]
fn a_name_with_a_line_feed_or_a_bidi_control_cannot_forge_a_line() {
    let (dir, path) = inventory(&[
        ("web-03\nweb-04  ok", "127.0.0.1"),
        ("db-\u{202e}10", "127.0.0.1\nweb-04  ok"),
    ]);
    let path = path.to_str().unwrap();
    let search = galley(&["search", "--inventory", path, "chef_environment:gprd"]);
    search.expect_code(0);
    no_forged_line(&search.stdout());
    assert!(search.stdout().contains("web-03\\nweb-04  ok"), "{search}");
    assert!(search.stdout().contains("db-\\u{202e}10"), "{search}");
    // JSON stays exact.
    let json = galley(&[
        "search",
        "--inventory",
        path,
        "--format",
        "json",
        "chef_environment:gprd",
    ]);
    assert!(json.stdout().contains("web-03\\nweb-04  ok"), "{json}");

    let plan = galley(&[
        "run",
        "--dry-run",
        "--inventory",
        path,
        "chef_environment:gprd",
        "--",
        "true",
    ]);
    plan.expect_code(0);
    no_forged_line(&plan.stdout());

    let report = dir.path().join("r.jsonl");
    let run = galley(&[
        "run",
        "--inventory",
        path,
        "--connect-timeout",
        "2s",
        "--report",
        report.to_str().unwrap(),
        "chef_environment:gprd",
        "--",
        "true",
    ]);
    run.expect_code(1);
    no_forged_line(&run.stdout());
    no_forged_line(&run.stderr());
    let show = galley(&["report", "show", report.to_str().unwrap()]);
    no_forged_line(&show.stdout());
}

#[test]
fn names_of_several_bytes_never_panic() {
    let run = galley(&["run", "--dry-run", "-m", "x-ü2,x-ü3", "--", "true"]);
    run.expect_code(0);
    assert!(run.stdout().contains("x-ü2"), "{run}");
    let (_dir, path) = inventory(&[("café1", "127.0.0.1"), ("café2", "127.0.0.1")]);
    let search = galley(&["search", "--inventory", path.to_str().unwrap(), "*:*"]);
    search.expect_code(0);
    let plan = galley(&[
        "run",
        "--dry-run",
        "--inventory",
        path.to_str().unwrap(),
        "*:*",
        "--",
        "true",
    ]);
    plan.expect_code(0);
    assert!(plan.stdout().contains("café1"), "{plan}");
}

#[test]
fn inputs_that_never_end_are_refused() {
    for path in ["/dev/zero", "/dev/urandom"] {
        let run = galley(&["search", "--inventory", path, "*:*"]);
        run.expect_code(3);
        assert!(run.stderr().contains("not a file or a folder"), "{run}");
    }
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path());
    let run = galley(&["search", "--inventory", fifo.to_str().unwrap(), "*:*"]);
    run.expect_code(3);
    let run = galley(&["report", "show", fifo.to_str().unwrap()]);
    run.expect_code(3);
    assert!(run.stderr().contains("is not a file"), "{run}");

    // A node file too large to read whole that is not a list of nodes
    // (read node by node at any size) is refused, not read whole.
    let big = dir.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    std::io::Write::write_all(&mut &file, b"{\"name\": \"x\", ").unwrap();
    file.set_len(600 << 20).unwrap();
    let run = galley(&["search", "--inventory", big.to_str().unwrap(), "*:*"]);
    run.expect_code(3);
    assert!(
        run.stderr().contains("600 MiB and not an array of nodes"),
        "{run}"
    );

    // A report line past any host's bounded output is refused, not read
    // whole.
    let report = dir.path().join("huge.jsonl");
    let mut text = String::from("{\"type\":\"header\",\"version\":1,");
    text.push_str(&"x".repeat(130 << 20));
    text.push('\n');
    std::fs::write(&report, text).unwrap();
    let run = galley(&["report", "show", report.to_str().unwrap()]);
    run.expect_code(3);
    assert!(run.stderr().contains("a line of over 128 MiB"), "{run}");

    let run = galley(&["run", "-m", "h", "--max-output", "1G", "--", "true"]);
    run.expect_code(2);
    assert!(run.stderr().contains("at most 8M"), "{run}");
}

/// `galley run` on an unreachable host (so it ends at once) with these
/// report flags.
fn run_with(flags: &[&str]) -> crate::support::Run {
    let mut args = vec![
        "run",
        "-m",
        "127.0.0.1",
        "-p",
        "1",
        "--connect-timeout",
        "2s",
    ];
    args.extend(flags);
    args.extend(["--", "true"]);
    Galley::new().args(&args).run()
}

#[test]
fn a_report_is_never_written_over_or_emptied_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rotation.jsonl");
    let r = report.to_str().unwrap();
    run_with(&["--report", r]).expect_code(1);
    let mode = std::fs::metadata(&report).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "a report holds hosts' output: the owner's only"
    );
    let before = std::fs::read_to_string(&report).unwrap();

    let again = run_with(&["--report", r]);
    again.expect_code(2);
    assert!(
        again.stderr().contains("exists") && again.stderr().contains("--resume"),
        "{again}"
    );
    for same in [["--retry-failed", r], ["--exclude-report", r]] {
        let run = run_with(&[same[0], same[1], "--report", r]);
        run.expect_code(2);
        assert!(run.stderr().contains("name the same file"), "{run}");
    }
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        before,
        "nothing lost"
    );

    // --resume appends; --overwrite-report replaces, and says so by name.
    run_with(&["--resume", r]).expect_code(1);
    let resumed = std::fs::read_to_string(&report).unwrap();
    assert!(resumed.starts_with(&before) && resumed.len() > before.len());
    run_with(&["--report", r, "--overwrite-report"]).expect_code(1);
    let replaced = std::fs::read_to_string(&report).unwrap();
    assert_eq!(replaced.matches("\"type\":\"header\"").count(), 1);

    // A symlink or a FIFO at the path is refused, naming it.
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&report, &link).unwrap();
    let run = run_with(&["--report", link.to_str().unwrap(), "--overwrite-report"]);
    run.expect_code(2);
    assert!(run.stderr().contains("symbolic link"), "{run}");
    let fifo = mkfifo(dir.path());
    let run = run_with(&["--report", fifo.to_str().unwrap()]);
    run.expect_code(2);
    assert!(run.stderr().contains("FIFO"), "{run}");
}

#[test]
fn tokens_in_host_output_and_the_operator_s_patterns_are_masked_everywhere() {
    let fleet = crate::support::Fleet::start(&["tok-1"]);
    fleet.write_inventory(|node| node);
    let command = "echo 'curl -H \"PRIVATE-TOKEN: glpat-Ab3_dEf9hIj2KlMn0pQr\" https://gitlab.example.com/api/v4/projects?private_token=s3cret0&x=1'; \
                   echo 'Authorization: Bearer 0123456789abcdefABCDEF'; echo 'vault sekrit-42 done'";
    for output in ["summary", "stream", "json"] {
        let run = fleet.run(
            &["--output", output, "--mask", r"sekrit-\d+"],
            "*:*",
            command,
        );
        run.expect_code(0);
        let report = std::fs::read_to_string(fleet.report()).unwrap();
        for text in [run.stdout(), run.stderr(), report] {
            for secret in [
                "Ab3_dEf9hIj2KlMn0pQr",
                "s3cret0",
                "0123456789abcdefABCDEF",
                "sekrit-42",
            ] {
                assert!(!text.contains(secret), "{output}: {secret} in\n{text}");
            }
        }
        assert!(
            run.stdout().contains("PRIVATE-TOKEN: REDACTED") || output == "json",
            "{run}"
        );
    }
    // A pattern that is not a regular expression is refused by name.
    let run = galley(&["run", "-m", "h", "--mask", "(", "--", "true"]);
    run.expect_code(2);
    assert!(run.stderr().contains("--mask"), "{run}");
}
