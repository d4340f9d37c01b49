//! User authentication: the ssh-agent's identities, then `-i` key files,
//! then the default keys. Every attempt is remembered, so a refusal says
//! what was tried, and which key or the agent succeeded is reported.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use openssl::pkey::{Id, PKey, Private};
use ssh2::Session;

use super::error::{is_connection_failure, Error};
use super::ffi::userauth_ed25519;
use super::Then;
use crate::outcome::Phase;

/// Where keys come from.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    /// Use the ssh-agent at `SSH_AUTH_SOCK`.
    pub agent: bool,
    /// `-i` files, in order.
    pub files: Vec<PathBuf>,
    /// Tried when no `-i` file was given: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
    pub defaults: Vec<PathBuf>,
    /// The key files read so far in this run.
    pub keys: KeyCache,
}

/// Key files as read, each once per run: a run's hosts share one value.
#[derive(Clone, Default)]
pub struct KeyCache(Arc<Mutex<HashMap<PathBuf, Arc<KeyFile>>>>);

impl KeyCache {
    /// The key at `path`, read the first time it is asked for.
    fn load(&self, path: &Path) -> Arc<KeyFile> {
        let mut read = self.0.lock().unwrap();
        read.entry(path.to_path_buf())
            .or_insert_with(|| Arc::new(KeyFile::read(path)))
            .clone()
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let read = self.0.lock().unwrap();
        write!(f, "KeyCache({} files read)", read.len())
    }
}

impl Identities {
    /// Whether authentication can follow the service request without
    /// waiting for its acceptance: only when every key galley will try is
    /// an ed25519 key file that galley signs itself. libssh2 picks an RSA
    /// key's signature algorithm from the host's server-sig-algs, which
    /// arrives after the request has left; an agent's keys are its own.
    pub(crate) fn signs_without_server_algorithms(&self) -> bool {
        let read = self.readable_keys();
        !self.agent
            && !read.is_empty()
            && read
                .iter()
                .all(|key| matches!(**key, KeyFile::Ed25519 { .. }))
    }

    /// Whether galley will make exactly one attempt, with a key it signs
    /// itself: then a channel can be opened behind it without waiting for
    /// its answer (see [`authenticate`]).
    fn makes_one_signed_attempt(&self) -> bool {
        !self.agent
            && matches!(self.readable_keys().as_slice(), [key] if matches!(**key, KeyFile::Ed25519 { .. }))
    }

    /// The key files galley will try, as read (missing ones left out).
    fn readable_keys(&self) -> Vec<Arc<KeyFile>> {
        let files = if self.files.is_empty() {
            &self.defaults
        } else {
            &self.files
        };
        files
            .iter()
            .map(|file| self.keys.load(file))
            .filter(|key| !matches!(**key, KeyFile::Missing))
            .collect()
    }

    pub fn default_keys(home: &Path) -> Vec<PathBuf> {
        ["id_ed25519", "id_ecdsa", "id_rsa"]
            .iter()
            .map(|k| home.join(".ssh").join(k))
            .collect()
    }
}

