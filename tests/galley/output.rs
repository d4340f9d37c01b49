//! What reaches the operator and the reports from hosts: secrets masked
//! wherever the bytes were cut, and terminals kept safe from hosts'
//! control sequences.

use std::path::Path;

use crate::support::{galley, keygen_with, shell_line, Fleet, Run, Tmux};

/// The lines of a key file's body (between its BEGIN and END lines).
fn body_lines(key: &Path) -> Vec<String> {
    std::fs::read_to_string(key)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn assert_no_secret(sink: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{sink} shows `{secret}`:\n{text}"
        );
    }
}

/// Every sink of a run: its stdout and stderr, the report file, and the
/// report read back by `report show` (table and JSON).
fn sinks(run: &Run, report: &Path) -> Vec<(String, String)> {
    let report_arg = report.to_str().unwrap();
    let shown = galley(&["report", "show", report_arg]);
    let shown_json = galley(&["report", "show", "--format", "json", report_arg]);
    vec![
        ("stdout".into(), run.stdout()),
        ("stderr".into(), run.stderr()),
        (
            "the report".into(),
            std::fs::read_to_string(report).unwrap(),
        ),
        ("report show".into(), shown.stdout() + &shown.stderr()),
        ("report show --format json".into(), shown_json.stdout()),
    ]
}

// A private key printed by a host once leaked through --output stream (the
// printer masked line by line), and the report kept the body lines after a
// --max-output cut.
#[test]
fn a_private_key_never_reaches_any_sink_however_it_is_cut() {
    let fleet = Fleet::start(&["key-1", "key-2"]);
    let (rsa, _) = keygen_with(
        fleet.dir.path(),
        "deploy_rsa",
        &["-t", "rsa", "-b", "2048", "-m", "PEM"],
    );
    let (ed, _) = keygen_with(fleet.dir.path(), "deploy_ed", &["-t", "ed25519"]);
    let mut secrets = body_lines(&rsa);
    secrets.extend(body_lines(&ed));
    assert!(secrets.len() > 25, "two keys' bodies: {secrets:?}");
    // key-1 prints the RSA key line by line with pauses (many reads), after
    // 1000 bytes so a 2000-byte cut falls inside it; key-2 prints the
    // ed25519 key in one go.
    let command = format!(
        "if [ \"$GALLEY_TEST_HOST\" = key-1 ]; then head -c 1000 /dev/zero | tr '\\0' x; echo; \
         while IFS= read -r l; do printf '%s\\n' \"$l\"; sleep 0.01; done < {}; echo after; \
         else cat {}; fi",
        rsa.display(),
        ed.display()
    );
    for output in ["summary", "stream", "json"] {
        for max in ["2000", "1m"] {
            let run = fleet.run(&["--output", output, "--max-output", max], "*:*", &command);
            run.expect_code(0);
            for (sink, text) in sinks(&run, &fleet.report()) {
                assert_no_secret(
                    &format!("--output {output} --max-output {max}: {sink}"),
                    &text,
                    &secrets,
                );
            }
            let shown = run.stdout() + &run.stderr();
            assert!(
                shown.contains("-----BEGIN RSA PRIVATE KEY----- REDACTED")
                    || output == "summary" && max == "2000",
                "--output {output} --max-output {max}: the masked key is shown:\n{run}"
            );
        }
    }
}

// A token split between two reads (the host pauses in the middle of it).
#[test]
fn a_url_token_split_across_reads_is_masked_everywhere() {
    let fleet = Fleet::start(&["tok-1"]);
    let command = "printf 'deb https://glpat-SPLIT'; sleep 0.3; printf 'TOKEN:@packages.example.com/x jammy main\\n'; printf 'git https://user:pass'; sleep 0.3; echo 'word@host/r'";
    // Whole, as the hosts print them (the command line holds only halves).
    let secrets = ["SPLITTOKEN".to_string(), "user:password".into()];
    for output in ["summary", "stream", "json"] {
        let run = fleet.run(&["--output", output], "*:*", command);
        run.expect_code(0);
        for (sink, text) in sinks(&run, &fleet.report()) {
            assert_no_secret(&format!("--output {output}: {sink}"), &text, &secrets);
        }
        assert!(
            (run.stdout() + &run.stderr()).contains("https://REDACTED@packages.example.com/x"),
            "--output {output}: {run}"
        );
    }
}

// A host's escape sequences once reached the operator's terminal raw: it
// could recolour and retitle it, or move the cursor over galley's lines.
#[test]
fn hosts_control_sequences_are_shown_as_text_in_a_real_terminal() {
    let fleet = Fleet::start(&["esc-1"]);
    let command = r"printf '\033[31mRED\033[0m \033]0;pwned-title\007 end\n'";
    for output in ["summary", "stream"] {
        for raw in [false, true] {
            let mut extra = vec!["--output", output];
            if raw {
                extra.push("--raw-output");
            }
            let home = tempfile::tempdir().unwrap();
            let shell = shell_line(fleet.args(&extra, "*:*", command), home.path());
            let dir = tempfile::tempdir().unwrap();
            let tmux = Tmux::run(dir.path(), &shell);
            let (text, coloured, title) = (tmux.capture(&[]), tmux.capture(&["-e"]), tmux.title());
            let case = format!(
                "--output {output}{}",
                if raw { " --raw-output" } else { "" }
            );
            if raw {
                assert!(
                    coloured.contains("\x1b[31m"),
                    "{case}: the host's colour passes:\n{coloured}"
                );
                assert_eq!(title, "pwned-title", "{case}: the host's title passes");
            } else {
                assert!(
                    text.contains(r"\e[31mRED\e[0m \e]0;pwned-title\x07 end"),
                    "{case}: the sequence is shown as text:\n{text}"
                );
                assert!(
                    !coloured.contains("\x1b[31m"),
                    "{case}: no colour changed:\n{coloured}"
                );
                assert_ne!(title, "pwned-title", "{case}: the title is unchanged");
            }
        }
    }
}

// On a terminal, hosts' lines once printed under the live progress line,
// so a host's line could start with the bar's text.
#[test]
fn stream_lines_print_with_the_progress_line_out_of_the_way() {
    let fleet = Fleet::start(&["pr-1", "pr-2"]);
    let args = fleet.args(
        &["--output", "stream", "-C", "1"],
        "*:*",
        "for i in 1 2 3 4; do echo \"line$i\"; sleep 0.3; done",
    );
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::run(dir.path(), &shell_line(args, home.path()));
    let screen = tmux.capture(&[]);
    let lines: Vec<&str> = screen.lines().filter(|l| l.contains("line")).collect();
    assert_eq!(lines.len(), 8, "every line once:\n{screen}");
    for line in lines {
        let ok = ["pr-1 | line", "pr-2 | line"]
            .iter()
            .any(|p| line.starts_with(p))
            && line.trim_end().len() == "pr-1 | line1".len();
        assert!(
            ok,
            "a host's line shares its row with something else: {line:?}\n{screen}"
        );
    }
    assert!(screen.contains("2 hosts: 2 ok"), "{screen}");
}
