//! `galley config`: knife's files found as knife finds them, flags on top,
//! the key never shown.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support::{Galley, Run};

fn config_in(cwd: &Path, home: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    envs.iter()
        .fold(
            Galley::new()
                .args(["config"])
                .args(args)
                .current_dir(cwd)
                .env("HOME", home.to_str().unwrap())
                .env_remove("KNIFE_HOME"),
            |galley, (k, v)| galley.env(k, v),
        )
        .run()
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

    // The literal reader names the line (the Ruby path is tested below).
    let run = config_in(&repo, &home, &[], &[NO_RUBY]);
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

/// A PATH with no ruby on it (galley itself needs none to read config).
const NO_RUBY: (&str, &str) = ("PATH", "/nonexistent");

#[test]
fn without_ruby_other_ruby_is_a_setup_error_with_the_line_and_the_way_out() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    write(
        &home.join(".chef/knife.rb"),
        "chef_server_url ENV.fetch('CHEF_URL')\n",
    );
    let run = config_in(root.path(), &home, &[], &[NO_RUBY]);
    run.expect_code(3);
    assert!(run.stderr().contains("knife.rb:1: chef_server_url is Ruby code galley cannot read without Ruby; write it as a string literal, pass --server-url, or install Ruby"), "{run}");
}

// Chef's own starter kit: `user = ENV['OPSCODE_USER'] || ENV['USER']`,
// then `node_name user` (refused at line 3 without Ruby), and
// `ENV.fetch` with a default.
#[test]
fn with_ruby_the_file_is_evaluated_as_knife_does_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let repo = root.path().join("repo");
    write(
        &repo.join(".chef/knife.rb"),
        "current_dir = File.dirname(__FILE__)\nuser = ENV['OPSCODE_USER'] || ENV['USER']\nnode_name user\n\
         client_key \"#{current_dir}/#{user}.pem\"\n\
         chef_server_url ENV.fetch('CHEF_SERVER_URL', 'https://chef.example.com/organizations/acme')\n\
         knife[:ssh_user] = ENV['USER']\nputs 'noise on stdout'\nknife[:editor] = 'vim'\n",
    );
    let run = config_in(
        &repo,
        &home,
        &["-c", ".chef/knife.rb"],
        &[("USER", "carol")],
    );
    run.expect_code(0);
    let out = run.stdout();
    let knife = repo.join(".chef/knife.rb");
    for wanted in [
        "https://chef.example.com/organizations/acme".to_string(),
        "carol".to_string(),
        // The folder once came twice with a relative -c (.chef/.chef/).
        repo.join(".chef/carol.pem").display().to_string(),
        "(evaluated by ruby)".to_string(),
    ] {
        assert!(out.contains(&wanted), "{wanted} in:\n{run}");
    }
    assert!(!out.contains(".chef/.chef"), "{run}");
    assert!(
        out.contains(&knife.display().to_string()) || out.contains(".chef/knife.rb"),
        "{run}"
    );
    // A file that raises names the line.
    write(
        &repo.join(".chef/knife.rb"),
        "node_name 'x'\nraise 'no CHEF_URL here'\n",
    );
    let run = config_in(&repo, &home, &["-c", ".chef/knife.rb"], &[]);
    run.expect_code(3);
    assert!(
        run.stderr()
            .contains("knife.rb:2: ruby could not evaluate it: RuntimeError: no CHEF_URL here"),
        "{run}"
    );
}

// A real knife.rb that checks its environment and stops (seen in the wild:
// `puts "[!] You have to export ..."; exit!(1)`): galley shows what it
// printed, as knife would, masked and with control characters escaped.
#[test]
fn a_knife_rb_that_stops_shows_what_it_printed() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let repo = root.path().join("repo");
    write(
        &repo.join(".chef/knife.rb"),
        "puts 'mirror: https://deploy:glpat-SECRET123@gitlab.example/x'\n\
         puts \"\\e[31mred\\e[0m\"\n\
         unless ENV['CHEF_ORGANIZATION']\n\
           puts '[!] You have to export the CHEF_ORGANIZATION environment variable'\n\
           exit!(1)\n\
         end\n",
    );
    let run = config_in(&repo, &home, &["-c", ".chef/knife.rb"], &[]);
    run.expect_code(3);
    let said = run.stderr();
    assert!(
        said.contains("ruby exited with exit status: 1; it printed:")
            && said.contains("[!] You have to export the CHEF_ORGANIZATION environment variable"),
        "{run}"
    );
    assert!(
        !said.contains("SECRET123"),
        "a token it printed is masked: {run}"
    );
    assert!(
        !said.contains('\x1b') && said.contains("\\e[31mred"),
        "{run}"
    );
    // With the variable set, the same file reads.
    let run = config_in(
        &repo,
        &home,
        &["-c", ".chef/knife.rb"],
        &[("CHEF_ORGANIZATION", "acme")],
    );
    run.expect_code(0);
}

