//! `galley report junit` and `galley report html` on the report of a real
//! run: hosts that are ok, one that fails with hostile output, one that is
//! unreachable. JUnit is checked against the JUnit schema with xmllint;
//! the page is opened in a real headless chromium (support/browser.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{galley, require, ClosedPort, Fleet};

/// Output no page or XML file may ever treat as markup: script and image
/// tags, an SVG end tag, a javascript: link, a right-to-left override, a
/// terminal escape, CDATA's end and an entity.
pub const HOSTILE: &str = "<script>alert(1)</script><img src=x onerror=alert(2)></svg>\
<a href=\"javascript:alert(3)\">x</a>\u{202e}evil\u{1b}[31m]]>&amp;";

/// A finished run's report: `ok-1` and `ok-2` print the same line, `bad-1`
/// prints [`HOSTILE`] and fails, `closed-1` cannot be reached.
pub struct MixedRun {
    pub fleet: Fleet,
    _closed: ClosedPort,
}

impl MixedRun {
    pub fn start() -> MixedRun {
        let fleet = Fleet::start(&["ok-1", "ok-2", "bad-1"]);
        let closed = ClosedPort::new();
        fleet.write_inventory(|node| node);
        let mut nodes: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(fleet.inventory()).unwrap()).unwrap();
        nodes.push(serde_json::json!({"name": "closed-1", "automatic": {"fqdn": "127.0.0.1", "cloud": {"public_ssh_port": closed.port}}}));
        std::fs::write(fleet.inventory(), serde_json::to_string(&nodes).unwrap()).unwrap();
        let hostile = galley::action::command::shell_quote(HOSTILE);
        let command = format!(
            "if [ \"$GALLEY_TEST_HOST\" = bad-1 ]; then printf '%s\\n' {hostile}; exit 3; fi; echo same"
        );
        fleet
            .run(&["--connect-timeout", "5s"], "*:*", &command)
            .expect_code(1);
        MixedRun {
            fleet,
            _closed: closed,
        }
    }

    pub fn report(&self) -> PathBuf {
        self.fleet.report()
    }

    /// `galley report VIEW REPORT -o FILE`, in a folder of its own.
    pub fn export(&self, view: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("run.{view}"));
        let report = self.report();
        galley(&[
            "report",
            view,
            report.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
        ])
        .expect_code(0);
        (dir, file)
    }
}

fn xmllint_valid(xml: &Path) {
    require("/usr/bin/xmllint", "libxml2-utils");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/junit/junit-10.xsd");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(xml)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "not valid JUnit XML:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(xml).unwrap()
    );
}

/// What xmllint reads at an XPath: the document as a parser sees it, not
/// as the test's own string search would.
fn xpath(xml: &Path, expr: &str) -> String {
    let out = Command::new("xmllint")
        .args(["--xpath", expr])
        .arg(xml)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xpath {expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // xmllint ends what it prints with a line feed of its own.
    let mut text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.pop(), Some('\n'));
    text
}

#[test]
fn junit_is_valid_against_the_schema_and_says_each_hosts_verdict() {
    let run = MixedRun::start();
    let (_dir, xml) = run.export("junit");
    xmllint_valid(&xml);
    let count = |expr: &str| xpath(&xml, &format!("string({expr})"));
    assert_eq!(count("count(//testsuite)"), "1");
    assert_eq!(count("//testsuite/@tests"), "4");
    assert_eq!(count("//testsuite/@failures"), "1");
    assert_eq!(count("//testsuite/@errors"), "1");
    assert_eq!(
        count("count(//testcase[@name='ok-1' and not(*[name()!='system-out'])])"),
        "1"
    );
    assert_eq!(count("//testcase[@name='bad-1']/failure/@type"), "failed");
    assert_eq!(
        count("//testcase[@name='bad-1']/failure/@message"),
        "exit code 3"
    );
    assert_eq!(
        count("//testcase[@name='closed-1']/error/@type"),
        "unreachable"
    );
    assert_eq!(count("//testcase[@name='ok-2']/system-out"), "same\n");
    // The hostile output is text, whole, with its control characters shown.
    let out = count("//testcase[@name='bad-1']/system-out");
    assert!(
        out.starts_with("<script>alert(1)</script><img src=x onerror=alert(2)></svg>"),
        "{out}"
    );
    assert!(out.contains("\\u{202e}evil\\u{1b}[31m]]>&amp;"), "{out}");
    assert_eq!(count("//property[@name='query']/@value"), "*:*");
    // Written readable by its owner only.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&xml).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn an_export_never_writes_over_the_report_it_reads() {
    let run = MixedRun::start();
    let report = run.report();
    let before = std::fs::read(&report).unwrap();
    for view in ["junit", "html"] {
        let out = galley(&[
            "report",
            view,
            report.to_str().unwrap(),
            "-o",
            report.to_str().unwrap(),
        ]);
        out.expect_code(3);
        assert!(out.stderr().contains("is one of the reports read"), "{out}");
        assert_eq!(std::fs::read(&report).unwrap(), before);
    }
}

