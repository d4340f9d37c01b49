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
    assert!(page.contains("GALLEY_INVENTORY"));
}

/// The subcommands `galley --help` lists (clap's own `help` aside).
fn subcommands() -> Vec<String> {
    let help = galley(&["--help"]).stdout();
    let listed = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section");
    let names: Vec<String> = listed
        .lines()
        .take_while(|l| l.starts_with("  "))
        // A name at two spaces; a wrapped description is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 10, "{help}");
    names
}

/// The long flags a `--help` text lists.
fn long_flags(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start().strip_prefix("-").map(|_| l.trim_start())?;
            let l = l.split_once(", ").map_or(l, |(_, rest)| rest);
            let flag = l.strip_prefix("--")?.split([' ', '=', '<']).next()?;
            Some(flag.to_string())
        })
        .collect()
}

// The man pages once named only three subcommands in their checks, and
// the main page pointed at a galley-help(1) that was never written.
#[test]
fn every_subcommand_and_flag_of_the_help_is_in_the_man_pages() {
    let pages: std::collections::BTreeMap<String, String> = man_pages()
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect();
    let main = &pages["galley.1"];
    for sub in subcommands() {
        let roff_name = format!("galley\\-{}(1)", sub.replace('-', "\\-"));
        assert!(
            main.contains(&roff_name),
            "galley.1 does not list {roff_name}"
        );
        let page = pages
            .get(&format!("galley-{sub}.1"))
            .unwrap_or_else(|| panic!("no page for galley {sub}"));
        let flags = long_flags(&galley(&[&sub, "--help"]).stdout());
        assert!(
            flags.contains("help"),
            "galley {sub} --help lists its flags"
        );
        for flag in flags.iter().filter(|f| *f != "help") {
            let roff = format!("\\-\\-{}", flag.replace('-', "\\-"));
            assert!(
                page.contains(&roff),
                "galley-{sub}.1 does not document --{flag}"
            );
        }
    }
    // Every page the main one points at exists.
    for line in main
        .lines()
        .filter(|l| l.starts_with("galley\\-") && l.ends_with("(1)"))
    {
        let name = line.trim_end_matches("(1)").replace("\\-", "-");
        assert!(
            pages.contains_key(&format!("{name}.1")),
            "{line} has no page"
        );
    }
}

#[test]
fn the_commands_print_what_the_files_hold() {
    // bash, zsh and fish print their registration line (tested in
    // complete.rs); elvish and PowerShell a static script.
    let run = galley(&["completions", "elvish"]);
    run.expect_code(0);
    let (_, elvish) = completions().remove(3);
    assert_eq!(run.output.stdout, elvish);
    // The committed bash script is what `COMPLETE=bash galley` registers
    // (which calls galley by the path it was run as).
    let registration = crate::support::Galley::new().env("COMPLETE", "bash").run();
    let (_, bash) = completions().remove(0);
    assert_eq!(
        registration
            .stdout()
            .replace(env!("CARGO_BIN_EXE_galley"), "galley"),
        String::from_utf8(bash).unwrap()
    );
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

// The synopsis once listed `[--inventory]`: every flag that takes a value
// shows it there, as in `--help`'s usage (`--inventory <PATH>`).
#[test]
fn the_synopsis_names_each_flags_value() {
    let pages: std::collections::BTreeMap<String, String> = man_pages()
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect();
    for sub in subcommands() {
        let page = &pages[&format!("galley-{sub}.1")];
        let synopsis = page
            .split(".SH SYNOPSIS\n")
            .nth(1)
            .and_then(|rest| rest.split("\n.SH ").next())
            .unwrap_or_else(|| panic!("galley-{sub}.1 has a synopsis"));
        let help = galley(&[&sub, "--help"]).stdout();
        // `--flag <VALUE>` in the help: the synopsis has `--flag\ ` and a value.
        for (flag, _) in help
            .split_whitespace()
            .zip(help.split_whitespace().skip(1))
            .filter(|(f, v)| f.len() > 2 && f.starts_with("--") && v.starts_with('<'))
        {
            let roff = format!("\\fB\\-\\-{}\\fR\\ ", &flag[2..].replace('-', "\\-"));
            assert!(
                synopsis.contains(&roff),
                "galley-{sub}.1's synopsis shows {flag} without its value:\n{synopsis}"
            );
        }
    }
}
