//! The modules form a graph that only points down: no module reaches a
//! module that reaches it back, among the top-level modules of `src/` and
//! among the files of each folder. Read from the sources (`crate::x`,
//! `crate::{x, y}`, `super::x`), test modules left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its test module and comment lines.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The names after `prefix` in `text`: `prefix::name` and each first name
/// of `prefix::{a, b::c}`.
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (at, _) in text.match_indices(&format!("{prefix}::")) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[at + prefix.len() + 2..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                out.extend(group.split(',').map(|part| word(part.trim())));
            }
            None => out.push(word(rest)),
        }
    }
    out
}

/// A cycle in `edges`, as the path around it, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut around = path[at..].to_vec();
            around.push(node.to_string());
            return Some(around);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, done, path) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut done, &mut Vec::new()))
}

#[test]
fn modules_point_only_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let module = |parts: &[&str], depth: usize| parts[..depth].join("/");
    let exists = |path: PathBuf| path.with_extension("rs").is_file() || path.is_dir();
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut within: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let parts: Vec<&str> = relative.iter().map(|p| p.to_str().unwrap()).collect();
        if parts.len() == 1 && ["lib", "main"].contains(&parts[0]) {
            continue;
        }
        let text = code(&std::fs::read_to_string(file).unwrap());
        let me = module(&parts, 1);
        for name in names_after(&text, "crate") {
            if name != me && exists(src.join(&name)) {
                top.entry(me.clone()).or_default().insert(name);
            }
        }
        if parts.len() >= 2 && parts[1] != "mod" {
            let folder = parts[0];
            let me = module(&parts, 2);
            let mut near = names_after(&text, &format!("crate::{folder}"));
            if parts.len() == 2 {
                near.extend(names_after(&text, "super"));
            }
            for name in near {
                let other = format!("{folder}/{name}");
                if other != me && name != "mod" && exists(src.join(&other)) {
                    within.entry(me.clone()).or_default().insert(other);
                }
            }
        }
    }
    assert!(top.len() > 10, "the modules were read: {top:?}");
    for (level, edges) in [("top-level modules", &top), ("files of a folder", &within)] {
        if let Some(around) = cycle(edges) {
            panic!(
                "{level} reach each other: {} (move what both need to a module below both)",
                around.join(" -> ")
            );
        }
    }
}

/// The longest a function of galley's own code may be: one that does
/// several things is split by what it does (docs/design.md).
const MAX_FUNCTION_LINES: usize = 80;

/// Each function of `text` (its name and its lines, signature to closing
/// brace), found by indentation as rustfmt lays code out.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let signature = ["fn ", "pub fn ", "pub(crate) fn ", "pub(super) fn "]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = signature else {
            i += 1;
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body opens where the signature ends; a declaration has none.
        let mut open = i;
        while open < lines.len()
            && !lines[open].trim_end().ends_with('{')
            && !lines[open].trim_end().ends_with(';')
        {
            open += 1;
        }
        if open >= lines.len() || lines[open].trim_end().ends_with(';') {
            i = open + 1;
            continue;
        }
        let close = (open + 1..lines.len())
            .find(|&k| {
                let l = lines[k];
                l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}')
            })
            .unwrap_or(lines.len() - 1);
        out.push((name, close - i + 1));
        i = close + 1;
    }
    out
}

#[test]
fn functions_fit_on_a_screen() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap();
        for (name, lines) in functions(text) {
            if lines > MAX_FUNCTION_LINES {
                let file = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
                long.push(format!("{}: {name} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them by what they do): {long:#?}"
    );
    // The finder itself finds a long function.
    let body = "    x();\n".repeat(MAX_FUNCTION_LINES);
    let sample = format!("fn short() {{\n}}\n\npub fn long() {{\n{body}}}\n");
    assert_eq!(
        functions(&sample),
        [
            ("short".to_string(), 2),
            ("long".to_string(), MAX_FUNCTION_LINES + 2)
        ]
    );
}
