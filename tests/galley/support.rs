//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The repository's bundled fixture inventory.
pub fn fixture_inventory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory")
}

/// The fixture inventory's node documents, in file-name order.
pub fn fixture_nodes() -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(fixture_inventory().join("nodes"))
        .expect("fixture inventory")
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
        .collect()
}

/// A finished galley run, with everything needed to explain a failure.
pub struct Run {
    pub args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    #[track_caller]
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or_else(|| {
            panic!(
                "galley was killed by a signal: {:?}\n{}",
                self.output.status,
                self.stderr()
            )
        })
    }

    /// Asserts the exit code, printing the whole run when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }

    /// The first column of a table on stdout, header skipped.
    pub fn names(&self) -> Vec<String> {
        self.stdout()
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: galley {:?}\nstatus: {}\n--- stdout\n{}--- stderr\n{}",
            self.args,
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }
}

/// A command with galley's clean test environment: an empty HOME (kept
/// alive by the returned folder), no inventory from the environment, no
/// agent, no colour settings, no Chef profile.
pub fn clean(program: &str) -> (Command, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("temp HOME");
    let mut cmd = Command::new(program);
    cmd.env("HOME", home.path())
        .env_remove("GALLEY_INVENTORY")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("NO_COLOR")
        .env_remove("CHEF_PROFILE")
        .env_remove("XDG_CACHE_HOME");
    (cmd, home)
}

/// Runs galley with a clean environment: an empty HOME, no inventory from
/// the environment, no agent, no colour settings, unless `envs` sets them.
pub fn galley_env(args: &[&str], envs: &[(&str, &str)]) -> Run {
    envs.iter()
        .fold(Galley::new().args(args), |g, (k, v)| g.env(k, v))
        .run()
}

pub fn galley(args: &[&str]) -> Run {
    galley_env(args, &[])
}

/// Host names from a host-list expression, sorted: expectations are
/// written as `web-[01-08]-sv-gprd,...`.
pub fn hosts(expr: &str) -> Vec<String> {
    let mut names = galley::hostlist::expand(expr).expect("valid host list in a test");
    names.sort();
    names
}

/// Fails the test with how to install a missing prerequisite.
fn require(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install it with `apt-get install {package}` (or run .ci/install)"
    );
}

/// A key pair for the test client, made once per test process.
pub struct ClientKey {
    _dir: tempfile::TempDir,
    pub private: PathBuf,
    pub public: String,
}

pub fn keygen(dir: &Path, name: &str, passphrase: &str) -> (PathBuf, String) {
    keygen_with(dir, name, &["-t", "ed25519", "-N", passphrase])
}

/// A client key made by `ssh-keygen ARGS` (type, passphrase, format).
pub fn keygen_with(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, String) {
    require("/usr/bin/ssh-keygen", "openssh-client");
    let private = dir.join(name);
    let status = Command::new("ssh-keygen")
        .arg("-q")
        .args(args)
        .args(["-C", name, "-f"])
        .arg(&private)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
    let public = std::fs::read_to_string(private.with_extension("pub")).unwrap();
    (private, public.trim().to_string())
}

pub fn client_key() -> &'static ClientKey {
    static KEY: std::sync::OnceLock<ClientKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (private, public) = keygen(dir.path(), "galley-test-client", "");
        ClientKey {
            _dir: dir,
            private,
            public,
        }
    })
}

/// A real OpenSSH server on 127.0.0.1 for one simulated host, with its own
/// host key, killed when dropped.
///
/// It runs in a private mount namespace where root's `~/.bashrc` is empty
/// (the machine's rc starts pyenv, 120 ms per command) and with
/// `GALLEY_TEST_HOST` set to the host's name in every session.
pub struct Sshd {
    pub name: String,
    pub port: u16,
    /// Holds the host key, config, authorized_keys and log while the server runs.
    dir: tempfile::TempDir,
    /// The host's public key line (`ssh-ed25519 AAAA... comment`).
    pub host_key: String,
    child: std::process::Child,
}

