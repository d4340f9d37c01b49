//! Host key verification: known_hosts files as OpenSSH reads them
//! (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT; hostfile.c), or the keys a
//! node's Chef data carries.
//!
//! galley matches the lines itself, as OpenSSH does: host names and
//! patterns (`*`, `?`, `!negation`) compared without regard to case,
//! hashed names (`|1|salt|hash`), `[host]:port` for other ports,
//! `HostKeyAlias` in place of the name; every user file and every global
//! file is read. A key marked `@revoked` is refused wherever it appears. A
//! host that known_hosts trusts through a CA (`@cert-authority`) and has
//! no key of its own listed is refused by name: galley cannot check host
//! certificates, and would not trust such a host on first use either.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine;
use sha2::{Digest, Sha256};
use ssh2::Session;

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
    /// The user's files (`--known-hosts`, else ssh_config's
    /// `UserKnownHostsFile`, else `~/.ssh/known_hosts` and
    /// `~/.ssh/known_hosts2`): read, and the first written by accept-new.
    pub user_files: Vec<PathBuf>,
    /// Read only (`GlobalKnownHostsFile`, else
    /// `/etc/ssh/ssh_known_hosts` and `/etc/ssh/ssh_known_hosts2`).
    pub global_files: Vec<PathBuf>,
    /// `HostKeyAlias`: the name looked up instead of the host's.
    pub alias: Option<String>,
}

/// OpenSSH's default global files.
pub(crate) const DEFAULT_GLOBAL_FILES: [&str; 2] =
    ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/// OpenSSH's default user files.
