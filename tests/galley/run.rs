//! `galley run` on real OpenSSH servers: one sshd per simulated host, each
//! with its own host key, on 127.0.0.1.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use galley::outcome::{OutcomeKind, Phase};
use galley::report::record::{Encoding, HostRecord};
use serde_json::Value;

use crate::support::{
    client_key, galley, keygen, keygen_with, require_user, Fleet, Galley, RecordExt, Sshd,
};

fn stdout_of(record: &HostRecord) -> String {
    assert_eq!(record.stdout.encoding, Encoding::Utf8, "{record:?}");
    record.stdout.data.clone()
}

#[test]
fn every_host_runs_the_command_and_the_report_says_so() {
    let fleet = Fleet::start(&["web-01", "web-02", "web-03"]);
    let run = fleet.run(&["-C", "2"], "*:*", "echo \"hello from $GALLEY_TEST_HOST\"");
    run.expect_code(0);
    let lines = fleet.report_lines();
    assert_eq!(lines.len(), 5, "header, 3 hosts, summary");
    let header = lines[0].header().expect("the header first");
    assert_eq!(header.version, galley::report::record::SCHEMA_VERSION);
    assert_eq!(header.hosts, 3);
    let summary = lines[4].summary().expect("the summary last");
    assert_eq!(summary.counts[&OutcomeKind::Ok], 3);
    assert_eq!(summary.exit_code, 0);
    for (name, record) in fleet.host_records() {
        assert_eq!(record.outcome, OutcomeKind::Ok);
        assert_eq!(record.exit_code, Some(0));
        assert_eq!(stdout_of(&record), format!("hello from {name}\n"));
        assert_eq!(
            record.auth.as_deref().unwrap(),
            client_key().private.to_str().unwrap()
        );
        assert!(record.timings.handshake_ms.is_some());
    }
    let out = run.stdout();
    // The first line says what selected the hosts, as galley read it.
    assert!(out.starts_with("query: *:* (from inventory "), "{run}");
    assert!(
        out.lines().nth(1).unwrap().starts_with("3 hosts: 3 ok"),
        "{run}"
    );
    assert!(
        out.contains("== web-01 (1 host, exit 0)\nhello from web-01\n"),
        "{run}"
    );
}

#[test]
fn identical_outputs_are_gathered_and_failures_listed() {
    let fleet = Fleet::start(&["db-1", "db-2", "db-3"]);
    let run = fleet.run(
        &[],
        "*:*",
        "echo same; if [ \"$GALLEY_TEST_HOST\" = db-2 ]; then echo oops >&2; exit 3; fi",
    );
    run.expect_code(1);
    let out = run.stdout();
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("3 hosts: 2 ok, 1 failed"),
        "{run}"
    );
    assert!(
        out.contains("not ok:\n  db-2  failed  exit code 3\n"),
        "{run}"
    );
    assert!(
        out.contains("== db-[1,3] (2 hosts, exit 0)\nsame\n"),
        "{run}"
    );
    assert!(
        out.contains("== db-2 (1 host, exit 3)\nsame\n-- stderr\noops\n"),
        "{run}"
    );
    let records = fleet.host_records();
    assert_eq!(records["db-2"].outcome, OutcomeKind::Failed);
    assert_eq!(records["db-2"].exit_code, Some(3));
    assert_eq!(records["db-2"].stderr.data, "oops\n");
    assert_eq!(stdout_of(&records["db-2"]), "same\n");
}

#[test]
fn a_command_killed_by_a_signal_reports_the_signal() {
    let fleet = Fleet::start(&["sig-1"]);
    let run = fleet.run(&[], "*:*", "kill -TERM $$");
    run.expect_code(1);
    let record = &fleet.host_records()["sig-1"];
    assert_eq!(record.outcome, OutcomeKind::Failed);
    assert_eq!(record.signal.as_deref().unwrap(), "TERM");
    assert_eq!(record.reason.as_deref().unwrap(), "killed by signal TERM");
}

#[test]
fn an_unknown_host_key_is_refused_and_nothing_runs() {
    let fleet = Fleet::start(&["new-1"]);
    std::fs::write(fleet.known_hosts(), "").unwrap();
    let marker = fleet.dir.path().join("ran");
    let run = fleet.run(&[], "*:*", &format!("touch {}", marker.display()));
    run.expect_code(1);
    let record = &fleet.host_records()["new-1"];
    assert_eq!(record.outcome, OutcomeKind::HostkeyUnknown);
    assert_eq!(record.phase, Some(Phase::Handshake));
    assert!(
        record.reason.as_deref().unwrap().contains("SHA256:"),
        "{record:?}"
    );
    assert!(
        !marker.exists(),
        "the command must not run on a host with an unknown key"
    );
}

#[test]
fn a_changed_host_key_is_refused_with_both_fingerprints() {
    let fleet = Fleet::start(&["moved-1"]);
    let other = tempfile::tempdir().unwrap();
    let (_, impostor) = keygen(other.path(), "other", "");
    let key = impostor.split_whitespace().nth(1).unwrap();
    let port = fleet.hosts[0].port;
    std::fs::write(
        fleet.known_hosts(),
        format!("[127.0.0.1]:{port} ssh-ed25519 {key}\n"),
    )
    .unwrap();
    let marker = fleet.dir.path().join("ran");
    // a host whose key changed must never run the command, under any policy but off
    for policy in ["strict", "accept-new"] {
        let run = fleet.run(
            &["--host-key-check", policy],
            "*:*",
            &format!("touch {}", marker.display()),
        );
        run.expect_code(1);
        let record = &fleet.host_records()["moved-1"];
        assert_eq!(
            record.outcome,
            OutcomeKind::HostkeyMismatch,
            "{policy}: {record:?}"
        );
        let reason = record.reason.as_deref().unwrap();
        assert_eq!(
            reason.matches("SHA256:").count(),
            2,
            "both fingerprints: {reason}"
        );
        assert!(!marker.exists());
    }
    let run = fleet.run(&["--host-key-check", "off"], "*:*", "true");
    run.expect_code(0);
    assert!(run.stderr().contains("host keys are not checked"), "{run}");
}

