//! Host keys checked as OpenSSH checks them, on real sshd hosts: names
//! without regard to case, every known_hosts file, `@revoked` keys,
//! hosts trusted through `@cert-authority` (which galley cannot check and
//! so refuses by name, where OpenSSH accepts), HostKeyAlias; and
//! algorithms as OpenSSH 9.2 offers them (a CBC-only server is refused
//! unless ssh_config adds the cipher).

use std::path::Path;
use std::process::Command;

use galley::outcome::{OutcomeKind, Phase};
use galley::report::record::HostRecord;

use crate::support::{client_key, keygen, Galley, Sshd};

/// `galley run -m NAME -p PORT` with the test key and `extra` flags; the
/// one host's record.
fn run_one(name: &str, sshd: &Sshd, extra: &[&str]) -> HostRecord {
    let port = sshd.port.to_string();
    let mut args = vec![
        "run",
        "-m",
        name,
        "-p",
        &port,
        "-i",
        client_key().private.to_str().unwrap(),
        "--output",
        "json",
        "--connect-timeout",
        "5s",
    ];
    args.extend(extra);
    args.extend(["--", "echo $GALLEY_TEST_HOST"]);
    let run = Galley::new().args(&args).run();
    run.document().hosts()[0].clone()
}

/// The key part (`ssh-ed25519 AAAA...`) of a public key line.
fn key_of(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn names_are_matched_without_case_and_every_file_is_read() {
    let sshd = Sshd::start("case-1");
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let key = key_of(&sshd.host_key);
    std::fs::write(&known, format!("[LocalHost]:{} {key}\n", sshd.port)).unwrap();
    let known_flag = known.to_str().unwrap();
    for name in ["localhost", "LOCALHOST"] {
        let host = run_one(name, &sshd, &["--known-hosts", known_flag]);
        assert_eq!(host.outcome, OutcomeKind::Ok, "{name}: {host:?}");
    }

    // A changed key under another case is a change, not a new host: under
    // accept-new nothing is added and nothing runs.
    let (_, other) = keygen(dir.path(), "other", "");
    std::fs::write(
        &known,
        format!("[localhost]:{} {}\n", sshd.port, key_of(&other)),
    )
    .unwrap();
    let before = std::fs::read_to_string(&known).unwrap();
    let host = run_one(
        "LOCALHOST",
        &sshd,
        &[
            "--known-hosts",
            known_flag,
            "--host-key-check",
            "accept-new",
        ],
    );
    assert_eq!(host.outcome, OutcomeKind::HostkeyMismatch, "{host:?}");
    assert_eq!(std::fs::read_to_string(&known).unwrap(), before);

    // Every UserKnownHostsFile and the GlobalKnownHostsFile are read.
    let second = dir.path().join("second");
    std::fs::write(&second, format!("[127.0.0.1]:{} {key}\n", sshd.port)).unwrap();
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  UserKnownHostsFile {}/missing {}\n  GlobalKnownHostsFile /nonexistent\n",
            dir.path().display(),
            second.display()
        ),
    )
    .unwrap();
    let host = run_one("127.0.0.1", &sshd, &["-F", config.to_str().unwrap()]);
    assert_eq!(host.outcome, OutcomeKind::Ok, "{host:?}");

    // HostKeyAlias: the key is looked up under the alias.
    std::fs::write(&second, format!("fleet-lb {key}\n")).unwrap();
    std::fs::write(
        &config,
        format!(
            "Host *\n  UserKnownHostsFile {}\n  HostKeyAlias fleet-lb\n",
            second.display()
        ),
    )
    .unwrap();
    let host = run_one("127.0.0.1", &sshd, &["-F", config.to_str().unwrap()]);
    assert_eq!(host.outcome, OutcomeKind::Ok, "{host:?}");
}

#[test]
fn a_revoked_key_is_refused_even_when_listed_and_never_learned() {
    let sshd = Sshd::start("revoked-1");
    let dir = tempfile::tempdir().unwrap();
    let key = key_of(&sshd.host_key);
    let known = dir.path().join("known_hosts");
    let global = dir.path().join("global");
    std::fs::write(&known, format!("[127.0.0.1]:{} {key}\n", sshd.port)).unwrap();
    std::fs::write(&global, format!("@revoked * {key}\n")).unwrap();
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile {}\n",
            known.display(),
            global.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let host = run_one("127.0.0.1", &sshd, &["-F", config]);
    assert_eq!(host.outcome, OutcomeKind::HostkeyMismatch, "{host:?}");
    assert!(
        host.reason.as_deref().unwrap().contains("@revoked"),
        "{host:?}"
    );
    assert!(host.stdout.data.is_empty(), "nothing ran");

    // accept-new does not learn a revoked key.
    std::fs::write(&known, "").unwrap();
    let host = run_one(
        "127.0.0.1",
        &sshd,
        &["-F", config, "--host-key-check", "accept-new"],
    );
    assert_eq!(host.outcome, OutcomeKind::HostkeyMismatch, "{host:?}");
    assert_eq!(std::fs::read_to_string(&known).unwrap(), "");
}

