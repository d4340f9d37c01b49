//! Bastions: `-G [user@]host[:port]` and ssh_config `ProxyJump` (chains of
//! jumps, comma-separated).
//!
//! One authenticated session to each gateway carries the channels to all
//! the targets behind it. Each target gets a `direct-tcpip` channel, served
//! to its own SSH session as one end of a Unix socket pair; the target's
//! handshake, host key check and authentication then run end to end, as if
//! connected directly. A gateway's session is owned by one pump thread,
//! which opens channels on request and moves bytes both ways, so no two
//! threads ever drive the same libssh2 session.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::str::FromStr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use ssh2::{Channel, Session};

use super::{establish, Error, Settings, Socket};
use crate::inventory::Node;
use crate::outcome::{Phase, Timings};

/// One jump: `[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Jump {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl FromStr for Jump {
    type Err = String;

    fn from_str(s: &str) -> Result<Jump, String> {
        let s = s.trim();
        // OpenSSH also takes `ssh://[user@]host[:port]`.
        let s = s.strip_prefix("ssh://").unwrap_or(s);
        let (user, rest) = match s.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_string()), rest),
            Some(_) => return Err(format!("{s:?}: empty user before '@'")),
            None => (None, s),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => {
                let port = port
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("{s:?}: {port:?} is not a port"))?;
                (host, Some(port))
            }
            _ => (rest, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{s:?}: no host"));
        }
        Ok(Jump {
            user,
            host: host.to_string(),
            port,
        })
    }
}

/// `jump1,jump2`: the first is reached directly, each next through the one
/// before.
pub(crate) fn parse_chain(s: &str) -> Result<Vec<Jump>, String> {
    s.split(',').map(str::parse).collect()
}

impl std::fmt::Display for Jump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

/// A request to the pump for a tunnel to `host:port`.
struct Open {
    host: String,
    port: u16,
    reply: Sender<Result<UnixStream, Error>>,
}

/// A connected gateway, served by its pump thread.
pub(crate) struct Gateway {
    name: String,
    /// Closed (taken) when the gateway is dropped: the pump then ends.
    requests: Mutex<Option<Sender<Open>>>,
    /// Written to wake the pump when a request arrives.
    waker: UnixStream,
    /// The pump's thread, joined when the gateway is dropped: it must not
    /// outlive the run (it disconnects the session through OpenSSL, which
    /// the process tears down at exit).
    pump: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        drop(self.requests.lock().unwrap().take());
        let _ = (&self.waker).write(&[1]);
        if let Some(pump) = self.pump.lock().unwrap().take() {
            let _ = pump.join();
        }
    }
}

impl Gateway {
    /// A tunnel to `host:port` through this gateway; `limit` is the whole
    /// connect deadline's length, for the message.
    fn open(
        &self,
        host: &str,
        port: u16,
        deadline: Instant,
        limit: std::time::Duration,
    ) -> Result<UnixStream, Error> {
        let closed = || {
            Error::Other {
                phase: Phase::Connect,
                reason: "closed".into(),
            }
            .through(&self.name)
        };
        let (reply, answer) = mpsc::channel();
        self.requests
            .lock()
            .unwrap()
            .as_ref()
            .ok_or_else(closed)?
            .send(Open {
                host: host.to_string(),
                port,
                reply,
            })
            .map_err(|_| closed())?;
        let _ = (&self.waker).write(&[1]);
        let left = deadline.saturating_duration_since(Instant::now());
        match answer.recv_timeout(left) {
            Ok(result) => result,
            Err(_) => Err(Error::TimedOut {
                phase: Phase::Connect,
                what: format!("no channel to {host}:{port}"),
                limit,
                note: None,
            }
            .through(&self.name)),
        }
    }
}

type Slot = Arc<OnceLock<Result<Arc<Gateway>, Error>>>;

/// Gateways of a run, connected on first use and shared by every target
/// behind them; a gateway that failed fails its targets at once.
pub(crate) struct Gateways {
    slots: Mutex<HashMap<Vec<Jump>, Slot>>,
    /// Channels open at once per gateway (`--gateway-concurrency`).
    pub channels_per_gateway: usize,
}

impl Drop for Gateways {
    /// Closes the gateways innermost first: a longer chain tunnels through
    /// the shorter ones, whose pumps wait for its tunnel to close.
    fn drop(&mut self) {
        let mut slots: Vec<(Vec<Jump>, Slot)> = self.slots.lock().unwrap().drain().collect();
        slots.sort_by_key(|(chain, _)| std::cmp::Reverse(chain.len()));
        for (_, slot) in slots {
            drop(slot);
        }
    }
}

impl Gateways {
    pub(crate) fn new(channels_per_gateway: usize) -> Gateways {
        Gateways {
            slots: Mutex::default(),
            channels_per_gateway: channels_per_gateway.max(1),
        }
    }

