//! User authentication: the ssh-agent's identities, then `-i` key files,
//! then the default keys. Every attempt is remembered, so a refusal says
//! what was tried, and which key or the agent succeeded is reported.

use std::path::{Path, PathBuf};

use base64::Engine;
use ssh2::Session;

/// Where keys come from.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// Use the ssh-agent at `SSH_AUTH_SOCK`.
    pub agent: bool,
    /// `-i` files, in order.
    pub files: Vec<PathBuf>,
    /// Tried when no `-i` file was given: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    pub defaults: Vec<PathBuf>,
}

impl Identities {
    pub fn default_keys(home: &Path) -> Vec<PathBuf> {
        ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|k| home.join(".ssh").join(k))
            .collect()
    }
}

/// Authenticates `user`. Ok: what authenticated. Err: what was tried and why
/// each attempt failed, in one line.
pub fn authenticate(session: &Session, user: &str, ids: &Identities) -> Result<String, String> {
    let mut tried: Vec<String> = Vec::new();
    if ids.agent {
        match try_agent(session, user) {
            Ok(comment) => return Ok(format!("agent ({comment})")),
            Err(why) => tried.push(why),
        }
    }
    let files = if ids.files.is_empty() {
        &ids.defaults
    } else {
        &ids.files
    };
    let explicit = !ids.files.is_empty();
    for file in files {
        if !file.exists() {
            if explicit {
                tried.push(format!("{} does not exist", file.display()));
            }
            continue;
        }
        if let Some(why) = needs_passphrase(file) {
            tried.push(why);
            continue;
        }
        match session.userauth_pubkey_file(user, None, file, None) {
            Ok(()) if session.authenticated() => return Ok(file.display().to_string()),
            Ok(()) => tried.push(format!("{} was not accepted", file.display())),
            Err(e) => tried.push(format!(
                "{} was not accepted ({})",
                file.display(),
                e.message()
            )),
        }
    }
    if tried.is_empty() {
        tried.push("no agent (SSH_AUTH_SOCK unset) and no key file found; pass -i KEY".into());
    }
    Err(format!(
        "authentication as {user} failed: {}",
        tried.join("; ")
    ))
}

fn try_agent(session: &Session, user: &str) -> Result<String, String> {
    let mut agent = session
        .agent()
        .map_err(|e| format!("agent: {}", e.message()))?;
    agent
        .connect()
        .map_err(|e| format!("agent: cannot connect ({})", e.message()))?;
    agent
        .list_identities()
        .map_err(|e| format!("agent: {}", e.message()))?;
    let identities = agent
        .identities()
        .map_err(|e| format!("agent: {}", e.message()))?;
    if identities.is_empty() {
        let _ = agent.disconnect();
        return Err("agent holds no keys".into());
    }
    let mut refused = Vec::new();
    for identity in &identities {
        if agent.userauth(user, identity).is_ok() && session.authenticated() {
            let comment = identity.comment().to_string();
            let _ = agent.disconnect();
            return Ok(comment);
        }
        refused.push(identity.comment().to_string());
    }
    let _ = agent.disconnect();
    Err(format!("agent keys not accepted: {}", refused.join(", ")))
}

/// When a private key file is encrypted, why galley will not try it: a
/// passphrase would have to be typed, and a fleet run never prompts.
fn needs_passphrase(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let encrypted = if text.contains("BEGIN OPENSSH PRIVATE KEY") {
        openssh_key_is_encrypted(&text)
    } else {
        text.contains("ENCRYPTED")
    };
    encrypted.then(|| {
        format!(
            "{} needs a passphrase and the agent does not hold it (ssh-add {})",
            file.display(),
            file.display()
        )
    })
}

/// An OpenSSH private key is `openssh-key-v1\0`, then the cipher name as an
/// SSH string: `none` when the key is not encrypted (PROTOCOL.key).
fn openssh_key_is_encrypted(text: &str) -> bool {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(body.trim()) else {
        return false;
    };
    let magic = b"openssh-key-v1\0";
    let Some(rest) = bytes.strip_prefix(magic) else {
        return false;
    };
    let Some(len) = rest
        .get(..4)
        .map(|b| u32::from_be_bytes(b.try_into().unwrap()) as usize)
    else {
        return false;
    };
    rest.get(4..4 + len).is_some_and(|cipher| cipher != b"none")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_openssh_keys_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        let locked = dir.path().join("locked");
        for (path, pass) in [(&plain, ""), (&locked, "secret")] {
            let status = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", pass, "-f"])
                .arg(path)
                .status()
                .expect("ssh-keygen (apt-get install openssh-client)");
            assert!(status.success());
        }
        assert_eq!(needs_passphrase(&plain), None);
        let why = needs_passphrase(&locked).unwrap();
        assert!(why.contains("needs a passphrase"), "{why}");
    }
}
