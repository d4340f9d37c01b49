//! Runs one command on a connected host and captures its result.
//!
//! The command goes to the login shell as `ssh host CMD` would send it, inside
//! a small POSIX wrapper that watches the channel's stdin: when galley closes
//! the channel (a command timeout, a second Ctrl-C) or the connection drops,
//! the wrapper sends SIGHUP, then SIGKILL, to the command's process group and
//! to every other process of its login session (processes that moved to a
//! group of their own). Closing a channel alone leaves a command that
//! neither reads nor writes running on the host, and OpenSSH refuses
//! `signal` requests for root logins (OpenSSH `session.c`,
//! `session_signal_req`; seen here on OpenSSH 9.2). A command killed by a
//! signal is reported as that signal, as sshd reports it.
//!
//! A command that exits but leaves a process holding its output (`sleep 300
//! &`, a daemon started without redirecting its output) would hold the
//! channel open as long as that process lives, as it holds `ssh host CMD`.
//! The wrapper's end marker (see [`super::end_marker`]) tells galley the
//! command's status; galley then waits at most the drain time for the rest
//! of the output, closes the channel, and notes what it did not wait for.
//! Such a process is left running: it outlived a command that ended, as a
//! daemon does.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::capture::Capture;
use super::end_marker::EndMarker;
use crate::exec::Cancel;
use crate::outcome::{Captured, Ended, Exit, OutputStream, Phase, Stop};
use crate::secrets::Unmasked;
use crate::ssh::until_answered;
use crate::ssh::Connection;
use crate::sys::{peer_closed, wait_readable};
use crate::units::{millis, seconds};

/// Whose rights a command runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// The login user's.
    Login,
    /// Always under `sudo -n` (`galley run --sudo`).
    Sudo,
    /// Root's: as it is when the login user is root, else under `sudo -n`.
    Root,
}

/// The run's limits on every remote command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `--command-timeout`.
    pub timeout: Option<Duration>,
    /// After the command exits, how long to wait for processes it started
    /// to release its output (`--drain-timeout`).
    pub drain: Duration,
    /// Bytes kept per stream (`--max-output`).
    pub max_output: usize,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub command: String,
    /// Under `sudo -n` or not (sudo never prompts).
    pub privilege: Privilege,
    pub limits: Limits,
    /// Also keep stdout as the host sent it, secrets and all, for a step
    /// that parses the exact bytes (apt-sources); see [`Unmasked`].
    pub keep_unmasked: bool,
}

/// How the command ended. Its output is masked (see [`crate::secrets`]).
#[derive(Debug)]
pub struct CommandResult {
    pub ended: Ended,
    /// Its exit status or signal, when it ran to its end.
    pub exit: Option<Exit>,
    pub stdout: Captured,
    pub stderr: Captured,
    /// Stdout before masking, when the spec asked for it.
    pub unmasked_stdout: Option<Unmasked>,
    pub millis: u64,
    /// Something the operator should know about a command that ended (a
    /// process it started still held its output).
    pub note: Option<String>,
}

impl CommandResult {
    /// The exit status, when the command ran to one.
    pub fn code(&self) -> Option<i32> {
        self.exit.as_ref().and_then(Exit::code)
    }
}

/// The wrapper around every command, for a POSIX shell; `RUN` stands for
/// how the command is started and `END` for writing the end marker. A
/// background subshell holds the channel's stdin: when galley closes the
/// channel (a command timeout, a second Ctrl-C) or the connection drops, it
/// reads end of file and sends SIGHUP, then SIGKILL, to its process group
/// and its session (sshd made the login shell a session leader, and sudo
/// keeps its command in that session; `pkill -s 0` reaches the processes
/// that left the group, where procps is installed; the watcher ignores the
/// HUP so it can follow up, and from then on the TERM of the shell's EXIT
/// trap, which bash runs when the HUP ends it). When the command ends first, also by `exit`
/// inside it (the EXIT trap), the watcher is killed on the way out and the
/// end marker written. No single quotes inside, so the text can itself be
/// single-quoted.
const WRAPPER: &str = r#"exec 3<&0
(trap "" HUP; while read -r _ <&3; do :; done; trap "" TERM; kill -s HUP 0; pkill -HUP -s 0; sleep 2; pkill -KILL -s 0; kill -s KILL 0) >/dev/null 2>&1 </dev/null &
__galley_w=$!
exec 3<&-
__galley_end() { kill $__galley_w 2>/dev/null; END; }
trap "__galley_end \$?" EXIT
RUN </dev/null
__galley_s=$?
trap - EXIT
__galley_end $__galley_s
if [ $__galley_s -gt 128 ] && [ $__galley_s -lt 160 ]; then kill -s $((__galley_s-128)) $$; fi
exit $__galley_s"#;