pub(crate) fn default_user_files(home: &Path) -> Vec<PathBuf> {
    vec![
        home.join(".ssh/known_hosts"),
        home.join(".ssh/known_hosts2"),
    ]
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

/// A known_hosts line's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

/// One known_hosts line, read.
#[derive(Debug)]
struct Entry {
    marker: Marker,
    /// The host field: a hashed name or a comma-separated pattern list.
    hosts: String,
    key: Vec<u8>,
    /// Where it is, for messages.
    file: Arc<PathBuf>,
    line: usize,
}

impl Entry {
    /// A line as OpenSSH reads it; None for comments, blank and bad lines
    /// (which OpenSSH skips too).
    fn parse(text: &str, file: &Arc<PathBuf>, line: usize) -> Option<Entry> {
        let mut fields = text.split_whitespace();
        let mut first = fields.next()?;
        if first.starts_with('#') {
            return None;
        }
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = fields.next()?;
        }
        let _key_type = fields.next()?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(fields.next()?)
            .ok()?;
        key_type(&key)?;
        Some(Entry {
            marker,
            hosts: first.to_string(),
            key,
            file: file.clone(),
            line,
        })
    }

    /// Whether the line is about `name` (`host` or `[host]:port`, lowercase).
    fn names(&self, name: &str) -> bool {
        if let Some(hashed) = self.hosts.strip_prefix("|1|") {
            return hashed_matches(hashed, name);
        }
        crate::ssh::config::hostname_matches(name, &self.hosts)
    }

    fn place(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
}

/// `|1|salt|hash`: HMAC-SHA1 of the name keyed by the salt (OpenSSH's
/// HashKnownHosts).
fn hashed_matches(hashed: &str, name: &str) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some((salt, hash)) = hashed.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (b64.decode(salt), b64.decode(hash)) else {
        return false;
    };
    let Ok(key) = openssl::pkey::PKey::hmac(&salt) else {
        return false;
    };
    let Ok(mut signer) = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), &key)
    else {
        return false;
    };
    signer
        .sign_oneshot_to_vec(name.as_bytes())
        .is_ok_and(|mac| mac == hash)
}

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
            Policy::Strict | Policy::AcceptNew => self.check_key(key, host, port),
        }
    }

    /// The key types known for this host (under the policy's source of
    /// keys), to offer those first.
    pub(crate) fn known_types(&self, host: &str, port: u16, node: &Node) -> Vec<String> {
        let blobs: Vec<Vec<u8>> = match self.policy {
            Policy::Off => Vec::new(),
            Policy::Chef => chef_keys(node),
            Policy::Strict | Policy::AcceptNew => {
                let name = self.lookup_name(host, port);
                self.files()
                    .flat_map(|file| FileIndex::of(file).candidates(&name))
                    .filter(|entry| entry.marker == Marker::None && entry.names(&name))
                    .map(|entry| entry.key.clone())
                    .collect()
            }
        };
        let mut types: Vec<String> = Vec::new();
        for blob in &blobs {
            if let Some(kind) = key_type(blob) {
                if !types.iter().any(|t| t == kind) {
                    types.push(kind.to_string());
                }
            }
        }
        types
    }

    fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.user_files.iter().chain(&self.global_files)
    }

    /// The name known_hosts lists this host under: the alias, else
    /// `host` or `[host]:port`, lowercased.
    fn lookup_name(&self, host: &str, port: u16) -> String {
        match &self.alias {
            Some(alias) => alias.to_ascii_lowercase(),
            None => entry_name(&host.to_ascii_lowercase(), port),
        }
    }

    /// hostfile.c's check_hostkeys_by_key_or_type, then sshconnect.c's
    /// verdict: a revoked key is refused; a listed key is accepted; another
    /// key of the same type means the key changed; otherwise the host is
    /// new.
    pub(crate) fn check_key(&self, key: &[u8], host: &str, port: u16) -> Result<(), Refusal> {
        let name = self.lookup_name(host, port);
        let offered_type = key_type(key);
        let mut changed: Vec<String> = Vec::new();
        let mut changed_at = None;
        let mut ca_at = None;
        let mut found = false;
        // OpenSSH looks certificates up by the bare name, whatever the port.
        let bare = self
            .alias
            .clone()
            .unwrap_or_else(|| host.to_ascii_lowercase());
        for file in self.files() {
            let index = FileIndex::of(file);
            for entry in index
                .candidates(&name)
                .into_iter()
                .chain(index.candidates(&bare))
            {
                let about_host = entry.names(&name)
                    || (entry.marker == Marker::CertAuthority && entry.names(&bare));
                if !about_host {
                    continue;
                }
                match entry.marker {
                    Marker::Revoked if entry.key == key => {
                        return Err(Refusal::Mismatch(format!(
                            "the host key of {name} ({}) is marked @revoked in {}",
                            fingerprint(key),
                            entry.place()
                        )))
                    }
                    Marker::Revoked => {}
                    Marker::CertAuthority => {
                        ca_at.get_or_insert_with(|| entry.place());
                    }
                    Marker::None if entry.key == key => found = true,
                    Marker::None if key_type(&entry.key) == offered_type => {
                        changed.push(fingerprint(&entry.key));
                        changed_at.get_or_insert_with(|| entry.place());
                    }
                    Marker::None => {}
                }
            }
        }
        if found {
            return Ok(());
        }
        if let Some(at) = changed_at {
            changed.sort();
            changed.dedup();
            return Err(Refusal::Mismatch(format!(
                "host key for {name} changed: it offers {}, the known key is {} ({at})",
                fingerprint(key),
                changed.join(", "),
            )));
        }
        if let Some(at) = ca_at {
            return Err(Refusal::Unknown(format!(
                "{at} trusts a certificate authority (@cert-authority) for {name}, and galley cannot check host certificates; it offers {}: list the host's own key in known_hosts",
                fingerprint(key)
            )));
        }
        if self.policy == Policy::AcceptNew {
            return self.append(key, &name);
        }
        Err(Refusal::Unknown(format!(
            "no known key for {name} (it offers {}): add it to {} or use --host-key-check accept-new",
            fingerprint(key),
            self.user_file().display()
        )))
    }

    /// The file accept-new writes: the first user file.
    fn user_file(&self) -> PathBuf {
        self.user_files
            .first()
            .cloned()
            .unwrap_or_else(|| PathBuf::from("known_hosts"))
    }

    fn append(&self, key: &[u8], name: &str) -> Result<(), Refusal> {
        let file = self.user_file();
        let line = format!(
            "{name} {} {}\n",
            key_type(key).unwrap_or("ssh-ed25519"),
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        let _guard = APPEND.lock().unwrap_or_else(|e| e.into_inner());
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)?;
            out.write_all(line.as_bytes())
        })();
        if result.is_ok() {
            FileIndex::of(&file).add(line.trim_end(), 0);
        }
        result.map_err(|e| {
            Refusal::Unknown(format!(
                "cannot record the new host key in {}: {e}",
                file.display()
            ))
        })
    }
}

/// The entries of one known_hosts file, read once per process (galley
/// runs one command per process, so once per run) and indexed by host
/// name, so that checking a host reads only the entries that can match
/// it: those naming it, and those no name lookup can rule out (hashed
/// names, patterns).
#[derive(Debug, Default)]
struct FileIndex {
    file: Arc<PathBuf>,
    /// Lower-cased names (`web-01`, `[10.0.0.1]:2222`) -> their entries.
    by_name: std::collections::HashMap<String, Vec<Arc<Entry>>>,
    /// Entries to look at for every host.
    always: Vec<Arc<Entry>>,
}

type Indexes = std::collections::HashMap<PathBuf, Arc<Mutex<FileIndex>>>;

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
                let mut index = FileIndex {
                    file: Arc::new(path.to_path_buf()),
                    ..FileIndex::default()
                };
                let text = std::fs::read(path).unwrap_or_default();
                for (i, line) in String::from_utf8_lossy(&text).lines().enumerate() {
                    index.add(line, i + 1);
                }
                Arc::new(Mutex::new(index))
            })
            .clone();
        FileHandle(index)
    }

    fn add(&mut self, line: &str, number: usize) {
        let Some(entry) = Entry::parse(line, &self.file, number) else {
            return;
        };
        let entry = Arc::new(entry);
        let opaque = |h: &str| h.starts_with('|') || h.contains(['*', '?', '!']);
        if entry.hosts.split(',').any(opaque) {
            self.always.push(entry);
            return;
        }
        for name in entry.hosts.split(',') {
            self.by_name
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(entry.clone());
        }
    }
}

