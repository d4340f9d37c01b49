//! chef-client on a host: run it, read its result from the exit code and
//! the output, and (in [`super::verify`]) confirm the run on the Chef server.
//!
//! The output differs by version (chef/chef lib/chef/formatters/doc.rb): the doc
//! formatter's end line is `Chef Client finished, U/T resources updated in
//! T` up to 14, `Chef Infra Client finished, ...` from 15, and `Infra Phase
//! complete, ...` from 17.4.30; Chef 12 without a terminal prints only
//! logger lines (`Chef Run complete in S seconds`). Exit codes follow RFC
//! 062 (`lib/chef/application/exit_code.rb`).

use std::sync::OnceLock;

use regex::Regex;

use super::command::{shell_quote, Privilege};
use super::step::{unfinished, HostContext, Step};
use crate::outcome::details::{self, Details};
use crate::outcome::{Ended, StepOutcome};

/// What a chef-client run said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChefRun {
    /// From `Starting Chef Client, version X` and its later forms.
    pub version: Option<String>,
    /// The end-of-run line, as printed.
    pub end_line: Option<String>,
    /// The end line said success (`finished`/`complete`), or failure.
    pub finished_ok: Option<bool>,
    pub updated: Option<u64>,
    pub total: Option<u64>,
    pub elapsed: Option<String>,
    pub why_run: bool,
    /// The failing resource (`template[/etc/gitlab/gitlab.rb]`) and action.
    pub resource: Option<String>,
    pub action: Option<String>,
    /// The exception class and message under the error banner.
    pub exception: Option<String>,
    /// `FATAL:` lines, without the stacktrace banner lines.
    pub fatal: Vec<String>,
    /// Where chef-client dumped the stacktrace.
    pub stacktrace: Option<String>,
    /// The pid of another run whose lock this one waited for.
    pub waited_for: Option<u32>,
    /// The run gave up waiting for the lock (seconds waited).
    pub lock_timeout: Option<u64>,
}

/// The lines of chef-client's output that say how the run went.
struct Patterns {
    /// `Starting Chef Infra Client, version 18.4.12`.
    version: Regex,
    /// `Infra Phase complete, 3/120 resources updated in 41 seconds`.
    end: Regex,
    /// The logger's `Chef Run complete in 1.2 seconds` (no formatter).
    logger_done: Regex,
    /// `Error executing action `create` on resource 'template[...]'`.
    error: Regex,
    stacktrace: Regex,
    /// Another run holds the lock: its pid.
    wait: Regex,
    lock: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let re = |pattern: &str| Regex::new(pattern).expect("a valid pattern");
        Patterns {
            version: re(
                r"(?:Starting Chef Client|Starting Chef Infra Client|^Chef Infra Client), version (\S+)",
            ),
            end: re(
                r"(?:Chef Client|Chef Infra Client|Infra Phase) (finished,|complete,|failed\.) (?:(\d+)/(\d+)|(\d+)) resources? (updated|would have been updated)(?: in (.+))?",
            ),
            logger_done: re(r"Chef (?:Infra Client )?Run complete in ([\d.]+) seconds"),
            error: re(r"Error executing action `([^`]+)` on resource '([^']+)'"),
            stacktrace: re(r"Stacktrace dumped to (\S+)"),
            wait: re(r"(?i)Chef (?:Infra )?client (\d+) is running, will wait for it to finish"),
            lock: re(r"Unable to acquire lock\. Waited (\d+) seconds for (\d+) to release"),
        }
    })
}

/// Reads a run's output (stdout and stderr together).
pub fn parse(output: &str) -> ChefRun {
    let patterns = patterns();
    let mut run = ChefRun::default();
    let lines: Vec<&str> = output.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        run.read_start_and_end(patterns, line);
        run.read_failure(patterns, line, &lines[i + 1..]);
        run.read_lock(patterns, line);
        run.read_fatal(line);
    }
    run
}

impl ChefRun {
    /// The version it started, and the line it ended with.
    fn read_start_and_end(&mut self, p: &Patterns, line: &str) {
        if self.version.is_none() {
            if let Some(c) = p.version.captures(line) {
                self.version = Some(c[1].to_string());
            }
        }
        if let Some(c) = p.end.captures(line) {
            self.end_line = Some(line.to_string());
            self.finished_ok = Some(&c[1] != "failed.");
            let number = |k: usize| c.get(k).and_then(|m| m.as_str().parse().ok());
            self.updated = number(2).or(number(4));
            self.total = number(3);
            self.why_run = &c[5] == "would have been updated";
            self.elapsed = c.get(6).map(|m| m.as_str().trim().to_string());
        } else if self.end_line.is_none() {
            if let Some(c) = p.logger_done.captures(line) {
                self.end_line = Some(line.to_string());
                self.finished_ok = Some(true);
                self.elapsed = Some(format!("{} seconds", &c[1]));
            }
        }
    }

