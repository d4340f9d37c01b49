//! SSH connections with a deadline on every phase: TCP connect, handshake
//! and host key check, authentication. A failure is a typed [`Error`] that
//! knows the outcome it means and the phase it happened in; the executor
//! turns it into the host's outcome.

pub(crate) mod auth;
pub(crate) mod config;
pub(crate) mod error;
#[allow(unsafe_code)]
pub(crate) mod ffi;
pub(crate) mod gateway;
pub(crate) mod known_hosts;

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ssh2::Session;

use crate::inventory::Node;
use crate::outcome::{Phase, Timings};
use crate::target::Target;

pub(crate) use auth::{Identities, KeyCache};
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
    /// Bounds the TCP connection (each hop's, through gateways).
    pub connect_timeout: Duration,
    /// Bounds the handshake, host key check and authentication.
    pub login_timeout: Duration,
    pub known_hosts: KnownHosts,
    pub identities: Identities,
    /// Gateways to go through, outermost first (`-G`, else ssh_config
    /// `ProxyJump`); empty to connect directly. An `Err` (a ProxyJump galley
    /// cannot read) fails the host: it is never bypassed.
    pub jumps: Result<Vec<Jump>, String>,
}

/// The connect deadline when neither the flag nor ssh_config sets one.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The login deadline without `--login-timeout`: on a loaded machine
/// (1,000 hosts at -C 500 on 2 cores) handshakes and authentications were
/// seen taking over 10s, and OpenSSH's client sets no limit on either;
/// 30s still ends a wedged host.
pub(crate) const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

impl Settings {
    /// What ssh_config says for `host` (nothing without a config file).
    pub fn config_for(&self, host: &str) -> config::HostConfig {
        self.config
            .as_ref()
            .map(|c| c.for_host(host, &self.local_user))
            .unwrap_or_default()
    }

    /// The plan for one target. Precedence: command-line flags, then the
    /// node's data (`cloud.public_ssh_port`, as knife does), then
    /// ssh_config, then defaults.
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
            login_timeout: self.login_timeout.unwrap_or(DEFAULT_LOGIN_TIMEOUT),
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

/// Connects (within the connect deadline), then shakes hands, checks the
/// host key and authenticates (within the login deadline), directly or
/// through the plan's gateways. Fills in the phase timings as it goes.
pub(crate) fn connect(
    target: &Target,
    plan: &HostPlan,
    gateways: &Gateways,
    settings: &Settings,
    timings: &mut Timings,
) -> Result<Connection, Error> {
    let started = Instant::now();
    let deadline = started + plan.connect_timeout;
    let stream = match &plan.jumps {
        Err(why) => Err(Error::Other {
            phase: Phase::Connect,
            reason: why.clone(),
        }),
        Ok(chain) if chain.is_empty() => {
            tcp_connect(&plan.host, plan.port, deadline, plan.connect_timeout).map(Socket::Tcp)
        }
        Ok(chain) => gateways
            .tunnel(chain, &plan.host, plan.port, settings, plan.connect_timeout)
            .map(Socket::Tunnel),
    };
    timings.connect_ms = Some(millis(started.elapsed()));
    let stream = stream?;
    let direct = matches!(stream, Socket::Tcp(_));
    match establish(stream, &plan.host, plan, &target.node, timings) {
        // A handshake that failed or timed out: was it SSH-2 at all?
        Err(
            e @ (Error::Libssh2 {
                phase: Phase::Handshake,
                ..
            }
            | Error::TimedOut {
                phase: Phase::Handshake,
                ..
            }),
        ) if direct => Err(not_ssh2(&plan.host, plan.port, plan.connect_timeout).unwrap_or(e)),
        result => result,
    }
}

/// Bytes of a peer's greeting read to see what it is.
const GREETING_LIMIT: usize = 8 * 1024;

/// After a failed handshake, what the peer sends first, read on a second
/// connection: libssh2 says only "Unable to exchange encryption keys" for
/// an SSH-1 server or one that sends no version line. None when the peer
/// does send an SSH-2 version line (the failure was something else) or
/// cannot be read again.
fn not_ssh2(host: &str, port: u16, connect_timeout: Duration) -> Option<Error> {
    let limit = connect_timeout.min(Duration::from_secs(2));
    let mut stream = tcp_connect(host, port, Instant::now() + limit, limit).ok()?;
    stream.set_read_timeout(Some(limit)).ok()?;
    let read_until = Instant::now() + limit;
    let mut greeting = Vec::new();
    let mut buf = [0u8; 2048];
    while greeting.len() < GREETING_LIMIT && Instant::now() < read_until {
        match io::Read::read(&mut stream, &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => greeting.extend_from_slice(&buf[..n]),
        }
        if version_line(&greeting).is_some() {
            break;
        }
    }
    describe_greeting(&greeting).map(Error::NotSsh2)
}

/// The first line that starts with `SSH-` (RFC 4253 4.2 lets a server send
/// other lines before it), and how many lines came before.
fn version_line(greeting: &[u8]) -> Option<(usize, String)> {
    let complete = greeting.iter().rposition(|&b| b == b'\n')?;
    greeting[..complete]
        .split(|&b| b == b'\n')
        .enumerate()
        .find(|(_, line)| line.starts_with(b"SSH-"))
        .map(|(i, line)| {
            let line = String::from_utf8_lossy(line);
            (i, line.trim_end_matches('\r').to_string())
        })
}

/// What a peer that failed the handshake sent, in words; None when it
/// looks like SSH-2 (or sent nothing to go by).
fn describe_greeting(greeting: &[u8]) -> Option<String> {
    let excerpt = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
        format!("{text:?}")
    };
    match version_line(greeting) {
        Some((_, line)) if line.starts_with("SSH-2.0-") || line.starts_with("SSH-1.99-") => None,
        Some((_, line)) => Some(format!(
            "it sent the version line {:?} (SSH-1 or unknown); galley, like OpenSSH since 7.6, speaks SSH-2 only",
            &line[..line.len().min(80)]
        )),
        None if greeting.is_empty() => None,
        None if greeting.len() >= GREETING_LIMIT => Some(format!(
            "it sent over {} KB without an SSH version line, starting {}",
            GREETING_LIMIT / 1024,
            excerpt(greeting)
        )),
        None => Some(format!(
            "it sent {} bytes without an SSH version line: {}",
            greeting.len(),
            excerpt(greeting)
        )),
    }
}

