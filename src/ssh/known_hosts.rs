//! Host key verification: known_hosts files (plain, hashed, `[host]:port`),
//! or the keys a node's Chef data carries.
//!
//! libssh2 reads the files and matches hosts (including hashed entries);
//! galley adds the policies, the fingerprints shown on a mismatch, and safe
//! appends for accept-new when many hosts finish at once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use sha2::{Digest, Sha256};
use ssh2::{CheckResult, KnownHostFileKind, Session};

use crate::inventory::Node;

/// What to do with a host's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Policy {
    /// Only keys already in a known_hosts file.
    Strict,
    /// Unknown keys are added to the user's known_hosts file; changed keys
    /// are refused.
    AcceptNew,
    /// No check at all (galley warns).
    Off,
    /// The keys in the node's Chef data (ohai's keys.ssh.host_*_public):
    /// a new host is checked without trusting it on first use.
    Chef,
}

/// Where known keys are read from and new ones written to.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    pub policy: Policy,
    /// The user's file (`--known-hosts`, else `~/.ssh/known_hosts`):
    /// read, and written by accept-new.
    pub user_file: PathBuf,
    /// Read only (`/etc/ssh/ssh_known_hosts`).
    pub global_files: Vec<PathBuf>,
}

/// Why a host's key was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unknown(String),
    Mismatch(String),
}

/// Serialises accept-new appends within this process; each append is one
/// `write` to a file opened with O_APPEND, so lines never interleave.
static APPEND: Mutex<()> = Mutex::new(());

impl KnownHosts {
    /// Checks the session's host key. `host` and `port` are what galley
    /// connected to; `node` supplies keys for [`Policy::Chef`].
    pub fn check(
        &self,
        session: &Session,
        host: &str,
        port: u16,
        node: &Node,
    ) -> Result<(), Refusal> {
        let Some((key, _)) = session.host_key() else {
            return Err(Refusal::Unknown("the server sent no host key".into()));
        };
        match self.policy {
            Policy::Off => Ok(()),
            Policy::Chef => check_chef(key, node),
            Policy::Strict | Policy::AcceptNew => self.check_files(session, key, host, port),
        }
    }

    fn files(&self) -> impl Iterator<Item = &PathBuf> {
        std::iter::once(&self.user_file).chain(&self.global_files)
    }

    fn check_files(
        &self,
        session: &Session,
        key: &[u8],
        host: &str,
        port: u16,
    ) -> Result<(), Refusal> {
        let mut known = session
            .known_hosts()
            .map_err(|e| Refusal::Unknown(format!("cannot check host keys: {e}")))?;
        let name = entry_name(host, port);
        for file in self.files().filter(|f| f.exists()) {
            // Only the lines that can be about this host: libssh2 would
            // otherwise parse the whole file for every host.
            for line in FileIndex::of(file).candidates(&name) {
                // A line libssh2 cannot parse is skipped, as OpenSSH skips bad lines.
                let _ = known.read_str(&line, KnownHostFileKind::OpenSSH);
            }
        }
        match known.check_port(host, port, key) {
            CheckResult::Match => Ok(()),
            CheckResult::Mismatch => {
                let expected = expected_keys(session, &known, host, port);
                Err(Refusal::Mismatch(format!(
                    "host key for {} changed: it offers {}, the known key is {}{}",
                    entry_name(host, port),
                    fingerprint(key),
                    if expected.is_empty() { "another".to_string() } else { expected.join(", ") },
                    self.files()
                        .find(|f| f.exists())
                        .map(|f| format!(" ({})", f.display()))
                        .unwrap_or_default()
                )))
            }
            CheckResult::NotFound if self.policy == Policy::AcceptNew => self.append(key, host, port),
            CheckResult::NotFound => Err(Refusal::Unknown(format!(
                "no known key for {} (it offers {}): add it to {} or use --host-key-check accept-new",
                entry_name(host, port),
                fingerprint(key),
                self.user_file.display()
            ))),
            CheckResult::Failure => Err(Refusal::Unknown("libssh2 could not check the host key".into())),
        }
    }

