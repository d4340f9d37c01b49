//! The last step: proof that the earlier steps took.
//!
//! - A chef-client run that reported success must show on the Chef server:
//!   the node's `ohai_time` (written only when a run saves the node, which
//!   is what chef/chef knife/lib/chef/knife/status.rb reads) must be at or after the host's clock when the
//!   run started. Otherwise the host is `unverified`, not ok.
//! - Each restarted service must still run under the pid it came back
//!   with, `--settle` after the restart (a service that crashes at start
//!   is restarted by runit under a new pid, or stays down).

use std::time::Duration;

use super::restart::Manager;
use super::step::{HostContext, Step};
use crate::chef::client::ChefClient;
use crate::outcome::details::{self, Details};
use crate::outcome::StepOutcome;
use crate::units::iso8601;

pub struct Verify {
    /// Where to confirm chef-client runs (None: not checked).
    pub server: Option<ChefClient>,
    /// How restarted services are read, and how long they must stay up.
    pub services: Option<(Manager, Duration)>,
}

impl Verify {
    fn check_server(
        &self,
        host: &HostContext,
        step: &mut StepOutcome,
        record: &mut details::Verify,
    ) {
        let Some(client) = &self.server else {
            return;
        };
        let Some(since) = host.facts.borrow().converged_since else {
            return;
        };
        let ohai_time = match client.node(host.node) {
            Ok(node) => node["automatic"]["ohai_time"].as_f64(),
            Err(e) => {
                step.unverified(format!(
                    "chef-client reported success, but the Chef server could not be asked: {e}"
                ));
                return;
            }
        };
        record.server = Some(details::CheckIn {
            ohai_time,
            run_started_at: since,
        });
        match ohai_time {
            Some(t) if t >= since as f64 => {
                step.notes.push("the node checked in with the Chef server after the run".into());
            }
            Some(t) => step.unverified(format!(
                "chef-client reported success, but the node's ohai_time on the Chef server did not move (last check-in {}, run started {})",
                iso8601(t as i64),
                iso8601(since)
            )),
            None => step.unverified(
                "chef-client reported success, but the node on the Chef server has no ohai_time",
            ),
        }
    }

    fn check_services(
        &self,
        host: &HostContext,
        step: &mut StepOutcome,
        record: &mut details::Verify,
    ) {
        let Some((manager, settle)) = &self.services else {
            return;
        };
        let restarted = host.facts.borrow().restarted.clone();
        if restarted.is_empty() {
            return;
        }
        std::thread::sleep(*settle);
        let mut seen = Vec::new();
        for (service, pid) in restarted {
            let Some(state) = manager.read(host, &service, step) else {
                return;
            };
            seen.push(details::StillUp {
                now: state.line.clone(),
                pid,
                service: service.clone(),
            });
            record.services = Some(seen.clone());
            if !state.running() {
                step.fail(format!(
                    "{service} went down after its restart: {}",
                    state.line
                ));
                return;
            }
            if state.pid != Some(pid) {
                step.fail(format!(
                    "{service} is not the process that came up after the restart (pid {pid}, now {}): it is restarting again",
                    state.line
                ));
                return;
            }
            step.notes.push(format!(
                "{service} still up after {}",
                crate::units::seconds(*settle)
            ));
        }
    }
}

impl Step for Verify {
    fn name(&self) -> &'static str {
        "verify"
    }

    fn plan(&self) -> Vec<String> {
        let mut plan = Vec::new();
        if self.server.is_some() {
            plan.push(
                "GET /nodes/NAME on the Chef server: ohai_time must be at or after the run's start"
                    .into(),
            );
        }
        if let Some((manager, settle)) = &self.services {
            plan.push(format!(
                "after {}: {}    # as root, for each restarted service: same pid, still running",
                crate::units::seconds(*settle),
                manager.status_command("SERVICE")
            ));
        }
        plan
    }

    fn run(&self, host: &HostContext) -> StepOutcome {
        let mut step = StepOutcome::new(self.name());
        let mut record = details::Verify::default();
        self.check_server(host, &mut step, &mut record);
        if step.is_ok() {
            self.check_services(host, &mut step, &mut record);
        }
        if step.is_ok() && step.notes.is_empty() {
            step.notes.push("nothing to verify".into());
        }
        step.details = Details::Verify(record);
        step
    }
}
