//! Completion through the binary, the way each shell's registration calls
//! it (`COMPLETE=SHELL galley -- WORDS`), and in a real interactive bash.

use std::path::Path;

use crate::support::{fixture_inventory, galley, Galley, Goiardi};

/// What `shell` would be offered for the last word of `words` (the words
/// after `galley`), with `home` as HOME. `typed` is bash's word as typed
/// (with an opening quote), when it differs.
fn offered(shell: &str, home: &Path, words: &[&str], typed: Option<&str>) -> Vec<String> {
    let mut line = vec!["--", "galley"];
    line.extend(words);
    let index = words.len().to_string();
    let mut cmd = Galley::new()
        .args(line)
        .env("HOME", home.to_str().unwrap())
        .env("COMPLETE", shell);
    // What each registration sets (clap_complete's env/shells.rs).
    let separator = match shell {
        "bash" => {
            cmd = cmd
                .env("_CLAP_IFS", "\u{b}")
                .env("_CLAP_COMPLETE_INDEX", &index)
                .env("_CLAP_COMPLETE_COMP_TYPE", "9")
                .env("_CLAP_COMPLETE_SPACE", "false");
            if let Some(typed) = typed {
                cmd = cmd.env("_GALLEY_WORD", typed);
            }
            '\u{b}'
        }
        "zsh" => {
            cmd = cmd
                .env("_CLAP_IFS", "\n")
                .env("_CLAP_COMPLETE_INDEX", &index);
            '\n'
        }
        _ => '\n',
    };
    let run = cmd.run();
    run.expect_code(0);
    run.stdout()
        .split(separator)
        .filter(|c| !c.is_empty())
        .map(|c| c.split('\t').next().unwrap().to_string())
        .collect()
}

fn inv() -> String {
    fixture_inventory().display().to_string()
}

#[test]
fn query_fields_then_values_complete_in_every_shell() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    for shell in ["bash", "zsh", "fish"] {
        let fields = offered(
            shell,
            home,
            &["search", "--inventory", &inv(), "chef_env"],
            None,
        );
        let wanted = if shell == "zsh" {
            r"chef_environment\:"
        } else {
            "chef_environment:"
        };
        assert_eq!(fields, [wanted], "{shell}");
        let values = offered(
            shell,
            home,
            &["search", "--inventory", &inv(), "chef_environment:"],
            None,
        );
        let plain: Vec<String> = values.iter().map(|v| v.replace('\\', "")).collect();
        assert_eq!(
            plain,
            [
                "chef_environment:gprd",
                "chef_environment:gstg",
                "chef_environment:ops",
                "chef_environment:pre"
            ],
            "{shell}"
        );
    }
    // A value with colons: escaped as a query needs, quoted as the shell
    // needs (bash inserts candidates as they are; zsh and fish quote).
    let words = ["run", "--inventory", &inv(), "recipes:omnibus-gitlab\\:"];
    assert_eq!(
        offered(
            "bash",
            home,
            &words[..3]
                .iter()
                .copied()
                .chain(["recipes:omnibus"])
                .collect::<Vec<_>>(),
            None
        ),
        [
            "'recipes:omnibus-gitlab'",
            r"'recipes:omnibus-gitlab\:\:default'"
        ]
    );
    assert_eq!(
        offered("bash", home, &words, Some(r"'recipes:omnibus-gitlab\:")),
        [r"recipes:omnibus-gitlab\:\:default"],
        "inside the quote the user opened"
    );
    // zsh and fish pass the word as it stands on the line, shell quoting
    // and all (`\\:` typed for `\:`), and quote what they insert.
    let inventory = inv();
    let typed = [
        "run",
        "--inventory",
        &inventory,
        r"recipes:omnibus-gitlab\\:",
    ];
    assert_eq!(
        offered("fish", home, &typed, None),
        [r"recipes:omnibus-gitlab\:\:default"]
    );
    assert_eq!(
        offered("zsh", home, &typed, None),
        [r"recipes\:omnibus-gitlab\\\:\\\:default"]
    );
    // Later terms of a quoted query, and operators, keep what precedes.
    assert_eq!(
        offered(
            "fish",
            home,
            &[
                "search",
                "--inventory",
                &inv(),
                "chef_environment:gprd AND -roles:packageclo"
            ],
            None
        ),
        ["chef_environment:gprd AND -roles:packagecloud"]
    );
}