#[test]
fn accept_new_records_every_new_key_once() {
    let names: Vec<String> = (1..=6).map(|i| format!("fresh-{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let fleet = Fleet::start(&names);
    std::fs::write(fleet.known_hosts(), "").unwrap();
    fleet
        .run(
            &["--host-key-check", "accept-new", "-C", "6"],
            "*:*",
            "true",
        )
        .expect_code(0);
    let known = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    assert_eq!(known.lines().count(), 6, "{known}");
    for host in &fleet.hosts {
        assert!(
            known.contains(&host.known_hosts_line()),
            "{} missing from\n{known}",
            host.name
        );
    }
    // and now they are known
    fleet.run(&[], "*:*", "true").expect_code(0);
}

#[test]
fn chef_host_keys_verify_a_host_without_known_hosts() {
    let fleet = Fleet::start(&["chef-1", "chef-2", "chef-3"]);
    std::fs::write(fleet.known_hosts(), "").unwrap();
    let impostor_dir = tempfile::tempdir().unwrap();
    let (_, impostor) = keygen(impostor_dir.path(), "impostor", "");
    let impostor = impostor.split_whitespace().nth(1).unwrap().to_string();
    fleet.write_inventory(|mut node| {
        match node["name"].as_str().unwrap() {
            "chef-2" => {
                node["automatic"]["keys"]["ssh"]["host_ed25519_public"] = impostor.clone().into()
            }
            "chef-3" => node["automatic"]["keys"] = serde_json::json!({}),
            _ => {}
        }
        node
    });
    let run = fleet.run(&["--host-key-check", "chef"], "*:*", "true");
    run.expect_code(1);
    let records = fleet.host_records();
    assert_eq!(records["chef-1"].outcome, OutcomeKind::Ok);
    assert_eq!(records["chef-2"].outcome, OutcomeKind::HostkeyMismatch);
    assert!(records["chef-2"]
        .reason
        .as_deref()
        .unwrap()
        .contains("Chef"));
    assert_eq!(records["chef-3"].outcome, OutcomeKind::HostkeyUnknown);
    assert!(
        std::fs::read_to_string(fleet.known_hosts())
            .unwrap()
            .is_empty(),
        "chef mode writes nothing"
    );
}

#[test]
fn a_key_the_host_does_not_accept_is_auth_failed() {
    let fleet = Fleet::start(&["locked-1"]);
    let dir = tempfile::tempdir().unwrap();
    let (stranger, _) = keygen(dir.path(), "stranger", "");
    let (encrypted, _) = keygen(dir.path(), "encrypted", "correct horse");
    let run = fleet.run_with_keys(&[&stranger, &encrypted], "true");
    run.expect_code(1);
    let doc = run.document();
    let host = doc.hosts()[0];
    assert_eq!(host.outcome, OutcomeKind::AuthFailed, "{run}");
    assert_eq!(host.phase, Some(Phase::Auth));
    let reason = host.reason.as_deref().unwrap();
    assert!(
        reason.contains(&format!("{} was not accepted", stranger.display())),
        "{reason}"
    );
    assert!(
        reason.contains(&format!("{} needs a passphrase", encrypted.display())),
        "{reason}"
    );
}

/// sshd's words for a message that came before authentication succeeded;
/// type 90 is SSH_MSG_CHANNEL_OPEN.
const CHANNEL_OPEN_BEFORE_AUTH: &str = "dispatch_protocol_error: type 90";

/// With one key galley signs itself, the opening of the first session
/// channel follows the authentication request without waiting for its
/// answer (RFC 4252 section 5.1). A host that refuses the key reads the
/// opening as out of place, and the run reports the refused key, as it
/// would without it.
#[test]
fn a_lone_refused_key_is_auth_failed_though_a_channel_opening_followed_it() {
    let fleet = Fleet::start(&["lone-1"]);
    let dir = tempfile::tempdir().unwrap();
    let (stranger, _) = keygen(dir.path(), "stranger", "");
    let run = fleet.run_with_keys(&[&stranger], "true");
    run.expect_code(1);
    let doc = run.document();
    let host = doc.hosts()[0];
    assert_eq!(host.outcome, OutcomeKind::AuthFailed, "{run}");
    let reason = host.reason.as_deref().unwrap();
    assert!(
        reason.contains(&format!("{} was not accepted", stranger.display())),
        "{reason}"
    );
    let log = fleet.hosts[0].log();
    assert!(log.contains(CHANNEL_OPEN_BEFORE_AUTH), "{log}");
}

/// With two keys the first may be refused, so nothing follows its request:
/// the second logs in and the command runs on a channel opened after it.
#[test]
fn with_two_keys_the_channel_waits_for_authentication() {
    let fleet = Fleet::start(&["two-keys-1"]);
    let dir = tempfile::tempdir().unwrap();
    let (stranger, _) = keygen(dir.path(), "stranger", "");
    let run = fleet.run_with_keys(&[&stranger, &client_key().private], "echo in");
    run.expect_code(0);
    let doc = run.document();
    let host = doc.hosts()[0];
    assert_eq!(host.outcome, OutcomeKind::Ok, "{run}");
    assert_eq!(stdout_of(host), "in\n", "{run}");
    let log = fleet.hosts[0].log();
    assert!(!log.contains(CHANNEL_OPEN_BEFORE_AUTH), "{log}");
}

/// A host that allows no session channel refuses the opening sent behind
/// the authentication request once the login succeeded; the run says the
/// command could not start, as it did when the opening came later.
#[test]
fn a_host_that_refuses_sessions_refuses_the_early_opening_by_name() {
    let host = Sshd::build("nosessions-1")
        .configured("MaxSessions 0\n")
        .start();
    let fleet = Fleet::with_hosts(vec![host]);
    let run = fleet.run_with_keys(&[&client_key().private], "true");
    run.expect_code(1);
    let doc = run.document();
    let host = doc.hosts()[0];
    assert_eq!(host.outcome, OutcomeKind::Error, "{run}");
    assert_eq!(host.phase, Some(Phase::Command), "{run}");
    let reason = host.reason.as_deref().unwrap();
    assert!(reason.starts_with("cannot start the command"), "{reason}");
    assert_eq!(fleet.hosts[0].logins(), 1);
}

#[test]
fn a_host_without_publickey_auth_says_which_methods_it_accepts() {
    let host = Sshd::build("pw-1")
        .configured("PubkeyAuthentication no\nPasswordAuthentication yes\n")
        .start();
    let fleet = Fleet::with_hosts(vec![host]);
    let run = fleet.run(&[], "*:*", "true");
    run.expect_code(1);
    let record = &fleet.host_records()["pw-1"];
    assert_eq!(record.outcome, OutcomeKind::AuthFailed, "{record:?}");
    let reason = record.reason.as_deref().unwrap();
    assert!(
        reason.contains("the host accepts only: password;"),
        "{reason}"
    );
}

#[test]
fn a_socket_timeout_during_authentication_is_a_timeout_not_a_wrong_key() {
    // sshd asks a command for the authorized keys, and the command takes
    // 30 s: galley's key is fine, the host is slow. libssh2 ends the
    // attempt with "Timed out waiting on socket" (its TIMEOUT code).
    let host = Sshd::build("slowauth-1")
        .configured("AuthorizedKeysFile none\nAuthorizedKeysCommand /bin/sh -c \"sleep 30\"\nAuthorizedKeysCommandUser root\n")
        .start();
    let fleet = Fleet::with_hosts(vec![host]);
    let run = fleet.run(&["--login-timeout", "2s"], "*:*", "true");
    run.expect_code(1);
    let record = &fleet.host_records()["slowauth-1"];
    assert_eq!(record.outcome, OutcomeKind::Timeout, "{record:?}");
    assert_eq!(record.phase, Some(Phase::Auth), "{record:?}");
    assert!(
        record
            .reason
            .as_deref()
            .unwrap()
            .contains("authentication as root did not finish within 2s"),
        "{record:?}"
    );
}

#[test]
fn a_peer_that_does_not_speak_ssh2_is_named_by_what_it_sent() {
    let fleet = Fleet::start(&["up-2"]);
    // An SSH-1 server (it answers a client's SSH-2 version line as OpenSSH
    // 3.9 did, and closes), and one that sends 12,000 banner lines (OpenSSH
    // reads at most 1024 before the version line).
    let mut nodes: Vec<Value> = Vec::new();
    for (name, greeting) in [
        ("ssh1-1", b"SSH-1.5-OpenSSH_3.9p1\r\n".to_vec()),
        ("banner-1", b"Welcome to the jump host\r\n".repeat(12_000)),
    ] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for conn in listener.incoming().take(4) {
                let Ok(mut conn) = conn else { continue };
                let greeting = greeting.clone();
                std::thread::spawn(move || {
                    let _ = std::io::Write::write_all(&mut conn, &greeting);
                    if greeting.starts_with(b"SSH-1") {
                        let mut line = [0u8; 64];
                        let _ = std::io::Read::read(&mut conn, &mut line);
                        let _ = std::io::Write::write_all(
                            &mut conn,
                            b"Protocol major versions differ.\n",
                        );
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(10));
                });
            }
        });
        nodes.push(serde_json::json!({"name": name, "automatic": {"fqdn": "127.0.0.1", "cloud": {"public_ssh_port": port}}}));
    }
    fleet.write_inventory(|node| node);
    let mut all: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fleet.inventory()).unwrap()).unwrap();
    all.extend(nodes);
    std::fs::write(fleet.inventory(), serde_json::to_string(&all).unwrap()).unwrap();
    let run = fleet.run(&["--login-timeout", "3s"], "*:*", "true");
    run.expect_code(1);
    let records = fleet.host_records();
    assert_eq!(records["up-2"].outcome, OutcomeKind::Ok);
    for (name, says) in [
        ("ssh1-1", "it sent the version line \"SSH-1.5-OpenSSH_3.9p1\""),
        (
            "banner-1",
            "it sent over 1024 lines without an SSH version line, starting \"Welcome to the jump host\\r\\n",
        ),
    ] {
        let record = &records[name];
        assert_eq!(record.outcome, OutcomeKind::Error, "{record:?}");
        assert_eq!(record.phase, Some(Phase::Handshake), "{record:?}");
        let reason = record.reason.as_deref().unwrap();
        assert!(
            reason.starts_with("the host does not speak SSH-2: ") && reason.contains(says),
            "{name}: {reason}"
        );
    }
}

