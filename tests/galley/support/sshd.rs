//! Real OpenSSH servers on loopback, one per simulated host, each with its
//! own host key; and the client keys the tests log in with.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::require;

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
    /// A server that accepts the test client key, on a free loopback port.
    pub fn start(name: &str) -> Sshd {
        Sshd::build(name).start()
    }

    /// A server to set up before it starts:
    /// `Sshd::build("web-01").configured("MaxSessions 0\n").start()`.
    pub fn build(name: &str) -> SshdBuilder<'_> {
        SshdBuilder {
            name,
            authorized: vec![client_key().public.clone()],
            netns: None,
            address: "127.0.0.1",
            port: None,
            binds: Vec::new(),
            config: String::new(),
            ca: None,
        }
    }
}

/// How a test server starts; see [`Sshd::build`].
pub struct SshdBuilder<'a> {
    name: &'a str,
    authorized: Vec<String>,
    netns: Option<&'a str>,
    address: &'a str,
    port: Option<u16>,
    binds: Vec<(&'a Path, &'a str)>,
    config: String,
    ca: Option<&'a Path>,
}

impl<'a> SshdBuilder<'a> {
    /// Accepts these public keys (instead of the test client key).
    pub fn authorized(mut self, keys: &[&str]) -> Self {
        self.authorized = keys.iter().map(|k| k.to_string()).collect();
        self
    }

    /// Runs inside network namespace `netns`.
    pub fn in_netns(mut self, netns: &'a str) -> Self {
        self.netns = Some(netns);
        self
    }

    /// Listens on `address` (127.0.0.1 otherwise).
    pub fn at(mut self, address: &'a str) -> Self {
        self.address = address;
        self
    }

    /// Listens on `port` (a free one otherwise).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Its sessions see each `(source, mount point)` folder bind-mounted
    /// over the mount point: the host's own files.
    pub fn binds(mut self, binds: &[(&'a Path, &'a str)]) -> Self {
        self.binds = binds.to_vec();
        self
    }

    /// These sshd_config lines before the usual ones (sshd takes a
    /// keyword's first value, so they win).
    pub fn configured(mut self, config: &str) -> Self {
        self.config = config.to_string();
        self
    }

    /// Its host key certified by the CA key `ca` (ssh-keygen -s), for its
    /// address as principal.
    pub fn certified_by(mut self, ca: &'a Path) -> Self {
        self.ca = Some(ca);
        self
    }

    pub fn start(self) -> Sshd {
        let SshdBuilder {
            name,
            authorized,
            netns,
            address,
            port: fixed_port,
            binds,
            config: extra_config,
            ca,
        } = self;
        let binds = &binds[..];
        require("/usr/sbin/sshd", "openssh-server");
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (run the tests as root)");
        let dir = tempfile::tempdir().unwrap();
        let (host_private, host_key) = keygen(dir.path(), "ssh_host_ed25519_key", "");
        let mut extra_config = extra_config.to_string();
        if let Some(ca) = ca {
            let signed = Command::new("ssh-keygen")
                .args(["-q", "-s"])
                .arg(ca)
                .args(["-I", name, "-h", "-n", address])
                .arg(dir.path().join("ssh_host_ed25519_key.pub"))
                .status()
                .expect("ssh-keygen (apt-get install openssh-client)");
            assert!(signed.success(), "ssh-keygen -s failed");
            extra_config.push_str(&format!(
                "HostCertificate {}\n",
                dir.path().join("ssh_host_ed25519_key-cert.pub").display()
            ));
        }
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
}

impl Sshd {
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
        self.log().matches("Accepted publickey").count()
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
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

/// A loopback port that refuses connections for as long as this value
/// lives: a socket bound to it that never listens, so no other process can
/// take the port meanwhile (a port from [`free_port`] may be taken at any
/// moment by another test's server).
pub struct ClosedPort {
    fd: std::os::fd::OwnedFd,
    pub port: u16,
}

impl ClosedPort {
    pub fn new() -> ClosedPort {
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: plain socket calls on a descriptor this function owns;
        // the address structures are initialised and sized as the calls
        // expect.
        unsafe {
            let raw = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(raw >= 0, "socket: {}", std::io::Error::last_os_error());
            let fd = std::os::fd::OwnedFd::from_raw_fd(raw);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let bound = libc::bind(fd.as_raw_fd(), std::ptr::addr_of!(addr).cast(), len);
            assert_eq!(bound, 0, "bind: {}", std::io::Error::last_os_error());
            let mut got: libc::sockaddr_in = std::mem::zeroed();
            let mut got_len = len;
            let named = libc::getsockname(
                fd.as_raw_fd(),
                std::ptr::addr_of_mut!(got).cast(),
                &mut got_len,
            );
            assert_eq!(named, 0, "getsockname: {}", std::io::Error::last_os_error());
            ClosedPort {
                fd,
                port: u16::from_be(got.sin_port),
            }
        }
    }
}

impl std::fmt::Debug for ClosedPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::os::fd::AsRawFd;
        write!(f, "ClosedPort({} on fd {})", self.port, self.fd.as_raw_fd())
    }
}
