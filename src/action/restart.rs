//! Restarting services and proving it: the state before, the restart, the
//! state after. A restart is proven when the service runs under a new pid
//! (if it ran before) with an uptime no longer than the time since galley
//! asked for the restart; [`super::verify`] then checks that it is still up
//! under that pid after `--settle`.
//!
//! Omnibus control commands (`gitlab-ctl`, `packagecloud-ctl`) print runit's
//! `sv` status lines: `run: unicorn: (pid 4242) 5s; run: log: (pid 880)
//! 900s`, `down: unicorn: 3s, normally up` (runit `sv.c` `svstatus_print`). systemd units are read with `systemctl show`.

use std::sync::OnceLock;
use std::time::Instant;

use regex::Regex;

use super::command::{shell_quote, Privilege};
use super::step::{said, unfinished, HostContext, Step};
use crate::outcome::details::{self, Details};
use crate::outcome::StepOutcome;

/// How services are driven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    /// An omnibus `*-ctl` command (runit underneath).
    Ctl(String),
    Systemd,
}

/// A service's state as read from its manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceState {
    /// `run`, `down`, `finish` (runit) or systemd's ActiveState.
    pub state: String,
    pub pid: Option<u32>,
    /// Seconds in this state.
    pub uptime: Option<u64>,
    /// The line it was read from.
    pub line: String,
}

impl ServiceState {
    pub fn running(&self) -> bool {
        (self.state == "run" || self.state == "active") && self.pid.is_some_and(|p| p > 0)
    }
}

/// The service's own segment of a runit status line (`ok: ` and the `log`
/// service's part left out).
pub fn parse_runit(output: &str, service: &str) -> Option<ServiceState> {
    static LINE: OnceLock<Regex> = OnceLock::new();
    let line_re = LINE.get_or_init(|| {
        Regex::new(
            r"^(?:ok: |timeout: |kill: )?(run|down|finish): ([^:]+): (?:\(pid (\d+)\) )?(\d+)s",
        )
        .expect("a valid pattern")
    });
    output.lines().find_map(|line| {
        let c = line_re.captures(line.trim())?;
        let name = &c[2];
        // `gitlab-ctl status` names the service by its folder; a path
        // (`/opt/gitlab/service/unicorn`) ends with the name.
        if name != service && !name.ends_with(&format!("/{service}")) {
            return None;
        }
        Some(ServiceState {
            state: c[1].to_string(),
            pid: c.get(3).and_then(|m| m.as_str().parse().ok()),
            uptime: c[4].parse().ok(),
            line: line.trim().to_string(),
        })
    })
}

/// `systemctl show -p ...` output followed by `/proc/uptime`.
pub fn parse_systemd(output: &str) -> Option<ServiceState> {
    let mut state = None;
    let mut pid = None;
    let mut started_us: Option<u64> = None;
    let mut now_s: Option<f64> = None;
    for line in output.lines() {
        if let Some((key, value)) = line.split_once('=') {
            match key {
                "ActiveState" => state = Some(value.to_string()),
                "MainPID" => pid = value.parse().ok(),
                "ExecMainStartTimestampMonotonic" => started_us = value.parse().ok(),
                _ => {}
            }
        } else if let Some(first) = line.split_whitespace().next() {
            now_s = first.parse().ok().or(now_s);
        }
    }
    let uptime = match (started_us, now_s) {
        (Some(us), Some(now)) if us > 0 => Some((now - us as f64 / 1e6).max(0.0) as u64),
        _ => None,
    };
    let state = state?;
    Some(ServiceState {
        line: format!(
            "{state} (pid {}) {}s",
            pid.unwrap_or(0),
            uptime.map_or("?".into(), |u| u.to_string())
        ),
        state,
        pid: pid.filter(|p| *p > 0),
        uptime,
    })
}

impl Manager {
    pub fn status_command(&self, service: &str) -> String {
        match self {
            Manager::Ctl(ctl) => format!("{} status {}", shell_quote(ctl), shell_quote(service)),
            Manager::Systemd => format!(
                "systemctl show -p ActiveState -p MainPID -p ExecMainStartTimestampMonotonic {} && cat /proc/uptime",
                shell_quote(service)
            ),
        }
    }

    pub fn restart_command(&self, service: &str) -> String {
        match self {
            Manager::Ctl(ctl) => format!("{} restart {}", shell_quote(ctl), shell_quote(service)),
            Manager::Systemd => format!("systemctl restart {}", shell_quote(service)),
        }
    }

    pub fn parse(&self, output: &str, service: &str) -> Option<ServiceState> {
        match self {
            Manager::Ctl(_) => parse_runit(output, service),
            Manager::Systemd => parse_systemd(output),
        }
    }

    /// Reads a service's state; `None` when it cannot, with the reason in
    /// the step.
    pub fn read(
        &self,
        host: &HostContext,
        service: &str,
        step: &mut StepOutcome,
    ) -> Option<ServiceState> {
        let result = host
            .remote
            .run(self.status_command(service), Privilege::Root, false);
        if unfinished(&result, step) {
            return None;
        }
        match self.parse(&result.stdout.text(), service) {
            Some(state) => Some(state),
            None => {
                let said = said(&result);
                step.fail(format!(
                    "cannot read the state of {service} (`{}` exit {}): {}",
                    self.status_command(service),
                    result.code().unwrap_or(-1),
                    if said.is_empty() { "no output" } else { &said }
                ));
                None
            }
        }
    }
}

