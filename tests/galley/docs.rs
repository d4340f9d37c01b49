//! The docs cannot drift: every `console` example in README.md and docs/
//! runs and prints what the page shows, every page is reachable from the
//! README, every relative link resolves, and the generated command-line
//! reference is current.
//!
//! In an example, `$ ` starts a command (run by `sh` from the repository
//! root, with this build's galley first on PATH and an empty HOME); the
//! lines after it are its stdout and stderr as a terminal would show them.
//! `[..]` in a line stands for any text, a line `...` for any lines, and a
//! last line `[exit N]` for the exit code (0 when absent).

use std::path::{Path, PathBuf};

use crate::support::Galley;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every page under docs/.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// One example: the command, the lines it should print, its exit code, and
/// where it is written.
struct Example {
    command: String,
    expected: Vec<String>,
    code: i32,
    at: String,
}

fn examples(page: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut found = Vec::new();
    let mut in_console = false;
    let mut current: Option<Example> = None;
    for (n, line) in text.lines().enumerate() {
        let at = format!("{}:{}", page.strip_prefix(root()).unwrap().display(), n + 1);
        if !in_console {
            in_console = line.trim_end() == "```console";
            continue;
        }
        if line.starts_with("```") || line.starts_with("$ ") {
            found.extend(current.take());
        }
        if line.starts_with("```") {
            in_console = false;
        } else if let Some(command) = line.strip_prefix("$ ") {
            current = Some(Example {
                command: command.to_string(),
                expected: Vec::new(),
                code: 0,
                at,
            });
        } else if let Some(example) = &mut current {
            match line
                .strip_prefix("[exit ")
                .and_then(|c| c.strip_suffix(']'))
            {
                Some(code) => example.code = code.parse().unwrap(),
                None => example.expected.push(line.to_string()),
            }
        } else {
            panic!("{at}: a console block starts with `$ COMMAND`");
        }
    }
    found
}

/// Whether `line` matches `pattern`, where `[..]` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether `lines` match `patterns`, where a pattern `...` stands for any
/// lines.
fn lines_match(patterns: &[String], lines: &[&str]) -> bool {
    match patterns.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((p, rest)) => {
            !lines.is_empty() && line_matches(p, lines[0]) && lines_match(rest, &lines[1..])
        }
    }
}

#[test]
fn wildcards_match_as_documented() {
    assert!(line_matches("a [..] c", "a bbb c"));
    assert!(line_matches("[..]", "anything"));
    assert!(!line_matches("a [..] c", "a b d"));
    let lines = ["one", "two", "three", "four"];
    let patterns = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&patterns(&["one", "...", "four"]), &lines));
    assert!(lines_match(&patterns(&["...", "t[..]"]), &lines[..3]));
    assert!(!lines_match(&patterns(&["one", "four"]), &lines));
}

#[test]
fn every_console_example_prints_what_its_page_shows() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_galley")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for page in pages() {
        for example in examples(&page) {
            assert!(
                example.command.starts_with("galley "),
                "{}: an example runs galley: {}",
                example.at,
                example.command
            );
            let output = Galley::shell(&format!("{} 2>&1", example.command))
                .current_dir(root())
                .env("PATH", &path)
                .run()
                .output;
            let shown = String::from_utf8_lossy(&output.stdout).into_owned();
            let lines: Vec<&str> = shown.lines().collect();
            let code = output.status.code().unwrap_or(-1);
            if code != example.code || !lines_match(&example.expected, &lines) {
                failures.push(format!(
                    "{}: `{}` exited {code} (page: {}) and printed:\n{shown}--- the page shows:\n{}\n",
                    example.at,
                    example.command,
                    example.code,
                    example.expected.join("\n")
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 5, "only {checked} examples found");
}

/// The relative links of a page (`](path)` and `](path#anchor)`).
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|l| !l.starts_with("http") && !l.starts_with('#'))
        .map(|l| l.split('#').next().unwrap().to_string())
        .collect()
}

#[test]
fn every_page_is_linked_from_the_readme_and_every_link_resolves() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let linked = links(&readme);
    for page in pages().iter().skip(1) {
        let name = format!("docs/{}", page.file_name().unwrap().to_string_lossy());
        assert!(linked.contains(&name), "README.md does not link {name}");
    }
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for link in links(&text) {
            let target = page.parent().unwrap().join(&link);
            assert!(target.exists(), "{}: {link} does not exist", page.display());
        }
    }
}

#[test]
fn the_command_line_reference_is_current() {
    let committed = std::fs::read_to_string(root().join("docs/reference.md")).unwrap();
    assert!(
        committed == galley::commands::generate::markdown_reference(),
        "docs/reference.md is out of date: cargo run -- man --markdown > docs/reference.md"
    );
    // Every flag of every subcommand is there, one click from the README.
    for flag in [
        "--restart",
        "--raw-output",
        "--max-output",
        "--shard",
        "--host-key-check",
    ] {
        assert!(committed.contains(flag), "{flag}");
    }
}

/// docs/design.md's tree of the repository names every module of `src/`,
/// every benchmark in `benches/` and every script in `bench/`, and nothing
/// that does not exist.
#[test]
fn the_design_tree_names_every_module_and_bench() {
    let design = std::fs::read_to_string(root().join("docs/design.md")).unwrap();
    let tree = design
        .split("```\nsrc/\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("docs/design.md has the tree, starting at src/");
    // The names a line starts with (`exit.rs, error.rs  ...` names two).
    let first_names = |line: &str| -> Vec<String> {
        let head = line.trim_start().split("  ").next().unwrap_or("");
        head.split(", ").map(|n| n.trim().to_string()).collect()
    };
    let named_in_src: std::collections::BTreeSet<String> = tree
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .flat_map(first_names)
        .collect();
    let in_src: std::collections::BTreeSet<String> = std::fs::read_dir(root().join("src"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    assert_eq!(
        named_in_src, in_src,
        "docs/design.md's src/ tree against src/"
    );
    for (folder, ext) in [("benches", "rs"), ("bench", "py")] {
        for entry in std::fs::read_dir(root().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(&format!(".{ext}")) {
                let mentioned = match folder {
                    "bench" => tree.contains(&format!("bench/{name}")),
                    _ => tree.contains(&name),
                };
                assert!(
                    mentioned,
                    "docs/design.md's tree does not name {folder}/{name}"
                );
            }
        }
    }
}