impl Sshd {
    pub fn start(name: &str) -> Sshd {
        Sshd::start_with(name, &[&client_key().public])
    }

    /// A server that accepts the given public keys.
    pub fn start_with(name: &str, authorized: &[&str]) -> Sshd {
        Sshd::start_at(name, authorized, None, "127.0.0.1", None)
    }

    /// A server inside network namespace `netns` (when given), listening
    /// on `address` and `port` (a free loopback port when not given).
    pub fn start_at(
        name: &str,
        authorized: &[&str],
        netns: Option<&str>,
        address: &str,
        fixed_port: Option<u16>,
    ) -> Sshd {
        Sshd::start_full(name, authorized, netns, address, fixed_port, &[], "")
    }

    /// A server with these sshd_config lines before the usual ones (sshd
    /// takes a keyword's first value, so they win).
    pub fn start_configured(name: &str, config: &str) -> Sshd {
        Sshd::start_full(
            name,
            &[&client_key().public],
            None,
            "127.0.0.1",
            None,
            &[],
            config,
        )
    }

    /// A server whose sessions see each `(source, mount point)` folder
    /// bind-mounted over the mount point: the host's own files.
    pub fn start_with_binds(name: &str, binds: &[(&Path, &str)]) -> Sshd {
        Sshd::start_full(
            name,
            &[&client_key().public],
            None,
            "127.0.0.1",
            None,
            binds,
            "",
        )
    }

    fn start_full(
        name: &str,
        authorized: &[&str],
        netns: Option<&str>,
        address: &str,
        fixed_port: Option<u16>,
        binds: &[(&Path, &str)],
        extra_config: &str,
    ) -> Sshd {
        require("/usr/sbin/sshd", "openssh-server");
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (run the tests as root)");
        let dir = tempfile::tempdir().unwrap();
        let (host_private, host_key) = keygen(dir.path(), "ssh_host_ed25519_key", "");
        std::fs::write(
            dir.path().join("authorized_keys"),
            authorized.join("\n") + "\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("empty_rc"), "").unwrap();
        for _attempt in 0..5 {
            let port = fixed_port.unwrap_or_else(free_port);
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "{extra_config}Port {port}\nListenAddress {address}\nHostKey {}\nPidFile {}/sshd.pid\n\
                     AuthorizedKeysFile {}/authorized_keys\nStrictModes no\nUsePAM no\nUseDNS no\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                     PermitRootLogin yes\nMaxStartups 500\nMaxSessions 100\nLogLevel INFO\n\
                     SetEnv GALLEY_TEST_HOST={name}\n",
                    host_private.display(),
                    dir.path().display(),
                    dir.path().display(),
                ),
            )
            .unwrap();
            let mounts: String = binds
                .iter()
                .map(|(from, to)| format!("mount --bind '{}' '{to}' || exit 1; ", from.display()))
                .collect();
            let script = format!(
                "{mounts}[ -f \"$HOME/.bashrc\" ] && mount --bind {rc} \"$HOME/.bashrc\"; exec /usr/sbin/sshd -D -E {log} -f {cfg}",
                rc = dir.path().join("empty_rc").display(),
                log = dir.path().join("sshd.log").display(),
                cfg = config.display()
            );
            let mut command = match netns {
                Some(ns) => {
                    let mut c = Command::new("ip");
                    c.args(["netns", "exec", ns, "unshare"]);
                    c
                }
                None => Command::new("unshare"),
            };
            let child = command
                .args(["-m", "--", "sh", "-c", &script])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("unshare and sshd start");
            let mut child = child;
            if wait_ready(
                &mut child,
                &dir.path().join("sshd.log"),
                netns,
                address,
                port,
            ) {
                return Sshd {
                    name: name.to_string(),
                    port,
                    dir,
                    host_key,
                    child,
                };
            }
            // Most likely another process took the port: try another.
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("sshd for {name} did not start (is the port range exhausted? are we root?)");
    }