#[test]
fn every_kind_of_key_file_authenticates_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // ed25519 is signed by galley itself; the others go through libssh2.
    let keys: Vec<(PathBuf, String)> = [
        ("ed25519", &["-t", "ed25519", "-N", ""][..]),
        ("rsa", &["-t", "rsa", "-b", "2048", "-N", ""][..]),
        ("ecdsa", &["-t", "ecdsa", "-N", ""][..]),
        (
            "rsa-pem",
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""][..],
        ),
    ]
    .iter()
    .map(|(name, args)| keygen_with(dir.path(), name, args))
    .collect();
    let authorized: Vec<&str> = keys.iter().map(|(_, public)| public.as_str()).collect();
    let fleet = Fleet::with_hosts(vec![Sshd::build("keys-1").authorized(&authorized).start()]);
    for (private, _) in &keys {
        let run = fleet.run_with_keys(&[private], "echo $GALLEY_TEST_HOST");
        run.expect_code(0);
        let doc = run.document();
        let host = doc.hosts()[0];
        assert_eq!(host.outcome, OutcomeKind::Ok, "{run}");
        assert_eq!(host.stdout.data, "keys-1\n");
        assert_eq!(host.auth.as_deref().unwrap(), private.to_str().unwrap());
    }
}

/// A peer on loopback that accepts connections and behaves as `behave`
/// says with each; returns its port.
fn misbehaving_peer(behave: Arc<dyn Fn(std::net::TcpStream) + Send + Sync>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(4).flatten() {
            let behave = behave.clone();
            std::thread::spawn(move || behave(conn));
        }
    });
    port
}

#[test]
fn a_closed_port_is_unreachable_and_peers_that_stall_end_at_the_connect_timeout() {
    let fleet = Fleet::start(&["up-1"]);
    let real_sshd = fleet.hosts[0].port;
    // ssh_config(5): ConnectTimeout is "applied both to establishing the
    // connection and to performing the initial SSH protocol handshake and
    // key exchange"; --connect-timeout means the same.
    type Behave = Arc<dyn Fn(std::net::TcpStream) + Send + Sync>;
    let peers: [(&str, Behave); 4] = [
        // Accepts and never speaks.
        (
            "silent-1",
            Arc::new(|conn| {
                std::thread::sleep(Duration::from_secs(30));
                drop(conn)
            }),
        ),
        // Sends a line now and then, never a version line.
        (
            "talker-1",
            Arc::new(|mut conn| {
                for _ in 0..300 {
                    if std::io::Write::write_all(&mut conn, b"please wait\r\n").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }),
        ),
        // Sends its version line, then nothing.
        (
            "banner-1",
            Arc::new(|mut conn| {
                let _ = std::io::Write::write_all(&mut conn, b"SSH-2.0-OpenSSH_9.2\r\n");
                std::thread::sleep(Duration::from_secs(30));
            }),
        ),
        // A real sshd's version line and key exchange offer, then a peer
        // that never reads what galley sends.
        (
            "deaf-1",
            Arc::new(move |mut conn| {
                let mut sshd = std::net::TcpStream::connect(("127.0.0.1", real_sshd)).unwrap();
                sshd.set_read_timeout(Some(Duration::from_millis(500)))
                    .unwrap();
                let mut first = vec![0u8; 4096];
                let mut got = 0;
                while let Ok(n) = std::io::Read::read(&mut sshd, &mut first[got..]) {
                    if n == 0 {
                        break;
                    }
                    got += n;
                }
                let _ = std::io::Write::write_all(&mut conn, &first[..got]);
                std::thread::sleep(Duration::from_secs(30));
            }),
        ),
    ];
    let closed = crate::support::ClosedPort::new();
    let closed_port = closed.port;
    fleet.write_inventory(|node| node);
    let mut nodes: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fleet.inventory()).unwrap()).unwrap();
    nodes.push(serde_json::json!({"name": "closed-1", "automatic": {"fqdn": "127.0.0.1", "cloud": {"public_ssh_port": closed_port}}}));
    for (name, behave) in peers {
        let port = misbehaving_peer(behave);
        nodes.push(serde_json::json!({"name": name, "automatic": {"fqdn": "127.0.0.1", "cloud": {"public_ssh_port": port}}}));
    }
    std::fs::write(fleet.inventory(), serde_json::to_string(&nodes).unwrap()).unwrap();
    let started = Instant::now();
    // The login deadline stays long: only the connect deadline may end them.
    let run = fleet.run(
        &["--connect-timeout", "2s", "--login-timeout", "60s"],
        "*:*",
        "true",
    );
    let took = started.elapsed();
    run.expect_code(1);
    let records = fleet.host_records();
    assert_eq!(records["up-1"].outcome, OutcomeKind::Ok);
    assert_eq!(records["closed-1"].outcome, OutcomeKind::Unreachable);
    assert!(records["closed-1"]
        .reason
        .as_deref()
        .unwrap()
        .contains("refused"));
    for (name, says) in [
        (
            "silent-1",
            "no SSH version line within 2s (the peer accepted the connection but sent nothing)",
        ),
        (
            "talker-1",
            "no SSH version line within 2s (the peer sent something else)",
        ),
        ("banner-1", "within 2s"),
        ("deaf-1", "2s"),
    ] {
        let record = &records[name];
        assert_eq!(record.outcome, OutcomeKind::Timeout, "{name}: {record:?}");
        assert_eq!(record.phase, Some(Phase::Handshake), "{name}: {record:?}");
        let reason = record.reason.as_deref().unwrap();
        assert!(reason.contains(says), "{name}: {reason}");
    }
    assert!(
        took < Duration::from_secs(20),
        "stalled peers must end at the connect deadline, not the login deadline: {took:?}"
    );
}