/// The outcome colours the page draws with (assets/report.js), as RGB.
const OK_GREEN: [u8; 3] = [0x2e, 0x7d, 0x32];
const FAILED_RED: [u8; 3] = [0xc6, 0x28, 0x28];
const UNREACHABLE_BROWN: [u8; 3] = [0x6d, 0x4c, 0x41];

#[test]
fn the_html_page_draws_every_host_and_keeps_hostile_output_as_text() {
    let run = MixedRun::start();
    let (dir, page) = run.export("html");
    let mut browser = crate::support::Browser::start();
    browser.open(&page);
    // One row and one timeline bar per host.
    let count = |b: &mut crate::support::Browser, selector: &str| {
        b.eval(&format!("document.querySelectorAll({selector:?}).length"))
    };
    assert_eq!(count(&mut browser, "tr.host-row"), 4);
    assert_eq!(count(&mut browser, "#timeline g.bar"), 4);
    // Filtering by outcome shows exactly those hosts.
    let visible = "[...document.querySelectorAll('tr.host-row')].filter(r => !r.hidden).map(r => r.cells[0].textContent).sort()";
    browser.eval("const s = document.getElementById('filter-outcome'); s.value = 'ok'; s.dispatchEvent(new Event('change')); 0");
    assert_eq!(browser.eval(visible), serde_json::json!(["ok-1", "ok-2"]));
    browser.eval("const t = document.getElementById('filter-outcome'); t.value = 'unreachable'; t.dispatchEvent(new Event('change')); 0");
    assert_eq!(browser.eval(visible), serde_json::json!(["closed-1"]));
    // A host's detail shows its output, as text: nothing it printed became
    // an element, a handler or a link.
    browser.eval("const f = document.getElementById('filter-outcome'); f.value = 'failed'; f.dispatchEvent(new Event('change')); 0");
    assert_eq!(browser.eval(visible), serde_json::json!(["bad-1"]));
    browser.eval("document.querySelector('tr.host-row').click(); 0");
    let output = browser.eval("document.getElementById('detail-output').textContent");
    // Control characters are shown as the terminal shows them: a bidi
    // override cannot reorder the page, nor an escape hide anything.
    let shown = HOSTILE
        .replace('\u{202e}', "\\u{202e}")
        .replace('\u{1b}', "\\e");
    assert_eq!(output.as_str().unwrap(), format!("{shown}\n"));
    assert_eq!(
        count(&mut browser, "script"),
        2,
        "only galley's own data block and script"
    );
    assert_eq!(
        count(&mut browser, "img, a, foreignObject, iframe, object, embed"),
        0
    );
    assert_eq!(
        browser.eval("[...document.querySelectorAll('*')].some(e => [...e.attributes].some(a => a.name.startsWith('on')))"),
        serde_json::json!(false)
    );
    assert_eq!(
        browser.eval("typeof window.alert === 'function' && !window.__alerted"),
        serde_json::json!(true)
    );
    // Sorting by duration puts the rows in order of it.
    browser.eval("document.querySelector('th[data-column=duration]').click(); 0");
    let durations = browser.eval("[...document.querySelectorAll('tr.host-row')].map(r => parseFloat(r.cells[7].textContent))");
    let durations: Vec<f64> = serde_json::from_value(durations).unwrap();
    assert!(durations.windows(2).all(|w| w[0] <= w[1]), "{durations:?}");
    // The timeline, as drawn, every host shown: the outcome colours are on
    // screen.
    browser.eval("const u = document.getElementById('filter-outcome'); u.value = ''; u.dispatchEvent(new Event('change')); 0");
    let rect = browser.eval("(() => { const r = document.getElementById('timeline').getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()");
    let rect: Vec<f64> = serde_json::from_value(rect).unwrap();
    let shot = browser.screenshot((rect[0], rect[1], rect[2], rect[3]));
    std::fs::write(dir.path().join("timeline.png"), &shot).unwrap();
    let colours = crate::support::colours(&shot);
    for (name, colour) in [
        ("ok", OK_GREEN),
        ("failed", FAILED_RED),
        ("unreachable", UNREACHABLE_BROWN),
    ] {
        assert!(
            colours.get(&colour).copied().unwrap_or(0) > 20,
            "no {name} bar drawn in the timeline: {:?}",
            colours.iter().filter(|(_, n)| **n > 50).collect::<Vec<_>>()
        );
    }
    assert_eq!(browser.errors(), Vec::<String>::new());
}