    /// A tunnel to `host:port` through the chain; each gateway's TCP
    /// connection, and the channel once its gateway is up, get `limit`.
    pub(crate) fn tunnel(
        &self,
        chain: &[Jump],
        host: &str,
        port: u16,
        settings: &Settings,
        limit: std::time::Duration,
    ) -> Result<UnixStream, Error> {
        let gateway = self.gateway(chain, settings)?;
        gateway.open(host, port, Instant::now() + limit, limit)
    }

    fn gateway(&self, chain: &[Jump], settings: &Settings) -> Result<Arc<Gateway>, Error> {
        let slot = self
            .slots
            .lock()
            .unwrap()
            .entry(chain.to_vec())
            .or_default()
            .clone();
        slot.get_or_init(|| self.connect(chain, settings)).clone()
    }

    fn connect(&self, chain: &[Jump], settings: &Settings) -> Result<Arc<Gateway>, Error> {
        let (last, before) = chain.split_last().expect("a chain has a gateway");
        let name = last.to_string();
        let in_context = |e: Error| e.through(&name);
        let plan = settings
            .gateway_plan(last, before.is_empty())
            .map_err(|reason| {
                in_context(Error::Other {
                    phase: Phase::Connect,
                    reason,
                })
            })?;
        let node = Node::bare(&last.host);
        let limit = plan.connect.tcp;
        let started = Instant::now();
        let socket = if before.is_empty() {
            // The first gateway is reached as ssh_config says it is.
            super::open_route(&plan.route, &plan.host, plan.port, self, settings, limit)
                .map_err(in_context)?
        } else {
            let outer = self.gateway(before, settings)?;
            Socket::Tunnel(
                outer
                    .open(&plan.host, plan.port, started + limit, limit)
                    .map_err(in_context)?,
            )
        };
        let host = plan.host.clone();
        let conn = establish(
            socket,
            &host,
            &plan,
            &node,
            super::Then::Other,
            started + plan.connect.handshake,
            &mut Timings::default(),
        )
        .map_err(in_context)?;
        let (requests, incoming) = mpsc::channel();
        let local = |e: io::Error| {
            Error::Other {
                phase: Phase::Connect,
                reason: e.to_string(),
            }
            .through(&name)
        };
        let (waker, wakee) = UnixStream::pair().map_err(local)?;
        let _ = wakee.set_nonblocking(true);
        let cap = self.channels_per_gateway;
        let pump_name = name.clone();
        let pump = std::thread::Builder::new()
            .name(format!("gateway {name}"))
            .spawn(move || pump(conn.session, conn.stream, incoming, wakee, cap, &pump_name))
            .map_err(local)?;
        Ok(Arc::new(Gateway {
            name,
            requests: Mutex::new(Some(requests)),
            waker,
            pump: Mutex::new(Some(pump)),
        }))
    }
}

/// One tunnel: a channel on the gateway and the pump's end of the pair.
struct Link {
    channel: Channel,
    socket: UnixStream,
    to_channel: Vec<u8>,
    to_socket: Vec<u8>,
    socket_eof: bool,
    eof_sent: bool,
    channel_eof: bool,
}

const BUFFER: usize = 64 * 1024;
const EAGAIN: ssh2::ErrorCode = ssh2::ErrorCode::Session(super::code::EAGAIN);