#[test]
fn a_hung_command_times_out_and_leaves_no_process_behind() {
    let fleet = Fleet::start(&["slow-1"]);
    let started = Instant::now();
    let run = fleet.run(
        &["--command-timeout", "1s"],
        "*:*",
        "echo started; sleep 30717",
    );
    run.expect_code(1);
    assert!(started.elapsed() < Duration::from_secs(10));
    let record = &fleet.host_records()["slow-1"];
    assert_eq!(record.outcome, OutcomeKind::Timeout);
    assert_eq!(record.phase, Some(Phase::Command));
    assert_eq!(stdout_of(record), "started\n");
    // The wrapper kills the command's process group once the channel closes.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = std::process::Command::new("pgrep")
            .args(["-f", "sleep 30717"])
            .output()
            .unwrap();
        if !left.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sleep 30717 still runs on the host: {}",
            String::from_utf8_lossy(&left.stdout)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether a process whose command line holds `pattern` runs.
fn running(pattern: &str) -> bool {
    std::process::Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_background_child_holding_the_output_ends_the_host_after_the_drain() {
    // A restart script that starts a daemon without redirecting its output:
    // the shell exits at once, the daemon holds the channel. OpenSSH's
    // client would wait for the daemon; galley waits --drain-timeout.
    let fleet = Fleet::start(&["bg-1", "bg-2"]);
    let started = Instant::now();
    let run = fleet.run(
        &[],
        "*:*",
        "echo started; sleep 30731 & if [ \"$GALLEY_TEST_HOST\" = bg-2 ]; then exit 3; fi",
    );
    let took = started.elapsed();
    run.expect_code(1);
    assert!(took < Duration::from_secs(20), "the run must end: {took:?}");
    let records = fleet.host_records();
    for (name, kind, code) in [
        ("bg-1", OutcomeKind::Ok, 0),
        ("bg-2", OutcomeKind::Failed, 3),
    ] {
        let record = &records[name];
        assert_eq!(record.outcome, kind, "{record:?}");
        assert_eq!(record.exit_code, Some(code), "{record:?}");
        assert_eq!(stdout_of(record), "started\n");
        let note = record.notes.first().map_or("", String::as_str);
        assert!(
            note.contains("still held its output 2s after it exited"),
            "{record:?}"
        );
    }
    assert!(
        run.stdout()
            .contains("notes:\n  bg-[1-2]: a process started by the command still held its output"),
        "{run}"
    );
    // What the command started outlived it, as a daemon does: left alone.
    assert!(
        running("sleep 30731"),
        "the background process must be left running"
    );
    let _ = std::process::Command::new("pkill")
        .args(["-f", "sleep 30731"])
        .status();

    // A command timeout bounds the drain too; the host still ends with the
    // command's own status.
    let started = Instant::now();
    let run = fleet.run(
        &["--command-timeout", "1s", "--drain-timeout", "30s"],
        "name:bg-1",
        "sleep 30732 &",
    );
    run.expect_code(0);
    assert!(started.elapsed() < Duration::from_secs(15));
    let record = &fleet.host_records()["bg-1"];
    assert_eq!(record.outcome, OutcomeKind::Ok, "{record:?}");
    assert!(record.notes[0].contains("not waited for"), "{record:?}");
    let _ = std::process::Command::new("pkill")
        .args(["-f", "sleep 30732"])
        .status();

    // Output the process writes within the drain time is kept; a process
    // that lets go of the output in time leaves no note.
    let run = fleet.run(
        &["--drain-timeout", "10s"],
        "name:bg-1",
        "(sleep 1; echo late) &",
    );
    run.expect_code(0);
    let record = &fleet.host_records()["bg-1"];
    assert_eq!(stdout_of(record), "late\n");
    assert!(record.notes.is_empty(), "{record:?}");
}

#[test]
fn a_timeout_kills_every_process_of_the_command_also_outside_its_group() {
    let fleet = Fleet::start(&["tk-1"]);
    // One child in the command's process group, one in a group of its own
    // (bash's job control), both still running at the deadline.
    let run = fleet.run(
        &["--command-timeout", "1s"],
        "*:*",
        "sleep 30741 & bash -c 'set -m; sleep 30742 & wait' & sleep 30743",
    );
    run.expect_code(1);
    assert_eq!(fleet.host_records()["tk-1"].outcome.name(), "timeout");
    for pattern in ["sleep 30741", "sleep 30742", "sleep 30743"] {
        wait_for_pattern_gone(pattern);
    }
}

#[test]
fn huge_output_is_bounded_and_bytes_that_are_not_utf8_survive() {
    let fleet = Fleet::start(&["loud-1", "binary-1"]);
    let run = fleet.run(
        &["--max-output", "64k"],
        "*:*",
        "if [ \"$GALLEY_TEST_HOST\" = loud-1 ]; then head -c 50000000 /dev/zero | tr '\\0' x; else printf 'a\\377\\376b'; fi",
    );
    run.expect_code(0);
    let records = fleet.host_records();
    let loud = &records["loud-1"].stdout;
    assert_eq!(loud.dropped_bytes.unwrap(), 50_000_000 - 65_536);
    assert_eq!(loud.data.len(), 65_536);
    let binary = &records["binary-1"].stdout;
    assert_eq!(binary.encoding, Encoding::Base64);
    assert_eq!(binary.data, "Yf/+Yg==");
    assert!(run.stdout().contains("a\\xff\\xfeb"), "{run}");
}

#[test]
fn secrets_in_urls_never_reach_any_output() {
    let fleet = Fleet::start(&["apt-1"]);
    let secret = "glpat-SuperSecret123";
    let run = fleet.run(
        &[],
        "*:*",
        &format!(
            "echo 'deb https://{secret}:@packages.gitlab.com/gitlab/pre-release/ubuntu jammy main'"
        ),
    );
    run.expect_code(0);
    let report = std::fs::read_to_string(fleet.report()).unwrap();
    for (sink, text) in [
        ("stdout", run.stdout()),
        ("stderr", run.stderr()),
        ("report", report),
    ] {
        assert!(!text.contains(secret), "{sink} leaks the token:\n{text}");
    }
    assert!(
        run.stdout()
            .contains("deb https://REDACTED@packages.gitlab.com/"),
        "{run}"
    );
}

#[test]
fn nodes_without_an_address_are_skipped_and_counted() {
    let fleet = Fleet::start(&["ok-1"]);
    let mut nodes: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fleet.inventory()).unwrap()).unwrap();
    nodes.push(serde_json::json!({"name": "ghost-1", "automatic": {}}));
    std::fs::write(fleet.inventory(), serde_json::to_string(&nodes).unwrap()).unwrap();
    let run = fleet.run(&[], "*:*", "true");
    run.expect_code(1);
    let records = fleet.host_records();
    assert_eq!(records["ghost-1"].outcome, OutcomeKind::Skipped);
    assert_eq!(records["ok-1"].outcome, OutcomeKind::Ok);
}

#[test]
fn json_output_is_one_document() {
    let fleet = Fleet::start(&["j-1"]);
    let run = fleet.run(&["--output", "json"], "*:*", "echo hi");
    run.expect_code(0);
    let doc = run.document();
    assert_eq!(doc.header().hosts, 1);
    assert_eq!(doc.hosts()[0].name, "j-1");
    assert_eq!(doc.hosts()[0].stdout.data, "hi\n");
    assert_eq!(doc.summary().counts[&OutcomeKind::Ok], 1);
}

#[test]
fn no_match_runs_nothing_and_exits_4() {
    let fleet = Fleet::start(&["m-1"]);
    let run = fleet.run(&[], "name:nothing-here", "true");
    run.expect_code(4);
    assert_eq!(
        fleet.hosts[0].logins(),
        0,
        "no host was connected to: {run}"
    );
}

fn wait_for_pattern_gone(pattern: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = std::process::Command::new("pgrep")
            .args(["-f", pattern])
            .output()
            .unwrap();
        if !left.status.success() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{pattern} still runs on the host"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A command that says it started (a marker file per host in `dir`), then
/// waits for `dir/go` before it prints `done`.
fn held(dir: &std::path::Path) -> String {
    format!(
        "touch {d}/started-$GALLEY_TEST_HOST; while [ ! -e {d}/go ]; do sleep 0.05; done; echo done",
        d = dir.display()
    )
}

/// Waits until `count` hosts have started the [`held`] command.
fn wait_started(dir: &std::path::Path, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let started = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("started-")
            })
            .count();
        if started >= count {
            return;
        }
        assert!(Instant::now() < deadline, "only {started} hosts started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_first_interrupt_lets_running_hosts_finish_and_skips_the_rest() {
    let fleet = Fleet::start(&["int-1", "int-2", "int-3", "int-4"]);
    let gate = tempfile::tempdir().unwrap();
    let running = fleet
        .galley(&["-C", "1"], "*:*", &held(gate.path()))
        .spawn();
    // One host runs (-C 1); the interrupt comes while it waits.
    wait_started(gate.path(), 1);
    running.signal(libc::SIGINT);
    running.wait_for("starting no more hosts", true);
    std::fs::write(gate.path().join("go"), "").unwrap();
    let run = running.wait();
    run.expect_code(130);
    let lines = fleet.report_lines();
    assert!(lines.first().unwrap().header().is_some());
    let summary = lines.last().unwrap().summary().expect("the summary last");
    assert_eq!(summary.exit_code, 130);
    let records = fleet.host_records();
    assert_eq!(records.len(), 4, "every host is in the report");
    let outcomes: Vec<OutcomeKind> = records.values().map(|r| r.outcome).collect();
    let ok: Vec<&HostRecord> = records
        .values()
        .filter(|r| r.outcome == OutcomeKind::Ok)
        .collect();
    assert_eq!(ok.len(), 1, "the running host finished: {outcomes:?}");
    assert_eq!(
        stdout_of(ok[0]),
        "done\n",
        "a running host finished its command"
    );
    for record in records.values().filter(|r| r.outcome != OutcomeKind::Ok) {
        assert_eq!(record.outcome, OutcomeKind::Skipped, "{record:?}");
        assert_eq!(
            record.reason.as_deref().unwrap(),
            "not started: the run was interrupted"
        );
    }
}