/// Handshake, host key check and authentication over a connected socket,
/// within the plan's login deadline.
pub(crate) fn establish(
    stream: Socket,
    host: &str,
    plan: &HostPlan,
    node: &Node,
    timings: &mut Timings,
) -> Result<Connection, Error> {
    let port = plan.port;
    let phase_start = Instant::now();
    let deadline = phase_start + plan.login_timeout;
    let session = handshake(&stream, deadline, plan.login_timeout);
    let session = session.and_then(|session| {
        plan.known_hosts.check(&session, host, port, node)?;
        Ok(session)
    });
    timings.handshake_ms = Some(millis(phase_start.elapsed()));
    let session = session?;

    let phase_start = Instant::now();
    session.set_timeout(remaining_ms(deadline));
    let auth = auth::authenticate(&session, &plan.user, &plan.identities);
    timings.auth_ms = Some(millis(phase_start.elapsed()));
    let auth = auth.map_err(|e| match e {
        // libssh2 said its timeout passed: the deadline, in words.
        Error::Libssh2 { code, .. } if code == error::code::TIMEOUT => Error::TimedOut {
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

fn handshake(stream: &Socket, deadline: Instant, limit: Duration) -> Result<Session, Error> {
    let error = |reason: String| Error::Other {
        phase: Phase::Handshake,
        reason,
    };
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
        Err(e) if e.code() == ssh2::ErrorCode::Session(error::code::TIMEOUT) => {
            Err(Error::TimedOut {
                phase: Phase::Handshake,
                what: "no SSH handshake".into(),
                limit,
                note: Some("the peer accepted TCP but did not speak SSH"),
            })
        }
        Err(e) => Err(Error::libssh2(Phase::Handshake, "SSH handshake", &e)),
    }
}

/// Milliseconds until the deadline, at least 1 (0 would mean "no timeout"
/// to libssh2).
fn remaining_ms(deadline: Instant) -> u32 {
    let left = deadline.saturating_duration_since(Instant::now());
    u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1)
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `10s`, `1.5s`.
pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}s", s as u64)
    } else {
        format!("{s:.1}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_described_by_what_they_hold() {
        assert_eq!(describe_greeting(b"SSH-2.0-OpenSSH_9.2\r\n"), None);
        assert_eq!(describe_greeting(b"hello\r\nSSH-2.0-x\r\n"), None);
        assert_eq!(describe_greeting(b""), None);
        let ssh1 = describe_greeting(b"SSH-1.5-OpenSSH_3.9p1\n").unwrap();
        assert!(ssh1.contains("\"SSH-1.5-OpenSSH_3.9p1\""), "{ssh1}");
        let junk = describe_greeting(&[b'x'; GREETING_LIMIT]).unwrap();
        assert!(
            junk.starts_with("it sent over 8 KB without an SSH version line, starting \"xxx"),
            "{junk}"
        );
        let http = describe_greeting(b"HTTP/1.1 400 Bad Request\r\n\x1b[31m").unwrap();
        assert!(
            http.contains("\\u{1b}"),
            "control characters are escaped: {http}"
        );
    }
}