    /// The first failed resource, its action and exception (from the
    /// lines `after` it), and where the stacktrace went.
    fn read_failure(&mut self, p: &Patterns, line: &str, after: &[&str]) {
        if self.resource.is_none() {
            if let Some(c) = p.error.captures(line) {
                self.action = Some(c[1].to_string());
                self.resource = Some(c[2].to_string());
                self.exception = exception_after(after);
            }
        }
        if let Some(c) = p.stacktrace.captures(line) {
            self.stacktrace = Some(c[1].to_string());
        }
    }

    /// Another run that held the lock, and how long this one waited.
    fn read_lock(&mut self, p: &Patterns, line: &str) {
        if let Some(c) = p.wait.captures(line) {
            self.waited_for = c[1].parse().ok();
        }
        if let Some(c) = p.lock.captures(line) {
            self.lock_timeout = c[1].parse().ok();
            self.waited_for = c[2].parse().ok();
        }
    }

    /// `FATAL:` lines, but for the banner's own.
    fn read_fatal(&mut self, line: &str) {
        if let Some(rest) = line.split("FATAL: ").nth(1) {
            let banner = rest.starts_with("---")
                || rest.starts_with("PLEASE PROVIDE")
                || rest.starts_with("Stacktrace dumped");
            if !banner && !rest.trim().is_empty() {
                self.fatal.push(rest.trim().to_string());
            }
        }
    }
}

/// Under the error banner: a blank line, `Exception::Class`, a dashed
/// underline, then the message.
fn exception_after(lines: &[&str]) -> Option<String> {
    let mut rest = lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| l.is_empty() || l.starts_with("====="));
    let class = rest.next()?;
    let mut after = rest.skip_while(|l| l.starts_with("---") || l.is_empty());
    match after.next() {
        Some(message) if !message.starts_with("=====") => Some(format!("{class}: {message}")),
        _ => Some(class.to_string()),
    }
}

/// How the run ended, from its exit code and what it printed.
pub fn judge(run: &ChefRun, exit_code: i32) -> Ended {
    let failed = Ended::Failed;
    match exit_code {
        0 => Ended::Ok,
        // Chef::Exceptions::Reboot: the run succeeded and asked for a reboot.
        35 => Ended::Ok,
        37 => failed(
            "a reboot is pending: chef-client refuses to run until the host reboots (exit 37)"
                .into(),
        ),
        41 => failed("the reboot chef-client asked for failed (exit 41)".into()),
        43 => failed("chef-client's configuration is broken (exit 43)".into()),
        213 => failed("chef-client upgraded itself: run it again (exit 213)".into()),
        2 | 3 => failed(format!(
            "chef-client was interrupted ({}, exit {exit_code})",
            if exit_code == 2 { "SIGINT" } else { "SIGTERM" }
        )),
        126 | 127 => failed(format!(
            "chef-client cannot be run on this host (exit {exit_code}: not found or not executable)"
        )),
        _ => {
            if let (Some(seconds), Some(pid)) = (run.lock_timeout, run.waited_for) {
                return failed(format!(
                    "another chef-client run (pid {pid}) held the lock: gave up after {seconds}s"
                ));
            }
            let mut why = String::from("Chef run failed");
            if let Some(resource) = &run.resource {
                why.push_str(&format!(
                    ": {resource} (action {})",
                    run.action.as_deref().unwrap_or("?")
                ));
            }
            match (&run.exception, run.fatal.first()) {
                (Some(e), _) => why.push_str(&format!(": {e}")),
                (None, Some(f)) => why.push_str(&format!(": {f}")),
                (None, None) => {}
            }
            why.push_str(&format!(" (exit {exit_code})"));
            failed(why)
        }
    }
}

/// Lines for people: alike across hosts that fared alike.
fn notes(run: &ChefRun, exit_code: i32) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(pid) = run.waited_for {
        notes.push(format!("waited for another chef-client run (pid {pid})"));
    }
    match (&run.end_line, exit_code) {
        (Some(line), _) => notes.push(line.clone()),
        (None, 0) => notes.push("exit 0, but no end-of-run line in the output".into()),
        (None, _) => {}
    }
    if exit_code == 35 {
        notes.push("reboot scheduled by the run (exit 35)".into());
    }
    if let Some(resource) = &run.resource {
        notes.push(format!(
            "failed resource: {resource} (action {})",
            run.action.as_deref().unwrap_or("?")
        ));
    }
    if let Some(e) = &run.exception {
        notes.push(format!("exception: {e}"));
    }
    for line in run.fatal.iter().take(3) {
        notes.push(format!("FATAL: {line}"));
    }
    if let Some(path) = &run.stacktrace {
        notes.push(format!("stacktrace: {path}"));
    }
    notes
}