#[test]
fn a_second_interrupt_stops_running_hosts() {
    let fleet = Fleet::start(&["stop-1", "stop-2", "stop-3"]);
    let gate = tempfile::tempdir().unwrap();
    let command = format!(
        "touch {}/started-$GALLEY_TEST_HOST; sleep 30719",
        gate.path().display()
    );
    let running = fleet.galley(&["-C", "2"], "*:*", &command).spawn();
    wait_started(gate.path(), 2);
    running.signal(libc::SIGTERM);
    running.wait_for("starting no more hosts", true);
    running.signal(libc::SIGINT);
    let started = Instant::now();
    let run = running.wait();
    run.expect_code(130);
    assert!(
        run.stderr().contains("again: stopping the running hosts"),
        "{run}"
    );
    assert!(started.elapsed() < Duration::from_secs(15), "{run}");
    let records = fleet.host_records();
    let count = |outcome| records.values().filter(|r| r.outcome == outcome).count();
    assert_eq!(
        (count(OutcomeKind::Cancelled), count(OutcomeKind::Skipped)),
        (2, 1),
        "{records:?}"
    );
    wait_for_pattern_gone("sleep 30719");
}

#[test]
fn retry_failed_runs_only_the_hosts_that_were_not_ok() {
    let fleet = Fleet::start(&["r-1", "r-2", "r-3"]);
    let dir = fleet.dir.path().display().to_string();
    let command = format!(
        "echo run >> {dir}/count-$GALLEY_TEST_HOST; [ \"$GALLEY_TEST_HOST\" != r-2 ] || [ -f {dir}/fixed ]"
    );
    fleet.run(&[], "*:*", &command).expect_code(1);
    let first = fleet.dir.path().join("first.jsonl");
    std::fs::rename(fleet.report(), &first).unwrap();
    std::fs::write(fleet.dir.path().join("fixed"), "").unwrap();
    // A report cut short by a kill is still usable.
    let mut text = std::fs::read_to_string(&first).unwrap();
    text.push_str("{\"type\":\"host\",\"name\":\"r-");
    std::fs::write(&first, text).unwrap();

    let run = fleet.run(
        &["--retry-failed", first.to_str().unwrap()],
        "*:*",
        &command,
    );
    run.expect_code(0);
    assert!(run.stderr().contains("cut short"), "{run}");
    let count = |host: &str| {
        std::fs::read_to_string(fleet.dir.path().join(format!("count-{host}")))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!((count("r-1"), count("r-2"), count("r-3")), (1, 2, 1));
    assert_eq!(fleet.host_records().keys().collect::<Vec<_>>(), ["r-2"]);

    let again = fleet.dir.path().join("second.jsonl");
    std::fs::rename(fleet.report(), &again).unwrap();
    let run = fleet.run(
        &["--retry-failed", again.to_str().unwrap()],
        "*:*",
        &command,
    );
    run.expect_code(0);
    assert!(run.stderr().contains("nothing to retry"), "{run}");
    assert_eq!(count("r-2"), 2);
}

#[test]
fn retry_after_a_kill_also_runs_hosts_the_report_never_mentioned() {
    let fleet = Fleet::start(&["k-1", "k-2"]);
    fleet.run(&[], "name:k-1", "true").expect_code(0);
    // Cut the report after k-1's line, as a SIGKILL would: no summary.
    let text = std::fs::read_to_string(fleet.report()).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("\"type\":\"summary\""))
        .collect();
    let killed = fleet.dir.path().join("killed.jsonl");
    std::fs::write(&killed, kept.join("\n") + "\n").unwrap();
    let run = fleet.run(&["--retry-failed", killed.to_str().unwrap()], "*:*", "true");
    run.expect_code(0);
    assert_eq!(fleet.host_records().keys().collect::<Vec<_>>(), ["k-2"]);
}

#[test]
fn sudo_runs_as_root_or_reports_that_it_wants_a_password() {
    require_user("galley-pass");
    require_user("galley-nopass");
    let fleet = Fleet::start(&["s-1"]);
    let run = fleet.run(&["-x", "galley-nopass", "--sudo"], "*:*", "id -u");
    run.expect_code(0);
    let record = &fleet.host_records()["s-1"];
    assert_eq!(record.user.as_deref().unwrap(), "galley-nopass");
    assert_eq!(stdout_of(record), "0\n");

    let started = Instant::now();
    let run = fleet.run(&["-x", "galley-pass", "--sudo"], "*:*", "id -u");
    run.expect_code(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "sudo must never wait for a password"
    );
    let record = &fleet.host_records()["s-1"];
    assert_eq!(
        record.outcome,
        OutcomeKind::SudoPasswordRequired,
        "{record:?}"
    );
    assert!(run.stdout().contains("sudo_password_required"), "{run}");
    assert!(
        run.stdout()
            .contains("sudo said: sudo: a password is required"),
        "{run}"
    );

    // A command that ran prints sudo's words itself: its own failure,
    // never filed as sudo's refusal.
    let run = fleet.run(
        &["-x", "galley-nopass", "--sudo"],
        "*:*",
        "echo 'sudo: a password is required' >&2; exit 1",
    );
    run.expect_code(1);
    let record = &fleet.host_records()["s-1"];
    assert_eq!(record.outcome, OutcomeKind::Failed, "{record:?}");
}

#[test]
fn timeouts_kill_commands_of_unprivileged_users_and_under_sudo() {
    require_user("galley-pass");
    require_user("galley-nopass");
    let fleet = Fleet::start(&["t-1"]);
    for (extra, pattern) in [
        (&["-x", "galley-pass"][..], "sleep 30721"),
        (&["-x", "galley-nopass", "--sudo"][..], "sleep 30722"),
    ] {
        let mut flags = extra.to_vec();
        flags.extend(["--command-timeout", "1s"]);
        let run = fleet.run(&flags, "*:*", pattern);
        run.expect_code(1);
        assert_eq!(fleet.host_records()["t-1"].outcome.name(), "timeout");
        wait_for_pattern_gone(pattern);
    }
}

