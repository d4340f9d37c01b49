//! Why a host could not be connected to or logged into, typed: each
//! variant knows the outcome it means and the phase it happened in, and a
//! libssh2 failure keeps libssh2's error code. No outcome is ever read back
//! out of a message: the message is only for people.

use std::time::Duration;

use super::code;
use super::known_hosts::Refusal;
use crate::outcome::{Ended, Phase, Stop};
use crate::units::seconds;

/// What went wrong on the way to an authenticated session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Error {
    /// The name did not resolve, the connection was refused, no route.
    #[error("{0}")]
    Unreachable(String),
    /// A deadline passed while waiting for `what`.
    #[error("{what} within {}{}", seconds(*limit), .note.map(|n| format!(" ({n})")).unwrap_or_default())]
    TimedOut {
        phase: Phase,
        /// What did not happen in time: `no TCP connection to web-01:22`.
        what: String,
        limit: Duration,
        /// Why that may be, when galley knows.
        note: Option<&'static str>,
    },
    /// libssh2 failed while `doing` something; its code decides the
    /// outcome (see [`Error::kind`]).
    #[error("{doing} failed: {message}")]
    Libssh2 {
        phase: Phase,
        doing: &'static str,
        code: i32,
        message: String,
    },
    /// The host's key was refused.
    #[error("{}", match .0 { Refusal::Unknown(why) | Refusal::Mismatch(why) => why })]
    HostKey(Refusal),
    /// The host refused every identity galley offered.
    #[error("authentication as {user} failed: {}{}", .offered.as_ref().filter(|m| !m.split(',').any(|m| m == "publickey")).map(|m| format!("the host accepts only: {m}; ")).unwrap_or_default(), .tried.join("; "))]
    AuthRejected {
        user: String,
        /// What was tried and why each attempt failed.
        tried: Vec<String>,
        /// The methods the host offers (`publickey,password`), when it said.
        offered: Option<String>,
    },
    /// The peer did not speak SSH-2: what it sent instead.
    #[error("the host does not speak SSH-2: {0}")]
    NotSsh2(String),
    /// Through a gateway, which failed as `source` says.
    #[error("gateway {name}: {source}")]
    Gateway { name: String, source: Box<Error> },
    /// Over a ProxyCommand, which failed as `source` says; `said` is what
    /// the command wrote to stderr.
    #[error("through ProxyCommand {command:?}: {source}{}", .said.as_ref().map(|s| format!(" (it said: {s})")).unwrap_or_default())]
    Proxied {
        command: String,
        said: Option<String>,
        source: Box<Error>,
    },
    /// Anything else: a setting galley cannot use, a local resource.
    #[error("{reason}")]
    Other { phase: Phase, reason: String },
}

impl Error {
    /// A libssh2 failure while doing something.
    pub(crate) fn libssh2(phase: Phase, doing: &'static str, e: &ssh2::Error) -> Error {
        Error::Libssh2 {
            phase,
            doing,
            code: match e.code() {
                ssh2::ErrorCode::Session(code) => code,
                ssh2::ErrorCode::SFTP(code) => code,
            },
            message: e.message().to_string(),
        }
    }

    /// Why the host stopped.
    pub(crate) fn stop(&self) -> Stop {
        match self {
            Error::Unreachable(_) => Stop::Unreachable,
            Error::TimedOut { .. } => Stop::Timeout,
            Error::Libssh2 { code, .. } if *code == code::TIMEOUT => Stop::Timeout,
            Error::Libssh2 { .. } | Error::NotSsh2(_) | Error::Other { .. } => Stop::Error,
            Error::HostKey(Refusal::Unknown(_)) => Stop::HostkeyUnknown,
            Error::HostKey(Refusal::Mismatch(_)) => Stop::HostkeyMismatch,
            Error::AuthRejected { .. } => Stop::AuthFailed,
            Error::Gateway { source, .. } | Error::Proxied { source, .. } => source.stop(),
        }
    }

    /// How the host ended: stopped in this error's phase, for its reason.
    pub(crate) fn ended(&self) -> Ended {
        self.stop().at(self.phase(), self.to_string())
    }

    /// The phase it happened in. A gateway's failure is the target's
    /// connect phase, whatever phase it was for the gateway.
    pub(crate) fn phase(&self) -> Phase {
        match self {
            Error::Unreachable(_) | Error::Gateway { .. } => Phase::Connect,
            Error::TimedOut { phase, .. }
            | Error::Libssh2 { phase, .. }
            | Error::Other { phase, .. } => *phase,
            Error::HostKey(_) | Error::NotSsh2(_) => Phase::Handshake,
            Error::AuthRejected { .. } => Phase::Auth,
            Error::Proxied { source, .. } => source.phase(),
        }
    }

    /// The same failure seen through gateway `name`.
    pub(crate) fn through(self, name: &str) -> Error {
        Error::Gateway {
            name: name.to_string(),
            source: Box::new(self),
        }
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::HostKey(refusal)
    }
}

/// Whether a libssh2 error means the connection itself is gone or stuck
/// (a timeout, a socket that failed): trying another key is pointless.
pub(crate) fn is_connection_failure(e: &ssh2::Error) -> bool {
    matches!(
        e.code(),
        ssh2::ErrorCode::Session(
            code::TIMEOUT | code::SOCKET_SEND | code::SOCKET_RECV | code::SOCKET_DISCONNECT
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_decides_the_outcome_whatever_the_message() {
        // The message of a timed-out publickey attempt once made a host
        // auth_failed: the code is what counts.
        let timed_out = Error::Libssh2 {
            phase: Phase::Auth,
            doing: "authentication with id_ed25519",
            code: code::TIMEOUT,
            message: "Username/PublicKey combination invalid".into(),
        };
        assert_eq!(timed_out.stop(), Stop::Timeout);
        assert_eq!(timed_out.phase(), Phase::Auth);
        let through = timed_out.through("bastion");
        assert_eq!(through.stop(), Stop::Timeout);
        assert_eq!(through.phase(), Phase::Connect);
        let lost = Error::Libssh2 {
            phase: Phase::Auth,
            doing: "authentication",
            code: code::SOCKET_RECV,
            message: "Timed out waiting on socket".into(),
        };
        assert_eq!(lost.stop(), Stop::Error);
    }

    #[test]
    fn a_refusal_names_the_methods_when_publickey_is_not_one() {
        let only_password = Error::AuthRejected {
            user: "root".into(),
            tried: vec!["k was not accepted".into()],
            offered: Some("password,keyboard-interactive".into()),
        };
        assert_eq!(
            only_password.to_string(),
            "authentication as root failed: the host accepts only: password,keyboard-interactive; k was not accepted"
        );
        let with_keys = Error::AuthRejected {
            user: "root".into(),
            tried: vec!["k was not accepted".into()],
            offered: Some("publickey,password".into()),
        };
        assert_eq!(
            with_keys.to_string(),
            "authentication as root failed: k was not accepted"
        );
    }
}
