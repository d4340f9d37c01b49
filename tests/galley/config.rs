//! `galley config`: knife's files found as knife finds them, flags on top,
//! the key never shown.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::{clean, Run};

fn config_in(cwd: &Path, home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let (mut cmd, _home) = clean(env!("CARGO_BIN_EXE_galley"));
    cmd.arg("config")
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("KNIFE_HOME");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        output: cmd.output().unwrap(),
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn settings_come_with_their_source_and_the_key_stays_hidden() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let repo = root.path().join("repo");
    write(
        &home.join(".chef/credentials"),
        "[default]\nclient_name = \"alice\"\nchef_server_url = \"https://chef.example.com/organizations/acme\"\n\
         [prod]\nclient_name = \"deploy\"\nclient_key = \"\"\"\n-----BEGIN RSA PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END RSA PRIVATE KEY-----\n\"\"\"\n",
    );
    write(&repo.join(".chef/config.rb"), "current_dir = File.dirname(__FILE__)\nnode_name \"bob\"\nclient_key \"#{current_dir}/bob.pem\"\n");
    write(&repo.join(".chef/bob.pem"), "not really a key");
    std::fs::set_permissions(
        repo.join(".chef/bob.pem"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();

    let run = config_in(&repo, &home, &[], &[]);
    run.expect_code(0);
    let out = run.stdout();
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in\n{out}"))
            .to_string()
    };
    assert!(
        line("client_name").contains("bob") && line("client_name").contains("config.rb:2"),
        "{out}"
    );
    assert!(
        line("chef_server_url").contains("https://chef.example.com/organizations/acme")
            && line("chef_server_url").contains("credentials [default]"),
        "{out}"
    );
    assert!(line("client_key").contains("bob.pem"), "{out}");
    assert!(
        run.stderr()
            .contains("can be read by group or others (mode 644)"),
        "{run}"
    );

    // Another profile with an inline key: the key is never printed.
    let run = config_in(
        root.path(),
        &home,
        &["--format", "json"],
        &[("CHEF_PROFILE", "prod")],
    );
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["client_name"]["value"], "deploy");
    assert_eq!(doc["client_key"]["value"], "(inline PEM, hidden)");
    assert!(
        !run.stdout().contains("TOPSECRET") && !run.stderr().contains("TOPSECRET"),
        "{run}"
    );

    // Flags win.
    let run = config_in(
        &repo,
        &home,
        &[
            "-u",
            "carol",
            "--server-url",
            "https://other/organizations/x",
        ],
        &[],
    );
    let out = run.stdout();
    assert!(
        out.lines()
            .any(|l| l.starts_with("client_name") && l.contains("carol") && l.contains("--user")),
        "{out}"
    );
}

#[test]
fn ruby_galley_cannot_read_is_a_setup_error_with_the_line() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    write(
        &home.join(".chef/knife.rb"),
        "chef_server_url ENV.fetch('CHEF_URL')\n",
    );
    let run = config_in(root.path(), &home, &[], &[]);
    run.expect_code(3);
    assert!(run.stderr().contains("knife.rb:1: chef_server_url is Ruby code galley cannot evaluate; write it as a string literal, or pass --server-url"), "{run}");
}