/// Serves a gateway's session: opens channels as asked, at most `cap` at
/// once, and moves bytes between each channel and its socket. Ends when
/// the run drops the gateway and every tunnel is closed.
fn pump(
    session: Session,
    stream: Socket,
    requests: Receiver<Open>,
    wakee: UnixStream,
    cap: usize,
    name: &str,
) {
    session.set_blocking(false);
    let mut links: Vec<Link> = Vec::new();
    let mut pending: VecDeque<Open> = VecDeque::new();
    let mut closed = false;
    let mut buf = vec![0u8; BUFFER];
    loop {
        loop {
            match requests.try_recv() {
                Ok(open) => pending.push_back(open),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        let mut drain = [0u8; 64];
        while matches!((&wakee).read(&mut drain), Ok(n) if n > 0) {}

        // Open the channel at the head of the queue (libssh2 opens one at a time).
        while links.len() < cap && !pending.is_empty() {
            match open_next(&session, &mut pending, name) {
                Opened::Link(link) => links.push(link),
                Opened::Later => break,
                Opened::Answered => {}
            }
        }

        links.retain_mut(|link| serve(link, &mut buf));
        if closed && links.is_empty() && pending.is_empty() {
            let _ = session.disconnect(None, "galley done", None);
            return;
        }
        wait(&stream, &wakee, &links);
    }
}

/// What opening the next tunnel came to.
enum Opened {
    /// A tunnel to serve (its socket pair's other end sent to the asker).
    Link(Link),
    /// libssh2 would block: try again after the next wait.
    Later,
    /// The asker was sent an error (the gateway refused, no socket pair).
    Answered,
}

/// Opens a direct-tcpip channel for the request at the head of `pending`.
fn open_next(session: &Session, pending: &mut VecDeque<Open>, name: &str) -> Opened {
    let head = pending.front().expect("a request waits");
    let channel = match session.channel_direct_tcpip(&head.host, head.port, None) {
        Ok(channel) => channel,
        Err(e) if e.code() == EAGAIN => return Opened::Later,
        Err(e) => {
            let open = pending.pop_front().expect("the head");
            // The gateway refused the direct-tcpip channel: it cannot
            // reach the target (sshd answers "Connect failed" for a
            // refused or unroutable target).
            let _ = open.reply.send(Err(Error::Unreachable(format!(
                "cannot reach {}:{}: {}",
                open.host,
                open.port,
                e.message()
            ))
            .through(name)));
            return Opened::Answered;
        }
    };
    let open = pending.pop_front().expect("the head");
    match UnixStream::pair() {
        Ok((ours, theirs)) => {
            let _ = ours.set_nonblocking(true);
            let _ = open.reply.send(Ok(theirs));
            Opened::Link(Link {
                channel,
                socket: ours,
                to_channel: Vec::new(),
                to_socket: Vec::new(),
                socket_eof: false,
                eof_sent: false,
                channel_eof: false,
            })
        }
        Err(e) => {
            let _ = open.reply.send(Err(Error::Other {
                phase: Phase::Connect,
                reason: e.to_string(),
            }
            .through(name)));
            Opened::Answered
        }
    }
}

/// Moves what can be moved now; false when the tunnel is finished.
fn serve(link: &mut Link, buf: &mut [u8]) -> bool {
    // socket -> channel
    if !link.socket_eof && link.to_channel.len() < BUFFER {
        match link.socket.read(buf) {
            Ok(0) => link.socket_eof = true,
            Ok(n) => link.to_channel.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => link.socket_eof = true,
        }
    }
    while !link.to_channel.is_empty() {
        match link.channel.write(&link.to_channel) {
            Ok(0) => break,
            Ok(n) => {
                link.to_channel.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => return false,
        }
    }
    if link.socket_eof && link.to_channel.is_empty() && !link.eof_sent {
        link.eof_sent = link.channel.send_eof().is_ok();
    }
    // channel -> socket
    if !link.channel_eof && link.to_socket.len() < BUFFER {
        match link.channel.read(buf) {
            Ok(0) if link.channel.eof() => link.channel_eof = true,
            Ok(0) => {}
            Ok(n) => link.to_socket.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => link.channel_eof = true,
        }
    }
    while !link.to_socket.is_empty() {
        match link.socket.write(&link.to_socket) {
            Ok(0) => break,
            Ok(n) => {
                link.to_socket.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => {
                // The target's session is gone: nothing more to deliver.
                link.to_socket.clear();
                link.channel_eof = true;
                link.socket_eof = true;
            }
        }
    }
    if link.channel_eof && link.to_socket.is_empty() {
        let _ = link.socket.shutdown(std::net::Shutdown::Write);
    }
    let done = link.socket_eof
        && link.channel_eof
        && link.to_socket.is_empty()
        && link.to_channel.is_empty();
    if done {
        let _ = link.channel.close();
    }
    !done
}

/// Sleeps until the gateway, a tunnel socket or the waker is readable (or a
/// pending write may proceed), at most 50 ms.
fn wait(stream: &Socket, wakee: &UnixStream, links: &[Link]) {
    let mut fds = vec![
        libc::pollfd {
            fd: stream.as_raw_fd(),
            events: libc::POLLIN
                | if links.iter().any(|l| !l.to_channel.is_empty()) {
                    libc::POLLOUT
                } else {
                    0
                },
            revents: 0,
        },
        libc::pollfd {
            fd: wakee.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    for link in links {
        fds.push(libc::pollfd {
            fd: link.socket.as_raw_fd(),
            events: (if link.socket_eof { 0 } else { libc::POLLIN })
                | if link.to_socket.is_empty() {
                    0
                } else {
                    libc::POLLOUT
                },
            revents: 0,
        });
    }
    crate::sys::poll(&mut fds, std::time::Duration::from_millis(50));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_parse_like_openssh() {
        assert_eq!(
            "deploy@bastion.example.com:2222".parse::<Jump>().unwrap(),
            Jump {
                user: Some("deploy".into()),
                host: "bastion.example.com".into(),
                port: Some(2222)
            }
        );
        assert_eq!(
            "b".parse::<Jump>().unwrap(),
            Jump {
                user: None,
                host: "b".into(),
                port: None
            }
        );
        assert_eq!("[10.0.0.1]:22".parse::<Jump>().unwrap().host, "10.0.0.1");
        assert!("b:ssh".parse::<Jump>().is_err());
        assert!("@b".parse::<Jump>().is_err());
        let chain = parse_chain("a@one,two:2200").unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1].to_string(), "two:2200");
    }
}