/// Authenticates `user`. Ok: what authenticated. Err: a refusal that says
/// what was tried and why each attempt failed, and which methods the host
/// offers when publickey is not one of them; or, when the connection
/// itself failed or timed out during an attempt, that failure, with
/// libssh2's code (the other keys are not tried on a dead socket).
///
/// When the connection will run commands and galley makes exactly one
/// signed attempt, the request to open the first session channel follows
/// the authentication request at once, as RFC 4252 section 5.1 allows
/// (the server passes messages sent after the request that succeeded to
/// the service): its confirmation arrives with the success, a round trip
/// sooner, and the command's first `channel_session` call picks it up
/// (libssh2 keeps one channel opening in progress per session). Were the
/// attempt refused, the host answers the open as unimplemented and the
/// connection fails with the refusal, as without it.
pub(crate) fn authenticate(
    session: &Session,
    user: &str,
    ids: &Identities,
    then: Then,
    fd: std::os::fd::RawFd,
    deadline: std::time::Instant,
) -> Result<String, Error> {
    let open_early = then == Then::RunCommands && ids.makes_one_signed_attempt();
    let mut tried: Vec<String> = Vec::new();
    if ids.agent {
        match try_agent(session, user)? {
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
    // Key files sign at once; without galley's libssh2 they are asked
    // about first, as before (a round trip more, nothing else).
    let _ = super::ffi::sign_first(session, true);
    for file in files {
        let attempt = match &*ids.keys.load(file) {
            KeyFile::Missing => {
                if explicit {
                    tried.push(format!("{} does not exist", file.display()));
                }
                continue;
            }
            KeyFile::NeedsPassphrase(why) => {
                tried.push(why.clone());
                continue;
            }
            KeyFile::Ed25519 { public, key } => {
                key_attempt(session, fd, deadline, open_early, || {
                    userauth_ed25519(session, user, public, key)
                })
            }
            KeyFile::Other => key_attempt(session, fd, deadline, false, || {
                session.userauth_pubkey_file(user, None, file, None)
            }),
        };
        match attempt {
            Ok(()) if session.authenticated() => return Ok(file.display().to_string()),
            Ok(()) => tried.push(format!("{} was not accepted", file.display())),
            Err(e) if is_connection_failure(&e) => {
                return Err(Error::libssh2(Phase::Auth, "authentication", &e));
            }
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
    Err(Error::AuthRejected {
        user: user.to_string(),
        tried,
        offered: offered_methods(session, user),
    })
}

/// One key file's attempt, non-blocking, acknowledging the host's packets
/// at once while it waits (see [`super::until_answered`]): sshd writes the
/// userauth service's acceptance and the authentication's answer in turn.
/// With `open_early`, the session channel's opening is sent once the
/// request has left (libssh2 waits only to read).
fn key_attempt(
    session: &Session,
    fd: std::os::fd::RawFd,
    deadline: std::time::Instant,
    open_early: bool,
    mut attempt: impl FnMut() -> Result<(), ssh2::Error>,
) -> Result<(), ssh2::Error> {
    session.set_blocking(false);
    let mut channel_asked = !open_early;
    let result = super::until_answered(fd, deadline, "authentication did not finish", || {
        let step = attempt();
        let waits_to_read = session.block_directions() == ssh2::BlockDirections::Inbound;
        if !channel_asked && super::would_block(&step) && waits_to_read {
            channel_asked = true;
            open_session_channel_early(session);
        }
        step
    });
    session.set_blocking(true);
    result
}

/// Sends the request to open a session channel; libssh2 keeps its opening
/// in progress until the command's `channel_session` call takes it up.
fn open_session_channel_early(session: &Session) {
    // Would block: sent, and its answer comes after the authentication's.
    // Any other error: not sent (the socket failed), libssh2 dropped the
    // opening, and the authentication reports the failure. Ok (answered
    // before the host could have read the request) cannot happen; the
    // channel is closed when dropped and the command opens its own.
    let _ = session.channel_session();
}

/// The methods the host offers `user` (`publickey,password`), asked after
/// the keys failed (one more round trip, on failure only); None when the
/// host no longer answers (it may close after MaxAuthTries).
fn offered_methods(session: &Session, user: &str) -> Option<String> {
    session
        .auth_methods(user)
        .ok()
        .map(str::to_string)
        .filter(|m| !m.is_empty())
}

/// The agent's attempt: Ok(Ok(comment)) when a key was accepted,
/// Ok(Err(why)) when none was, Err when the connection failed.
fn try_agent(session: &Session, user: &str) -> Result<Result<String, String>, Error> {
    let local = |e: ssh2::Error| Ok(Err(format!("agent: {}", e.message())));
    let mut agent = match session.agent() {
        Ok(agent) => agent,
        Err(e) => return local(e),
    };
    if let Err(e) = agent.connect() {
        return Ok(Err(format!("agent: cannot connect ({})", e.message())));
    }
    if let Err(e) = agent.list_identities() {
        return local(e);
    }
    let identities = match agent.identities() {
        Ok(identities) => identities,
        Err(e) => return local(e),
    };
    if identities.is_empty() {
        let _ = agent.disconnect();
        return Ok(Err("agent holds no keys".into()));
    }
    let mut refused = Vec::new();
    for identity in &identities {
        match agent.userauth(user, identity) {
            Ok(()) if session.authenticated() => {
                let comment = identity.comment().to_string();
                let _ = agent.disconnect();
                return Ok(Ok(comment));
            }
            Err(e) if is_connection_failure(&e) => {
                let _ = agent.disconnect();
                return Err(Error::libssh2(Phase::Auth, "authentication", &e));
            }
            _ => refused.push(identity.comment().to_string()),
        }
    }
    let _ = agent.disconnect();
    Ok(Err(format!(
        "agent keys not accepted: {}",
        refused.join(", ")
    )))
}

/// Why `path`, given with `-i`, cannot be a key, found before any host
/// rather than once per host after connecting: a missing file (naming the
/// nearest key file beside it), a folder, an unreadable file, a public key
/// given for its private half, or a file that holds no private key.
pub(crate) fn check_identity_file(path: &Path) -> Result<(), String> {
    use std::io::Read;
    let shown = path.display();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let nearest = nearest_key_beside(path)
                .map(|near| format!(": did you mean {}?", near.display()))
                .unwrap_or_default();
            return Err(format!("identity file {shown} does not exist{nearest}"));
        }
        Err(e) => return Err(format!("identity file {shown} cannot be read: {e}")),
        Ok(meta) if meta.is_dir() => {
            return Err(format!("identity file {shown} is a folder, not a key file"));
        }
        // A FIFO would block the open, a device might never end.
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "identity file {shown} is not a regular file (a FIFO or a device), not a key file"
            ));
        }
        Ok(_) => {}
    }
    // The first line says what the file is: a key file's head is enough.
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(64 * 1024).read_to_end(&mut head))
        .map_err(|e| format!("identity file {shown} cannot be read: {e}"))?;
    let text = String::from_utf8_lossy(&head);
    let first = text.trim_start().lines().next().unwrap_or("");
    if first.starts_with("-----BEGIN ") && first.contains("PRIVATE KEY") {
        return Ok(());
    }
    if is_public_key(first) {
        let private = path.with_extension("");
        let hint = if path.extension().is_some_and(|e| e == "pub") && private.is_file() {
            format!("pass the private key: -i {}", private.display())
        } else {
            "pass the private key (the file without .pub)".to_string()
        };
        return Err(format!("identity file {shown} is a public key: {hint}"));
    }
    if first.starts_with("PuTTY-User-Key-File") {
        return Err(format!(
            "identity file {shown} is a PuTTY key: convert it with puttygen {shown} -O private-openssh -o KEY and pass -i KEY"
        ));
    }
    Err(format!(
        "identity file {shown} holds no private key (no -----BEGIN ... PRIVATE KEY----- line)"
    ))
}

