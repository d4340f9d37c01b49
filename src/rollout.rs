//! Rollout: which hosts go, in which waves, and when a run stops early.
//!
//! - Shards (`--shard K/N`) split the selection by a hash of each node name,
//!   so N runners cover the fleet exactly once whatever order each gets the
//!   nodes in, and a node keeps its shard when others come and go.
//! - Canaries (`--canary N`) go first, picked round-robin across
//!   environments and roles (sorted, so the pick is the same every time).
//! - Batches (`--batch-size N|P%`) are the waves after the canaries.
//! - The failure threshold (`--max-failures N|P%`) stops starting hosts:
//!   N not-ok hosts (1 is fail-fast), or more than P% of the finished ones.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::outcome::{HostOutcome, OutcomeKind};
use crate::target::Target;
use crate::units::{HostCount, Shard};

/// Whether a node belongs to a shard.
pub(crate) fn in_shard(name: &str, shard: Shard) -> bool {
    let digest = openssl::sha::sha256(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % u64::from(shard.count) == u64::from(shard.index - 1)
}

/// Which wave of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveKind {
    /// The canaries: the waves after them start only if all are ok.
    Canary,
    /// Batch `number` of `of`.
    Batch { number: usize, of: usize },
    /// Everything (no batches).
    All,
}

/// A group of hosts started together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wave {
    pub kind: WaveKind,
    /// Indexes into the targets.
    pub hosts: Vec<usize>,
}

impl Wave {
    pub fn is_canary(&self) -> bool {
        self.kind == WaveKind::Canary
    }

    /// The wave's hosts as a folded host list (`web-[01-04]`).
    pub fn folded_names(&self, targets: &[Target]) -> String {
        let names: Vec<&str> = self
            .hosts
            .iter()
            .map(|i| targets[*i].name.as_str())
            .collect();
        crate::hostlist::fold(&names)
    }

    /// `canary`, `batch 2/5`, or `all`.
    pub fn label(&self) -> String {
        match self.kind {
            WaveKind::Canary => "canary".into(),
            WaveKind::Batch { number, of } => format!("batch {number}/{of}"),
            WaveKind::All => "all".into(),
        }
    }
}

/// The node's environment and first role: what canaries spread over.
fn spread_key(target: &Target) -> (String, String) {
    let node = &target.node;
    let role = node
        .attribute("roles")
        .and_then(|r| r.as_array()?.first()?.as_str().map(str::to_string))
        .or_else(|| node.role_entries().next().map(str::to_string))
        .unwrap_or_default();
    (node.chef_environment.clone(), role)
}

/// `n` canaries: one from each (environment, role) group in turn, groups
/// and hosts in name order.
pub(crate) fn pick_canaries(targets: &[Target], n: usize) -> Vec<usize> {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        groups.entry(spread_key(t)).or_default().push(i);
    }
    for hosts in groups.values_mut() {
        hosts.sort_by(|a, b| targets[*a].name.cmp(&targets[*b].name));
    }
    let mut picked = Vec::new();
    let mut round = 0;
    while picked.len() < n.min(targets.len()) {
        for hosts in groups.values() {
            if let Some(i) = hosts.get(round) {
                if picked.len() < n {
                    picked.push(*i);
                }
            }
        }
        round += 1;
    }
    picked
}

/// The waves: the canaries, then the rest in batches (or all at once).
pub(crate) fn waves(
    targets: &[Target],
    canary: Option<usize>,
    batch: Option<HostCount>,
) -> Vec<Wave> {
    let canaries = canary
        .map(|n| pick_canaries(targets, n))
        .unwrap_or_default();
    let rest: Vec<usize> = (0..targets.len())
        .filter(|i| !canaries.contains(i))
        .collect();
    let mut waves = Vec::new();
    if !canaries.is_empty() {
        waves.push(Wave {
            kind: WaveKind::Canary,
            hosts: canaries,
        });
    }
    match batch {
        Some(size) if !rest.is_empty() => {
            let size = size.of(targets.len()).max(1);
            let count = rest.len().div_ceil(size);
            for (k, chunk) in rest.chunks(size).enumerate() {
                waves.push(Wave {
                    kind: WaveKind::Batch {
                        number: k + 1,
                        of: count,
                    },
                    hosts: chunk.to_vec(),
                });
            }
        }
        _ if !rest.is_empty() => waves.push(Wave {
            kind: WaveKind::All,
            hosts: rest,
        }),
        _ => {}
    }
    waves
}

