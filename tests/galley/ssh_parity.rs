//! ssh_config as OpenSSH reads it, with OpenSSH itself as the judge: each
//! file of `fixtures/ssh_config/` (bastions by ProxyJump and ProxyCommand,
//! Match blocks, Include, wildcards, tokens, several IdentityFile lines,
//! per-host known_hosts files, algorithm lists, in the styles people write
//! them) is resolved for the hosts its first line names, by `ssh -G` and
//! by `galley ssh-config`, and every field galley uses must be equal, or
//! the host refused by galley as the file's `# refuse:` line says.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::{require, Galley};

/// The keywords galley uses, as `ssh -G` prints them.
const FIELDS: &[&str] = &[
    "hostname",
    "user",
    "port",
    "identitiesonly",
    "stricthostkeychecking",
    "connecttimeout",
    "proxyjump",
    "proxycommand",
    "hostkeyalias",
    "userknownhostsfile",
    "globalknownhostsfile",
    "identityfile",
    "ciphers",
    "macs",
    "kexalgorithms",
    "hostkeyalgorithms",
];

/// The lines of `text` for the fields galley uses, in order.
fn fields(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let key = line.split(' ').next().unwrap_or("");
            FIELDS.contains(&key)
        })
        .map(String::from)
        .collect()
}

/// The login name and home folder ssh uses (the password database, not
/// $HOME): galley is given the same so that `~` means the same.
fn passwd_user() -> (String, String) {
    let uid = Command::new("id").arg("-u").output().unwrap();
    let uid = String::from_utf8_lossy(&uid.stdout).trim().to_string();
    let entry = Command::new("getent")
        .args(["passwd", &uid])
        .output()
        .unwrap();
    let entry = String::from_utf8_lossy(&entry.stdout).trim().to_string();
    let parts: Vec<&str> = entry.split(':').collect();
    (parts[0].to_string(), parts[5].to_string())
}

/// The corpus, copied to `dir` with `@DIR@` made that folder.
fn corpus(dir: &Path) -> Vec<std::path::PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ssh_config");
    let mut files = Vec::new();
    for entry in walk(&source) {
        let relative = entry.strip_prefix(&source).unwrap();
        let target = dir.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&target, text.replace("@DIR@", dir.to_str().unwrap())).unwrap();
        if relative.parent() == Some(Path::new("")) {
            files.push(target);
        }
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_setting_galley_uses_resolves_as_ssh_g_resolves_it() {
    require("/usr/bin/ssh", "openssh-client");
    let dir = tempfile::tempdir().unwrap();
    let (user, home) = passwd_user();
    let files = corpus(dir.path());
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    let mut resolved = 0;
    let mut refused = 0;
    let mut mismatches = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let header = |tag: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.strip_prefix(tag))
                .map(String::from)
                .collect()
        };
        let hosts: Vec<String> = header("# hosts: ")
            .iter()
            .flat_map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
            .collect();
        assert!(!hosts.is_empty(), "{} names no hosts", file.display());
        let refusals: BTreeMap<String, String> = header("# refuse: ")
            .iter()
            .map(|l| {
                let (host, keyword) = l.split_once(' ').unwrap();
                (host.to_string(), keyword.to_string())
            })
            .collect();
        for host in hosts {
            let ssh = Command::new("ssh")
                .args(["-G", "-F", file.to_str().unwrap(), &host])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            assert!(ssh.status.success(), "ssh -G {host}: {ssh:?}");
            let ssh_text = String::from_utf8_lossy(&ssh.stdout).to_string();
            let run = Galley::new()
                .args(["ssh-config", "-F", file.to_str().unwrap(), &host])
                .env("HOME", &home)
                .env("USER", &user)
                .run();
            let name = file.file_name().unwrap().to_string_lossy();
            if let Some(keyword) = refusals.get(&host) {
                run.expect_code(3);
                let said = run.stdout().to_lowercase();
                assert!(
                    said.contains("refuses this host") && said.contains(keyword.as_str()),
                    "{name} {host}: galley must refuse {keyword} by name:\n{run}"
                );
                assert!(
                    ssh_text.lines().any(|l| l.starts_with(&format!("{keyword} "))),
                    "{name} {host}: ssh -G shows no {keyword}: the refusal is not about a setting in effect"
                );
                refused += 1;
                continue;
            }
            run.expect_code(0);
            let (want, got) = (fields(&ssh_text), fields(&run.stdout()));
            let mut want_sorted = want.clone();
            let mut got_sorted = got.clone();
            want_sorted.sort();
            got_sorted.sort();
            if want_sorted != got_sorted {
                mismatches.push(format!(
                    "{name} {host}:\n  ssh -G: {want:?}\n  galley: {got:?}"
                ));
            }
            resolved += 1;
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(resolved >= 90, "only {resolved} resolutions compared");
    assert!(refused >= 2, "only {refused} refusals checked");
}