/// The wrapper with its markers in place: the start marker first, before
/// anything can fail or the command run, and the end marker.
fn wrapper() -> String {
    format!(
        "{}\n{}",
        super::end_marker::printf_start(),
        WRAPPER.replace("END", &super::end_marker::printf_command("1"))
    )
}

/// The wrapper with the command in it, for the login shell itself: the
/// command is `eval`ed there, parsed as `ssh host CMD` would have it parsed,
/// and no other shell starts (a second shell per host cost the fleet's CPU
/// several milliseconds a host).
fn inline_wrapper(command: &str) -> String {
    wrapper().replace("RUN", &format!("eval {}", shell_quote(command)))
}

/// The wrapper as a `/bin/sh` script taking the command as `$1` and
/// running it with the target user's shell (for sudo, which needs a
/// program to run).
fn sh_wrapper(command: &str) -> String {
    sh_script(
        &wrapper().replace("RUN", r#""${SHELL:-/bin/sh}" -c "$1""#),
        &[command],
    )
}

/// How long opening a channel and starting the command may take.
const CHANNEL_OPEN_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a session channel and starts `command` on it, leaving the
/// session non-blocking. Between sending a request and its answer the
/// socket is put in quick-ack mode: sshd does not set TCP_NODELAY on a
/// command's session, so after auth it holds its next packet (the channel
/// confirmation behind its host keys message) until the client
/// acknowledges the one before, and the client's delayed ACK (40 ms on
/// Linux) then costs most of a round trip (docs/benchmarks.md).
fn start(session: &ssh2::Session, fd: i32, command: &str) -> Result<ssh2::Channel, ssh2::Error> {
    session.set_blocking(false);
    let deadline = Instant::now() + CHANNEL_OPEN_TIMEOUT;
    let late = "the host did not start the command within 30s";
    let mut channel = until_answered(fd, deadline, late, || session.channel_session())?;
    until_answered(fd, deadline, late, || channel.exec(command))?;
    Ok(channel)
}

/// Quotes a string for a POSIX shell.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A script for `/bin/sh` with its positional parameters, each quoted: the
/// way galley passes file names, patterns and service names to a host, so
/// none of them is ever read as shell syntax.
pub fn sh_script(script: &str, args: &[&str]) -> String {
    let mut command = format!("/bin/sh -c {} galley", shell_quote(script));
    for arg in args {
        command.push(' ');
        command.push_str(&shell_quote(arg));
    }
    command
}

/// The exec request sent to the host. The login shell must be a POSIX
/// shell (sh, bash, dash, ksh, zsh), as root's is on Chef-managed hosts.
pub fn remote_command(spec: &CommandSpec) -> String {
    match spec.privilege {
        Privilege::Login => inline_wrapper(&spec.command),
        Privilege::Sudo => format!("exec sudo -n {}", sh_wrapper(&spec.command)),
        Privilege::Root => format!(
            "if [ \"$(id -u)\" = 0 ]; then\n{}\nelse exec sudo -n {}; fi",
            inline_wrapper(&spec.command),
            sh_wrapper(&spec.command)
        ),
    }
}

/// What sudo said when it refused to start the command: its first line,
/// bounded (it is host output, masked as it arrived).
fn sudo_said(stderr: &Captured) -> String {
    let kept = stderr.kept();
    let text = String::from_utf8_lossy(&kept);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or("nothing").chars().take(200).collect()
}

/// Output as it arrives: which stream, and the bytes.
pub type OutputSink<'a> = &'a dyn Fn(OutputStream, &[u8]);

/// Runs the command; `live` (when given) sees output as it arrives.
pub fn run(
    conn: &Connection,
    spec: &CommandSpec,
    cancel: &Cancel,
    live: Option<OutputSink>,
) -> CommandResult {
    let started = Instant::now();
    let mut output = Output::new(spec, live);
    let fd = conn.stream.as_raw_fd();
    let mut channel = match start(&conn.session, fd, &remote_command(spec)) {
        Ok(channel) => channel,
        Err(e) => {
            let reason = format!("cannot start the command: {}", e.message());
            return output.stopped(Stop::Error, reason, started);
        }
    };
    let halt = read_to_end(&mut channel, fd, spec, cancel, started, &mut output);
    if halt.is_some() {
        // Closing the channel ends the wrapper's stdin: a command that did
        // not end is killed on the host; after a drain the watcher is gone,
        // and the process that holds the output keeps running.
        let _ = channel.close();
        let _ = finish_close(&mut channel, fd, Duration::from_secs(2));
    }
    let note = match halt {
        Some(Halt::Stopped(stop, reason)) => return output.stopped(stop, reason, started),
        Some(Halt::Drained(waited)) => Some(format!(
            "a process started by the command still held its output {} after it exited; not waited for (--drain-timeout)",
            seconds(waited)
        )),
        None => {
            if let Err(e) = finish_close(&mut channel, fd, Duration::from_secs(10)) {
                return output.stopped(Stop::Error, e, started);
            }
            None
        }
    };
    // The wrapper's own word first: libssh2 reads a missing exit status as 0.
    let wrapper_ran = output.marker.started();
    let exit_code = output
        .marker
        .status()
        .or_else(|| channel.exit_status().ok());
    let signal = channel
        .exit_signal()
        .ok()
        .and_then(|s| s.exit_signal)
        .filter(|s| !s.is_empty());
    let exit = match (signal, exit_code) {
        (Some(signal), _) => Some(Exit::Signal(signal)),
        (None, code) => code.map(Exit::Code),
    };
    let streams = output.finish();
    CommandResult {
        ended: ended_by(exit.as_ref(), spec.privilege, wrapper_ran, &streams.stderr),
        exit,
        stdout: streams.stdout,
        stderr: streams.stderr,
        unmasked_stdout: streams.unmasked_stdout,
        millis: millis(started.elapsed()),
        note,
    }
}

/// Reads the command's output until the host closes both streams (None),
/// or until galley stops reading: the command's time limit, the drain time
/// after it exited, a second interrupt, or a lost connection.
fn read_to_end(
    channel: &mut ssh2::Channel,
    fd: i32,
    spec: &CommandSpec,
    cancel: &Cancel,
    started: Instant,
    output: &mut Output,
) -> Option<Halt> {
    // When the end marker arrived: from then on only the drain time runs.
    let mut exited_at: Option<Instant> = None;
    loop {
        let progressed = match output.read_available(channel) {
            Ok(progressed) => progressed,
            Err(e) => {
                let reason = format!("connection lost during the command: {e}");
                return Some(Halt::Stopped(Stop::Error, reason));
            }
        };
        if exited_at.is_none() && output.marker.status().is_some() {
            exited_at = Some(Instant::now());
        }
        if channel.eof() && !progressed {
            return None;
        }
        if cancel.aborted() {
            let reason = "stopped by a second interrupt".to_string();
            return Some(Halt::Stopped(Stop::Cancelled, reason));
        }
        if let Some(halt) = past_deadline(&spec.limits, started, exited_at, Instant::now()) {
            return Some(halt);
        }
        if !progressed && wait_readable(fd, Duration::from_millis(100)) && peer_closed(fd) {
            let reason = "connection lost during the command: the host closed the connection";
            return Some(Halt::Stopped(Stop::Error, reason.into()));
        }
    }
}

/// Whether a time limit has passed at `now`: the command's own (from
/// `started`), or once it exited (`exited_at`), the drain time, which the
/// command's limit also bounds.
fn past_deadline(
    limits: &Limits,
    started: Instant,
    exited_at: Option<Instant>,
    now: Instant,
) -> Option<Halt> {
    let deadline = limits.timeout.map(|t| started + t);
    match (exited_at, deadline, limits.timeout) {
        (Some(at), _, _) => {
            let until = deadline.map_or(at + limits.drain, |d| d.min(at + limits.drain));
            (now >= until).then(|| Halt::Drained(until.saturating_duration_since(at)))
        }
        (None, Some(deadline), Some(limit)) if now >= deadline => Some(Halt::Stopped(
            Stop::Timeout,
            format!("the command ran past {}", seconds(limit)),
        )),
        (None, _, _) => None,
    }
}

/// How a command that reached its end ended, from its exit status and
/// whether galley's wrapper started (its start marker came). Under sudo,
/// status 1 without it is sudo refusing to start the wrapper (`sudo -n`
/// never prompts; with a password required, no sudoers entry, and the
/// like it exits 1): told by what happened, never by words a command
/// could print itself.
fn ended_by(
    exit: Option<&Exit>,
    privilege: Privilege,
    wrapper_ran: bool,
    stderr: &Captured,
) -> Ended {
    match exit {
        Some(Exit::Signal(sig)) => Ended::Failed(format!("killed by signal {sig}")),
        Some(Exit::Code(0)) => Ended::Ok,
        Some(Exit::Code(1)) if privilege != Privilege::Login && !wrapper_ran => {
            let way_out = match privilege {
                Privilege::Root => "log in as root (-x root)",
                _ => "run without --sudo",
            };
            Stop::SudoPasswordRequired.at(
                Phase::Command,
                format!(
                    "sudo -n refused to start the command (sudo said: {}): grant NOPASSWD or {way_out}",
                    sudo_said(stderr)
                ),
            )
        }
        Some(Exit::Code(code)) => Ended::Failed(format!("exit code {code}")),
        None => Stop::Error.at(Phase::Command, "the host sent no exit status"),
    }
}

/// What a command has sent so far: both streams, bounded and masked as
/// they arrive, and the end marker read out of stderr.
struct Output<'a> {
    stdout: Capture,
    stderr: Capture,
    marker: EndMarker,
    live: Option<OutputSink<'a>>,
    /// Small: hundreds of hosts run at once, and each read loops anyway.
    buf: Vec<u8>,
}