    fn append(&self, key: &[u8], host: &str, port: u16) -> Result<(), Refusal> {
        let line = format!(
            "{} {} {}\n",
            entry_name(host, port),
            key_type(key).unwrap_or("ssh-ed25519"),
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        let _guard = APPEND.lock().unwrap_or_else(|e| e.into_inner());
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = self.user_file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.user_file)?;
            file.write_all(line.as_bytes())
        })();
        if result.is_ok() {
            FileIndex::of(&self.user_file).add(line.trim_end());
        }
        result.map_err(|e| {
            Refusal::Unknown(format!(
                "cannot record the new host key in {}: {e}",
                self.user_file.display()
            ))
        })
    }
}

/// The lines of one known_hosts file, read once per process (galley runs
/// one command per process, so once per run) and indexed by
/// host name, so that checking a host reads only the lines that can match
/// it: those naming it, and those no name lookup can rule out (hashed
/// names, patterns, markers).
#[derive(Debug, Default)]
struct FileIndex {
    /// Lower-cased names (`web-01`, `[10.0.0.1]:2222`) -> their lines.
    by_name: std::collections::HashMap<String, Vec<std::sync::Arc<str>>>,
    /// Lines to read for every host.
    always: Vec<std::sync::Arc<str>>,
}

type Indexes = std::collections::HashMap<PathBuf, std::sync::Arc<Mutex<FileIndex>>>;

impl FileIndex {
    /// The index of a file, read on first use.
    fn of(path: &Path) -> FileHandle {
        static INDEXES: std::sync::OnceLock<Mutex<Indexes>> = std::sync::OnceLock::new();
        let mut all = INDEXES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let index = all
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let mut index = FileIndex::default();
                for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
                    index.add(line);
                }
                std::sync::Arc::new(Mutex::new(index))
            })
            .clone();
        FileHandle(index)
    }

    fn add(&mut self, line: &str) {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return;
        }
        let line: std::sync::Arc<str> = trimmed.into();
        let hosts = trimmed.split_whitespace().next().unwrap_or("");
        let opaque = |h: &str| h.starts_with('|') || h.contains(['*', '?', '!']);
        if trimmed.starts_with('@') || hosts.split(',').any(opaque) {
            self.always.push(line);
            return;
        }
        for name in hosts.split(',') {
            self.by_name
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(line.clone());
        }
    }
}

/// A shared [`FileIndex`].
struct FileHandle(std::sync::Arc<Mutex<FileIndex>>);

impl FileHandle {
    fn candidates(&self, name: &str) -> Vec<std::sync::Arc<str>> {
        let index = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut lines = index.always.clone();
        if let Some(named) = index.by_name.get(&name.to_ascii_lowercase()) {
            lines.extend(named.iter().cloned());
        }
        lines
    }

    fn add(&self, line: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).add(line);
    }
}