/// A public key as authorized_keys or a `.pub` file has it, or RFC 4716's.
fn is_public_key(line: &str) -> bool {
    let kind = line.split_whitespace().next().unwrap_or("");
    line.starts_with("---- BEGIN SSH2 PUBLIC KEY")
        || kind.starts_with("ssh-")
        || kind.starts_with("ecdsa-sha2-")
        || kind.starts_with("sk-")
}

/// The file beside a missing `path` whose name is nearest to it (a typo's
/// likely target), when one is near enough and is not a public key.
fn nearest_key_beside(path: &Path) -> Option<PathBuf> {
    let wanted = path.file_name()?.to_str()?;
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    let entries = std::fs::read_dir(folder.unwrap_or(Path::new("."))).ok()?;
    let names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| !name.ends_with(".pub"))
        .collect();
    let near = crate::suggest::nearest(wanted, names.iter().map(String::as_str))?;
    Some(path.with_file_name(near))
}

/// A private key file as galley reads it, once per run.
pub(crate) enum KeyFile {
    /// An unencrypted ed25519 key in OpenSSH's format (what `ssh-keygen`
    /// writes by default): galley signs with it itself. libssh2 would read
    /// and parse the file again for every host, first through OpenSSL 3's
    /// decoders (which fail on this format, slowly) and then its own parser,
    /// twice per host: over half of galley's CPU on a large fleet.
    Ed25519 {
        /// The public key blob, as authorized_keys has it.
        public: Vec<u8>,
        key: PKey<Private>,
    },
    /// Any other key: libssh2 reads the file when it is tried.
    Other,
    /// Encrypted: why galley will not try it (a fleet run never prompts).
    NeedsPassphrase(String),
    /// No such file.
    Missing,
}

impl KeyFile {
    fn read(path: &Path) -> KeyFile {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return KeyFile::Missing,
            // libssh2 tries it and says what is wrong.
            Err(_) => return KeyFile::Other,
        };
        let needs_passphrase = || {
            KeyFile::NeedsPassphrase(format!(
                "{} needs a passphrase and the agent does not hold it (ssh-add {})",
                path.display(),
                path.display()
            ))
        };
        if !text.contains("BEGIN OPENSSH PRIVATE KEY") {
            return if text.contains("ENCRYPTED") {
                needs_passphrase()
            } else {
                KeyFile::Other
            };
        }
        match OpensshKey::parse(&text) {
            Some(key) if key.cipher != b"none" => needs_passphrase(),
            Some(key) => key.ed25519().unwrap_or(KeyFile::Other),
            None => KeyFile::Other,
        }
    }
}

/// The parts of an OpenSSH private key file galley reads (PROTOCOL.key):
/// `openssh-key-v1\0`, the cipher and KDF, one public key blob, then the
/// private section (encrypted unless the cipher is `none`).
struct OpensshKey {
    cipher: Vec<u8>,
    public: Vec<u8>,
    private: Vec<u8>,
}