impl<'a> Output<'a> {
    fn new(spec: &CommandSpec, live: Option<OutputSink<'a>>) -> Output<'a> {
        let stdout = if spec.keep_unmasked {
            Capture::keeping_unmasked(spec.limits.max_output)
        } else {
            Capture::new(spec.limits.max_output)
        };
        Output {
            stdout,
            stderr: Capture::new(spec.limits.max_output),
            marker: EndMarker::default(),
            live,
            buf: vec![0u8; 8 * 1024],
        }
    }

    /// Reads what both streams hold now. Ok: whether anything came; Err:
    /// the connection failed.
    fn read_available(&mut self, channel: &mut ssh2::Channel) -> Result<bool, String> {
        let mut progressed = false;
        // A failed stream still lets the other be read first.
        let mut failed = None;
        for stream in [OutputStream::Stdout, OutputStream::Stderr] {
            loop {
                match channel.stream(ssh_stream_id(stream)).read(&mut self.buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        progressed = true;
                        match stream {
                            OutputStream::Stdout => {
                                forward(&mut self.stdout, stream, &self.buf[..n], self.live)
                            }
                            OutputStream::Stderr => {
                                let own = self.marker.feed(&self.buf[..n]);
                                forward(&mut self.stderr, stream, &own, self.live);
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        failed = Some(e.to_string());
                        break;
                    }
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(progressed),
        }
    }

    /// Ends both streams (what the marker held back goes to stderr).
    fn finish(mut self) -> Streams {
        let rest = self.marker.finish();
        forward(&mut self.stderr, OutputStream::Stderr, &rest, self.live);
        Streams::finish(self.stdout, self.stderr, self.live)
    }

    /// The result of a command that did not get to its end: it stopped in
    /// the command phase.
    fn stopped(self, stop: Stop, reason: String, started: Instant) -> CommandResult {
        let streams = self.finish();
        CommandResult {
            ended: stop.at(Phase::Command, reason),
            exit: None,
            stdout: streams.stdout,
            stderr: streams.stderr,
            unmasked_stdout: streams.unmasked_stdout,
            millis: millis(started.elapsed()),
            note: None,
        }
    }
}

/// The SSH channel's stream number (RFC 4254: 0 the data, 1 extended
/// data for stderr).
fn ssh_stream_id(stream: OutputStream) -> i32 {
    match stream {
        OutputStream::Stdout => 0,
        OutputStream::Stderr => 1,
    }
}

/// Keeps a stream's bytes, and shows what is now masked to `live`.
fn forward(capture: &mut Capture, stream: OutputStream, bytes: &[u8], live: Option<OutputSink>) {
    if bytes.is_empty() {
        return;
    }
    let masked = capture.push(bytes);
    if let (Some(live), false) = (live, masked.is_empty()) {
        live(stream, masked);
    }
}

/// Why galley stopped reading a command before the host closed its channel.
enum Halt {
    /// The command did not end: timeout, interrupt, lost connection.
    Stopped(Stop, String),
    /// The command ended, but a process it started held its output past
    /// the drain time (how long galley waited).
    Drained(Duration),
}

/// Both streams at their end.
struct Streams {
    stdout: Captured,
    stderr: Captured,
    unmasked_stdout: Option<Unmasked>,
}

impl Streams {
    /// Ends both streams: what each held back goes to `live` too.
    fn finish(mut stdout: Capture, mut stderr: Capture, live: Option<OutputSink>) -> Streams {
        if let Some(live) = live {
            for (stream, capture) in [
                (OutputStream::Stdout, &mut stdout),
                (OutputStream::Stderr, &mut stderr),
            ] {
                let rest = capture.flush();
                if !rest.is_empty() {
                    live(stream, rest);
                }
            }
        }
        let (stdout, unmasked_stdout) = stdout.finish();
        let (stderr, _) = stderr.finish();
        Streams {
            stdout,
            stderr,
            unmasked_stdout,
        }
    }
}

/// Waits for the channel to close (the session is non-blocking), up to
/// `limit`.
fn finish_close(channel: &mut ssh2::Channel, fd: i32, limit: Duration) -> Result<(), String> {
    let late = "the host did not close the channel";
    until_answered(fd, Instant::now() + limit, late, || channel.wait_close()).map_err(|e| {
        // A non-blocking call never times out itself: the deadline passed.
        if e.code() == ssh2::ErrorCode::Session(crate::ssh::code::TIMEOUT) {
            late.to_string()
        } else {
            format!("closing the channel failed: {}", e.message())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::OutcomeKind;

    fn limits(timeout: Option<u64>, drain: u64) -> Limits {
        Limits {
            timeout: timeout.map(Duration::from_secs),
            drain: Duration::from_secs(drain),
            max_output: 1024,
        }
    }

    #[test]
    fn a_command_stops_at_its_time_limit_and_its_drain_after_it_exits() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        // Running, no limit: never.
        assert!(past_deadline(&limits(None, 2), t0, None, at(3600)).is_none());
        // Running with a 10 s limit: not before 10 s, a timeout at 10 s.
        assert!(past_deadline(&limits(Some(10), 2), t0, None, at(9)).is_none());
        match past_deadline(&limits(Some(10), 2), t0, None, at(10)) {
            Some(Halt::Stopped(Stop::Timeout, reason)) => {
                assert_eq!(reason, "the command ran past 10s")
            }
            _ => panic!("a timeout"),
        }
        // Exited at 4 s: the drain (2 s) runs from there, and a timeout no
        // longer applies...
        assert!(past_deadline(&limits(None, 2), t0, Some(at(4)), at(5)).is_none());
        assert!(matches!(
            past_deadline(&limits(None, 2), t0, Some(at(4)), at(6)),
            Some(Halt::Drained(waited)) if waited == Duration::from_secs(2)
        ));
        // ...but the command's limit still bounds the drain.
        assert!(matches!(
            past_deadline(&limits(Some(5), 2), t0, Some(at(4)), at(5)),
            Some(Halt::Drained(waited)) if waited == Duration::from_secs(1)
        ));
    }

    #[test]
    fn an_exit_status_says_how_the_command_ended() {
        let none = Captured::default();
        let sudo = Captured {
            head: b"sudo: a password is required\n".to_vec(),
            ..Captured::default()
        };
        let code = |c| Some(Exit::Code(c));
        assert_eq!(
            ended_by(code(0).as_ref(), Privilege::Sudo, true, &none),
            Ended::Ok
        );
        assert_eq!(
            ended_by(code(3).as_ref(), Privilege::Login, true, &none),
            Ended::Failed("exit code 3".into())
        );
        // sudo refused: status 1 and galley's wrapper never ran.
        let refused = ended_by(code(1).as_ref(), Privilege::Sudo, false, &sudo);
        assert_eq!(refused.kind(), OutcomeKind::SudoPasswordRequired);
        assert!(
            matches!(&refused, Ended::Stopped { reason, .. } if reason.contains("(sudo said: sudo: a password is required)")),
            "{refused:?}"
        );
        // A root step (converge, fixup) takes sudo when the login is not
        // root: the way out is a root login, not a flag it never had.
        let root = ended_by(code(1).as_ref(), Privilege::Root, false, &none);
        assert_eq!(root.kind(), OutcomeKind::SudoPasswordRequired);
        assert!(
            matches!(&root, Ended::Stopped { reason, .. } if reason.ends_with("(sudo said: nothing): grant NOPASSWD or log in as root (-x root)")),
            "{root:?}"
        );
        // The same words from a command that ran are the command's own: a
        // host's output never decides how galley files its result.
        assert_eq!(
            ended_by(code(1).as_ref(), Privilege::Sudo, true, &sudo),
            Ended::Failed("exit code 1".into())
        );
        assert_eq!(
            ended_by(code(1).as_ref(), Privilege::Login, false, &sudo),
            Ended::Failed("exit code 1".into())
        );
        assert_eq!(
            ended_by(
                Some(&Exit::Signal("KILL".into())),
                Privilege::Login,
                true,
                &none
            ),
            Ended::Failed("killed by signal KILL".into())
        );
        assert_eq!(
            ended_by(None, Privilege::Login, true, &none).kind(),
            OutcomeKind::Error
        );
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert!(
            !WRAPPER.contains('\''),
            "the wrapper is single-quoted as a whole"
        );
    }

    /// Runs the exec request locally through `shell`, as the remote login
    /// shell would, with a stdin that stays open (as the channel's does).
    fn run_locally(shell: &str, command: &str, privilege: Privilege) -> std::process::Output {
        let spec = CommandSpec {
            command: command.into(),
            privilege,
            limits: Limits {
                timeout: None,
                drain: Duration::from_secs(2),
                max_output: 1024,
            },
            keep_unmasked: false,
        };
        let (stdin, keep_open) = std::io::pipe().unwrap();
        // A session of its own, as sshd gives a command (util-linux's
        // setsid): the wrapper's watcher ends the process group and the
        // session it is in when stdin closes, and a command that execs
        // leaves the watcher behind to do so.
        let out = std::process::Command::new("setsid")
            .arg(shell)
            .arg("-c")
            .arg(remote_command(&spec))
            .stdin(stdin)
            .output()
            .unwrap();
        drop(keep_open);
        out
    }

    #[test]
    fn the_wrapper_runs_the_command_and_keeps_its_status() {
        for shell in ["/bin/sh", "/bin/bash"] {
            for privilege in [Privilege::Login, Privilege::Root] {
                let out = run_locally(shell, "echo out; echo err >&2; exit 3", privilege);
                assert_eq!(out.status.code(), Some(3), "{shell} {privilege:?}");
                assert_eq!(out.stdout, b"out\n");
                let mut marker = EndMarker::default();
                assert_eq!(marker.feed(&out.stderr), b"err\n");
                assert_eq!(
                    marker.status(),
                    Some(3),
                    "the end marker carries the status"
                );
                assert!(marker.started(), "the start marker came first");
                // A command that execs never reaches the end marker; the
                // start marker still says the wrapper ran.
                let out = run_locally(shell, "exec sh -c 'exit 1'", privilege);
                let mut marker = EndMarker::default();
                assert_eq!(marker.feed(&out.stderr), b"");
                assert!(marker.started(), "{shell} {privilege:?}");
            }
            // A command killed by a signal ends the shell by that signal.
            let out = run_locally(shell, "sh -c 'kill -s TERM $$'", Privilege::Login);
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(out.status.signal(), Some(libc::SIGTERM), "{shell}");
            // The command does not see the wrapper's stdin.
            let out = run_locally(shell, "cat; echo $?", Privilege::Login);
            assert_eq!(out.stdout, b"0\n");
        }
    }
}
