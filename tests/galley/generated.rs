//! The committed completions and man pages must match what the clap
//! definition generates today.

use std::collections::BTreeSet;
use std::path::Path;

use galley::commands::generate::{completions, man_pages};

use crate::support::galley;

const REFRESH: &str = "cargo run -- completions --dir completions && cargo run -- man --dir man";

fn check_dir(dir: &str, expected: Vec<(String, Vec<u8>)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut stale = Vec::new();
    for (name, bytes) in &expected {
        match std::fs::read(dir.join(name)) {
            Ok(committed) if committed == *bytes => {}
            Ok(_) => stale.push(format!("{name} differs")),
            Err(e) => stale.push(format!("{name}: {e}")),
        }
    }
    let wanted: BTreeSet<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !wanted.contains(name.as_str()) {
            stale.push(format!("{name} is no longer generated: delete it"));
        }
    }
    assert!(
        stale.is_empty(),
        "{} is out of date ({}).\nRefresh it with:\n    {REFRESH}",
        dir.display(),
        stale.join("; ")
    );
}

#[test]
fn committed_completions_are_current() {
    check_dir("completions", completions());
}

#[test]
fn committed_man_pages_are_current() {
    check_dir("man", man_pages());
}

#[test]
fn the_man_page_documents_every_exit_code_and_subcommand() {
    let page = String::from_utf8(man_pages().remove(0).1).unwrap();
    assert!(page.contains(".SH \"EXIT STATUS\""));
    for (code, _, meaning) in galley::exit::ALL {
        assert!(page.contains(&format!("\\fB{code}\\fR")), "code {code}");
        assert!(page.contains(meaning), "{meaning}");
    }
    for sub in ["search", "completions", "man"] {
        assert!(page.contains(sub), "subcommand {sub}");
    }
    assert!(page.contains("GALLEY_INVENTORY"));
}

#[test]
fn the_commands_print_what_the_files_hold() {
    let run = galley(&["completions", "bash"]);
    run.expect_code(0);
    let (_, bash) = completions().remove(0);
    assert_eq!(run.output.stdout, bash);
    let run = galley(&["man"]);
    run.expect_code(0);
    assert_eq!(run.output.stdout, man_pages().remove(0).1);

    let dir = tempfile::tempdir().unwrap();
    galley(&["completions", "--dir", dir.path().to_str().unwrap()]).expect_code(0);
    let written: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = [
        "galley.bash",
        "_galley",
        "galley.fish",
        "galley.elv",
        "_galley.ps1",
    ]
    .map(String::from)
    .into();
    assert_eq!(written, expected);
}