// Completing never reaches a Chef server: values come from what earlier
// commands found there, kept in the cache without keys or whole nodes.
#[test]
fn the_index_comes_from_earlier_searches_and_holds_only_names_and_fields() {
    let server = Goiardi::start();
    let home = tempfile::tempdir().unwrap();
    let client = server.client("admin", "admin", galley::chef::signing::SignVersion::V1_3);
    let mut node = serde_json::json!({"name": "db-01-sv-gprd", "chef_environment": "gprd", "json_class": "Chef::Node", "chef_type": "node",
        "run_list": ["role[postgres]", "recipe[gitlab-patroni::default]"], "normal": {"tags": ["primary"]}, "default": {}, "override": {},
        "automatic": {"fqdn": "db-01.example.com", "ipaddress": "10.9.8.7", "platform": "ubuntu", "platform_version": "22.04",
                      "secret_token": "glpat-DoNotIndexMe"}});
    client.post("/nodes", &node).unwrap();
    node["name"] = "db-02-sv-gstg".into();
    node["chef_environment"] = "gstg".into();
    client.post("/nodes", &node).unwrap();
    crate::support::wait_indexed(&client, 2);
    server
        .galley_cmd(&["search", "*:*"])
        .env("HOME", home.path().to_str().unwrap())
        .run()
        .expect_code(0);
    // No --inventory: the values come from the index, with no server asked.
    drop(server);
    let envs = offered("fish", home.path(), &["search", "chef_environment:"], None);
    assert_eq!(envs, ["chef_environment:gprd", "chef_environment:gstg"]);
    let roles = offered("bash", home.path(), &["converge", "roles:p"], None);
    assert_eq!(roles, ["roles:postgres"]);
    let names = offered(
        "bash",
        home.path(),
        &["run", "-m", "db-01-sv-gprd,db-0"],
        None,
    );
    assert_eq!(
        names,
        ["db-01-sv-gprd,db-01-sv-gprd", "db-01-sv-gprd,db-02-sv-gstg"]
    );
    let hosts = offered("bash", home.path(), &["report", "history", "db-0"], None);
    assert_eq!(hosts, ["db-01-sv-gprd", "db-02-sv-gstg"]);
    // The index holds names and the completed fields, nothing else.
    let dir = home.path().join(".cache/galley");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in ["glpat", "10.9.8.7", "BEGIN", "PRIVATE"] {
            assert!(
                !text.contains(secret),
                "{} holds {secret}: {text}",
                path.display()
            );
        }
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("nodes-")
        {
            let index: serde_json::Value = serde_json::from_str(&text).unwrap();
            let fields: Vec<&String> = index["fields"].as_object().unwrap().keys().collect();
            for field in fields {
                assert!(
                    galley::complete::index::FIELDS.contains(&field.as_str()),
                    "{field}"
                );
            }
            seen += 1;
        }
    }
    assert_eq!(seen, 1, "one index for the one server");
}