#[test]
fn stream_prints_lines_as_they_arrive_with_the_node_name() {
    let fleet = Fleet::start(&["st-1", "st-22"]);
    let gate = tempfile::tempdir().unwrap();
    // Each host prints a line, then waits for a file the test makes only
    // once it has seen that line on galley's stdout.
    let command = format!(
        "echo \"one $GALLEY_TEST_HOST\"; while [ ! -e {}/go ]; do sleep 0.05; done; echo warn >&2; printf 'no newline'",
        gate.path().display()
    );
    let running = fleet
        .galley(&["--output", "stream"], "*:*", &command)
        .spawn();
    running.wait_for("st-1  | one st-1\n", false);
    running.wait_for("st-22 | one st-22\n", false);
    assert!(
        !running.stdout_so_far().contains("warn"),
        "nothing after the gate yet"
    );
    std::fs::write(gate.path().join("go"), "").unwrap();
    let run = running.wait();
    run.expect_code(0);
    let out = run.stdout();
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    // stderr lines are marked with `!`; a last line without a newline is kept
    assert_eq!(
        lines,
        [
            "st-1  ! warn",
            "st-1  | no newline",
            "st-1  | one st-1",
            "st-22 ! warn",
            "st-22 | no newline",
            "st-22 | one st-22"
        ],
        "{run}"
    );
    // each host's lines keep their order
    let st1: Vec<&str> = out.lines().filter(|l| l.starts_with("st-1 ")).collect();
    assert_eq!(st1.last(), Some(&"st-1  | no newline"), "{run}");
    assert!(run.stderr().contains("2 hosts: 2 ok"), "{run}");
}

#[test]
fn a_terminal_gets_a_progress_line_and_a_pipe_does_not() {
    // `script` (util-linux) runs galley on a pseudo-terminal and records what it drew.
    let fleet = Fleet::start(&["p-1", "p-2"]);
    let args = fleet.args(&["-C", "1"], "*:*", "sleep 1");
    let home = tempfile::tempdir().unwrap();
    let typescript = fleet.dir.path().join("typescript");
    let status = std::process::Command::new("script")
        .args(["-qec", &crate::support::shell_line(args, home.path())])
        .arg(&typescript)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script (apt-get install bsdutils)");
    assert!(status.success());
    let drawn = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(
        drawn.contains("/2 hosts"),
        "no progress line on the terminal:\n{drawn}"
    );
    assert!(
        drawn.contains("slowest: p-"),
        "the running host is named:\n{drawn}"
    );

    let run = fleet.run(&[], "*:*", "true");
    assert!(
        !run.stderr().contains("hosts "),
        "no progress line in a pipe: {run}"
    );
}

#[test]
fn ssh_config_supplies_hostname_port_key_and_known_hosts_with_flags_and_nodes_first() {
    let fleet = Fleet::start(&["c-1", "c-2"]);
    let (p1, p2) = (fleet.hosts[0].port, fleet.hosts[1].port);
    let config = fleet.dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host alias-*\n  HostName 127.0.0.1\n  IdentityFile {key}\n  UserKnownHostsFile {known}\n  ConnectTimeout 5\n\
             Host alias-1\n  Port {p1}\nHost alias-2 node-port\n  Port {p2}\n\
             Host jumped\n  ProxyJump root@127.0.0.1:1\nHost *\n  Port 1\n",
            key = client_key().private.display(),
            known = fleet.known_hosts().display(),
        ),
    )
    .unwrap();
    let nodes = serde_json::json!([
        {"name": "c-1", "automatic": {"fqdn": "alias-1"}},
        {"name": "c-2", "automatic": {"fqdn": "alias-2"}},
        // the node's own port wins over ssh_config's Port, as in knife
        {"name": "c-3", "automatic": {"fqdn": "alias-3", "cloud": {"public_ssh_port": p1}}},
        {"name": "j-1", "automatic": {"fqdn": "jumped"}}
    ]);
    std::fs::write(fleet.inventory(), nodes.to_string()).unwrap();
    let inventory = fleet.inventory();
    let report = fleet.report();
    let base = [
        "run",
        "-F",
        config.to_str().unwrap(),
        "--inventory",
        inventory.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--overwrite-report",
    ];
    let mut args = base.to_vec();
    args.extend(["*:*", "--", "echo $GALLEY_TEST_HOST"]);
    let run = galley(&args);
    run.expect_code(1);
    let records = fleet.host_records();
    for (name, port, host) in [("c-1", p1, "c-1"), ("c-2", p2, "c-2"), ("c-3", p1, "c-1")] {
        let r = &records[name];
        assert_eq!(r.outcome, OutcomeKind::Ok, "{name}: {r:?}");
        assert_eq!(r.address.as_deref().unwrap(), "127.0.0.1");
        assert_eq!(r.port.unwrap(), port);
        assert_eq!(stdout_of(r), format!("{host}\n"));
        assert_eq!(
            r.auth.as_deref().unwrap(),
            client_key().private.to_str().unwrap()
        );
    }
    // ProxyJump is followed (here to a closed port): a bastion is never
    // bypassed
    assert_eq!(records["j-1"].outcome, OutcomeKind::Unreachable);
    let reason = |name: &str| records[name].reason.as_deref().unwrap().to_string();
    assert!(
        reason("j-1").contains("gateway root@127.0.0.1:1"),
        "{}",
        reason("j-1")
    );

    // -p wins over everything
    let mut args = base.to_vec();
    args.extend(["-p", "1", "name:c-1", "--", "true"]);
    galley(&args).expect_code(1);
    assert_eq!(fleet.host_records()["c-1"].outcome.name(), "unreachable");
}

#[test]
fn a_bad_ssh_config_is_a_setup_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ssh_config");
    let run_with = |text: &str| {
        std::fs::write(&config, text).unwrap();
        let run = galley(&[
            "run",
            "-F",
            config.to_str().unwrap(),
            "-m",
            "h",
            "--",
            "true",
        ]);
        run.expect_code(3);
        run
    };
    let run = run_with("Host *\n  Port twenty-two\n");
    assert!(
        run.stderr()
            .contains(&format!("{}:2: Bad port 'twenty-two'.", config.display())),
        "{run}"
    );
    // A ProxyJump galley cannot read stops the run, whichever host it is
    // for, as it stops ssh: a bastion is never bypassed.
    let run = run_with("Host other\n  ProxyJump bastion:ssh\n");
    assert!(
        run.stderr().contains(&format!("{}:2: ", config.display()))
            && run.stderr().contains("ProxyJump"),
        "{run}"
    );
}

#[test]
fn one_gateway_session_carries_every_target_within_the_channel_cap() {
    let fleet = Fleet::start(&["gw-1", "gw-2", "gw-3", "gw-4"]);
    let bastion = Sshd::start("bastion");
    let mut known = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    known.push_str(&bastion.known_hosts_line());
    std::fs::write(fleet.known_hosts(), known).unwrap();
    let gateway = format!("root@127.0.0.1:{}", bastion.port);
    let marks = tempfile::tempdir().unwrap();
    // Each host notes when its command started and ended.
    let command = format!(
        "d={}; date +%s.%N >> $d/$GALLEY_TEST_HOST; sleep 1; date +%s.%N >> $d/$GALLEY_TEST_HOST",
        marks.path().display()
    );
    let spans = || -> Vec<(f64, f64)> {
        let mut spans: Vec<(f64, f64)> = fleet
            .hosts
            .iter()
            .map(|h| {
                let text = std::fs::read_to_string(marks.path().join(&h.name)).unwrap();
                let t: Vec<f64> = text.lines().map(|l| l.parse().unwrap()).collect();
                (t[0], t[1])
            })
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        spans
    };
    let overlaps = |spans: &[(f64, f64)]| spans.windows(2).any(|w| w[1].0 < w[0].1);

    let run = fleet.run(
        &["-C", "4", "-G", &gateway, "--gateway-concurrency", "1"],
        "*:*",
        &command,
    );
    run.expect_code(0);
    assert_eq!(bastion.logins(), 1, "one session to the gateway");
    let one_at_a_time = spans();
    assert!(!overlaps(&one_at_a_time), "{one_at_a_time:?}");

    // With room for all four, they run through the gateway together.
    for h in &fleet.hosts {
        std::fs::remove_file(marks.path().join(&h.name)).unwrap();
    }
    let run = fleet.run(
        &["-C", "4", "-G", &gateway, "--gateway-concurrency", "4"],
        "*:*",
        &command,
    );
    run.expect_code(0);
    assert_eq!(bastion.logins(), 2, "again one session for the second run");
    let together = spans();
    assert!(overlaps(&together), "{together:?}");
}