#[test]
fn a_host_trusted_through_a_certificate_authority_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, ca_public) = keygen(dir.path(), "host_ca", "");
    let sshd = Sshd::build("cert-1").certified_by(&ca).start();
    let known = dir.path().join("known_hosts");
    std::fs::write(
        &known,
        format!("@cert-authority 127.0.0.1 {}\n", key_of(&ca_public)),
    )
    .unwrap();
    // OpenSSH accepts the host on the CA's word (the case is real)...
    let ssh = Command::new("ssh")
        .args(["-i", client_key().private.to_str().unwrap()])
        .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known.display()))
        .args(["-p", &sshd.port.to_string(), "root@127.0.0.1", "true"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        ssh.status.success(),
        "ssh: {}",
        String::from_utf8_lossy(&ssh.stderr)
    );
    // ...galley cannot check certificates: it says so, and does not fall
    // back to trusting the host on first use.
    for policy in ["strict", "accept-new"] {
        let host = run_one(
            "127.0.0.1",
            &sshd,
            &[
                "--known-hosts",
                known.to_str().unwrap(),
                "--host-key-check",
                policy,
            ],
        );
        assert_eq!(
            host.outcome,
            OutcomeKind::HostkeyUnknown,
            "{policy}: {host:?}"
        );
        assert!(
            host.reason.as_deref().unwrap().contains("@cert-authority"),
            "{host:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&known).unwrap().lines().count(),
        1,
        "nothing learned"
    );
}

#[test]
fn a_cbc_only_server_is_refused_as_openssh_refuses_it_unless_the_config_adds_cbc() {
    let sshd = Sshd::build("cbc-1")
        .configured("Ciphers aes128-cbc\n")
        .start();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    std::fs::write(&known, sshd.known_hosts_line()).unwrap();
    let ssh = |extra: &[&str]| {
        Command::new("ssh")
            .args([
                "-i",
                client_key().private.to_str().unwrap(),
                "-o",
                "BatchMode=yes",
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", known.display()))
            .args(extra)
            .args(["-p", &sshd.port.to_string(), "root@127.0.0.1", "true"])
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(!ssh(&[]), "OpenSSH 9 refuses a CBC-only server");
    let host = run_one(
        "127.0.0.1",
        &sshd,
        &["--known-hosts", known.to_str().unwrap()],
    );
    assert_eq!(host.outcome, OutcomeKind::Error, "{host:?}");
    assert_eq!(host.phase, Some(Phase::Handshake), "{host:?}");

    assert!(ssh(&["-o", "Ciphers=+aes128-cbc"]));
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  Ciphers +aes128-cbc\n  UserKnownHostsFile {}\n",
            known.display()
        ),
    )
    .unwrap();
    let host = run_one("127.0.0.1", &sshd, &["-F", config.to_str().unwrap()]);
    assert_eq!(host.outcome, OutcomeKind::Ok, "{host:?}");
    let _ = Path::new("");
}

#[test]
fn a_host_known_by_its_ecdsa_key_is_asked_for_that_key() {
    // The host has ed25519 and ECDSA keys; known_hosts lists only the
    // ECDSA one. OpenSSH offers the known type first and connects; so
    // must galley, rather than ask for ed25519 and find it unknown.
    let dir = tempfile::tempdir().unwrap();
    let (ecdsa, ecdsa_public) =
        crate::support::keygen_with(dir.path(), "host_ecdsa", &["-t", "ecdsa", "-N", ""]);
    let sshd = Sshd::build("two-keys")
        .configured(&format!("HostKey {}\n", ecdsa.display()))
        .start();
    let known = dir.path().join("known_hosts");
    std::fs::write(
        &known,
        format!("[127.0.0.1]:{} {}\n", sshd.port, key_of(&ecdsa_public)),
    )
    .unwrap();
    let host = run_one(
        "127.0.0.1",
        &sshd,
        &["--known-hosts", known.to_str().unwrap()],
    );
    assert_eq!(host.outcome, OutcomeKind::Ok, "{host:?}");
    // With only the ed25519 key known, ed25519 is asked for.
    std::fs::write(&known, sshd.known_hosts_line()).unwrap();
    let host = run_one(
        "127.0.0.1",
        &sshd,
        &["--known-hosts", known.to_str().unwrap()],
    );
    assert_eq!(host.outcome, OutcomeKind::Ok, "{host:?}");
}