#[test]
fn profiles_reports_backups_ctl_and_services_come_from_what_was_used() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_str().unwrap();
    std::fs::create_dir_all(home.path().join(".chef")).unwrap();
    std::fs::write(
        home.path().join(".chef/credentials"),
        "[default]\nclient_name = 'a'\n[gprd-admin]\nclient_name = 'b'\n",
    )
    .unwrap();
    assert_eq!(
        offered("bash", home.path(), &["search", "--profile", "gp"], None),
        ["gprd-admin"]
    );

    // Runs on a host that is not there still record what they used.
    let report = home.path().join("license.jsonl");
    let unreachable = ["-m", "127.0.0.1", "-p", "1", "--connect-timeout", "1s"];
    let mut restart = vec!["restart"];
    restart.extend(unreachable);
    restart.extend([
        "unicorn",
        "--ctl",
        "packagecloud-ctl",
        "--report",
        report.to_str().unwrap(),
    ]);
    // The services after the host list.
    restart.insert(restart.len() - 4, "nginx");
    Galley::new()
        .args(&restart)
        .env("HOME", h)
        .run()
        .expect_code(1);
    let mut remove = vec!["apt-sources", "--match", "gitlab_pre-release", "--remove"];
    remove.extend(unreachable);
    Galley::new()
        .args(&remove)
        .env("HOME", h)
        .run()
        .expect_code(1);

    assert_eq!(
        offered(
            "bash",
            home.path(),
            &["restart", "web", "--ctl", "pack"],
            None
        ),
        ["packagecloud-ctl"]
    );
    assert_eq!(
        offered(
            "bash",
            home.path(),
            &["fixup", "web", "--restart", "unicorn,n"],
            None
        ),
        ["unicorn,nginx"]
    );
    let backups = offered(
        "bash",
        home.path(),
        &["apt-sources", "web", "--restore", "apt"],
        None,
    );
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert!(backups[0].starts_with("apt-sources-20"), "{backups:?}");
    let reports = offered("bash", home.path(), &["report", "show", "/"], None);
    assert!(
        reports.contains(&report.display().to_string()),
        "{reports:?}"
    );
    // A report that is gone is not offered.
    std::fs::remove_file(&report).unwrap();
    assert!(
        !offered("bash", home.path(), &["report", "show", "/"], None)
            .contains(&report.display().to_string())
    );
}

#[test]
fn the_completions_command_prints_the_registration_line() {
    assert_eq!(
        galley(&["completions", "bash"]).stdout(),
        "source <(COMPLETE=bash galley)\n"
    );
    assert_eq!(
        galley(&["completions", "zsh"]).stdout(),
        "source <(COMPLETE=zsh galley)\n"
    );
    assert_eq!(
        galley(&["completions", "fish"]).stdout(),
        "COMPLETE=fish galley | source\n"
    );
    // The registration names galley's completer and keeps `:` in a word.
    let script = Galley::new().env("COMPLETE", "bash").run().stdout();
    assert!(
        script.contains("complete -o nospace -o bashdefault"),
        "{script}"
    );
    assert!(
        script.contains("COMP_WORDBREAKS=${COMP_WORDBREAKS//:}"),
        "{script}"
    );
}

/// The README's completion table: what is typed before `TAB`, and the
/// line it becomes.
fn readme_completion_examples() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme
        .split("<!-- completion example:")
        .nth(1)
        .expect("README.md has the completion example table");
    table
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| {
            let spans: Vec<&str> = line.split('`').collect();
            // | `typed` | `completed` |: the spans are at 1 and 3.
            (spans.len() == 5 && spans[1].starts_with("galley "))
                .then(|| (spans[1].to_string(), spans[3].to_string()))
        })
        .collect()
}