fn details(run: &ChefRun, exit_code: i32, started_at: Option<i64>) -> details::Converge {
    let reboot = match exit_code {
        35 => Some("scheduled"),
        37 => Some("pending"),
        41 => Some("failed"),
        _ => None,
    };
    details::Converge {
        elapsed: run.elapsed.clone(),
        end_line: run.end_line.clone(),
        exception: run.exception.clone(),
        exit_code,
        failed_action: run.action.clone(),
        failed_resource: run.resource.clone(),
        fatal: run.fatal.clone(),
        host_clock_at_start: started_at,
        lock_timeout_seconds: run.lock_timeout,
        reboot: reboot.map(str::to_string),
        resources_total: run.total,
        resources_updated: run.updated,
        stacktrace: run.stacktrace.clone(),
        version: run.version.clone(),
        waited_for_lock_pid: run.waited_for,
        why_run: run.why_run,
    }
}

/// Runs chef-client as root.
pub struct Converge {
    /// The chef-client command (operator's text, sent as written).
    pub command: String,
    pub why_run: bool,
    pub run_lock_timeout_secs: u64,
    /// More arguments, each quoted.
    pub extra: Vec<String>,
}

impl Converge {
    /// The command line sent to the host. The host's clock is printed first
    /// (on a line of its own) so the server check compares like with like.
    fn command(&self) -> String {
        let mut line = format!(
            "printf '\\036galley-clock %s\\n' \"$(date +%s)\" >&2; exec {} --run-lock-timeout {}",
            self.command, self.run_lock_timeout_secs
        );
        if self.why_run {
            line.push_str(" --why-run");
        }
        for arg in &self.extra {
            line.push(' ');
            line.push_str(&shell_quote(arg));
        }
        line
    }
}

/// The host clock line galley prints before chef-client starts.
fn host_clock(stderr: &str) -> Option<i64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("\u{1e}galley-clock "))
        .and_then(|n| n.trim().parse().ok())
}