/// A shared [`FileIndex`].
struct FileHandle(Arc<Mutex<FileIndex>>);

impl FileHandle {
    fn candidates(&self, name: &str) -> Vec<Arc<Entry>> {
        let index = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut entries = index.always.clone();
        if let Some(named) = index.by_name.get(&name.to_ascii_lowercase()) {
            entries.extend(named.iter().cloned());
        }
        entries
    }

    fn add(&self, line: &str, number: usize) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(line, number);
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

    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIHM63gKW2oxuunAREpfBI08A7oU0R6upb5JXwDqsgb/l";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIMR7o9Pf1Ck5qd8WIxNpfSS43CH1R8/nWVc2AFKktoCi";

    fn blob(key: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap()
    }

    fn known(
        user: &[&str],
        global: &[&str],
        alias: Option<&str>,
    ) -> (tempfile::TempDir, KnownHosts) {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, lines: &[&str]| {
            let path = dir.path().join(name);
            std::fs::write(&path, lines.join("\n")).unwrap();
            path
        };
        let known = KnownHosts {
            policy: Policy::Strict,
            user_files: vec![dir.path().join("missing"), write("user2", user)],
            global_files: vec![write("global", global)],
            alias: alias.map(String::from),
        };
        (dir, known)
    }

    #[test]
    fn names_patterns_and_hashes_match_as_in_openssh() {
        let a = blob(KEY_A);
        let line = |hosts: &str| format!("{hosts} ssh-ed25519 {KEY_A}");
        let (_d, k) = known(
            &[&line("WEB-01,10.0.0.1"), &line("[db-01]:2222")],
            &[],
            None,
        );
        assert_eq!(
            k.check_key(&a, "web-01", 22),
            Ok(()),
            "names are matched without case"
        );
        assert_eq!(k.check_key(&a, "db-01", 2222), Ok(()));
        assert!(
            k.check_key(&a, "db-01", 22).is_err(),
            "another port is another entry"
        );
        let (_d, k) = known(&[], &[&line("*.example.com,!bad.example.com")], None);
        assert_eq!(
            k.check_key(&a, "web.example.com", 22),
            Ok(()),
            "global files are read"
        );
        assert!(matches!(
            k.check_key(&a, "bad.example.com", 22),
            Err(Refusal::Unknown(_))
        ));
        // `ssh-keygen -H` wrote this line for web-07.example.com.
        let hashed = format!(
            "|1|lzKaV6GDTO6+bJyJ71mVQYScqbg=|tq06J7J3Y8hMJmShBsBiGEJqcEY= ssh-ed25519 {KEY_A}"
        );
        let (_d, k) = known(&[&hashed], &[], None);
        assert_eq!(k.check_key(&a, "web-07.example.com", 22), Ok(()));
        assert!(k.check_key(&a, "web-08.example.com", 22).is_err());
        let (_d, k) = known(&[&line("the-alias")], &[], Some("the-alias"));
        assert_eq!(
            k.check_key(&a, "10.9.9.9", 2200),
            Ok(()),
            "HostKeyAlias is looked up"
        );
    }

    #[test]
    fn revoked_changed_and_ca_trusted_keys_are_refused_by_name() {
        let (a, b) = (blob(KEY_A), blob(KEY_B));
        let (_d, k) = known(
            &[&format!("web-01 ssh-ed25519 {KEY_A}")],
            &[&format!("@revoked * ssh-ed25519 {KEY_A}")],
            None,
        );
        let Err(Refusal::Mismatch(why)) = k.check_key(&a, "web-01", 22) else {
            panic!("a revoked key must be refused even when listed");
        };
        assert!(why.contains("@revoked"), "{why}");
        let (_d, k) = known(&[&format!("web-01 ssh-ed25519 {KEY_A}")], &[], None);
        let Err(Refusal::Mismatch(why)) = k.check_key(&b, "web-01", 22) else {
            panic!("another key of the same type is a change");
        };
        assert!(
            why.contains("changed") && why.contains(&fingerprint(&a)),
            "{why}"
        );
        let (_d, mut k) = known(
            &[&format!(
                "@cert-authority *.example.com ssh-ed25519 {KEY_B}"
            )],
            &[],
            None,
        );
        k.policy = Policy::AcceptNew;
        let Err(Refusal::Unknown(why)) = k.check_key(&a, "web.example.com", 22) else {
            panic!("a CA-trusted host is refused, not learned");
        };
        assert!(why.contains("@cert-authority"), "{why}");
    }

    #[test]
    fn entry_names_follow_openssh() {
        assert_eq!(entry_name("web-01", 22), "web-01");
        assert_eq!(entry_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
    }
}