// A relative -c once applied the file's folder twice to
// `#{current_dir}/op.pem` in the literal reader too.
#[test]
fn the_literal_reader_resolves_current_dir_once() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let repo = root.path().join("repo");
    write(
        &repo.join(".chef/knife.rb"),
        "current_dir = File.dirname(__FILE__)\nnode_name 'op'\nclient_key \"#{current_dir}/op.pem\"\nchef_server_url 'https://c/organizations/o'\n",
    );
    let run = config_in(&repo, &home, &["-c", ".chef/knife.rb"], &[NO_RUBY]);
    run.expect_code(0);
    assert!(
        run.stdout()
            .contains(&repo.join(".chef/op.pem").display().to_string()),
        "{run}"
    );
    assert!(!run.stdout().contains(".chef/.chef"), "{run}");
}

/// Chef's own reading of a config file (Debian's ruby-chef-config: the
/// ChefConfig::Config that knife evaluates knife.rb into), the oracle the
/// corpus is read against.
const CHEF_ORACLE: &str = r##"
require 'json'
require 'chef-config/config'
module Chef; Config = ChefConfig::Config; end
path = File.expand_path(ARGV[0])
out = $stdout; $stdout = $stderr
begin
  ChefConfig::Config.from_file(path)
rescue Exception => e
  out.puts JSON.generate({ 'error' => "#{e.class}: #{e.message}" }); exit 0
end
c = ChefConfig::Config
text = ->(v) { v.nil? ? nil : v.to_s }
settings = {}
%w[chef_server_url node_name client_name client_key ssl_verify_mode trusted_certs_dir ssl_ca_file].each do |k|
  settings[k] = c.key?(k.to_sym) ? text.(c[k.to_sym]) : nil
end
knife = {}
%w[ssh_user ssh_attribute ssh_gateway].each { |k| knife[k] = text.(c[:knife][k.to_sym]) }
out.puts JSON.generate({ 'settings' => settings, 'knife' => knife })
"##;

fn oracle(file: &Path, envs: &[(&str, &str)]) -> galley::chef::ruby::Evaluated {
    let out = std::process::Command::new("ruby")
        .arg("-e")
        .arg(CHEF_ORACLE)
        .arg("--")
        .arg(file)
        .envs(envs.iter().copied())
        .output()
        .expect("ruby and Chef's config (apt-get install ruby ruby-chef-config)");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("{}: oracle said {text}: {e}", file.display()))
}