#[test]
fn a_target_only_the_bastion_can_reach_runs_through_the_gateway() {
    use crate::support::{Netns, Run};

    fn galley_in(netns: &str, args: &[&str]) -> Run {
        Galley::new().args(args).in_netns(netns).run()
    }
    let (netns, bastion_ip, target_ip) = Netns::bastion_and_target();
    let key = client_key().public.clone();
    // Start the namespaced servers before anything else holds them.
    let client = netns.names[0].as_str();
    let bastion = Sshd::build("bastion")
        .authorized(&[&key])
        .in_netns(&netns.names[1])
        .at(&bastion_ip)
        .port(22)
        .start();
    let web1 = Sshd::build("hidden-1")
        .authorized(&[&key])
        .in_netns(&netns.names[2])
        .at(&target_ip)
        .port(22)
        .start();
    let web2 = Sshd::build("hidden-2")
        .authorized(&[&key])
        .in_netns(&netns.names[2])
        .at(&target_ip)
        .port(2222)
        .start();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let lines = [
        bastion.known_hosts_line_for(&bastion_ip),
        web1.known_hosts_line_for(&target_ip),
        web2.known_hosts_line_for(&target_ip),
    ];
    std::fs::write(&known, lines.concat()).unwrap();
    let inventory = dir.path().join("nodes.json");
    let nodes = serde_json::json!([
        {"name": "hidden-1", "automatic": {"fqdn": target_ip}},
        {"name": "hidden-2", "automatic": {"fqdn": target_ip, "cloud": {"public_ssh_port": 2222}}}
    ]);
    std::fs::write(&inventory, nodes.to_string()).unwrap();
    let (inventory, known, key_file) = (
        inventory.to_str().unwrap(),
        known.to_str().unwrap(),
        client_key().private.to_str().unwrap(),
    );
    let base = [
        "run",
        "--inventory",
        inventory,
        "--known-hosts",
        known,
        "-i",
        key_file,
        "--output",
        "json",
        "--connect-timeout",
        "3s",
    ];

    // The direct path does not exist from here.
    let mut args = base.to_vec();
    args.extend(["*:*", "--", "echo $GALLEY_TEST_HOST"]);
    let run = galley_in(client, &args);
    run.expect_code(1);
    for host in run.document().hosts() {
        assert_eq!(host.outcome, OutcomeKind::Unreachable, "{host:?}");
    }

    // Through the bastion both run, each verified end to end.
    let gateway = format!("root@{bastion_ip}");
    let mut args = base.to_vec();
    args.extend(["-G", &gateway, "*:*", "--", "echo $GALLEY_TEST_HOST"]);
    let run = galley_in(client, &args);
    run.expect_code(0);
    for host in run.document().hosts() {
        assert_eq!(host.outcome, OutcomeKind::Ok, "{run}");
        assert_eq!(host.stdout.data, format!("{}\n", host.name));
    }

    // The target's own key is still checked: a changed key is refused.
    let impostor_dir = tempfile::tempdir().unwrap();
    let (_, impostor) = keygen(impostor_dir.path(), "impostor", "");
    let forged = format!(
        "{}{target_ip} {}\n{}",
        lines[0],
        impostor
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" "),
        lines[2]
    );
    std::fs::write(known, forged).unwrap();
    let run = galley_in(client, &args);
    run.expect_code(1);
    let doc = run.document();
    let hosts = doc.hosts();
    assert_eq!(hosts[0].outcome, OutcomeKind::HostkeyMismatch, "{run}");
    assert!(
        hosts[0].reason.as_deref().unwrap().contains("changed"),
        "{run}"
    );
    assert_eq!(hosts[1].outcome, OutcomeKind::Ok, "{run}");
    std::fs::write(known, lines.concat()).unwrap();

    // ssh_config ProxyJump does the same, in a Host block, in a Match
    // block (once skipped, and the host then reached directly), and for a
    // gateway reached by its own ProxyCommand.
    let config = dir.path().join("ssh_config");
    let relay = format!(
        "ssh -i {key_file} -o UserKnownHostsFile={known} -o StrictHostKeyChecking=yes -o BatchMode=yes -W %h:%p root@{bastion_ip}"
    );
    for text in [
        format!("Host 10.232.*\n  ProxyJump {gateway}\n"),
        format!("Match host 10.232.*,!{bastion_ip} localuser *\n  ProxyJump {gateway}\n"),
        // ProxyCommand through a real relay: OpenSSH's own client.
        format!("Host {target_ip}\n  ProxyCommand {relay}\n"),
    ] {
        std::fs::write(&config, &text).unwrap();
        let mut args = base.to_vec();
        args.extend([
            "-F",
            config.to_str().unwrap(),
            "*:*",
            "--",
            "echo $GALLEY_TEST_HOST",
        ]);
        let run = galley_in(client, &args);
        run.expect_code(0);
        for host in run.document().hosts() {
            assert_eq!(
                host.stdout.data,
                format!("{}\n", host.name),
                "{text}: {run}"
            );
        }
    }
    // A multi-hop path: the gateway's own ProxyCommand takes galley to the
    // gateway (as `ssh -J` would), never around it.
    let log = dir.path().join("relay.log");
    let relay = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fakes/relay.py");
    std::fs::write(
        &config,
        format!(
            "Host {target_ip}\n  ProxyJump {gateway}\nHost {bastion_ip}\n  ProxyCommand python3 {} {} %h %p\n",
            relay.display(),
            log.display()
        ),
    )
    .unwrap();
    let mut args = base.to_vec();
    args.extend(["-F", config.to_str().unwrap(), "*:*", "--", "true"]);
    galley_in(client, &args).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("{bastion_ip} 22\n"),
        "one relayed session to the gateway carries both targets"
    );
    // A ProxyCommand that fails says what it printed.
    std::fs::write(
        &config,
        format!("Host {target_ip}\n  ProxyCommand echo no route to %h >&2; exit 1\n"),
    )
    .unwrap();
    let mut args = base.to_vec();
    args.extend(["-F", config.to_str().unwrap(), "*:*", "--", "true"]);
    let run = galley_in(client, &args);
    run.expect_code(1);
    let reason = run.document().hosts()[0].reason.clone().unwrap();
    assert!(
        reason.contains("through ProxyCommand")
            && reason.contains(&format!("no route to {target_ip}")),
        "{reason}"
    );

    // A gateway that cannot be reached fails its targets with the reason.
    let mut args = base.to_vec();
    args.extend(["-G", "root@127.0.0.1:1", "*:*", "--", "true"]);
    let run = galley_in(client, &args);
    run.expect_code(1);
    let reason = run.document().hosts()[0].reason.clone().unwrap();
    assert!(reason.contains("gateway root@127.0.0.1:1"), "{reason}");
    drop((web1, web2, bastion));
}