impl OpensshKey {
    fn parse(text: &str) -> Option<OpensshKey> {
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .ok()?;
        let mut r = SshReader(bytes.strip_prefix(b"openssh-key-v1\0")?);
        let cipher = r.string()?.to_vec();
        let _kdf = r.string()?;
        let _kdf_options = r.string()?;
        if r.u32()? != 1 {
            return None;
        }
        let public = r.string()?.to_vec();
        let private = r.string()?.to_vec();
        Some(OpensshKey {
            cipher,
            public,
            private,
        })
    }

    /// The key when it is an unencrypted ed25519 key whose private half
    /// matches its public blob.
    fn ed25519(&self) -> Option<KeyFile> {
        let mut r = SshReader(&self.private);
        if r.u32()? != r.u32()? || r.string()? != b"ssh-ed25519" {
            return None;
        }
        let public = r.string()?;
        // The private key is the 32-byte seed, then the public key.
        let private = r.string()?;
        let mut p = SshReader(&self.public);
        if p.string()? != b"ssh-ed25519" || p.string()? != public || private.len() != 64 {
            return None;
        }
        let key = PKey::private_key_from_raw_bytes(&private[..32], Id::ED25519).ok()?;
        (key.raw_public_key().ok()? == public).then(|| KeyFile::Ed25519 {
            public: self.public.clone(),
            key,
        })
    }
}

/// Reads SSH wire types (RFC 4251 §5) from the front of a byte slice.
struct SshReader<'a>(&'a [u8]);

impl<'a> SshReader<'a> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_be_bytes(*head))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        let (value, rest) = (self.0.get(..len)?, &self.0[len..]);
        self.0 = rest;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a key with ssh-keygen: `-t TYPE`, passphrase, extra flags.
    fn keygen(path: &Path, args: &[&str]) {
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-C", "test"])
            .args(args)
            .arg("-f")
            .arg(path)
            .status()
            .expect("ssh-keygen (apt-get install openssh-client)");
        assert!(status.success());
    }

    #[test]
    fn encrypted_keys_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        keygen(&locked, &["-t", "ed25519", "-N", "secret"]);
        let pem = dir.path().join("pem");
        keygen(
            &pem,
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "secret"],
        );
        for path in [&locked, &pem] {
            let KeyFile::NeedsPassphrase(why) = KeyFile::read(path) else {
                panic!("{} was not recognised as encrypted", path.display());
            };
            assert!(why.contains("needs a passphrase"), "{why}");
        }
    }

    #[test]
    fn an_ed25519_key_is_read_once_per_run_with_its_public_blob() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id");
        keygen(&path, &["-t", "ed25519", "-N", ""]);
        let KeyFile::Ed25519 { public, key } = KeyFile::read(&path) else {
            panic!("not read as an ed25519 key");
        };
        let pub_line = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        let blob = base64::engine::general_purpose::STANDARD
            .decode(pub_line.split_whitespace().nth(1).unwrap())
            .unwrap();
        assert_eq!(public, blob, "the blob authorized_keys holds");
        assert_eq!(key.raw_public_key().unwrap(), blob[blob.len() - 32..]);
        // Asked again in the same run, the same key comes from memory; a
        // new run reads the file again.
        let run = KeyCache::default();
        let first = run.load(&path);
        std::fs::remove_file(&path).unwrap();
        assert!(Arc::ptr_eq(&first, &run.load(&path)));
        assert!(matches!(*KeyCache::default().load(&path), KeyFile::Missing));
    }

    #[test]
    fn other_keys_are_left_to_libssh2() {
        let dir = tempfile::tempdir().unwrap();
        for (name, args) in [
            ("rsa", &["-t", "rsa", "-b", "2048", "-N", ""][..]),
            ("ecdsa", &["-t", "ecdsa", "-N", ""][..]),
            (
                "pem",
                &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""][..],
            ),
        ] {
            let path = dir.path().join(name);
            keygen(&path, args);
            assert!(matches!(KeyFile::read(&path), KeyFile::Other), "{name}");
        }
        assert!(matches!(
            KeyFile::read(&dir.path().join("absent")),
            KeyFile::Missing
        ));
        // A file whose private half does not match its public blob: libssh2
        // gets to say what is wrong with it.
        let path = dir.path().join("mixed");
        keygen(&path, &["-t", "ed25519", "-N", ""]);
        let other = dir.path().join("other");
        keygen(&other, &["-t", "ed25519", "-N", ""]);
        let mut a = OpensshKey::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let b = OpensshKey::parse(&std::fs::read_to_string(&other).unwrap()).unwrap();
        a.public = b.public;
        assert!(a.ed25519().is_none());
    }
}