// At least 30 real knife.rb files (fixtures/knife-corpus/CREDITS.md), read
// by galley both ways: with Ruby, galley must agree with Chef's own
// ChefConfig on every setting it uses; without, it may refuse a file but
// must never return a value Chef would not.
#[test]
fn the_corpus_is_read_as_chef_reads_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/knife-corpus");
    let home = tempfile::tempdir().unwrap();
    let home_text = home.path().to_str().unwrap();
    let envs = [("HOME", home_text), ("USER", "op"), ("LANG", "C.UTF-8")];
    let ruby = galley::chef::ruby::find_ruby().expect("ruby on PATH (apt-get install ruby)");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rb"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} files", files.len());
    let (mut evaluated_right, mut literal_right, mut literal_refused, mut chef_refused) =
        (0, 0, 0, 0);
    for file in &files {
        let chef = oracle(file, &envs);
        let ours = galley::chef::ruby::evaluate_with(&ruby, file, &envs).unwrap();
        if chef.error.is_some() {
            // Chef cannot read it either (a plugin not installed, an
            // environment variable not set): galley must not invent values.
            chef_refused += 1;
            assert!(
                ours.error.is_some(),
                "{}: Chef refused ({:?}), galley read {ours:?}",
                file.display(),
                chef.error
            );
        } else {
            assert_eq!(ours.error, None, "{}", file.display());
            assert_eq!(
                (&ours.settings, &ours.knife),
                (&chef.settings, &chef.knife),
                "{}",
                file.display()
            );
            evaluated_right += 1;
        }
        // The literal reader, with no Ruby.
        let inputs = galley::chef::config::Inputs {
            home: home.path().to_path_buf(),
            cwd: dir.clone(),
            config_file: Some(file.clone()),
            ..Default::default()
        };
        match galley::chef::config::load(&inputs) {
            Err(_) => literal_refused += 1,
            Ok(config) => {
                let wanted = |name: &str| chef.settings.get(name).cloned().flatten();
                let name = wanted("client_name").or_else(|| wanted("node_name"));
                let key = wanted("client_key").map(|k| {
                    let p = std::path::PathBuf::from(&k);
                    if p.is_absolute() { p } else { dir.join(p) }
                        .display()
                        .to_string()
                });
                let got_key = config.client_key.map(|k| k.value.to_string());
                let got = (
                    config.server_url.map(|s| s.value),
                    config.client_name.map(|s| s.value),
                    got_key,
                    config.ssh_user.map(|s| s.value),
                    config.ssh_attribute.map(|s| s.value),
                );
                let chef_view = (
                    wanted("chef_server_url"),
                    name,
                    key,
                    chef.knife.get("ssh_user").cloned().flatten(),
                    chef.knife.get("ssh_attribute").cloned().flatten(),
                );
                if chef.error.is_none() {
                    assert_eq!(
                        got,
                        chef_view,
                        "{}: the literal reader read a value Chef does not",
                        file.display()
                    );
                }
                literal_right += 1;
            }
        }
    }
    // The shares the README gives.
    assert_eq!((files.len(), evaluated_right, chef_refused), (33, 30, 3));
    assert_eq!(
        (literal_right, literal_refused),
        (LITERAL_RIGHT, 33 - LITERAL_RIGHT)
    );
}

/// How many corpus files the literal reader reads (README).
const LITERAL_RIGHT: usize = 25;

// config.rb is code: galley runs it only when it needs the Chef server,
// never for an inventory or a host list.
#[test]
fn the_config_file_runs_only_when_the_chef_server_is_needed() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let marker = root.path().join("ran");
    write(
        &home.join(".chef/knife.rb"),
        &format!(
            "File.write('{}', 'ran')\nchef_server_url 'https://c.example.com/organizations/o'\nknife[:ssh_user] = 'deploy'\n",
            marker.display()
        ),
    );
    let inventory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/inventory");
    Galley::new()
        .args([
            "run",
            "--dry-run",
            "--inventory",
            inventory.to_str().unwrap(),
            "name:web-01-sv-gprd",
            "--",
            "true",
        ])
        .env("HOME", home.to_str().unwrap())
        .run()
        .expect_code(0);
    assert!(!marker.exists(), "an inventory run evaluated knife.rb");
    Galley::new()
        .args(["run", "--dry-run", "-m", "h1", "--", "true"])
        .env("HOME", home.to_str().unwrap())
        .run()
        .expect_code(0);
    assert!(!marker.exists(), "a host-list run evaluated knife.rb");
    let run = config_in(root.path(), &home, &[], &[]);
    run.expect_code(0);
    assert!(marker.exists(), "galley config evaluates it: {run}");
    // A run from the Chef server needs its settings at several stages (the
    // knife ssh defaults, the search): the file runs once.
    std::fs::remove_file(&marker).unwrap();
    write(
        &home.join(".chef/knife.rb"),
        &format!(
            "File.write('{}', 'x', mode: 'a')\nchef_server_url 'http://127.0.0.1:1/organizations/o'\nnode_name 'op'\nclient_key '/dev/null'\n",
            marker.display()
        ),
    );
    let run = Galley::new()
        .args(["run", "--server-timeout", "2s", "name:web-01", "--", "true"])
        .env("HOME", home.to_str().unwrap())
        .run();
    // The server is not there.
    run.expect_code(3);
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "x", "{run}");
}