/// `report history` with the index kept in `cache` between calls.
fn history(cache: &Path, args: &[&str]) -> crate::support::Run {
    crate::support::Galley::new()
        .args(["report", "history"])
        .args(args)
        .env("XDG_CACHE_HOME", cache.to_str().unwrap())
        .run()
}

#[test]
fn history_follows_hosts_across_reports_and_never_serves_a_stale_one() {
    let run = MixedRun::start();
    let reports = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let first = reports.path().join("first.jsonl");
    std::fs::copy(run.report(), &first).unwrap();
    // A later run of another command, written by galley into the cache's
    // index as it ends.
    let later = run
        .fleet
        .galley(&[], "name:ok-*", "echo later")
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .run();
    later.expect_code(0);
    let second = reports.path().join("second.jsonl");
    std::fs::copy(run.report(), &second).unwrap();
    let dir = reports.path().to_str().unwrap();

    let entries = |out: &crate::support::Run| -> Vec<Value> {
        serde_json::from_str::<Vec<Value>>(&out.stdout()).unwrap()
    };
    let shown = history(
        cache.path(),
        &["--reports", dir, "--format", "json", "ok-1"],
    );
    shown.expect_code(0);
    let found = entries(&shown);
    assert_eq!(found.len(), 2, "{shown}");
    // Newest first: the later run, then the first.
    assert_eq!(found[0]["query"], "name:ok-*");
    assert_eq!(found[1]["query"], "*:*");
    assert!(found[0]["started_at"].as_f64() > found[1]["started_at"].as_f64());
    // A host list and a pattern name several hosts; each host's runs.
    let hosts = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<&str> = vec!["--reports", dir, "--format", "json"];
        all.extend(args);
        let out = history(cache.path(), &all);
        let mut names: Vec<String> = entries(&out)
            .iter()
            .map(|e| e["host"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(hosts(&["ok-[1-2]"]), ["ok-1", "ok-1", "ok-2", "ok-2"]);
    assert_eq!(hosts(&["*-1"]), ["bad-1", "closed-1", "ok-1", "ok-1"]);
    let bad = history(
        cache.path(),
        &["--reports", dir, "--format", "json", "bad-1"],
    );
    let bad = entries(&bad);
    assert_eq!(bad[0]["outcome"], "failed");
    assert_eq!(bad[0]["reason"], "exit code 3");
    // An edited report is read again.
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(
        &first,
        text.replace("\"query\":\"*:*\"", "\"query\":\"name:edited\""),
    )
    .unwrap();
    let edited = entries(&history(
        cache.path(),
        &["--reports", dir, "--format", "json", "ok-1"],
    ));
    assert_eq!(edited[1]["query"], "name:edited");
    // A removed report is dropped.
    std::fs::remove_file(&second).unwrap();
    let after = entries(&history(
        cache.path(),
        &["--reports", dir, "--format", "json", "ok-1"],
    ));
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["query"], "name:edited");
    // No such host: exit 4, said.
    let none = history(cache.path(), &["--reports", dir, "nosuch-1"]);
    none.expect_code(4);
    assert!(none.stderr().contains("no run of nosuch-1"), "{none}");
    // Without --reports: the reports galley remembers writing, here the
    // later run's, indexed as it ended.
    let remembered = history(cache.path(), &["--format", "json", "ok-2"]);
    remembered.expect_code(0);
    let remembered = entries(&remembered);
    assert_eq!(remembered.len(), 1);
    assert_eq!(remembered[0]["query"], "name:ok-*");
}
