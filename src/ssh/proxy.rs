//! `ProxyCommand`: the command ssh_config names is run as ssh runs it
//! (`$SHELL -c "exec COMMAND"`, sshconnect.c), and the host's SSH session
//! speaks over its standard input and output, one end of a socket pair.
//! What it writes to stderr is kept (bounded) to explain a failure. The
//! command is killed when the session ends.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use super::Error;
use crate::outcome::Phase;

/// Bytes of the command's stderr kept for messages.
const STDERR_LIMIT: usize = 2048;

/// A running ProxyCommand: killed and reaped when the last handle goes.
#[derive(Debug)]
pub struct ProxyChild {
    child: Mutex<Child>,
    /// The command as run (tokens expanded), for messages.
    pub(crate) command: String,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Drop for ProxyChild {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl ProxyChild {
    /// What the command wrote to stderr so far, trimmed, if anything.
    pub(crate) fn said(&self) -> Option<String> {
        let bytes = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        (!text.is_empty()).then_some(text)
    }
}

/// Starts `command` (already expanded) and returns galley's end of its
/// standard input and output.
pub(crate) fn spawn(command: &str) -> Result<(UnixStream, Arc<ProxyChild>), Error> {
    let failed = |e: std::io::Error| Error::Other {
        phase: Phase::Connect,
        reason: format!("cannot start ProxyCommand {command:?}: {e}"),
    };
    let (ours, theirs) = UnixStream::pair().map_err(failed)?;
    let input = OwnedFd::from(theirs.try_clone().map_err(failed)?);
    let output = OwnedFd::from(theirs);
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    let mut child = Command::new(shell)
        .arg("-c")
        .arg(format!("exec {command}"))
        .stdin(Stdio::from(input))
        .stdout(Stdio::from(output))
        .stderr(Stdio::piped())
        .spawn()
        .map_err(failed)?;
    let stderr = Arc::new(Mutex::new(Vec::new()));
    if let Some(mut pipe) = child.stderr.take() {
        let kept = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                let room = STDERR_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        });
    }
    Ok((
        ours,
        Arc::new(ProxyChild {
            child: Mutex::new(child),
            command: command.to_string(),
            stderr,
        }),
    ))
}

/// Whether a value may go into a ProxyCommand or `Match exec` through a
/// token: a host or user name from the fleet must never become shell
/// syntax (OpenSSH 9.6 refuses such names for the same reason).
pub(crate) fn safe_for_shell(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-:[]@%+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_shell_syntax_are_not_safe() {
        for bad in [
            "$(touch x)",
            "a;b",
            "a b",
            "`x`",
            "-oProxyCommand=x",
            "a'b",
            "a\nb",
            "",
        ] {
            assert!(!safe_for_shell(bad), "{bad:?}");
        }
        for good in [
            "web-01.example.com",
            "10.0.0.1",
            "fe80::1",
            "deploy",
            "[::1]",
        ] {
            assert!(safe_for_shell(good), "{good:?}");
        }
    }

    #[test]
    fn the_command_speaks_over_the_socket_and_is_killed_with_its_handle() {
        let (mut socket, child) =
            spawn("sh -c 'printf \"SSH-2.0-x\\r\\n\"; echo oops >&2; exec sleep 30'").unwrap();
        let mut greeting = [0u8; 11];
        socket.read_exact(&mut greeting).unwrap();
        assert_eq!(&greeting, b"SSH-2.0-x\r\n");
        let pid = child.child.lock().unwrap().id();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(child.said().as_deref(), Some("oops"));
        drop(child);
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "the command is gone once its handle is"
        );
    }
}
