//! SSH connections with a deadline on every phase: TCP connect, handshake
//! and host key check, authentication. A failure is a typed [`Failure`] with
//! the outcome it means and the phase it happened in; the executor turns it
//! into the host's outcome.

pub mod auth;
pub mod config;
pub mod ffi;
pub mod gateway;
pub mod known_hosts;

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ssh2::Session;

use crate::inventory::Node;
use crate::outcome::{OutcomeKind, Phase, Timings};
use crate::target::Target;

pub use auth::{Identities, KeyCache};
pub use config::SshConfig;
pub use gateway::{Gateways, Jump};
pub use known_hosts::{KnownHosts, Policy};

/// libssh2's LIBSSH2_ERROR_TIMEOUT.
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;

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
    /// `--host-key-check`.
    pub policy: Option<Policy>,
    /// `--known-hosts`.
    pub known_hosts_file: Option<PathBuf>,
    /// Read-only known_hosts files (`/etc/ssh/ssh_known_hosts`).
    pub global_known_hosts: Vec<PathBuf>,
    /// `-i`.
    pub identity_files: Vec<PathBuf>,
    /// `SSH_AUTH_SOCK` is set.
    pub agent: bool,
    pub home: PathBuf,
    /// `~/.ssh/config` or `-F FILE`, when there is one.
    pub config: Option<SshConfig>,
    /// `-G`: the gateway chain for every host.
    pub gateway: Option<Vec<Jump>>,
    /// The key files this run has read (each is read once).
    pub keys: auth::KeyCache,
}

/// Everything needed to reach one host.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// The name or address to connect to (ssh_config `HostName`, else the
    /// target's address).
    pub host: String,
    pub port: u16,
    pub user: String,
    pub connect_timeout: Duration,
    pub known_hosts: KnownHosts,
    pub identities: Identities,
    /// Gateways to go through, outermost first (`-G`, else ssh_config
    /// `ProxyJump`); empty to connect directly. An `Err` (a ProxyJump galley
    /// cannot read) fails the host: it is never bypassed.
    pub jumps: Result<Vec<Jump>, String>,
}

/// The connect deadline when neither the flag nor ssh_config sets one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Settings {
    /// The plan for one target. Precedence: command-line flags, then the
    /// node's data (`cloud.public_ssh_port`, as knife does), then
    /// ssh_config, then defaults.
    /// What ssh_config says for `host` (nothing without a config file).
    pub fn config_for(&self, host: &str) -> config::HostConfig {
        self.config
            .as_ref()
            .map(|c| c.for_host(host, &self.local_user))
            .unwrap_or_default()
    }

    pub fn plan(&self, target: &Target) -> HostPlan {
        let config = self.config_for(&target.address);
        let user = self
            .user
            .clone()
            .or(config.user)
            .unwrap_or_else(|| self.local_user.clone());
        let files = if !self.identity_files.is_empty() {
            self.identity_files.clone()
        } else {
            config.identity_files
        };
        HostPlan {
            host: config.host_name.unwrap_or_else(|| target.address.clone()),
            port: self.port.or(target.port).or(config.port).unwrap_or(22),
            user,
            connect_timeout: self
                .connect_timeout
                .or(config.connect_timeout)
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            known_hosts: KnownHosts {
                policy: self
                    .policy
                    .or(config.strict_host_key_checking)
                    .unwrap_or(Policy::Strict),
                user_file: self
                    .known_hosts_file
                    .clone()
                    .or(config.user_known_hosts_file)
                    .unwrap_or_else(|| known_hosts::default_user_file(&self.home)),
                global_files: self.global_known_hosts.clone(),
            },
            identities: Identities {
                agent: self.agent && config.identities_only != Some(true),
                files,
                defaults: Identities::default_keys(&self.home),
                keys: self.keys.clone(),
            },
            jumps: match (&self.gateway, config.proxy_jump) {
                (Some(chain), _) => Ok(chain.clone()),
                (None, Some(jump)) if !jump.eq_ignore_ascii_case("none") => {
                    gateway::parse_chain(&jump).map_err(|why| {
                        format!("ssh_config ProxyJump for {}: {why}", target.address)
                    })
                }
                (None, _) => Ok(Vec::new()),
            },
        }
    }
}

/// Why a host could not be connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: OutcomeKind,
    pub phase: Phase,
    pub reason: String,
}

impl Failure {
    fn new(kind: OutcomeKind, phase: Phase, reason: impl Into<String>) -> Failure {
        Failure {
            kind,
            phase,
            reason: reason.into(),
        }
    }
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

/// What a session runs over: a TCP connection, or a tunnel through a
/// gateway (one end of a socket pair the gateway's pump serves).
#[derive(Debug)]
pub enum Socket {
    Tcp(TcpStream),
    Tunnel(UnixStream),
}

impl Socket {
    fn try_clone(&self) -> io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Tunnel(s) => Socket::Tunnel(s.try_clone()?),
        })
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Tunnel(s) => s.as_raw_fd(),
        }
    }
}

