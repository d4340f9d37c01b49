//! The first hour: the mistakes a new operator makes, each met by one
//! message that says what to do, before any host is touched.

use crate::support::{fixture_inventory, galley, keygen_with, Galley};

#[test]
fn a_missing_key_file_stops_the_run_once_and_names_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen_with(dir.path(), "client", &["-t", "ed25519", "-N", ""]);
    let typo = dir.path().join("clinet");
    // Two hosts nobody listens on: a check per host would end them
    // connect_failed with exit 1; the key is refused before either.
    let run = galley(&[
        "run",
        "-m",
        "127.0.0.1,127.0.0.2",
        "-p",
        "1",
        "-i",
        typo.to_str().unwrap(),
        "--",
        "true",
    ]);
    run.expect_code(3);
    let said = run.stderr();
    assert!(
        said.contains(&format!("identity file {} does not exist", typo.display()))
            && said.contains(&format!("did you mean {}?", key.display())),
        "{run}"
    );
    assert_eq!(
        said.matches("does not exist").count(),
        1,
        "said once: {run}"
    );
    assert!(
        !run.stdout().contains("connect_failed"),
        "no host was tried: {run}"
    );
}

#[test]
fn a_public_key_given_for_the_private_one_is_named_with_the_private_path() {
    let dir = tempfile::tempdir().unwrap();
    let (key, _) = keygen_with(dir.path(), "client", &["-t", "ed25519", "-N", ""]);
    let public = format!("{}.pub", key.display());
    let run = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-p",
        "1",
        "-i",
        &public,
        "--",
        "true",
    ]);
    run.expect_code(3);
    assert!(
        run.stderr().contains(&format!(
            "identity file {public} is a public key: pass the private key: -i {}",
            key.display()
        )),
        "{run}"
    );

    let folder = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-i",
        dir.path().to_str().unwrap(),
        "--",
        "true",
    ]);
    folder.expect_code(3);
    assert!(
        folder.stderr().contains("is a folder, not a key file"),
        "{folder}"
    );

    // A device that never ends is refused, not read.
    let endless = galley(&["run", "-m", "127.0.0.1", "-i", "/dev/zero", "--", "true"]);
    endless.expect_code(3);
    assert!(
        endless.stderr().contains("is not a regular file"),
        "{endless}"
    );

    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my key is on the other laptop\n").unwrap();
    let text = galley(&[
        "run",
        "-m",
        "127.0.0.1",
        "-i",
        notes.to_str().unwrap(),
        "--",
        "true",
    ]);
    text.expect_code(3);
    assert!(text.stderr().contains("holds no private key"), "{text}");
}

#[test]
fn a_flag_the_command_line_makes_meaningless_is_refused_not_dropped() {
    let run = galley(&[
        "run",
        "--inventory",
        "/nonexistent",
        "-m",
        "host1",
        "--",
        "true",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("--inventory has no effect with -m"),
        "{run}"
    );
    // From the environment it is a default, not a request: -m wins quietly.
    let env = Galley::new()
        .args(["run", "--dry-run", "-m", "host1", "--", "true"])
        .env("GALLEY_INVENTORY", "/nonexistent")
        .run();
    env.expect_code(0);

    let inventory = fixture_inventory();
    let rows = galley(&[
        "search",
        "--search-rows",
        "5",
        "--inventory",
        inventory.to_str().unwrap(),
        "*:*",
    ]);
    rows.expect_code(2);
    assert!(
        rows.stderr().contains("--search-rows has no effect here"),
        "{rows}"
    );
}

#[test]
fn a_dry_run_names_the_report_the_run_would_write() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rotation.jsonl");
    let run = galley(&[
        "run",
        "--dry-run",
        "--report",
        report.to_str().unwrap(),
        "-m",
        "host1",
        "--",
        "true",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains(&format!(
            "report: {}, a new file; --dry-run writes none",
            report.display()
        )),
        "{run}"
    );
    assert!(!report.exists(), "a dry run writes no report");
}

#[test]
fn hosts_not_ok_the_same_way_are_one_line_and_the_retry_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.jsonl");
    // Nobody listens on port 1 of these loopback addresses.
    let run = galley(&[
        "run",
        "-m",
        "127.0.0.[1-4]",
        "-p",
        "1",
        "--report",
        report.to_str().unwrap(),
        "--",
        "true",
    ]);
    run.expect_code(1);
    let out = run.stdout();
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "not ok:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(
        rows,
        ["  127.0.0.[1-4] (4 hosts)  unreachable  connect: connection to [<host>]:1 refused"],
        "{run}"
    );
    assert!(
        run.stderr().contains(&format!(
            "to run only the 4 hosts not ok again: the same command with --resume {}",
            report.display()
        )),
        "{run}"
    );
    let without = galley(&["run", "-m", "127.0.0.1", "-p", "1", "--", "true"]);
    without.expect_code(1);
    assert!(
        without
            .stderr()
            .contains("this run wrote no report: with --report FILE, --resume FILE"),
        "{without}"
    );
}

#[test]
fn a_misspelt_field_or_value_is_named_with_the_nearest_that_exists() {
    let inventory = fixture_inventory();
    let search = |query: &str| {
        let run = galley(&["search", "--inventory", inventory.to_str().unwrap(), query]);
        run.expect_code(4);
        run.stderr()
    };
    let said = search("chef_enviroment:gprd");
    assert!(
        said.contains("hint: no node has a field chef_enviroment: did you mean chef_environment?"),
        "{said}"
    );
    let said = search("chef_environment:gprod AND roles:web");
    assert!(
        said.contains(
            "hint: no node has chef_environment:gprod: did you mean chef_environment:gprd?"
        ),
        "{said}"
    );
    // The count is what that query selects.
    let parts = galley(&[
        "search",
        "--format",
        "json",
        "--inventory",
        inventory.to_str().unwrap(),
        "roles:*web*",
    ]);
    let parts = parts.json().as_array().unwrap().len();
    assert!(
        said.contains(&format!(
            "hint: no node has roles:web: a term matches a whole word; roles:*web* would select {parts} nodes"
        )),
        "{said}"
    );
    // Terms that each match give no hint: together they select nothing.
    let said = search("chef_environment:gprd AND chef_environment:gstg");
    assert!(!said.contains("hint:"), "{said}");
}

#[test]
fn a_chef_servers_completion_index_names_the_field_it_has_seen() {
    let server = crate::support::Goiardi::start();
    let admin = server.client("admin", "admin", galley::chef::signing::SignVersion::V1_3);
    admin
        .post(
            "/nodes",
            &serde_json::json!({"name": "web-1", "chef_type": "node", "json_class": "Chef::Node", "chef_environment": "_default", "automatic": {"fqdn": "web-1"}}),
        )
        .unwrap();
    crate::support::wait_indexed(&admin, 1);
    let cache = tempfile::tempdir().unwrap();
    let cached = |args: &[&str]| {
        server
            .galley_cmd(args)
            .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
            .run()
    };
    cached(&["search", "*:*"]).expect_code(0);
    let run = cached(&["search", "chef_enviroment:_default"]);
    run.expect_code(4);
    assert!(
        run.stderr().contains(
            "hint: no node galley has seen on this server has a field chef_enviroment: did you mean chef_environment?"
        ),
        "{run}"
    );
}