    /// Kills (SIGKILL) this server's per-connection sshd processes, as if
    /// the host's sshd died mid-session; the listener stays.
    pub fn kill_sessions(&self) {
        let listener = self.child.id();
        let parent_of = |pid: u32| -> Option<(u32, String)> {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (comm_start, comm_end) = (stat.find('(')?, stat.rfind(')')?);
            let comm = stat[comm_start + 1..comm_end].to_string();
            let ppid = stat[comm_end + 2..]
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((ppid, comm))
        };
        let pids: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        for pid in pids {
            let Some((_, comm)) = parent_of(pid) else {
                continue;
            };
            if comm != "sshd" || pid == listener {
                continue;
            }
            // Is the listener an ancestor?
            let mut up = pid;
            let mut ours = false;
            for _ in 0..16 {
                match parent_of(up) {
                    Some((ppid, _)) if ppid == listener => {
                        ours = true;
                        break;
                    }
                    Some((ppid, _)) if ppid > 1 => up = ppid,
                    _ => break,
                }
            }
            if ours {
                // SAFETY: kill(2) on a process of this test's own sshd.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        }
    }

    /// The known_hosts line for this server.
    pub fn known_hosts_line(&self) -> String {
        self.known_hosts_line_for("127.0.0.1")
    }

    /// How many logins the server accepted (from its log).
    pub fn logins(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("sshd.log"))
            .unwrap_or_default()
            .matches("Accepted publickey")
            .count()
    }

    /// The known_hosts line for this server under another address.
    pub fn known_hosts_line_for(&self, address: &str) -> String {
        let mut parts = self.host_key.split_whitespace();
        let (kind, key) = (parts.next().unwrap(), parts.next().unwrap());
        let name = if self.port == 22 {
            address.to_string()
        } else {
            format!("[{address}]:{}", self.port)
        };
        format!("{name} {kind} {key}\n")
    }

    /// The base64 of the host key, as ohai stores it in keys.ssh.host_ed25519_public.
    pub fn host_key_base64(&self) -> String {
        self.host_key.split_whitespace().nth(1).unwrap().to_string()
    }

    /// The node JSON for this host, for an inventory.
    pub fn node(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "chef_environment": "test",
            "run_list": ["role[test]"],
            "automatic": {
                "fqdn": "127.0.0.1",
                "cloud": {"public_ssh_port": self.port},
                "keys": {"ssh": {"host_ed25519_public": self.host_key_base64()}},
                "ohai_time": 1795608000.0
            }
        })
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server sends its SSH banner (asked from inside its
/// network namespace, when it has one).
/// Whether this server came up: it says in its log that it listens (so an
/// answer on the port is not another server's that took the port first),
/// and the port answers with an SSH banner.
fn wait_ready(
    child: &mut std::process::Child,
    log: &Path,
    netns: Option<&str>,
    address: &str,
    port: u16,
) -> bool {
    use std::io::Read;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listening = format!("Server listening on {address} port {port}");
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if !std::fs::read_to_string(log).is_ok_and(|text| text.contains(&listening)) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            continue;
        }
        if let Some(ns) = netns {
            let probe = format!("exec 3<>/dev/tcp/{address}/{port} && head -c 4 <&3");
            let out = Command::new("ip")
                .args(["netns", "exec", ns, "bash", "-c", &probe])
                .output();
            if out.is_ok_and(|o| o.stdout == b"SSH-") {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        }
        if let Ok(mut stream) = std::net::TcpStream::connect((address, port)) {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut banner = [0u8; 4];
            if stream.read_exact(&mut banner).is_ok() && &banner == b"SSH-" {
                return true;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

/// A port that was free a moment ago, and never handed out before in this
/// process (servers start in parallel: two of them must not be given the
/// same port).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

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

    /// The report's lines, parsed.
    pub fn report_lines(&self) -> Vec<serde_json::Value> {
        report_lines(&self.report())
    }

    /// The host records of the report, by name.
    pub fn host_records(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        host_records(&self.report())
    }
}

/// The lines of a JSON Lines report, parsed.
pub fn report_lines(report: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(report)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("report line is not JSON: {e}: {l}"))
        })
        .collect()
}

/// The host records of a report, by name (the latest line of each host).
pub fn host_records(report: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    report_lines(report)
        .into_iter()
        .filter(|r| r["type"] == "host")
        .map(|r| (r["name"].as_str().unwrap().to_string(), r))
        .collect()
}

/// Each host's outcome name in a report.
pub fn host_outcomes(report: &Path) -> std::collections::BTreeMap<String, String> {
    host_records(report)
        .into_iter()
        .map(|(n, r)| (n, r["outcome"].as_str().unwrap().to_string()))
        .collect()
}

/// A galley process left running: its output is read as it comes, so a
/// test can wait for what galley prints, then signal it.
pub struct Running {
    pub child: std::process::Child,
    args: Vec<String>,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    _home: tempfile::TempDir,
}

/// Copies what `from` yields into `into` until it closes.
fn collect(
    mut from: impl std::io::Read + Send + 'static,
    into: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

impl Running {
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as i32, signal) };
        assert_eq!(rc, 0, "cannot signal galley");
    }

    /// What galley printed on stdout so far.
    pub fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// What galley printed on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until galley has printed `text` on stdout (`stderr`: false)
    /// or stderr, failing after 20 s with what it printed.
    #[track_caller]
    pub fn wait_for(&self, text: &str, stderr: bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let so_far = if stderr {
                self.stderr_so_far()
            } else {
                self.stdout_so_far()
            };
            if so_far.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "galley never printed {text:?}; stdout:\n{}\nstderr:\n{}",
                self.stdout_so_far(),
                self.stderr_so_far()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait(mut self) -> Run {
        let status = self.child.wait().expect("galley exits");
        for reader in self.readers.drain(..) {
            reader.join().unwrap();
        }
        let take =
            |b: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>| std::mem::take(&mut *b.lock().unwrap());
        Run {
            args: self.args,
            output: Output {
                status,
                stdout: take(&self.stdout),
                stderr: take(&self.stderr),
            },
        }
    }
}