/// `host` for port 22, `[host]:port` otherwise, as OpenSSH writes entries.
pub(crate) fn entry_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the digest.
pub(crate) fn fingerprint(key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

/// The key type named at the start of a public key blob (`ssh-ed25519`).
pub(crate) fn key_type(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    std::str::from_utf8(blob.get(4..4 + len)?).ok()
}

/// Fingerprints of the known keys for this host (for the mismatch message):
/// each entry is checked alone, which also finds hashed entries.
fn expected_keys(
    session: &Session,
    known: &ssh2::KnownHosts,
    host: &str,
    port: u16,
) -> Vec<String> {
    let mut out = Vec::new();
    for entry in known.hosts().unwrap_or_default() {
        let Ok(line) = known.write_string(&entry, KnownHostFileKind::OpenSSH) else {
            continue;
        };
        let Ok(mut single) = session.known_hosts() else {
            continue;
        };
        if single.read_str(&line, KnownHostFileKind::OpenSSH).is_err() {
            continue;
        }
        let Ok(blob) = base64::engine::general_purpose::STANDARD.decode(entry.key()) else {
            continue;
        };
        if matches!(single.check_port(host, port, &blob), CheckResult::Match) {
            out.push(fingerprint(&blob));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The public key blobs a node's Chef data carries (ohai writes the base64
/// alone in `keys.ssh.host_TYPE_public`; a full `type base64 comment` line
/// is accepted too).
pub(crate) fn chef_keys(node: &Node) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for kind in ["ed25519", "ecdsa", "rsa", "dsa"] {
        let Some(text) = node.attribute_text(&format!("keys.ssh.host_{kind}_public")) else {
            continue;
        };
        for token in text.split_whitespace() {
            if let Ok(blob) = base64::engine::general_purpose::STANDARD.decode(token) {
                if key_type(&blob).is_some() {
                    keys.push(blob);
                }
            }
        }
    }
    keys
}

fn check_chef(key: &[u8], node: &Node) -> Result<(), Refusal> {
    let known = chef_keys(node);
    if known.is_empty() {
        return Err(Refusal::Unknown(format!(
            "node {} has no SSH host keys in its Chef data (keys.ssh.host_*_public); it offers {}",
            node.name,
            fingerprint(key)
        )));
    }
    if known.iter().any(|k| k == key) {
        return Ok(());
    }
    let offered_type = key_type(key).unwrap_or("unknown");
    let same_type: Vec<String> = known
        .iter()
        .filter(|k| key_type(k) == Some(offered_type))
        .map(|k| fingerprint(k))
        .collect();
    if same_type.is_empty() {
        return Err(Refusal::Unknown(format!(
            "node {}'s Chef data has no {offered_type} host key; it offers {}",
            node.name,
            fingerprint(key)
        )));
    }
    Err(Refusal::Mismatch(format!(
        "host key differs from node {}'s Chef data: it offers {}, Chef has {}",
        node.name,
        fingerprint(key),
        same_type.join(", ")
    )))
}

/// The default user file, `~/.ssh/known_hosts`.
pub(crate) fn default_user_file(home: &Path) -> PathBuf {
    home.join(".ssh/known_hosts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_match_openssh() {
        // `ssh-keygen -lf` printed SHA256:G1zjXF3twrlPYEahDGwq1asY5lMzqwCns0qS4iZ0H1M for this key.
        let blob = base64::engine::general_purpose::STANDARD
            .decode("AAAAC3NzaC1lZDI1NTE5AAAAIHM63gKW2oxuunAREpfBI08A7oU0R6upb5JXwDqsgb/l")
            .unwrap();
        assert_eq!(key_type(&blob), Some("ssh-ed25519"));
        assert_eq!(
            fingerprint(&blob),
            "SHA256:G1zjXF3twrlPYEahDGwq1asY5lMzqwCns0qS4iZ0H1M"
        );
    }

    #[test]
    fn the_index_keeps_what_can_match_a_host() {
        let mut index = FileIndex::default();
        for line in [
            "# comment",
            "web-01,10.0.0.1 ssh-ed25519 AAAA1",
            "[db-01]:2222 ssh-ed25519 AAAA2",
            "|1|salt=|hash= ssh-ed25519 AAAA3",
            "*.example.com ssh-ed25519 AAAA4",
            "@revoked * ssh-ed25519 AAAA5",
            "WEB-02 ssh-ed25519 AAAA6",
        ] {
            index.add(line);
        }
        let handle = FileHandle(std::sync::Arc::new(Mutex::new(index)));
        let keys = |name: &str| -> Vec<String> {
            handle
                .candidates(name)
                .iter()
                .map(|l| l.rsplit(' ').next().unwrap().to_string())
                .collect()
        };
        assert_eq!(keys("web-01"), ["AAAA3", "AAAA4", "AAAA5", "AAAA1"]);
        assert_eq!(keys("10.0.0.1"), ["AAAA3", "AAAA4", "AAAA5", "AAAA1"]);
        assert_eq!(keys("[db-01]:2222"), ["AAAA3", "AAAA4", "AAAA5", "AAAA2"]);
        assert_eq!(keys("web-02"), ["AAAA3", "AAAA4", "AAAA5", "AAAA6"]);
        assert_eq!(keys("db-01"), ["AAAA3", "AAAA4", "AAAA5"]);
    }

    #[test]
    fn entry_names_follow_openssh() {
        assert_eq!(entry_name("web-01", 22), "web-01");
        assert_eq!(entry_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }
}