// A real interactive bash, as an operator types the README's examples of
// fields and values, and the completed command runs.
#[test]
fn bash_completes_a_query_from_an_inventory_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_galley")).parent().unwrap();
    let rc = dir.path().join("bashrc");
    std::fs::write(
        &rc,
        format!(
            "export PATH={}:$PATH HOME={}\nunset XDG_CACHE_HOME GALLEY_INVENTORY\ncd {}\nsource <(COMPLETE=bash galley)\nPS1='$ '\n",
            bin.display(),
            dir.path().display(),
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let tmux = crate::support::Tmux::start(
        dir.path(),
        &format!("bash --noprofile --rcfile {} -i", rc.display()),
    );
    tmux.wait_screen("$ ");
    let examples = readme_completion_examples();
    assert!(
        examples.len() >= 3,
        "the README's completion table: {examples:?}"
    );
    for (typed, completed) in examples {
        tmux.keys(&["C-u"]);
        tmux.literal(&typed);
        tmux.keys(&["Tab"]);
        tmux.wait_screen(&format!("$ {completed}"));
    }
    tmux.keys(&["Enter"]);
    tmux.wait_screen("galley: 41 nodes selected from inventory fixtures/inventory");
}

/// What the fleet names, completed in a real bash, zsh and fish and the
/// line run: a report file named with a command substitution, a node tag
/// with backquotes (completed inside double quotes), a node name with
/// `$(...)` (completed after `-m`). Each is inserted quoted for its shell
/// and quote, so the line runs galley with that value, and never the
/// command inside it.
#[test]
fn completing_hostile_fleet_values_never_runs_them_in_any_shell() {
    for shell in ["bash", "zsh", "fish"] {
        crate::support::require(&format!("/usr/bin/{shell}"), shell);
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let bin = Path::new(env!("CARGO_BIN_EXE_galley")).parent().unwrap();
        std::fs::write(home.join("rotation$(touch${IFS}pwned-file).jsonl"), "").unwrap();
        std::fs::write(
            home.join("inv.json"),
            r#"[{"name": "app-1", "normal": {"tags": ["deploy`touch${IFS}pwned-tag`"]}, "automatic": {"fqdn": "app-1"}},
                {"name": "[$(touch pwned-name)]", "automatic": {"fqdn": "x"}}]"#,
        )
        .unwrap();
        let command = match shell {
            "bash" => {
                std::fs::write(
                    home.join("rc"),
                    format!(
                        "export PATH={}:$PATH HOME={h}\nunset XDG_CACHE_HOME GALLEY_INVENTORY\ncd {h}\nsource <(COMPLETE=bash galley)\nPS1='$ '\n",
                        bin.display(),
                        h = home.display()
                    ),
                )
                .unwrap();
                format!("bash --noprofile --rcfile {}/rc -i", home.display())
            }
            "zsh" => {
                std::fs::write(
                    home.join(".zshrc"),
                    format!(
                        "export PATH={}:$PATH HOME={h}\nunset XDG_CACHE_HOME GALLEY_INVENTORY\ncd {h}\nautoload -Uz compinit && compinit -u\nsource <(COMPLETE=zsh galley)\nPS1='$ '\n",
                        bin.display(),
                        h = home.display()
                    ),
                )
                .unwrap();
                format!("env ZDOTDIR={} zsh -i", home.display())
            }
            _ => {
                std::fs::create_dir_all(home.join(".config/fish")).unwrap();
                std::fs::write(
                    home.join(".config/fish/config.fish"),
                    format!(
                        "set -gx PATH {} $PATH\nset -e XDG_CACHE_HOME GALLEY_INVENTORY\ncd {}\nCOMPLETE=fish galley | source\nfunction fish_prompt; echo '$ '; end\n",
                        bin.display(),
                        home.display()
                    ),
                )
                .unwrap();
                format!(
                    "env HOME={h} XDG_CONFIG_HOME={h}/.config fish -i",
                    h = home.display()
                )
            }
        };
        let tmux = crate::support::Tmux::start(home, &command);
        tmux.wait_screen("$ ");
        for (typed, completed, ran) in [
            (
                "galley report show rot",
                "pwned-file",
                "not a galley report",
            ),
            (
                "galley search --inventory inv.json \"tags:dep",
                "pwned-tag",
                "1 node selected",
            ),
            (
                "galley run --dry-run --inventory inv.json -m '[",
                "pwned-name",
                "Usage:",
            ),
        ] {
            tmux.keys(&["C-u"]);
            tmux.literal(typed);
            tmux.keys(&["Tab"]);
            tmux.wait_screen(completed);
            tmux.keys(&["Enter"]);
            tmux.wait_screen(ran);
        }
        for pwned in ["pwned-file", "pwned-tag", "pwned-name"] {
            assert!(
                !home.join(pwned).exists(),
                "{shell} ran what the fleet named ({pwned}):\n{}",
                tmux.capture(&[])
            );
        }
    }
}