/// galley's command line for a test, built up and then run:
/// `Galley::new().args(["search", "*:*"]).env("K", "v").run()`. It runs
/// with the clean environment of [`clean`]; failures point at the test's
/// line.
#[derive(Debug, Clone, Default)]
pub struct Galley {
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Galley {
    pub fn new() -> Galley {
        Galley::default()
    }

    pub fn args<S: AsRef<str>>(mut self, args: impl IntoIterator<Item = S>) -> Galley {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<str>) -> Galley {
        self.envs
            .push((key.to_string(), value.as_ref().to_string()));
        self
    }

    fn command(&self) -> (Command, tempfile::TempDir) {
        let (mut cmd, home) = clean(env!("CARGO_BIN_EXE_galley"));
        cmd.args(&self.args);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        (cmd, home)
    }

    /// Runs galley to its end.
    #[track_caller]
    pub fn run(self) -> Run {
        let (mut cmd, _home) = self.command();
        let output = cmd.output().expect("galley runs");
        Run {
            args: self.args,
            output,
        }
    }

    /// Starts galley without waiting for it.
    #[track_caller]
    pub fn spawn(self) -> Running {
        let (mut cmd, home) = self.command();
        let mut child = cmd
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("galley starts");
        let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Running {
            child,
            args: self.args,
            stdout,
            stderr,
            readers,
            _home: home,
        }
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
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args.extend([query.to_string(), "--".to_string(), command.to_string()]);
        args
    }
}

/// Network namespaces made for a test, deleted when dropped.
pub struct Netns {
    pub names: Vec<String>,
}

impl Netns {
    /// Runs `ip ARGS`, failing the test with the output when it fails.
    pub fn ip(args: &[&str]) {
        require("/usr/sbin/ip", "iproute2");
        let out = Command::new("ip").args(args).output().expect("ip runs");
        assert!(
            out.status.success(),
            "ip {} failed (the tests need root for network namespaces): {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Three namespaces in a row: a client (where galley runs), a bastion
    /// the client reaches at `10.231.N.2`, and a target at `10.232.N.2` that
    /// only the bastion can reach. The client has no other route at all, so
    /// a direct attempt fails at once and no packet leaves the namespaces.
    /// Returns the namespaces (client, bastion, target) and the two addresses.
    pub fn bastion_and_target() -> (Netns, String, String) {
        let n = std::process::id() % 250 + 1;
        let names = [
            format!("galley-c{n}"),
            format!("galley-b{n}"),
            format!("galley-t{n}"),
        ];
        for name in &names {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
        let [c, b, t] = names.clone();
        let netns = Netns {
            names: names.to_vec(),
        };
        for name in &names {
            Netns::ip(&["netns", "add", name]);
            Netns::ip(&["-n", name, "link", "set", "lo", "up"]);
        }
        let link = |from: &str, to: &str, from_if: &str, to_if: &str, net: &str| {
            Netns::ip(&[
                "-n", from, "link", "add", from_if, "type", "veth", "peer", "name", to_if,
            ]);
            Netns::ip(&["-n", from, "link", "set", to_if, "netns", to]);
            Netns::ip(&[
                "-n",
                from,
                "addr",
                "add",
                &format!("{net}.1/30"),
                "dev",
                from_if,
            ]);
            Netns::ip(&[
                "-n",
                to,
                "addr",
                "add",
                &format!("{net}.2/30"),
                "dev",
                to_if,
            ]);
            Netns::ip(&["-n", from, "link", "set", from_if, "up"]);
            Netns::ip(&["-n", to, "link", "set", to_if, "up"]);
        };
        link(&c, &b, "gvc", "gvb", &format!("10.231.{n}"));
        link(&b, &t, "gvx", "gvt", &format!("10.232.{n}"));
        (netns, format!("10.231.{n}.2"), format!("10.232.{n}.2"))
    }
}

/// Runs galley inside network namespace `netns`, with the clean
/// environment of [`galley`].
pub fn galley_in(netns: &str, args: &[&str]) -> Run {
    let (mut cmd, _home) = clean("ip");
    let output = cmd
        .args(["netns", "exec", netns, env!("CARGO_BIN_EXE_galley")])
        .args(args)
        .output()
        .expect("ip netns exec galley runs");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        output,
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}

/// Runs galley to the end and returns its run with its peak memory (max
/// RSS, in KiB), measured by GNU time. (wait4 on a child of this process is
/// no good: Linux carries the memory high-water mark of the forked test
/// process across exec into the child's figure.)
pub fn galley_with_peak_memory(args: &[&str]) -> (Run, u64) {
    require("/usr/bin/time", "time");
    let (mut cmd, _home) = clean("/usr/bin/time");
    let report = tempfile::NamedTempFile::new().unwrap();
    let output = cmd
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(env!("CARGO_BIN_EXE_galley"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("/usr/bin/time runs galley");
    let peak = std::fs::read_to_string(report.path()).unwrap();
    let peak: u64 = peak
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("GNU time wrote no peak memory: {peak:?}"));
    (
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            output,
        },
        peak,
    )
}

/// A real Chef server (Debian's goiardi) in memory on 127.0.0.1 with
/// authentication on; killed when dropped. Its keys are new at every start.
pub struct Goiardi {
    pub url: String,
    pub dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Goiardi {
    pub fn start() -> Goiardi {
        Goiardi::start_with(false)
    }

    /// A server that speaks HTTPS only, with a self-signed certificate for
    /// 127.0.0.1 at `dir/tls/cert.pem` (the folder works as trusted_certs_dir).
    pub fn start_tls() -> Goiardi {
        Goiardi::start_with(true)
    }

    fn start_with(tls: bool) -> Goiardi {
        require("/usr/bin/goiardi", "goiardi");
        let dir = tempfile::tempdir().unwrap();
        let mut tls_args: Vec<String> = Vec::new();
        if tls {
            require("/usr/bin/openssl", "openssl");
            let certs = dir.path().join("tls");
            std::fs::create_dir_all(&certs).unwrap();
            let (cert, key) = (certs.join("cert.pem"), dir.path().join("tls-key.pem"));
            let out = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "2",
                    "-subj",
                    "/CN=127.0.0.1",
                ])
                .args(["-addext", "subjectAltName=IP:127.0.0.1"])
                .arg("-keyout")
                .arg(&key)
                .arg("-out")
                .arg(&cert)
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "openssl: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            tls_args = vec![
                "--use-ssl".into(),
                "--ssl-cert".into(),
                cert.display().to_string(),
                "--ssl-key".into(),
                key.display().to_string(),
            ];
        }
        for _attempt in 0..5 {
            let port = free_port();
            let mut cmd = Command::new("/usr/bin/goiardi");
            for (key, _) in std::env::vars() {
                if key.starts_with("GOIARDI_") {
                    cmd.env_remove(key);
                }
            }
            let mut child = cmd
                .args([
                    "--ipaddress",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    "--hostname",
                    "127.0.0.1",
                    "--use-auth",
                    "--time-slew",
                    "15m",
                    "--conf-root",
                ])
                .arg(dir.path())
                .arg("--log-file")
                .arg(dir.path().join("goiardi.log"))
                .args(["--log-level", "info"])
                .args(&tls_args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("goiardi starts");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                let keys_ready = dir.path().join("admin.pem").exists();
                if keys_ready && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Goiardi {
                        url: format!("{}://127.0.0.1:{port}", if tls { "https" } else { "http" }),
                        dir,
                        child,
                    };
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("goiardi did not start (apt-get install goiardi)");
    }

    /// The private key goiardi wrote for one of its built-in identities
    /// (`admin`, `chef-validator`, `chef-webui`).
    pub fn key(&self, identity: &str) -> PathBuf {
        self.dir.path().join(format!("{identity}.pem"))
    }
}

impl Drop for Goiardi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the server's search index sees `count` nodes (goiardi
/// indexes asynchronously).
pub fn wait_indexed(admin: &galley::chef::client::ChefClient, count: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let seen = admin.get("/search/node?q=*%3A*&rows=1000").unwrap()["rows"]
            .as_array()
            .unwrap()
            .len();
        if seen == count {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "goiardi indexed {seen} of {count} nodes"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

impl Goiardi {
    /// Runs `galley SUBCOMMAND --server-url URL -u admin -k KEY REST...`
    /// against this server as its admin.
    pub fn galley(&self, args: &[&str]) -> Run {
        self.galley_cmd(args).run()
    }

    /// The command line [`Goiardi::galley`] runs, to add to.
    pub fn galley_cmd(&self, args: &[&str]) -> Galley {
        let key = self.key("admin");
        let mut all: Vec<&str> = vec![
            args[0],
            "--server-url",
            &self.url,
            "-u",
            "admin",
            "-k",
            key.to_str().unwrap(),
        ];
        all.extend_from_slice(&args[1..]);
        Galley::new().args(all)
    }

    /// A signed client of this server as one of its identities, with
    /// another's key when `key_of` differs.
    pub fn client(
        &self,
        user: &str,
        key_of: &str,
        version: galley::chef::signing::SignVersion,
    ) -> galley::chef::client::ChefClient {
        use galley::chef::config::{ChefConfig, KeySource, Setting, Source};
        let flag = Source::Flag("test");
        let config = ChefConfig {
            server_url: Some(Setting {
                value: self.url.clone(),
                source: flag.clone(),
            }),
            client_name: Some(Setting {
                value: user.into(),
                source: flag.clone(),
            }),
            client_key: Some(Setting {
                value: KeySource::File(self.key(key_of)),
                source: flag,
            }),
            ..ChefConfig::default()
        };
        galley::chef::client::ChefClient::from_config(
            &config,
            version,
            std::time::Duration::from_secs(10),
        )
        .unwrap()
    }
}

/// The --sudo tests log in as users that .ci/install creates.
pub fn require_user(user: &str) {
    let known = std::process::Command::new("id")
        .arg(user)
        .output()
        .unwrap()
        .status
        .success();
    assert!(known, "test user {user} is missing: run .ci/install (it creates galley-pass and galley-nopass and their sudoers rules)");
}