/// Counts finished hosts against `--max-failures`.
#[derive(Debug)]
pub(crate) struct Threshold {
    limit: HostCount,
    finished: AtomicUsize,
    failed: AtomicUsize,
}

impl Threshold {
    pub(crate) fn new(limit: HostCount) -> Threshold {
        Threshold {
            limit,
            finished: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// Counts a finished host; returns why to stop when the threshold is
    /// crossed. Hosts that never ran (skipped) do not count.
    pub(crate) fn record(&self, outcome: &HostOutcome) -> Option<String> {
        if outcome.kind() == OutcomeKind::Skipped {
            return None;
        }
        let finished = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        let failed = if outcome.is_ok() {
            self.failed.load(Ordering::SeqCst)
        } else {
            self.failed.fetch_add(1, Ordering::SeqCst) + 1
        };
        let crossed = match self.limit {
            HostCount::Hosts(n) => failed >= n,
            HostCount::Percent(p) => failed as f64 * 100.0 > p * finished as f64,
        };
        crossed.then(|| {
            format!(
                "--max-failures {} reached ({failed} of {finished} finished hosts not ok)",
                self.limit
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn target(name: &str, env: &str, role: &str) -> Target {
        let node = crate::inventory::Node::from_json(
            serde_json::json!({"name": name, "chef_environment": env, "run_list": [format!("role[{role}]")]}),
            None,
            crate::inventory::node::Origin::command_line(),
        )
        .unwrap();
        Target {
            name: name.into(),
            address: name.into(),
            port: None,
            node: Arc::new(node),
        }
    }

    #[test]
    fn canaries_spread_over_environments_and_roles() {
        let targets = vec![
            target("web-01-gprd", "gprd", "web"),
            target("web-02-gprd", "gprd", "web"),
            target("web-01-gstg", "gstg", "web"),
            target("api-01-gprd", "gprd", "api"),
            target("web-03-gprd", "gprd", "web"),
        ];
        let names = |picked: Vec<usize>| -> Vec<&str> {
            picked.iter().map(|i| targets[*i].name.as_str()).collect()
        };
        assert_eq!(
            names(pick_canaries(&targets, 3)),
            ["api-01-gprd", "web-01-gprd", "web-01-gstg"]
        );
        assert_eq!(names(pick_canaries(&targets, 4))[3], "web-02-gprd");
        assert_eq!(pick_canaries(&targets, 10).len(), 5);
    }

    #[test]
    fn waves_are_canaries_then_batches() {
        let targets: Vec<Target> = (1..=10)
            .map(|i| target(&format!("h{i:02}"), "e", "r"))
            .collect();
        let w = waves(&targets, Some(2), Some(HostCount::Percent(30.0)));
        let labels: Vec<String> = w.iter().map(Wave::label).collect();
        assert_eq!(labels, ["canary", "batch 1/3", "batch 2/3", "batch 3/3"]);
        assert_eq!(w[0].hosts, [0, 1]);
        assert_eq!(w[1].hosts, [2, 3, 4]);
        assert_eq!(w[3].hosts, [8, 9]);
        assert_eq!(waves(&targets, None, None).len(), 1);
    }

    #[test]
    fn shards_cover_every_node_exactly_once() {
        let names: Vec<String> = (0..300).map(|i| format!("node-{i}")).collect();
        let mut sizes = Vec::new();
        for k in 1..=3 {
            let shard = Shard { index: k, count: 3 };
            sizes.push(names.iter().filter(|n| in_shard(n, shard)).count());
        }
        assert_eq!(sizes.iter().sum::<usize>(), 300);
        assert!(sizes.iter().all(|s| (70..=130).contains(s)), "{sizes:?}");
    }

    #[test]
    fn thresholds_by_count_and_share() {
        let ok = HostOutcome::without_run("a", crate::outcome::Ended::Ok);
        let bad = HostOutcome::without_run("b", crate::outcome::Ended::Failed("x".into()));
        let fail_fast = Threshold::new(HostCount::Hosts(1));
        assert_eq!(fail_fast.record(&ok), None);
        assert_eq!(
            fail_fast.record(&bad).unwrap(),
            "--max-failures 1 reached (1 of 2 finished hosts not ok)"
        );
        let share = Threshold::new(HostCount::Percent(25.0));
        for _ in 0..3 {
            assert_eq!(share.record(&ok), None);
        }
        assert_eq!(share.record(&bad), None, "1 of 4 is 25%, not more");
        assert!(share.record(&bad).is_some(), "2 of 5 is 40%");
    }
}
