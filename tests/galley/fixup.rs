//! The fixup commands on simulated hosts: each host is a real sshd whose
//! sessions see the host's own /etc/apt, /var/backups and /usr/local/bin
//! (bind mounts in the sshd's private mount namespace), with a fake
//! chef-client (fixtures/fakes/chef-client: real output per version family,
//! real check-ins to goiardi) and a fake `packagecloud-ctl` that runs real
//! processes under runit-style status lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use galley::outcome::details::{self, Details};
use galley::outcome::{HostOutcome, OutcomeKind};
use serde_json::Value;

use crate::support::{client_key, galley, require_user, step, Goiardi, RecordExt, Run, Sshd};

/// The token of the rotated repository: it must never appear in any output.
const TOKEN: &str = "glpat-0ldT0kenXyZ123";

const PRE_RELEASE: &str =
    "deb https://glpat-0ldT0kenXyZ123:@packages.gitlab.com/gitlab/pre-release/debian/ bookworm main\n";

const DEBIAN: &str = "deb http://deb.debian.org/debian bookworm main\n";

/// One simulated host: its sshd and its files.
pub struct SimHost {
    pub name: String,
    pub root: tempfile::TempDir,
    pub sshd: Sshd,
}

impl SimHost {
    fn start(name: &str) -> SimHost {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for dir in [
            "etc-apt/sources.list.d",
            "var-backups",
            "bin",
            "state/svc",
            "behaviour",
        ] {
            std::fs::create_dir_all(r.join(dir)).unwrap();
        }
        let fakes = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fakes");
        std::fs::copy(fakes.join("chef-client"), r.join("bin/chef-client")).unwrap();
        std::fs::copy(fakes.join("service-ctl"), r.join("bin/packagecloud-ctl")).unwrap();
        std::fs::copy(fakes.join("systemctl"), r.join("bin/systemctl")).unwrap();
        std::fs::write(r.join("bin/fake-root"), r.display().to_string()).unwrap();
        std::fs::write(r.join("etc-apt/sources.list"), DEBIAN).unwrap();
        let (etc_apt, backups, bin) = (r.join("etc-apt"), r.join("var-backups"), r.join("bin"));
        let sshd = Sshd::build(name)
            .binds(&[
                (&etc_apt, "/etc/apt"),
                (&backups, "/var/backups"),
                (&bin, "/usr/local/bin"),
            ])
            .start();
        SimHost {
            name: name.to_string(),
            root,
            sshd,
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, relative: &str) -> Option<String> {
        std::fs::read_to_string(self.path(relative)).ok()
    }

    /// How the fake chef-client behaves: "18 ok", "14 nocheckin", "17 fail"...
    fn chef(&self, behaviour: &str) {
        self.write("behaviour/chef", behaviour);
    }

    /// The chef-client runs so far, one line of arguments each.
    fn chef_runs(&self) -> Vec<String> {
        self.lines("state/chef-runs")
    }

    /// The lines of one of the host's files (none when it is missing).
    fn lines(&self, relative: &str) -> Vec<String> {
        self.read(relative)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Starts a service (a real process) under the fake ctl, restarting
    /// it the way `behaviour` says later.
    fn service(&self, name: &str, behaviour: &str) -> u32 {
        self.write(&format!("behaviour/{name}"), "normal");
        let pid = self.start_with("packagecloud-ctl", name);
        self.write(&format!("behaviour/{name}"), behaviour);
        pid
    }

    /// Starts a systemd unit (a real process) under the fake systemctl.
    fn unit(&self, name: &str) -> u32 {
        self.start_with("systemctl", name)
    }

    /// Starts `name` with the fake `tool restart NAME`; its pid.
    fn start_with(&self, tool: &str, name: &str) -> u32 {
        std::fs::create_dir_all(self.path(&format!("state/svc/{name}"))).unwrap();
        let out = std::process::Command::new(self.path(&format!("bin/{tool}")))
            .args(["restart", name])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        // The tool's own calls so far are the setup's, not galley's.
        let _ = std::fs::remove_file(self.path("state/ctl-calls"));
        self.pid(name)
    }

    fn pid(&self, service: &str) -> u32 {
        self.read(&format!("state/svc/{service}/pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    fn ctl_calls(&self) -> Vec<String> {
        self.lines("state/ctl-calls")
    }

    /// Makes the fake chef-client save the node to this Chef server.
    fn report_to(&self, server: &Goiardi) {
        let config = serde_json::json!({
            "url": server.url,
            "user": "admin",
            "key": server.key("admin"),
            "node": self.name,
        });
        self.write("chef-server.json", &config.to_string());
    }
}

impl Drop for SimHost {
    fn drop(&mut self) {
        // The services' processes outlive the sessions that started them.
        for entry in std::fs::read_dir(self.path("state/svc"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(pid) = std::fs::read_to_string(entry.path().join("pid")) {
                if let Ok(pid) = pid.trim().parse::<i32>() {
                    // SAFETY: kill(2) on a sleep process this test started.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
        }
    }
}

/// Simulated hosts with an inventory and known_hosts for them.
pub struct SimFleet {
    pub hosts: Vec<SimHost>,
    dir: tempfile::TempDir,
}

impl SimFleet {
    fn start(names: &[&str]) -> SimFleet {
        let hosts: Vec<SimHost> = std::thread::scope(|s| {
            let started: Vec<_> = names
                .iter()
                .map(|n| s.spawn(move || SimHost::start(n)))
                .collect();
            started.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let dir = tempfile::tempdir().unwrap();
        let nodes: Vec<Value> = hosts.iter().map(|h| h.sshd.node()).collect();
        std::fs::write(
            dir.path().join("nodes.json"),
            serde_json::to_string(&nodes).unwrap(),
        )
        .unwrap();
        let known: String = hosts.iter().map(|h| h.sshd.known_hosts_line()).collect();
        std::fs::write(dir.path().join("known_hosts"), known).unwrap();
        SimFleet { hosts, dir }
    }

    fn host(&self, name: &str) -> &SimHost {
        self.hosts.iter().find(|h| h.name == name).unwrap()
    }

    fn report(&self) -> PathBuf {
        self.dir.path().join("report.jsonl")
    }

    /// `galley SUBCOMMAND` on these hosts (all of them unless the query
    /// says otherwise) with a report, then `extra`.
    fn galley(&self, subcommand: &str, extra: &[&str]) -> Run {
        let inventory = self.dir.path().join("nodes.json");
        self.galley_with(
            &["--inventory", inventory.to_str().unwrap()],
            subcommand,
            extra,
        )
    }

    /// `galley SUBCOMMAND` with the nodes from this Chef server (no
    /// inventory), with a report, then `extra`.
    fn galley_from(&self, server: &Goiardi, subcommand: &str, extra: &[&str]) -> Run {
        let source = server_source(server);
        let source: Vec<&str> = source.iter().map(String::as_str).collect();
        self.galley_with(&source, subcommand, extra)
    }

    /// `galley SUBCOMMAND SOURCE...` with the test key, known_hosts and
    /// report, then `extra`.
    fn galley_with(&self, source: &[&str], subcommand: &str, extra: &[&str]) -> Run {
        let known_hosts = self.dir.path().join("known_hosts");
        let report = self.report();
        let mut args: Vec<&str> = vec![subcommand];
        args.extend_from_slice(source);
        args.extend([
            "-i",
            client_key().private.to_str().unwrap(),
            "--known-hosts",
            known_hosts.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            // Each run of a test replaces the last one's report.
            "--overwrite-report",
        ]);
        args.extend_from_slice(extra);
        galley(&args)
    }

    /// Registers every host as a node of this Chef server, where its fake
    /// chef-client reports; returns the server's admin client.
    fn register(&self, server: &Goiardi) -> galley::chef::client::ChefClient {
        let admin = server.client("admin", "admin", galley::chef::signing::SignVersion::V1_3);
        for host in &self.hosts {
            admin.post("/nodes", &host.sshd.node()).unwrap();
            host.report_to(server);
        }
        admin
    }

    /// The report's hosts by name, as galley reads them back.
    fn records(&self) -> BTreeMap<String, HostOutcome> {
        crate::support::outcomes(&self.report())
    }

    /// The token must be in none of the run's output or its report.
    fn assert_no_token(&self, run: &Run) {
        assert!(!run.stdout().contains(TOKEN), "token on stdout:\n{run}");
        assert!(!run.stderr().contains(TOKEN), "token on stderr:\n{run}");
        if let Ok(report) = std::fs::read_to_string(self.report()) {
            assert!(!report.contains(TOKEN), "token in the report:\n{report}");
        }
    }
}

/// Why a host is not ok.
#[track_caller]
fn reason(host: &HostOutcome) -> &str {
    host.ended
        .reason()
        .unwrap_or_else(|| panic!("{} is ok: {host:?}", host.name))
}

/// The chef-client run of a host's converge step.
#[track_caller]
fn chef_run(host: &HostOutcome) -> &details::Converge {
    match &step(host, "converge").details {
        Details::Converge(run) => run,
        other => panic!("converge details: {other:?}"),
    }
}

/// What a host's apt-sources step found and did.
#[track_caller]
fn sources(host: &HostOutcome) -> &details::Sources {
    match &step(host, "apt-sources").details {
        Details::Sources(sources) => sources,
        other => panic!("apt-sources details: {other:?}"),
    }
}

/// Flags that make this server the Chef server, as its admin.
fn server_source(server: &Goiardi) -> Vec<String> {
    let key = server.key("admin");
    [
        "--server-url",
        &server.url,
        "-u",
        "admin",
        "-k",
        key.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec()
}

/// Flags that confirm runs on this server as its admin.
fn server_flags(server: &Goiardi) -> Vec<String> {
    let mut flags = vec!["--server-check".to_string(), "on".to_string()];
    flags.extend(server_source(server));
    flags
}

/// Each host's outcome name in the fleet's report.
fn outcomes(fleet: &SimFleet) -> BTreeMap<String, String> {
    crate::support::host_outcomes(&fleet.report())
        .into_iter()
        .map(|(name, kind)| (name, kind.name().to_string()))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn stale_sources_are_found_moved_and_restored_and_the_token_never_shows() {
    let fleet = SimFleet::start(&["app-01", "app-02", "db-01"]);
    let (a, b, c) = (
        fleet.host("app-01"),
        fleet.host("app-02"),
        fleet.host("db-01"),
    );
    // app-01: a one-line file named for the repository, and a line of it
    // in sources.list itself.
    a.write(
        "etc-apt/sources.list.d/gitlab_pre-release.list",
        PRE_RELEASE,
    );
    a.write("etc-apt/sources.list", &format!("{DEBIAN}{PRE_RELEASE}"));
    // app-02: a deb822 file whose name says nothing; its URI matches.
    let deb822 = format!(
        "Types: deb\nURIs: https://{TOKEN}:@packages.gitlab.com/gitlab/pre-release/debian/\nSuites: bookworm\nComponents: main\n"
    );
    b.write("etc-apt/sources.list.d/gitlab.sources", &deb822);
    // db-01: nothing of the kind.
    c.write(
        "etc-apt/sources.list.d/other.list",
        "deb http://other.example/ x main\n",
    );

    // Looking changes nothing.
    let look = fleet.galley("apt-sources", &["--match", "pre-release", "*:*"]);
    look.expect_code(0);
    fleet.assert_no_token(&look);
    assert!(a
        .path("etc-apt/sources.list.d/gitlab_pre-release.list")
        .exists());
    assert!(look.stdout().contains("0 changed, 3 unchanged"), "{look}");
    assert!(
        look.stdout()
            .contains("gitlab.sources:1: Types: deb; URIs: https://REDACTED@packages.gitlab.com"),
        "{look}"
    );
    let records = fleet.records();
    assert_eq!(sources(&records["app-01"]).sources.len(), 2);
    assert_eq!(step(&records["db-01"], "apt-sources").changed, Some(false));

    // The pattern meets file names and URIs, not the folder every file is
    // in: `etc|apt` would otherwise select every source on every host.
    let broad = fleet.galley("apt-sources", &["--match", "etc|apt", "*:*"]);
    broad.expect_code(0);
    let records = fleet.records();
    for host in ["app-01", "app-02", "db-01"] {
        assert!(
            sources(&records[host]).sources.is_empty(),
            "{host}: {broad}"
        );
    }
    let by_path = fleet.galley(
        "apt-sources",
        &["--match", "etc|apt", "--match-path", "*:*"],
    );
    by_path.expect_code(0);
    let records = fleet.records();
    assert!(!sources(&records["db-01"]).sources.is_empty(), "{by_path}");

    let remove = fleet.galley(
        "apt-sources",
        &["--match", "pre-release", "--remove", "*:*"],
    );
    remove.expect_code(0);
    fleet.assert_no_token(&remove);
    assert!(
        remove.stdout().contains("2 changed, 1 unchanged"),
        "{remove}"
    );
    let records = fleet.records();
    let id = sources(&records["app-01"]).backup_id.clone().unwrap();
    assert!(id.starts_with("apt-sources-2"), "{id}");
    // Moved, never deleted: the file is in the dated backup folder.
    assert!(!a
        .path("etc-apt/sources.list.d/gitlab_pre-release.list")
        .exists());
    assert_eq!(
        a.read(&format!(
            "var-backups/galley/{id}/etc/apt/sources.list.d/gitlab_pre-release.list"
        ))
        .unwrap(),
        PRE_RELEASE
    );
    assert!(!b.path("etc-apt/sources.list.d/gitlab.sources").exists());
    assert_eq!(
        b.read(&format!(
            "var-backups/galley/{id}/etc/apt/sources.list.d/gitlab.sources"
        ))
        .unwrap(),
        deb822
    );
    // sources.list keeps its other lines; the matching one is commented out.
    let main = a.read("etc-apt/sources.list").unwrap();
    assert!(main.starts_with(DEBIAN), "{main}");
    assert!(
        main.contains(&format!("# disabled by galley ({id}): deb https://{TOKEN}")),
        "{main}"
    );
    assert_eq!(
        c.read("etc-apt/sources.list.d/other.list").unwrap(),
        "deb http://other.example/ x main\n"
    );
    assert!(!c.path(&format!("var-backups/galley/{id}")).exists());

    // A second look finds nothing left.
    let again = fleet.galley("apt-sources", &["--match", "pre-release", "*:*"]);
    again.expect_code(0);
    assert!(
        again.stdout().contains("no source matches /pre-release/"),
        "{again}"
    );

    let restore = fleet.galley("apt-sources", &["--restore", &id, "*:*"]);
    restore.expect_code(0);
    fleet.assert_no_token(&restore);
    assert_eq!(
        a.read("etc-apt/sources.list.d/gitlab_pre-release.list")
            .unwrap(),
        PRE_RELEASE
    );
    assert_eq!(
        a.read("etc-apt/sources.list").unwrap(),
        format!("{DEBIAN}{PRE_RELEASE}")
    );
    assert_eq!(
        b.read("etc-apt/sources.list.d/gitlab.sources").unwrap(),
        deb822
    );
    assert!(restore.stdout().contains("nothing to restore"), "{restore}");
    // Restoring twice changes nothing more.
    let twice = fleet.galley("apt-sources", &["--restore", &id, "*:*"]);
    twice.expect_code(0);
    assert!(twice.stdout().contains("0 changed, 3 unchanged"), "{twice}");
}

#[test]
fn apt_sources_refuses_bad_input_with_clear_messages() {
    let fleet = SimFleet::start(&["app-01"]);
    let bad = fleet.galley("apt-sources", &["--match", "pre-(release", "*:*"]);
    bad.expect_code(2);
    assert!(
        bad.stderr().contains("not a valid regular expression"),
        "{bad}"
    );
    let traversal = fleet.galley("apt-sources", &["--restore", "../../etc", "*:*"]);
    traversal.expect_code(2);
    assert!(
        traversal.stderr().contains("is not a backup id"),
        "{traversal}"
    );
    // A sources folder that is not there is that host's failure.
    let missing = fleet.galley(
        "apt-sources",
        &["--match", "x", "--sources-dir", "/nonexistent/apt", "*:*"],
    );
    missing.expect_code(1);
    let record = &fleet.records()["app-01"];
    assert_eq!(record.kind(), OutcomeKind::Failed);
    assert_eq!(
        reason(record),
        "apt-sources: /nonexistent/apt is not a folder"
    );
}

#[test]
fn converge_reads_each_version_family_and_confirms_runs_on_the_chef_server() {
    let server = Goiardi::start();
    let fleet = SimFleet::start(&[
        "c18-ok",
        "c12-ok",
        "c14-nocheckin",
        "c17-fail",
        "c18-reboot35",
        "c18-reboot37",
        "c17-locked",
    ]);
    let admin = fleet.register(&server);
    for host in &fleet.hosts {
        let (family, result) = host.name[1..].split_once('-').unwrap();
        host.chef(&format!("{family} {result}"));
    }
    fleet.host("c17-locked").chef("17 ok");
    // Another chef-client holds the lock (a live process).
    let holder = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    fleet
        .host("c17-locked")
        .write("state/chef-client-running.pid", &holder.id().to_string());

    let mut flags = server_flags(&server);
    flags.extend(["--run-lock-timeout", "1s", "*:*"].map(String::from));
    let run = fleet.galley(
        "converge",
        &flags.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let mut holder = holder;
    let _ = holder.kill();
    let _ = holder.wait();
    run.expect_code(1);
    assert_eq!(
        outcomes(&fleet),
        map(&[
            ("c12-ok", "ok"),
            ("c14-nocheckin", "unverified"),
            ("c17-fail", "failed"),
            ("c17-locked", "failed"),
            ("c18-ok", "ok"),
            ("c18-reboot35", "ok"),
            ("c18-reboot37", "failed"),
        ])
    );
    let records = fleet.records();
    let ok = chef_run(&records["c18-ok"]);
    assert_eq!(ok.version.as_deref(), Some("18.4.12"));
    assert_eq!(ok.resources_updated, Some(3));
    assert_eq!(ok.resources_total, Some(120));
    assert_eq!(step(&records["c18-ok"], "converge").changed, Some(true));
    assert!(step(&records["c18-ok"], "verify").is_ok());
    let end_line = chef_run(&records["c12-ok"]).end_line.clone().unwrap();
    assert!(
        end_line.contains("] INFO: Chef Run complete in 0.") && end_line.ends_with(" seconds"),
        "the fake says how long it really took: {end_line}"
    );
    // Its run printed success, but the server never heard of it.
    let unverified = &records["c14-nocheckin"];
    assert!(step(unverified, "converge").is_ok());
    assert!(reason(unverified).starts_with("verify: chef-client reported success, but the node's ohai_time on the Chef server did not move"), "{unverified:?}");
    let failed = chef_run(&records["c17-fail"]);
    assert_eq!(
        failed.failed_resource.as_deref(),
        Some("template[/etc/gitlab/gitlab.rb]")
    );
    assert_eq!(
        failed.stacktrace.as_deref(),
        Some("/var/chef/cache/chef-stacktrace.out")
    );
    assert_eq!(
        records["c17-fail"].steps.len(),
        1,
        "no verify after a failed run"
    );
    assert_eq!(
        chef_run(&records["c18-reboot35"]).reboot.as_deref(),
        Some("scheduled")
    );
    assert!(reason(&records["c18-reboot37"]).contains("reboot is pending"));
    assert_eq!(
        reason(&records["c17-locked"]),
        format!(
            "converge: another chef-client run (pid {}) held the lock: gave up after 1s",
            holder.id()
        )
    );
    // The server's record moved for the runs that saved the node.
    let ohai = |name: &str| {
        admin.get(&format!("/nodes/{name}")).unwrap()["automatic"]["ohai_time"]
            .as_f64()
            .unwrap()
    };
    assert!(ohai("c18-ok") > 1795608000.0 + 1.0);
    assert_eq!(ohai("c14-nocheckin"), 1795608000.0);
    // Each host ran chef-client once, as root, with the lock bounded.
    assert_eq!(fleet.host("c18-ok").chef_runs(), ["--run-lock-timeout 1"]);
    let text = run.stdout();
    assert!(text.contains("converge  4 ok, 3 failed"), "{text}");
    // Each step's timing across hosts: the median and the slowest.
    assert!(text.contains(" (median "), "{text}");
    assert!(
        text.contains("verify    3 ok, 1 unverified, 3 not reached"),
        "{text}"
    );
}

#[test]
fn why_run_and_converge_under_sudo() {
    require_user("galley-nopass");
    require_user("galley-pass");
    let fleet = SimFleet::start(&["web-01"]);
    let host = fleet.host("web-01");
    host.chef("17 ok");
    let run = fleet.galley(
        "converge",
        &[
            "--why-run",
            "-x",
            "galley-nopass",
            "*:*",
            "--",
            "-o",
            "recipe[x]; touch /tmp/pwned",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        host.chef_runs(),
        ["--run-lock-timeout 300 --why-run -o recipe[x]; touch /tmp/pwned"]
    );
    let record = &fleet.records()["web-01"];
    assert!(chef_run(record).why_run);
    assert_eq!(step(record, "converge").changed, Some(false));
    assert_eq!(record.user.as_deref(), Some("galley-nopass"));
    let refused = fleet.galley("converge", &["-x", "galley-pass", "*:*"]);
    refused.expect_code(1);
    assert_eq!(
        fleet.records()["web-01"].kind(),
        OutcomeKind::SudoPasswordRequired
    );
}

#[test]
fn restarts_are_proven_by_new_pids_and_failures_show_the_status() {
    let fleet = SimFleet::start(&["pc-01", "pc-02", "pc-03"]);
    let before = fleet.host("pc-01").service("unicorn", "normal");
    fleet.host("pc-01").service("nginx", "normal");
    fleet.host("pc-02").service("unicorn", "keep-pid");
    fleet.host("pc-02").service("nginx", "normal");
    fleet.host("pc-03").service("unicorn", "dies");
    fleet.host("pc-03").service("nginx", "normal");
    let run = fleet.galley(
        "restart",
        &[
            "--ctl",
            "packagecloud-ctl",
            "--settle",
            "1500ms",
            "*:*",
            "unicorn",
            "nginx",
        ],
    );
    run.expect_code(1);
    assert_eq!(
        outcomes(&fleet),
        map(&[("pc-01", "ok"), ("pc-02", "failed"), ("pc-03", "failed")])
    );
    let records = fleet.records();
    // pc-01: both restarted, in order, under new pids.
    let after = fleet.host("pc-01").pid("unicorn");
    assert_ne!(before, after);
    assert_eq!(
        fleet.host("pc-01").ctl_calls(),
        [
            "status unicorn",
            "restart unicorn",
            "status unicorn",
            "status nginx",
            "restart nginx",
            "status nginx",
            "status unicorn",
            "status nginx"
        ]
    );
    // pc-02: the ctl said ok, but the pid did not change; nginx untouched.
    assert!(
        reason(&records["pc-02"]).starts_with("restart: unicorn kept its pid"),
        "{:?}",
        records["pc-02"]
    );
    assert!(!fleet
        .host("pc-02")
        .ctl_calls()
        .contains(&"restart nginx".to_string()));
    // pc-03: up under a new pid at first, down after the settle time.
    let reason = reason(&records["pc-03"]);
    assert!(
        reason.starts_with("verify: unicorn went down after its restart: down: unicorn:"),
        "{reason}"
    );
    assert!(
        run.stdout()
            .contains("restart  2 ok, 1 failed, 2 changed, 1 unchanged"),
        "{run}"
    );
}

#[test]
fn fixup_runs_the_runbook_and_a_host_stops_at_its_failed_step() {
    let server = Goiardi::start();
    let fleet = SimFleet::start(&["pc-01", "pc-02"]);
    fleet.register(&server);
    for host in &fleet.hosts {
        host.write(
            "etc-apt/sources.list.d/gitlab_pre-release.list",
            PRE_RELEASE,
        );
        host.service("unicorn", "normal");
        host.service("nginx", "normal");
    }
    fleet.host("pc-01").chef("18 ok");
    fleet.host("pc-02").chef("17 fail");
    let mut flags = server_flags(&server);
    flags.extend(
        [
            "--remove-sources",
            "gitlab_pre-release",
            "--restart",
            "unicorn,nginx",
            "--ctl",
            "packagecloud-ctl",
            "--settle",
            "1s",
            "*:*",
        ]
        .map(String::from),
    );
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();

    // The plan touches nothing.
    let plan = fleet.galley("fixup", &[&flags[..], &["--dry-run"]].concat());
    plan.expect_code(0);
    assert!(plan.stdout().contains("1. apt-sources"), "{plan}");
    assert!(
        plan.stdout()
            .contains("'packagecloud-ctl' restart 'unicorn'"),
        "{plan}"
    );
    assert!(
        plan.stdout().contains("--dry-run: nothing was run."),
        "{plan}"
    );
    for host in &fleet.hosts {
        assert!(host
            .path("etc-apt/sources.list.d/gitlab_pre-release.list")
            .exists());
        assert!(host.chef_runs().is_empty() && host.ctl_calls().is_empty());
    }
    assert!(!fleet.report().exists(), "a dry run writes no report");

    let run = fleet.galley("fixup", &flags);
    run.expect_code(1);
    fleet.assert_no_token(&run);
    assert_eq!(
        outcomes(&fleet),
        map(&[("pc-01", "ok"), ("pc-02", "failed")])
    );
    let records = fleet.records();
    let names =
        |r: &HostOutcome| -> Vec<String> { r.steps.iter().map(|s| s.name.clone()).collect() };
    assert_eq!(
        names(&records["pc-01"]),
        ["apt-sources", "converge", "restart", "verify"]
    );
    assert_eq!(names(&records["pc-02"]), ["apt-sources", "converge"]);
    assert!(reason(&records["pc-02"])
        .starts_with("converge: Chef run failed: template[/etc/gitlab/gitlab.rb]"));
    // pc-02 stopped at chef-client: nothing was restarted there.
    assert!(fleet.host("pc-02").ctl_calls().is_empty());
    assert_eq!(
        fleet
            .host("pc-01")
            .ctl_calls()
            .iter()
            .filter(|c| c.starts_with("restart"))
            .count(),
        2
    );
    for host in &fleet.hosts {
        assert!(!host
            .path("etc-apt/sources.list.d/gitlab_pre-release.list")
            .exists());
    }
    let text = run.stdout();
    assert!(
        text.contains("apt-sources  2 ok, 2 changed, 0 unchanged"),
        "{text}"
    );
    assert!(
        text.contains("restart      1 ok, 1 changed, 0 unchanged, 1 not reached ("),
        "{text}"
    );
    assert!(
        text.contains("verify: the node checked in with the Chef server after the run"),
        "{text}"
    );
}

#[test]
fn systemd_units_and_unusual_service_names() {
    let fleet = SimFleet::start(&["app-01"]);
    let host = fleet.host("app-01");
    let before = host.unit("gitlab-runsvdir");
    let run = fleet.galley(
        "restart",
        &["--systemd", "--settle", "500ms", "*:*", "gitlab-runsvdir"],
    );
    run.expect_code(0);
    assert_ne!(host.pid("gitlab-runsvdir"), before);
    let record = &fleet.records()["app-01"];
    let Details::Restart(restart) = &step(record, "restart").details else {
        panic!("restart details: {record:?}")
    };
    let services = &restart.services[0];
    assert!(
        services
            .before
            .starts_with(&format!("active (pid {before}) ")),
        "{services:?}"
    );

    // A name with a space reaches the ctl as one quoted word, and the host
    // says it has no such service.
    host.service("unicorn", "normal");
    let odd = fleet.galley(
        "restart",
        &["--ctl", "packagecloud-ctl", "*:*", "uni corn; touch /tmp/x"],
    );
    odd.expect_code(1);
    let reason = reason(&fleet.records()["app-01"]).to_string();
    assert!(
        reason.starts_with("restart: cannot read the state of uni corn; touch /tmp/x (`'packagecloud-ctl' status 'uni corn; touch /tmp/x'` exit 1): fail: uni corn; touch /tmp/x: unable to change to service directory"),
        "{reason}"
    );
    assert_eq!(host.ctl_calls(), ["status uni corn; touch /tmp/x"]);
    // Without --ctl or --systemd galley asks how.
    let how = fleet.galley("restart", &["*:*", "unicorn"]);
    how.expect_code(2);
    assert!(
        how.stderr()
            .contains("--ctl NAME (gitlab-ctl, packagecloud-ctl) or --systemd"),
        "{how}"
    );
}

#[test]
fn an_unreadable_sources_folder_fails_that_host_and_json_output_keeps_tokens_out() {
    require_user("galley-nopass");
    let fleet = SimFleet::start(&["app-01", "app-02"]);
    for host in &fleet.hosts {
        host.write(
            "etc-apt/sources.list.d/gitlab_pre-release.list",
            PRE_RELEASE,
        );
    }
    let locked = fleet.host("app-02").path("etc-apt/sources.list.d");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).unwrap();
    // Looking needs no root: the login user reads what it can.
    let run = fleet.galley(
        "apt-sources",
        &[
            "-x",
            "galley-nopass",
            "--output",
            "json",
            "--match",
            "pre-release",
            "*:*",
        ],
    );
    run.expect_code(1);
    fleet.assert_no_token(&run);
    let doc = run.document();
    let hosts = doc.hosts();
    assert_eq!(hosts[0].outcome, OutcomeKind::Ok);
    assert_eq!(hosts[1].outcome, OutcomeKind::Failed);
    assert_eq!(
        hosts[1].reason.as_deref().unwrap(),
        "apt-sources: cannot read /etc/apt/sources.list.d: permission denied"
    );
    // With --remove it runs as root (sudo -n), which can read and move it.
    let remove = fleet.galley(
        "apt-sources",
        &[
            "-x",
            "galley-nopass",
            "--output",
            "stream",
            "--match",
            "pre-release",
            "--remove",
            "*:*",
        ],
    );
    remove.expect_code(0);
    fleet.assert_no_token(&remove);
    for host in &fleet.hosts {
        assert!(!host
            .path("etc-apt/sources.list.d/gitlab_pre-release.list")
            .exists());
    }
}

#[test]
fn rollout_controls_apply_to_the_fixups() {
    let fleet = SimFleet::start(&["app-01", "app-02", "app-03"]);
    fleet.host("app-01").chef("17 fail");
    fleet.host("app-02").chef("18 ok");
    fleet.host("app-03").chef("18 ok");
    // The canary's chef-client fails: the other hosts never run it.
    let run = fleet.galley("converge", &["--canary", "1", "*:*"]);
    run.expect_code(1);
    assert_eq!(fleet.host("app-01").chef_runs().len(), 1);
    assert!(fleet.host("app-02").chef_runs().is_empty());
    assert!(fleet.host("app-03").chef_runs().is_empty());
    assert_eq!(
        outcomes(&fleet),
        map(&[
            ("app-01", "failed"),
            ("app-02", "skipped"),
            ("app-03", "skipped")
        ])
    );
    // Resuming after the fix runs the two that were skipped, and the
    // fixed one again.
    fleet.host("app-01").chef("18 ok");
    let report = fleet.report();
    let resumed = fleet.galley("converge", &["--resume", report.to_str().unwrap(), "*:*"]);
    resumed.expect_code(0);
    for host in &fleet.hosts {
        assert_eq!(
            host.chef_runs().len(),
            if host.name == "app-01" { 2 } else { 1 }
        );
    }
}

#[test]
fn runs_are_confirmed_on_the_server_the_nodes_came_from() {
    let server = Goiardi::start();
    let fleet = SimFleet::start(&["srv-01", "srv-02"]);
    let admin = fleet.register(&server);
    crate::support::wait_indexed(&admin, fleet.hosts.len());
    fleet.host("srv-01").chef("18 ok");
    fleet.host("srv-02").chef("14 nocheckin");
    // No --server-check: the nodes come from the server, so it is asked.
    let run = fleet.galley_from(&server, "converge", &["chef_environment:test"]);
    run.expect_code(1);
    assert!(
        !run.stderr().contains("judged by their output only"),
        "{run}"
    );
    assert_eq!(
        outcomes(&fleet),
        map(&[("srv-01", "ok"), ("srv-02", "unverified")])
    );
    assert!(step(&fleet.records()["srv-01"], "verify").is_ok());
    // From an inventory the same runs are judged by their output, and said.
    let local = fleet.galley("converge", &["*:*"]);
    local.expect_code(0);
    assert!(
        local.stderr().contains("judged by their output only"),
        "{local}"
    );
}

/// Runs `contrib/gitlab-ci/.gitlab-ci.yml` with gitlab-ci-local (shell
/// executor, no GitLab server, no network) in a git repository of its own,
/// with this build's galley on PATH; returns the run and the repository.
fn gitlab_pipeline(server: &Goiardi, query: &str, canary: &str) -> (Run, tempfile::TempDir) {
    let repo = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/gitlab-ci/.gitlab-ci.yml");
    std::fs::copy(&pipeline, repo.path().join(".gitlab-ci.yml")).unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
            .args(args)
            .current_dir(repo.path())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "pipeline"]);
    let bin = Path::new(env!("CARGO_BIN_EXE_galley")).parent().unwrap();
    let key = std::fs::read_to_string(&client_key().private).unwrap();
    let variables = [
        format!("CHEF_SERVER_URL={}", server.url),
        "CHEF_NODE_NAME=admin".to_string(),
        format!("CHEF_CLIENT_KEY={}", server.key("admin").display()),
        format!("SSH_PRIVATE_KEY={key}"),
        format!("GALLEY_QUERY={query}"),
        format!("GALLEY_CANARY={canary}"),
    ];
    // The shell executor runs every job in the repository itself, so jobs
    // of one stage would share (and clear) its reports/ folder: one at a
    // time here. A GitLab runner gives each job its own checkout.
    let mut cmd = std::process::Command::new("gitlab-ci-local");
    cmd.args(["--concurrency", "1"]);
    for variable in &variables {
        cmd.arg("--variable").arg(variable);
    }
    let output = cmd
        .current_dir(repo.path())
        .env("HOME", home.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("gitlab-ci-local (npm install -g gitlab-ci-local@4.65.0; it needs git and rsync)");
    let run = Run {
        args: vec!["gitlab-ci-local".into()],
        output,
    };
    drop(home);
    (run, repo)
}

/// Every file the pipeline's jobs kept as artifacts, by file name.
fn pipeline_files(repo: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![repo.join(".gitlab-ci-local/artifacts")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                found.insert(name, path);
            }
        }
    }
    found
}

/// A file the pipeline's jobs kept as an artifact, by name.
fn pipeline_file(repo: &Path, name: &str) -> Option<PathBuf> {
    pipeline_files(repo).remove(name)
}

/// Every report the pipeline's jobs kept as artifacts, by file name.
fn pipeline_reports(repo: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = pipeline_files(repo);
    files.retain(|name, _| name.ends_with(".jsonl"));
    files
}

// The pipeline a team copies: canary, shards, merged report. Every host is
// fixed exactly once, the merged report says what one runner would, and a
// canary that is not ok stops the pipeline before the shards.
#[test]
fn the_gitlab_ci_pipeline_fixes_each_host_once_across_its_shards() {
    let server = Goiardi::start();
    let names: Vec<String> = (1..=9).map(|i| format!("ci-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let fleet = SimFleet::start(&refs);
    let admin = fleet.register(&server);
    crate::support::wait_indexed(&admin, names.len());
    for host in &fleet.hosts {
        host.write(
            "etc-apt/sources.list.d/gitlab_pre-release.list",
            PRE_RELEASE,
        );
        host.chef("18 ok");
    }
    let canary = "name:ci-01 OR name:ci-02";
    let (run, repo) = gitlab_pipeline(&server, "*:*", canary);
    assert!(run.output.status.success(), "the pipeline failed:\n{run}");
    assert!(
        !run.stdout().contains(TOKEN) && !run.stdout().contains("BEGIN OPENSSH"),
        "a secret in the log:\n{run}"
    );
    for host in &fleet.hosts {
        assert_eq!(
            host.chef_runs().len(),
            1,
            "{} ran chef-client {:?}",
            host.name,
            host.chef_runs()
        );
        assert!(
            !host
                .path("etc-apt/sources.list.d/gitlab_pre-release.list")
                .exists(),
            "{}",
            host.name
        );
    }
    // The shards' jobs ran with their slices; the report job merged all.
    let reports = pipeline_reports(repo.path());
    let shards: Vec<&String> = reports.keys().filter(|n| n.starts_with("shard-")).collect();
    assert_eq!(shards.len(), 4, "{reports:?}");
    for (n, name) in shards.iter().enumerate() {
        let lines = crate::support::report_lines(&reports[*name]);
        let header = lines[0].header().expect("a header first");
        let shard = header.rollout.as_ref().and_then(|r| r.shard.clone());
        assert_eq!(shard, Some(format!("{}/4", n + 1)), "{name}");
    }
    assert!(
        run.stdout().contains("9 hosts: 9 ok"),
        "the merged summary in the log:\n{run}"
    );
    // The test report GitLab shows: every host once, all passed.
    let junit = pipeline_file(repo.path(), "junit.xml").expect("junit.xml kept as an artifact");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 9, "{xml}");
    assert!(xml.contains("failures=\"0\" errors=\"0\""), "{xml}");
    // And the page, with all nine hosts in its data.
    let page = pipeline_file(repo.path(), "run.html").expect("run.html kept as an artifact");
    let page = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        page.matches("\"outcome\":\"ok\"").count(),
        9 * 4,
        "nine hosts, three steps each"
    );
    let mut merged = BTreeMap::new();
    for path in reports.values() {
        for (name, outcome) in crate::support::host_outcomes(path) {
            let outcome = outcome.name().to_string();
            assert!(
                merged.insert(name.clone(), outcome).is_none(),
                "{name} in two reports"
            );
        }
    }
    // One runner over the same selection (its hosts now have nothing left
    // to remove, and say the same).
    let args = [
        "--server-check",
        "on",
        "--remove-sources",
        "gitlab_pre-release",
        "*:*",
    ];
    fleet.galley_from(&server, "fixup", &args).expect_code(0);
    assert_eq!(
        merged,
        outcomes(&fleet),
        "the shards' reports and one runner's"
    );

    // A canary that is not ok: the shards never start.
    for host in &fleet.hosts {
        host.write(
            "etc-apt/sources.list.d/gitlab_pre-release.list",
            PRE_RELEASE,
        );
    }
    fleet.host("ci-02").chef("18 fail");
    let before: BTreeMap<String, usize> = fleet
        .hosts
        .iter()
        .map(|h| (h.name.clone(), h.chef_runs().len()))
        .collect();
    let (run, repo) = gitlab_pipeline(&server, "*:*", canary);
    assert!(
        !run.output.status.success(),
        "a failed canary must fail the pipeline:\n{run}"
    );
    for host in &fleet.hosts {
        let ran = host.chef_runs().len() - before[&host.name];
        let expected = usize::from(host.name == "ci-01" || host.name == "ci-02");
        assert_eq!(ran, expected, "{}: {}", host.name, run);
    }
    let reports = pipeline_reports(repo.path());
    assert_eq!(
        reports.keys().collect::<Vec<_>>(),
        ["canary.jsonl"],
        "{run}"
    );
}