/// Restarts services in order, proving each.
pub struct Restart {
    pub services: Vec<String>,
    pub manager: Manager,
}

impl Step for Restart {
    fn name(&self) -> &'static str {
        "restart"
    }

    fn plan(&self) -> Vec<String> {
        self.services
            .iter()
            .flat_map(|s| {
                [
                    self.manager.status_command(s),
                    self.manager.restart_command(s),
                    self.manager.status_command(s),
                ]
            })
            .map(|c| format!("{c}    # as root"))
            .collect()
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let mut step = StepOutcome::new(self.name());
        let mut records = Vec::new();
        for service in &self.services {
            let Some(before) = self.manager.read(host, service, &mut step) else {
                break;
            };
            let asked = Instant::now();
            let result =
                host.remote
                    .run(self.manager.restart_command(service), Privilege::Root, true);
            if unfinished(&result, &mut step) {
                break;
            }
            let said = said(&result);
            let Some(after) = self.manager.read(host, service, &mut step) else {
                break;
            };
            let since = asked.elapsed().as_secs();
            if after.pid != before.pid {
                step.changed = Some(true);
            } else if step.changed.is_none() {
                step.changed = Some(false);
            }
            records.push(details::Restarted {
                after: after.line.clone(),
                before: before.line.clone(),
                restart_exit_code: result.code(),
                restart_output: said.clone(),
                seconds_since_restart: since,
                service: service.clone(),
            });
            let failure = if result.code() != Some(0) {
                Some(format!(
                    "`{}` failed (exit {}): {said}",
                    self.manager.restart_command(service),
                    result.code().unwrap_or(-1)
                ))
            } else if !after.running() {
                Some(format!(
                    "{service} is not running after the restart: {}",
                    after.line
                ))
            } else if before.running() && before.pid == after.pid {
                Some(format!(
                    "{service} kept its pid {} (it did not restart): {}",
                    after.pid.unwrap_or(0),
                    after.line
                ))
            } else if after.uptime.is_some_and(|u| u > since + 1) {
                Some(format!(
                    "{service} has been up {}s, longer than the {since}s since the restart: {}",
                    after.uptime.unwrap_or(0),
                    after.line
                ))
            } else {
                None
            };
            if let Some(why) = failure {
                step.fail(why);
                step.notes.push(format!("{service}: not restarted"));
                break;
            }
            step.notes.push(format!(
                "{service} restarted ({})",
                if before.running() {
                    "new pid"
                } else {
                    "was not running"
                }
            ));
            host.facts
                .borrow_mut()
                .restarted
                .push((service.clone(), after.pid.unwrap_or(0)));
        }
        step.details = Details::Restart(details::Restart { services: records });
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runit_lines_of_ctl_commands() {
        let s = parse_runit(
            "run: unicorn: (pid 4242) 56s; run: log: (pid 1200) 300s\n",
            "unicorn",
        )
        .unwrap();
        assert_eq!(
            (s.state.as_str(), s.pid, s.uptime),
            ("run", Some(4242), Some(56))
        );
        assert!(s.running());
        let s = parse_runit(
            "down: unicorn: 3s, normally up; run: log: (pid 880) 9000s",
            "unicorn",
        )
        .unwrap();
        assert_eq!((s.state.as_str(), s.pid, s.uptime), ("down", None, Some(3)));
        assert!(!s.running());
        let s = parse_runit("ok: run: nginx: (pid 9) 0s", "nginx").unwrap();
        assert_eq!(s.pid, Some(9));
        // another service's line is not this one's
        assert!(parse_runit("run: nginx: (pid 9) 0s", "unicorn").is_none());
        assert!(parse_runit("fail: unicorn: runsv not running", "unicorn").is_none());
        let s = parse_runit("run: /opt/gitlab/service/unicorn: (pid 7) 2s", "unicorn").unwrap();
        assert_eq!(s.pid, Some(7));
    }

    #[test]
    fn systemd_show_output_with_the_uptime() {
        let s = parse_systemd(
            "ActiveState=active\nMainPID=812\nExecMainStartTimestampMonotonic=100000000\n130.50 250.00\n",
        )
        .unwrap();
        assert_eq!((s.pid, s.uptime), (Some(812), Some(30)));
        assert!(s.running());
        let s = parse_systemd(
            "ActiveState=inactive\nMainPID=0\nExecMainStartTimestampMonotonic=0\n5.0 1.0\n",
        )
        .unwrap();
        assert!(!s.running());
    }

    #[test]
    fn names_reach_the_shell_quoted() {
        let m = Manager::Ctl("gitlab-ctl".into());
        assert_eq!(
            m.restart_command("uni corn; id"),
            "'gitlab-ctl' restart 'uni corn; id'"
        );
    }
}