impl Step for Converge {
    fn name(&self) -> &'static str {
        "converge"
    }

    fn plan(&self) -> Vec<String> {
        vec![format!(
            "{}    # as root (sudo -n unless root)",
            self.command()
        )]
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let mut step = StepOutcome::new(self.name());
        let result = host.remote.run(self.command(), Privilege::Root, true);
        step.stdout = result.stdout.clone();
        step.stderr = result.stderr.clone();
        if unfinished(&result, &mut step) {
            return step;
        }
        let mut text = result.stdout.text();
        let stderr = result.stderr.text();
        text.push('\n');
        text.push_str(&stderr);
        let exit_code = result.code().unwrap_or(-1);
        let run = parse(&text);
        let started_at = host_clock(&stderr);
        step.exit = result.exit.clone();
        step.end(judge(&run, exit_code));
        step.notes = notes(&run, exit_code);
        step.changed = run.updated.map(|n| n > 0 && !run.why_run);
        step.details = Details::Converge(details(&run, exit_code, started_at));
        if step.is_ok() && !self.why_run {
            host.facts.borrow_mut().converged_since = started_at;
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEF_18_OK: &str = "Chef Infra Client, version 18.4.12\nPatents: https://www.chef.io/patents\nInfra Phase starting\nResolving cookbooks for run list: [\"omnibus-gitlab::default\"]\nConverging 120 resources\n  * template[/etc/gitlab/gitlab.rb] action create (up to date)\n\nRunning handlers:\nRunning handlers complete\nInfra Phase complete, 3/120 resources updated in 41 seconds\n";

    const CHEF_12_LOGGER: &str = "[2026-11-25T12:00:00+00:00] INFO: Starting Chef Client, version 12.22.6\n[2026-11-25T12:00:41+00:00] INFO: Chef Run complete in 41.2 seconds\n";

    const CHEF_17_FAIL: &str = "Starting Chef Infra Client, version 17.3.48\n\n================================================================================\nError executing action `create` on resource 'template[/etc/gitlab/gitlab.rb]'\n================================================================================\n\nChef::Mixin::Template::TemplateError\n------------------------------------\nundefined method `[]' for nil:NilClass\n\nRunning handlers:\n[2026-11-25T12:00:10+00:00] ERROR: Running exception handlers\nRunning handlers complete\n[2026-11-25T12:00:10+00:00] ERROR: Exception handlers complete\nChef Infra Client failed. 2 resources updated in 09 seconds\n[2026-11-25T12:00:10+00:00] FATAL: Stacktrace dumped to /var/chef/cache/chef-stacktrace.out\n[2026-11-25T12:00:10+00:00] FATAL: ---------------------------------------------------------------------------------------\n[2026-11-25T12:00:10+00:00] FATAL: PLEASE PROVIDE THE CONTENTS OF THE stacktrace.out FILE (above) IF YOU FILE A BUG REPORT\n[2026-11-25T12:00:10+00:00] FATAL: ---------------------------------------------------------------------------------------\n[2026-11-25T12:00:10+00:00] FATAL: Chef::Mixin::Template::TemplateError: undefined method `[]' for nil:NilClass\n";

    #[test]
    fn end_lines_of_every_version_family() {
        let r = parse(CHEF_18_OK);
        assert_eq!(r.version.as_deref(), Some("18.4.12"));
        assert_eq!((r.updated, r.total), (Some(3), Some(120)));
        assert_eq!(r.finished_ok, Some(true));
        assert_eq!(r.elapsed.as_deref(), Some("41 seconds"));
        let r = parse("Starting Chef Client, version 14.15.6\nChef Client finished, 0/57 resources updated in 01 minutes 05 seconds\n");
        assert_eq!(r.version.as_deref(), Some("14.15.6"));
        assert_eq!(r.elapsed.as_deref(), Some("01 minutes 05 seconds"));
        let r = parse("Chef Infra Client finished, 4/57 resources would have been updated\n");
        assert!(r.why_run);
        assert_eq!(r.updated, Some(4));
        let r = parse(CHEF_12_LOGGER);
        assert_eq!(r.version.as_deref(), Some("12.22.6"));
        assert_eq!(r.finished_ok, Some(true));
        assert_eq!(r.elapsed.as_deref(), Some("41.2 seconds"));
    }

    #[test]
    fn the_error_block_is_read() {
        let r = parse(CHEF_17_FAIL);
        assert_eq!(r.finished_ok, Some(false));
        assert_eq!(r.updated, Some(2));
        assert_eq!(
            r.resource.as_deref(),
            Some("template[/etc/gitlab/gitlab.rb]")
        );
        assert_eq!(r.action.as_deref(), Some("create"));
        assert_eq!(
            r.exception.as_deref(),
            Some("Chef::Mixin::Template::TemplateError: undefined method `[]' for nil:NilClass")
        );
        assert_eq!(
            r.stacktrace.as_deref(),
            Some("/var/chef/cache/chef-stacktrace.out")
        );
        assert_eq!(
            r.fatal,
            ["Chef::Mixin::Template::TemplateError: undefined method `[]' for nil:NilClass"]
        );
        let Ended::Failed(why) = judge(&r, 1) else {
            panic!("a failed run")
        };
        assert_eq!(why, "Chef run failed: template[/etc/gitlab/gitlab.rb] (action create): Chef::Mixin::Template::TemplateError: undefined method `[]' for nil:NilClass (exit 1)");
    }

    #[test]
    fn exit_codes_are_told_apart() {
        let r = ChefRun::default();
        assert_eq!(judge(&r, 35), Ended::Ok);
        for code in [37, 41, 43, 213, 2, 3, 127] {
            let Ended::Failed(why) = judge(&r, code) else {
                panic!("{code} fails")
            };
            assert!(why.contains(&format!("exit {code}")), "{code}");
        }
        assert!(judge(&r, 37)
            .reason()
            .is_some_and(|why| why.contains("reboot is pending")));
    }

    #[test]
    fn a_lock_wait_and_its_timeout() {
        let text = "[2026-11-25T12:00:00+00:00] WARN: Chef Infra Client 4242 is running, will wait for it to finish and then run.\n[2026-11-25T12:05:00+00:00] FATAL: Chef::Exceptions::RunLockTimeout: Unable to acquire lock. Waited 300 seconds for 4242 to release.\n";
        let r = parse(text);
        assert_eq!(r.waited_for, Some(4242));
        assert_eq!(r.lock_timeout, Some(300));
        assert_eq!(
            judge(&r, 1).reason().unwrap(),
            "another chef-client run (pid 4242) held the lock: gave up after 300s"
        );
        let r = parse(
            "[x] WARN: Chef client 77 is running, will wait for it to finish and then run.\n",
        );
        assert_eq!(r.waited_for, Some(77));
    }

    #[test]
    fn the_command_quotes_extra_arguments() {
        let c = Converge {
            command: "chef-client".into(),
            why_run: true,
            run_lock_timeout_secs: 300,
            extra: vec!["-o".into(), "recipe[x]; rm -rf /".into()],
        };
        assert!(c.command().ends_with(
            "exec chef-client --run-lock-timeout 300 --why-run '-o' 'recipe[x]; rm -rf /'"
        ));
        assert_eq!(
            host_clock("x\n\u{1e}galley-clock 1795608000\n"),
            Some(1795608000)
        );
    }
}