/// Connects, checks the host key and authenticates, all before the
/// connect deadline, directly or through the plan's gateways. Fills in the
/// phase timings as it goes.
pub fn connect(
    target: &Target,
    plan: &HostPlan,
    gateways: &Gateways,
    settings: &Settings,
    timings: &mut Timings,
) -> Result<Connection, Failure> {
    let started = Instant::now();
    let deadline = started + plan.connect_timeout;
    let stream = match &plan.jumps {
        Err(why) => Err(Failure::new(
            OutcomeKind::Error,
            Phase::Connect,
            why.clone(),
        )),
        Ok(chain) if chain.is_empty() => {
            tcp_connect(&plan.host, plan.port, deadline, plan.connect_timeout).map(Socket::Tcp)
        }
        Ok(chain) => gateways
            .tunnel(chain, &plan.host, plan.port, settings, deadline)
            .map(Socket::Tunnel),
    };
    timings.connect_ms = Some(millis(started.elapsed()));
    let stream = stream?;
    establish(stream, &plan.host, plan, &target.node, deadline, timings)
}

/// Handshake, host key check and authentication over a connected socket.
pub(crate) fn establish(
    stream: Socket,
    host: &str,
    plan: &HostPlan,
    node: &Node,
    deadline: Instant,
    timings: &mut Timings,
) -> Result<Connection, Failure> {
    let port = plan.port;
    let phase_start = Instant::now();
    let session = handshake(&stream, deadline, plan.connect_timeout);
    let session = session.and_then(|session| {
        plan.known_hosts
            .check(&session, host, port, node)
            .map_err(|refusal| match refusal {
                known_hosts::Refusal::Unknown(why) => {
                    Failure::new(OutcomeKind::HostkeyUnknown, Phase::Handshake, why)
                }
                known_hosts::Refusal::Mismatch(why) => {
                    Failure::new(OutcomeKind::HostkeyMismatch, Phase::Handshake, why)
                }
            })?;
        Ok(session)
    });
    timings.handshake_ms = Some(millis(phase_start.elapsed()));
    let session = session?;

    let phase_start = Instant::now();
    session.set_timeout(remaining_ms(deadline));
    let auth = auth::authenticate(&session, &plan.user, &plan.identities);
    timings.auth_ms = Some(millis(phase_start.elapsed()));
    let auth = auth.map_err(|why| {
        if Instant::now() >= deadline {
            Failure::new(
                OutcomeKind::Timeout,
                Phase::Auth,
                format!(
                    "authentication did not finish within {}",
                    seconds(plan.connect_timeout)
                ),
            )
        } else {
            Failure::new(OutcomeKind::AuthFailed, Phase::Auth, why)
        }
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
) -> Result<TcpStream, Failure> {
    let unreachable = |why: String| Failure::new(OutcomeKind::Unreachable, Phase::Connect, why);
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
    Err(match last {
        None => Failure::new(
            OutcomeKind::Timeout,
            Phase::Connect,
            format!("no TCP connection to {target} within {}", seconds(limit)),
        ),
        Some(e) => match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::new(
                OutcomeKind::Timeout,
                Phase::Connect,
                format!("no TCP connection to {target} within {}", seconds(limit)),
            ),
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

fn handshake(stream: &Socket, deadline: Instant, limit: Duration) -> Result<Session, Failure> {
    let error = |why: String| Failure::new(OutcomeKind::Error, Phase::Handshake, why);
    let mut session =
        Session::new().map_err(|e| error(format!("cannot start an SSH session: {e}")))?;
    ffi::shed_zero_pages(&session);
    let socket = stream
        .try_clone()
        .map_err(|e| error(format!("cannot use the socket: {e}")))?;
    session.set_tcp_stream(socket);
    session.set_timeout(remaining_ms(deadline));
    match session.handshake() {
        Ok(()) => Ok(session),
        Err(e)
            if e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
                || Instant::now() >= deadline =>
        {
            Err(Failure::new(
                OutcomeKind::Timeout,
                Phase::Handshake,
                format!(
                    "no SSH handshake within {} (the peer accepted TCP but did not speak SSH)",
                    seconds(limit)
                ),
            ))
        }
        Err(e) => Err(error(format!("SSH handshake failed: {}", e.message()))),
    }
}

/// Milliseconds until the deadline, at least 1 (0 would mean "no timeout"
/// to libssh2).
fn remaining_ms(deadline: Instant) -> u32 {
    let left = deadline.saturating_duration_since(Instant::now());
    u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1)
}

pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `10s`, `1.5s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}s", s as u64)
    } else {
        format!("{s:.1}s")
    }
}
