//! SSH connections with a deadline on every phase: TCP connect, handshake
//! and host key check, authentication. A failure is a typed [`Error`] that
//! knows the outcome it means and the phase it happened in; the executor
//! turns it into the host's outcome.

pub(crate) mod algorithms;
pub(crate) mod auth;
mod banner;
pub(crate) mod code;
pub(crate) mod config;
pub(crate) mod error;
#[allow(unsafe_code)]
pub(crate) mod ffi;
pub(crate) mod gateway;
pub(crate) mod known_hosts;
pub(crate) mod proxy;

use std::collections::HashMap;
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ssh2::Session;

use crate::inventory::Node;
use crate::outcome::{Phase, Timings};
use crate::target::Target;
use crate::units::millis;

pub(crate) use auth::Identities;
pub(crate) use config::SshConfig;
pub(crate) use error::Error;
pub(crate) use gateway::{Gateways, Jump};
pub(crate) use known_hosts::KnownHosts;
pub use known_hosts::Policy;

/// How to connect, from the command line and the environment; per host,
/// [`Settings::plan`] adds what ssh_config says.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `-x`.
    pub user: Option<String>,
    /// The local user: the login user when nothing else names one.
    pub local_user: String,
    /// `-p`: overrides every host's port.
    pub port: Option<u16>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--login-timeout`.
    pub login_timeout: Option<Duration>,
    /// `--host-key-check`.
    pub policy: Option<Policy>,
    /// `--known-hosts`.
    pub known_hosts_file: Option<PathBuf>,
    /// `-i`.
    pub identity_files: Vec<PathBuf>,
    /// `SSH_AUTH_SOCK` is set.
    pub agent: bool,
    pub home: PathBuf,
    /// The user's ssh_config (or `-F FILE`) and the system's.
    pub config: SshConfig,
    /// `-G`: the gateway chain for every host.
    pub gateway: Option<Vec<Jump>>,
    /// The key files this run has read (each is read once).
    pub keys: auth::KeyCache,
    /// Each target's plan, made once (a `Match exec` runs once per host).
    plans: Arc<Mutex<Plans>>,
}

/// Plans made, by address and node port.
type Plans = HashMap<(String, Option<u16>), Result<HostPlan, String>>;

/// How a host is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A TCP connection to the host.
    Direct,
    /// Through gateways, outermost first (`-G`, else ssh_config
    /// `ProxyJump`).
    Jumps(Vec<Jump>),
    /// Over a ProxyCommand's standard input and output (tokens expanded).
    Command(String),
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Route::Direct => write!(f, "direct"),
            Route::Jumps(jumps) => {
                let names: Vec<String> = jumps.iter().map(Jump::to_string).collect();
                write!(f, "via {}", names.join(","))
            }
            Route::Command(command) => write!(f, "via ProxyCommand {command}"),
        }
    }
}

/// Everything needed to reach one host.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// The name or address to connect to (ssh_config `HostName`, else the
    /// target's address).
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Bounds the connection, the version exchange and the key exchange.
    pub connect: ConnectDeadline,
    /// Bounds the host key check and authentication after the key exchange.
    pub login_timeout: Duration,
    pub known_hosts: KnownHosts,
    pub identities: Identities,
    pub route: Route,
    pub algorithms: algorithms::Preferences,
}

/// How long reaching a host may take. `--connect-timeout` (or ssh_config's
/// `ConnectTimeout`) bounds the TCP connection and the SSH version and key
/// exchange together, as ssh_config(5) says; without either, galley's own
/// defaults give TCP 10s (a host that is down fails fast) and the whole
/// 30s (key exchanges on a loaded machine were measured taking over 10s:
/// docs/benchmarks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectDeadline {
    /// For the TCP connection (each hop's, through gateways).
    pub tcp: Duration,
    /// For the TCP connection, the version exchange and the key exchange
    /// together, from the start.
    pub handshake: Duration,
}

impl ConnectDeadline {
    /// The same bound for both, as `ConnectTimeout` means it.
    pub fn of(limit: Duration) -> ConnectDeadline {
        ConnectDeadline {
            tcp: limit,
            handshake: limit,
        }
    }

    /// galley's defaults, when nothing sets a connect timeout.
    pub const DEFAULT: ConnectDeadline = ConnectDeadline {
        tcp: Duration::from_secs(10),
        handshake: Duration::from_secs(30),
    };
}

/// The login deadline without `--login-timeout`: on a loaded machine
/// (1,000 hosts at -C 500 on 2 cores) authentications were seen taking
/// over 10s, and OpenSSH's client sets no limit on it; 30s still ends a
/// wedged host.
pub(crate) const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// How deep a gateway's own ProxyJump may lead before galley calls it a
/// loop.
const MAX_HOPS: usize = 8;

impl Settings {
    /// Settings with no plan made yet.
    pub fn new(
        user: Option<String>,
        local_user: String,
        home: PathBuf,
        config: SshConfig,
        gateway: Option<Vec<Jump>>,
    ) -> Settings {
        Settings {
            user,
            local_user,
            port: None,
            connect_timeout: None,
            login_timeout: None,
            policy: None,
            known_hosts_file: None,
            identity_files: Vec::new(),
            agent: false,
            home,
            config,
            gateway,
            keys: auth::KeyCache::default(),
            plans: Arc::default(),
        }
    }

    /// The plan for one target, made on first use. Precedence: command-line
    /// flags, then the node's data (`cloud.public_ssh_port`, as knife
    /// does), then ssh_config, then defaults. An `Err` is a setting galley
    /// will not act on (a refused ssh_config keyword, with its file and
    /// line): the host must not be connected to.
    pub fn plan(&self, target: &Target) -> Result<HostPlan, String> {
        let key = (target.address.clone(), target.port);
        if let Some(plan) = self.plans.lock().unwrap().get(&key) {
            return plan.clone();
        }
        let plan = self.make_plan(&target.address, target.port, self.gateway.clone());
        self.plans.lock().unwrap().insert(key, plan.clone());
        plan
    }

    /// The `-i` key files, each checked before any host: one error naming
    /// the file and what to pass instead, not an authentication failure on
    /// every host.
    pub fn check_identities(&self) -> Result<(), String> {
        self.identity_files
            .iter()
            .try_for_each(|file| auth::check_identity_file(file))
    }

    /// Plans every target and the gateways they go through, before any
    /// host is touched: the first setting galley will not act on stops
    /// the run here, named.
    pub fn check(&self, targets: &[Target]) -> Result<(), String> {
        let mut gateways_checked = std::collections::HashSet::new();
        for target in targets {
            let plan = self
                .plan(target)
                .map_err(|e| format!("{} ({}): {e}", target.name, target.address))?;
            let mut route = plan.route;
            let mut seen = Vec::new();
            while let Route::Jumps(chain) = route {
                if !gateways_checked.insert(chain.clone()) {
                    break;
                }
                for (i, jump) in chain.iter().enumerate() {
                    self.gateway_plan(jump, i == 0)
                        .map_err(|e| format!("gateway {jump} of {}: {e}", target.name))?;
                }
                if seen.contains(&chain[0]) || seen.len() >= MAX_HOPS {
                    return Err(format!(
                        "{}: the ProxyJump of gateway {} leads back to it (or past {MAX_HOPS} hops): a loop",
                        target.name, chain[0]
                    ));
                }
                seen.push(chain[0].clone());
                route = self.gateway_plan(&chain[0], true)?.route;
            }
        }
        Ok(())
    }

    /// The plan for a gateway. Its port and user are the jump's own, else
    /// ssh_config's (`-p` is for targets). Only the first gateway of a
    /// chain is reached by its own ssh_config route: each next one is
    /// reached through the one before (as `ssh -J a,b` does).
    pub(crate) fn gateway_plan(&self, jump: &Jump, first: bool) -> Result<HostPlan, String> {
        let mut plan = self.make_plan(&jump.host, jump.port, None)?;
        if jump.port.is_none() {
            plan.port = self
                .config
                .resolve(&jump.host)
                .ok()
                .and_then(|c| c.port)
                .unwrap_or(22);
        }
        if let Some(user) = &jump.user {
            plan.user = user.clone();
        }
        if !first {
            plan.route = Route::Direct;
        }
        // A gateway has no Chef data: its key is checked against known_hosts.
        if plan.known_hosts.policy == Policy::Chef {
            plan.known_hosts.policy = Policy::Strict;
        }
        Ok(plan)
    }

    fn make_plan(
        &self,
        address: &str,
        node_port: Option<u16>,
        gateway: Option<Vec<Jump>>,
    ) -> Result<HostPlan, String> {
        let config = self.config.resolve(address).map_err(|e| e.to_string())?;
        if let Some(refused) = config.refused.first() {
            return Err(format!("ssh_config {refused}"));
        }
        let user = self
            .user
            .clone()
            .or(config.user)
            .unwrap_or_else(|| self.local_user.clone());
        let port = self.port.or(node_port).or(config.port).unwrap_or(22);
        let tokens = config::tokens::Tokens {
            host: config.host_name.clone(),
            original: address.to_string(),
            port,
            user: user.clone(),
            local_user: self.local_user.clone(),
            home: self.home.display().to_string(),
            uid: crate::sys::uid(),
            key_alias: config
                .host_key_alias
                .clone()
                .unwrap_or_else(|| address.to_string()),
            this_host: config::tokens::this_host(),
        };
        let paths = |files: &[String]| -> Result<Vec<PathBuf>, String> {
            files
                .iter()
                .filter(|f| !f.eq_ignore_ascii_case("none"))
                .map(|f| tokens.path(f).map(PathBuf::from))
                .collect()
        };
        let files = if !self.identity_files.is_empty() {
            self.identity_files.clone()
        } else {
            paths(&config.identity_files)?
        };
        let user_files = match (&self.known_hosts_file, &config.user_known_hosts_files) {
            (Some(file), _) => vec![file.clone()],
            (None, Some(files)) => paths(files)?,
            (None, None) => known_hosts::default_user_files(&self.home),
        };
        let global_files = global_known_hosts_files(config.global_known_hosts_files.as_deref());
        let route = route(gateway, config.proxy.as_ref(), &tokens)?;
        let algorithms = algorithms::Preferences::resolve(&config.algorithms)
            .map_err(|why| format!("ssh_config: {why}"))?;
        Ok(HostPlan {
            host: config.host_name,
            port,
            user,
            connect: self
                .connect_timeout
                .or(config.connect_timeout)
                .map_or(ConnectDeadline::DEFAULT, ConnectDeadline::of),
            login_timeout: self.login_timeout.unwrap_or(DEFAULT_LOGIN_TIMEOUT),
            known_hosts: KnownHosts {
                policy: self
                    .policy
                    .or(config.strict_host_key_checking.map(config::Strict::policy))
                    .unwrap_or(Policy::Strict),
                user_files,
                global_files,
                alias: config.host_key_alias,
            },
            identities: Identities {
                agent: self.agent && config.identities_only != Some(true) && !config.no_agent,
                files,
                defaults: Identities::default_keys(&self.home),
                keys: self.keys.clone(),
            },
            route,
            algorithms,
        })
    }
}

/// GlobalKnownHostsFile's files, or ssh's defaults; ssh expands tokens in
/// UserKnownHostsFile only (ssh.c), so these are taken as written.
fn global_known_hosts_files(files: Option<&[String]>) -> Vec<PathBuf> {
    match files {
        Some(files) => files
            .iter()
            .filter(|f| !f.eq_ignore_ascii_case("none"))
            .map(PathBuf::from)
            .collect(),
        None => known_hosts::DEFAULT_GLOBAL_FILES
            .iter()
            .map(PathBuf::from)
            .collect(),
    }
}

/// How a host is reached: through knife's gateway (`gateway`, which wins),
/// ssh_config's ProxyJump or ProxyCommand (its tokens expanded, refused
/// when a name would be shell syntax), or directly.
fn route(
    gateway: Option<Vec<Jump>>,
    proxy: Option<&(config::Proxy, config::Place)>,
    tokens: &config::tokens::Tokens,
) -> Result<Route, String> {
    Ok(match (gateway, proxy) {
        (Some(chain), _) => Route::Jumps(chain),
        (None, Some((config::Proxy::Jump(jumps), at))) => Route::Jumps(
            gateway::parse_chain(jumps)
                .map_err(|why| format!("ssh_config {at}: ProxyJump {why}"))?,
        ),
        (None, Some((config::Proxy::Command(command), at))) => {
            for value in [&tokens.host, &tokens.original, &tokens.user] {
                if !proxy::safe_for_shell(value) {
                    return Err(format!(
                        "ssh_config {at}: ProxyCommand would put {value:?} into a shell command; galley refuses names with shell syntax"
                    ));
                }
            }
            let expanded = tokens
                .expand(command, config::tokens::PROXY_COMMAND)
                .map_err(|why| format!("ssh_config {at}: ProxyCommand {why}"))?;
            Route::Command(expanded)
        }
        (None, Some((config::Proxy::Direct, _)) | None) => Route::Direct,
    })
}

/// An authenticated session to one host.
pub struct Connection {
    pub session: Session,
    /// The socket under the session, for polling.
    pub stream: Socket,
    pub port: u16,
    /// What authenticated.
    pub auth: String,
}

/// What follows authentication on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Then {
    /// Commands: a session channel may be opened behind the request.
    RunCommands,
    /// Anything else (a gateway's tunnels): nothing is sent early.
    Other,
}

/// What a session runs over: a TCP connection, a tunnel through a gateway
/// (one end of a socket pair the gateway's pump serves), or a
/// ProxyCommand's standard input and output.
#[derive(Debug)]
pub enum Socket {
    Tcp(TcpStream),
    Tunnel(UnixStream),
    Proxy(UnixStream, Arc<proxy::ProxyChild>),
}

impl Socket {
    fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Tunnel(s) => Socket::Tunnel(s.try_clone()?),
            Socket::Proxy(s, child) => Socket::Proxy(s.try_clone()?, child.clone()),
        })
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Tunnel(s) | Socket::Proxy(s, _) => s.as_raw_fd(),
        }
    }
}

/// Opens the way to `host:port` by `route`, within `limit`.
pub(crate) fn open_route(
    route: &Route,
    host: &str,
    port: u16,
    gateways: &Gateways,
    settings: &Settings,
    limit: Duration,
) -> Result<Socket, Error> {
    match route {
        Route::Direct => tcp_connect(host, port, Instant::now() + limit, limit).map(Socket::Tcp),
        Route::Jumps(chain) => gateways
            .tunnel(chain, host, port, settings, limit)
            .map(Socket::Tunnel),
        Route::Command(command) => {
            proxy::spawn(command).map(|(stream, child)| Socket::Proxy(stream, child))
        }
    }
}

/// Connects, then shakes hands (within the connect deadline, as OpenSSH's
/// ConnectTimeout), checks the host key and authenticates (within the
/// login deadline), by the plan's route. Fills in the phase timings as it
/// goes.
pub(crate) fn connect(
    target: &Target,
    plan: &HostPlan,
    gateways: &Gateways,
    settings: &Settings,
    timings: &mut Timings,
) -> Result<Connection, Error> {
    let started = Instant::now();
    let stream = open_route(
        &plan.route,
        &plan.host,
        plan.port,
        gateways,
        settings,
        plan.connect.tcp,
    );
    timings.connect_ms = Some(millis(started.elapsed()));
    let stream = stream?;
    let proxy = match &stream {
        Socket::Proxy(_, child) => Some(child.clone()),
        _ => None,
    };
    let handshake_deadline = started + plan.connect.handshake;
    match establish(
        stream,
        &plan.host,
        plan,
        &target.node,
        Then::RunCommands,
        handshake_deadline,
        timings,
    ) {
        Err(e) if proxy.is_some() => {
            let child = proxy.expect("checked");
            Err(Error::Proxied {
                command: child.command.clone(),
                said: child.said(),
                source: Box::new(e),
            })
        }
        result => result,
    }
}

/// The version exchange and key exchange (by `handshake_deadline`, the
/// connect deadline), then the host key check and authentication (within
/// the plan's login deadline), over a connected socket.
pub(crate) fn establish(
    stream: Socket,
    host: &str,
    plan: &HostPlan,
    node: &Node,
    then: Then,
    handshake_deadline: Instant,
    timings: &mut Timings,
) -> Result<Connection, Error> {
    let port = plan.port;
    let phase_start = Instant::now();
    // Offer first the host key types already known for this host, as
    // OpenSSH does (sshconnect2.c, order_hostkeyalgs): a host known by its
    // ECDSA key must not be asked for a new ed25519 one.
    let known_types = plan.known_hosts.known_types(host, port, node);
    let algorithms = plan.algorithms.preferring_host_keys(&known_types);
    let session = banner::read_preamble(&stream, handshake_deadline, plan.connect.handshake)
        .and_then(|()| handshake(&stream, plan, &algorithms, handshake_deadline));
    let deadline = Instant::now() + plan.login_timeout;
    let session = session.and_then(|session| {
        plan.known_hosts.check(&session, host, port, node)?;
        Ok(session)
    });
    timings.handshake_ms = Some(millis(phase_start.elapsed()));
    let session = session?;

    let phase_start = Instant::now();
    session.set_timeout(remaining_ms(deadline));
    let auth = auth::authenticate(
        &session,
        &plan.user,
        &plan.identities,
        then,
        stream.as_raw_fd(),
        deadline,
    );
    timings.auth_ms = Some(millis(phase_start.elapsed()));
    let auth = auth.map_err(|e| match e {
        // libssh2 said its timeout passed: the deadline, in words.
        Error::Libssh2 { code, .. } if code == code::TIMEOUT => Error::TimedOut {
            phase: Phase::Auth,
            what: format!("authentication as {} did not finish", plan.user),
            limit: plan.login_timeout,
            note: None,
        },
        other => other,
    })?;
    Ok(Connection {
        session,
        stream,
        port,
        auth,
    })
}

pub(crate) fn tcp_connect(
    host: &str,
    port: u16,
    deadline: Instant,
    limit: Duration,
) -> Result<TcpStream, Error> {
    let unreachable = Error::Unreachable;
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {host}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(unreachable(format!("{host} resolves to no address")));
    }
    let mut last = None;
    for addr in &addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(stream) => {
                // SSH sends small packets and waits for answers: Nagle's
                // algorithm would hold some of them for a delayed ACK
                // (about 40 ms each, Linux's delayed-ACK timer; docs/benchmarks.md
                // has the round trips this saves).
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    let target = known_hosts::entry_name(host, port);
    let timed_out = || Error::TimedOut {
        phase: Phase::Connect,
        what: format!("no TCP connection to {target}"),
        limit,
        note: None,
    };
    Err(match last {
        None => timed_out(),
        Some(e) => match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => timed_out(),
            io::ErrorKind::ConnectionRefused => {
                unreachable(format!("connection to {target} refused"))
            }
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                unreachable(format!("no route to {target}"))
            }
            _ => unreachable(format!("cannot connect to {target}: {e}")),
        },
    })
}

fn handshake(
    stream: &Socket,
    plan: &HostPlan,
    algorithms: &algorithms::Preferences,
    deadline: Instant,
) -> Result<Session, Error> {
    let error = |reason: String| Error::Other {
        phase: Phase::Handshake,
        reason,
    };
    let mut session =
        Session::new().map_err(|e| error(format!("cannot start an SSH session: {e}")))?;
    ffi::shed_zero_pages(&session);
    algorithms.apply(&session).map_err(error)?;
    let socket = stream
        .try_clone()
        .map_err(|e| error(format!("cannot use the socket: {e}")))?;
    session.set_tcp_stream(socket);
    session.set_timeout(remaining_ms(deadline));
    // The first authentication request follows the service request without
    // waiting for its acceptance (galley's libssh2; without it, waited for)
    // when galley signs every key itself.
    if plan.identities.signs_without_server_algorithms() {
        let _ = ffi::service_accept_later(&session, true);
    }
    match session.handshake() {
        Ok(()) => Ok(session),
        Err(e) if e.code() == ssh2::ErrorCode::Session(code::TIMEOUT) => Err(Error::TimedOut {
            phase: Phase::Handshake,
            what: "no SSH key exchange".into(),
            limit: plan.connect.handshake,
            note: Some("the host sent its version line, then stalled"),
        }),
        Err(e) => Err(Error::libssh2(Phase::Handshake, "SSH handshake", &e)),
    }
}

/// Whether a libssh2 call on a non-blocking session said "would block".
pub(crate) fn would_block<T>(result: &Result<T, ssh2::Error>) -> bool {
    matches!(result, Err(e) if e.code() == ssh2::ErrorCode::Session(code::EAGAIN))
}

/// Calls `step`, a libssh2 call on a non-blocking session, until it stops
/// saying "would block", up to `deadline` (then libssh2's timeout error,
/// saying `late`). While it waits for the host's answer the socket is in
/// quick-ack mode: sshd does not set TCP_NODELAY before a session asks for
/// a terminal, so of two packets it writes in turn it holds the second
/// until the client acknowledges the first, and the client's delayed ACK
/// (40 ms on Linux) would come on top (docs/benchmarks.md).
pub(crate) fn until_answered<T>(
    fd: std::os::fd::RawFd,
    deadline: Instant,
    late: &'static str,
    mut step: impl FnMut() -> Result<T, ssh2::Error>,
) -> Result<T, ssh2::Error> {
    loop {
        match step() {
            result if would_block(&result) => {
                crate::sys::quick_ack(fd);
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(ssh2::Error::new(
                        ssh2::ErrorCode::Session(code::TIMEOUT),
                        late,
                    ));
                }
                // Short waits: the call may also be waiting to send.
                crate::sys::wait_readable(fd, left.min(Duration::from_millis(50)));
            }
            result => return result,
        }
    }
}

/// Milliseconds until the deadline, at least 1 (0 would mean "no timeout"
/// to libssh2).
fn remaining_ms(deadline: Instant) -> u32 {
    let left = deadline.saturating_duration_since(Instant::now());
    u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1)
}