#[test]
fn the_agent_authenticates_and_the_report_says_so() {
    let fleet = Fleet::start(&["ag-1"]);
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("agent.sock");
    let mut agent = std::process::Command::new("ssh-agent")
        .args(["-D", "-a"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("ssh-agent (apt-get install openssh-client)");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "ssh-agent did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let added = std::process::Command::new("ssh-add")
        .arg(&client_key().private)
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "ssh-add: {}",
        String::from_utf8_lossy(&added.stderr)
    );
    let inventory = fleet.inventory();
    let known = fleet.known_hosts();
    let run = Galley::new()
        .args([
            "run",
            "--inventory",
            inventory.to_str().unwrap(),
            "--known-hosts",
            known.to_str().unwrap(),
            "--output",
            "json",
            "*:*",
            "--",
            "true",
        ])
        .env("SSH_AUTH_SOCK", socket.to_str().unwrap())
        .run();
    let _ = agent.kill();
    let _ = agent.wait();
    run.expect_code(0);
    assert_eq!(
        run.document().hosts()[0].auth.as_deref(),
        Some("agent (galley-test-client)"),
        "{run}"
    );
}

#[test]
fn a_host_whose_sshd_dies_mid_command_is_an_error_not_a_hang() {
    let fleet = Fleet::start(&["dies-1"]);
    let args = fleet.args(
        &["--command-timeout", "20s"],
        "*:*",
        "echo started; sleep 30723",
    );
    let started = Instant::now();
    let running = Galley::new().args(args).spawn();
    // Wait until the command runs, then kill every sshd process of that host.
    let deadline = Instant::now() + Duration::from_secs(10);
    // Anchored: galley's own command line holds the words too.
    while !std::process::Command::new("pgrep")
        .args(["-f", "^sleep 30723"])
        .output()
        .unwrap()
        .status
        .success()
    {
        assert!(Instant::now() < deadline, "the command never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    fleet.hosts[0].kill_sessions();
    let run = running.wait();
    run.expect_code(1);
    assert!(started.elapsed() < Duration::from_secs(15), "{run}");
    let record = &fleet.host_records()["dies-1"];
    assert_eq!(record.outcome, OutcomeKind::Error, "{record:?}");
    assert_eq!(record.phase, Some(Phase::Command));
    assert!(
        record
            .reason
            .as_deref()
            .unwrap()
            .contains("connection lost"),
        "{record:?}"
    );
    // The wrapper saw its stdin close with the connection, and killed the command.
    wait_for_pattern_gone("^sleep 30723");
}

#[test]
fn fifty_megabytes_of_output_keep_memory_bounded() {
    let fleet = Fleet::start(&["big-1"]);
    // Random bytes, with no ':' so that no `scheme://...@` can appear by
    // chance (masking one would change the count).
    let args = fleet.args(&[], "*:*", "head -c 50000000 /dev/urandom | tr : ';'");
    let (run, peak_kib) = Galley::new().args(args).run_with_peak_memory();
    run.expect_code(0);
    let stdout = &fleet.host_records()["big-1"].stdout;
    assert_eq!(stdout.dropped_bytes.unwrap(), 50_000_000 - (1 << 20));
    assert!(
        peak_kib < 40 * 1024,
        "galley kept too much in memory: {peak_kib} KiB at peak"
    );
}

#[test]
fn knife_ssh_settings_are_defaults_under_the_flags() {
    require_user("galley-nopass");
    let fleet = Fleet::start(&["kn-1"]);
    // The node's fqdn is a loopback address nothing listens on; its ipaddress works.
    fleet.write_inventory(|mut node| {
        node["automatic"]["fqdn"] = "127.0.0.3".into();
        node["automatic"]["ipaddress"] = "127.0.0.1".into();
        node
    });
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".chef")).unwrap();
    std::fs::write(
        home.path().join(".chef/knife.rb"),
        "knife[:ssh_user] = 'galley-nopass'\nknife[:ssh_attribute] = \"ipaddress\"\n",
    )
    .unwrap();
    let args = fleet.args(&[], "*:*", "id -un");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = Galley::new()
        .args(&args)
        .env("HOME", home.path().to_str().unwrap())
        .run();
    run.expect_code(0);
    let record = &fleet.host_records()["kn-1"];
    assert_eq!(stdout_of(record), "galley-nopass\n");
    // flags win over knife's settings
    let mut with_flags = args.clone();
    with_flags.splice(1..1, ["-x", "root", "-a", "fqdn"]);
    let run = Galley::new()
        .args(&with_flags)
        .env("HOME", home.path().to_str().unwrap())
        .run();
    run.expect_code(1);
    assert_eq!(fleet.host_records()["kn-1"].outcome.name(), "unreachable");
}

#[test]
fn dry_run_shows_the_plan_and_connects_to_nothing() {
    let fleet = Fleet::start(&["web-01", "web-02"]);
    let marker = fleet.dir.path().join("touched");
    let command = format!("touch {}", marker.display());
    let run = fleet.run(&["--dry-run", "-C", "1", "-x", "deploy"], "*:*", &command);
    run.expect_code(0);
    let text = run.stdout();
    assert!(
        text.starts_with(&format!("plan: run `{command}` on 2 hosts, 1 at a time\n")),
        "{text}"
    );
    for host in &fleet.hosts {
        assert!(
            text.contains(&format!("{}  deploy@127.0.0.1:{}", host.name, host.port)),
            "{text}"
        );
    }
    assert!(text.ends_with("--dry-run: nothing was run.\n"), "{text}");
    // galley has exited: whatever it started would have shown by now.
    for host in &fleet.hosts {
        assert_eq!(host.logins(), 0, "{} was connected to", host.name);
    }
    assert!(!marker.exists(), "the command ran");
    assert!(!fleet.report().exists(), "a dry run writes no report");
}

/// A tmpfs of `size` mounted over a fresh folder, unmounted when dropped:
/// a disk that fills up.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs (util-linux; the tests run as root)");
        assert!(status.success(), "mount a tmpfs (run the tests as root)");
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_report_disk_that_fills_mid_run_loses_no_host() {
    let names = ["disk-1", "disk-2", "disk-3", "disk-4", "disk-5", "disk-6"];
    let fleet = Fleet::start(&names);
    let disk = SmallDisk::mount("600k");
    let report = disk.dir.path().join("report.jsonl");
    // Each host prints 150 KB, which its record keeps: the disk fills
    // after a few hosts.
    let with_report = |args: Vec<String>, path: &std::path::Path| -> Vec<String> {
        let fleet_report = fleet.report().to_str().unwrap().to_string();
        args.into_iter()
            .map(|a| {
                if a == fleet_report {
                    path.to_str().unwrap().to_string()
                } else {
                    a
                }
            })
            .collect()
    };
    let run = Galley::new()
        .args(with_report(
            fleet.args(&["-C", "1"], "*:*", "head -c 150000 /dev/zero | tr '\\0' x"),
            &report,
        ))
        .run();
    run.expect_code(3);
    // Every host reaches the operator: the summary has all six.
    assert!(run.stdout().contains("6 hosts: 6 ok"), "{run}");
    // Every line of the report is whole.
    let lines = crate::support::report_lines(&report);
    let recorded: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.host())
        .map(|h| h.name.as_str())
        .collect();
    let last = lines.last().unwrap();
    let lost = last.unrecorded().unwrap_or_else(|| panic!("{last:?}"));
    let missing: Vec<&str> = lost.hosts.iter().map(String::as_str).collect();
    assert!(
        !missing.is_empty() && !recorded.is_empty(),
        "{recorded:?} {missing:?}"
    );
    let mut all: Vec<&str> = recorded.iter().chain(&missing).copied().collect();
    all.sort();
    assert_eq!(
        all, names,
        "each host is recorded or named as missing, once"
    );
    let said = run.stderr();
    assert!(
        said.contains("No space left on device")
            && said.contains(&format!(
                "that finished are not in it: {}",
                galley::hostlist::fold(&missing)
            ))
            && said.contains("--resume and --retry-failed will not run them again"),
        "{run}"
    );

    // Resuming from that report runs none of them again: they ran.
    let copy = fleet.report().with_extension("cut.jsonl");
    std::fs::copy(&report, &copy).unwrap();
    drop(disk);
    let logins = fleet.hosts.iter().map(|h| h.logins()).sum::<usize>();
    let run = Galley::new()
        .args(with_report(
            fleet.args(&["--resume", copy.to_str().unwrap()], "*:*", "true"),
            &copy,
        ))
        .run();
    assert!(
        run.stderr().contains(&format!(
            "{} ran, but the report could not record their outcomes",
            galley::hostlist::fold(&missing)
        )),
        "{run}"
    );
    assert_eq!(
        fleet.hosts.iter().map(|h| h.logins()).sum::<usize>(),
        logins,
        "no host ran again: {run}"
    );
}
