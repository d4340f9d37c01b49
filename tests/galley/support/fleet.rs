//! A fleet of test hosts: real sshd servers with an inventory and a
//! known_hosts file for them, and galley run against them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use galley::report::record::{HostRecord, Record};

use super::{client_key, galley, host_records, report_lines, Galley, Run, Sshd};

/// A fleet of test hosts with an inventory and a known_hosts file for them.
pub struct Fleet {
    pub hosts: Vec<Sshd>,
    pub dir: tempfile::TempDir,
}

impl Fleet {
    pub fn start(names: &[&str]) -> Fleet {
        let hosts: Vec<Sshd> = std::thread::scope(|s| {
            let handles: Vec<_> = names
                .iter()
                .map(|n| s.spawn(move || Sshd::start(n)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        Fleet::with_hosts(hosts)
    }

    /// A fleet of servers already started.
    pub fn with_hosts(hosts: Vec<Sshd>) -> Fleet {
        let fleet = Fleet {
            hosts,
            dir: tempfile::tempdir().unwrap(),
        };
        fleet.write_inventory(|node| node);
        let known: String = fleet.hosts.iter().map(Sshd::known_hosts_line).collect();
        std::fs::write(fleet.known_hosts(), known).unwrap();
        fleet
    }

    /// Rewrites the inventory, each node passed through `edit`.
    pub fn write_inventory(&self, edit: impl Fn(serde_json::Value) -> serde_json::Value) {
        let nodes: Vec<serde_json::Value> = self.hosts.iter().map(|h| edit(h.node())).collect();
        std::fs::write(
            self.inventory(),
            serde_json::to_string_pretty(&nodes).unwrap(),
        )
        .unwrap();
    }

    pub fn inventory(&self) -> PathBuf {
        self.dir.path().join("nodes.json")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    pub fn report(&self) -> PathBuf {
        self.dir.path().join("report.jsonl")
    }

    /// `galley run` against this fleet with the test key, its known_hosts
    /// and a report, then `extra` flags, the query and the command.
    /// `galley run COMMAND` on every host with these key files (`-i` each)
    /// instead of the test key, JSON output, no report.
    pub fn run_with_keys(&self, keys: &[&Path], command: &str) -> Run {
        let (inventory, known) = (self.inventory(), self.known_hosts());
        let mut args = vec![
            "run",
            "--inventory",
            inventory.to_str().unwrap(),
            "--known-hosts",
            known.to_str().unwrap(),
        ];
        for key in keys {
            args.extend(["-i", key.to_str().unwrap()]);
        }
        args.extend(["--output", "json", "*:*", "--", command]);
        galley(&args)
    }

    #[track_caller]
    pub fn run(&self, extra: &[&str], query: &str, command: &str) -> Run {
        self.galley(extra, query, command).run()
    }

    /// `galley run` on this fleet (the inventory, the test key,
    /// known_hosts and a report), then `extra` flags, the query and the
    /// command, to run or spawn.
    pub fn galley(&self, extra: &[&str], query: &str, command: &str) -> Galley {
        Galley::new().args(self.args(extra, query, command))
    }

    /// The report's lines, read.
    #[track_caller]
    pub fn report_lines(&self) -> Vec<Record> {
        report_lines(&self.report())
    }

    /// The host records of the report, by name.
    #[track_caller]
    pub fn host_records(&self) -> BTreeMap<String, HostRecord> {
        host_records(&self.report())
    }
}

impl Fleet {
    /// The arguments [`Fleet::run`] uses, for [`spawn_galley`].
    pub fn args(&self, extra: &[&str], query: &str, command: &str) -> Vec<String> {
        let mut args: Vec<String> = [
            "run",
            "--inventory",
            self.inventory().to_str().unwrap(),
            "-i",
            client_key().private.to_str().unwrap(),
            "--known-hosts",
            self.known_hosts().to_str().unwrap(),
            "--report",
            self.report().to_str().unwrap(),
            // Each run of a test replaces the last one's report.
            "--overwrite-report",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([query.to_string(), "--".to_string(), command.to_string()]);
        args
    }
}
