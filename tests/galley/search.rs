//! `galley search` end to end: the binary, the fixture inventory, the
//! output formats, exit codes and error screens.

use serde_json::Value;

use crate::support::{fixture_inventory, galley, hosts, Galley};

const RUNBOOK_QUERY: &str = "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd";

fn inv() -> String {
    fixture_inventory().to_str().unwrap().to_string()
}

#[test]
fn table_lists_matches_sorted_by_name_with_their_columns() {
    let run = galley(&["search", "--inventory", &inv(), RUNBOOK_QUERY]);
    run.expect_code(0);
    let mut expected = hosts("web-[01-08]-sv-gprd,api-[01-05]-sv-gprd,git-[01-04]-stor-gprd,sidekiq-[01-04]-sv-gprd,packagecloud-01-inf-gprd");
    expected.sort();
    assert_eq!(run.names(), expected);
    let stdout = run.stdout();
    let header: Vec<&str> = stdout.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAME", "ADDRESS", "ENVIRONMENT", "PLATFORM", "CHECK-IN"]
    );
    let web01 = stdout
        .lines()
        .find(|l| l.starts_with("web-01-sv-gprd "))
        .unwrap();
    let cells: Vec<&str> = web01.split_whitespace().collect();
    assert_eq!(
        &cells[..5],
        [
            "web-01-sv-gprd",
            "web-01-sv-gprd.c.gitlab-production.internal",
            "gprd",
            "ubuntu",
            "22.04"
        ]
    );
    assert!(web01.ends_with(" ago"), "{web01}");
    assert!(
        run.stderr().contains("22 nodes selected from inventory"),
        "{run}"
    );
}

#[test]
fn json_prints_one_array_of_records() {
    let run = galley(&[
        "search",
        "--format",
        "json",
        "--inventory",
        &inv(),
        "name:bastion* OR name:web-09*",
    ]);
    run.expect_code(0);
    let records = run.json();
    let records = records.as_array().unwrap();
    let names: Vec<&str> = records
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "bastion-01-inf-gprd",
            "bastion-01-inf-gstg",
            "bastion-01-inf-ops",
            "bastion-02-inf-gprd",
            "web-09-sv-gprd"
        ]
    );
    let ops = &records[2];
    assert_eq!(ops["address"], "lb-bastion-01.ops.gitlab.com");
    assert_eq!(ops["port"], 2222);
    assert_eq!(ops["chef_environment"], "ops");
    assert_eq!(ops["platform"], "ubuntu 22.04");
    let ohai_time = ops["ohai_time"].as_f64().unwrap();
    let age = ops["checkin_age_seconds"].as_f64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (now - ohai_time - age).abs() < 60.0,
        "age is measured from now: {ops}"
    );
    assert!(ops["source"]
        .as_str()
        .unwrap()
        .ends_with("nodes/bastion-01-inf-ops.json"));
    let never = &records[4];
    assert_eq!(never["address"], Value::Null);
    assert_eq!(never["ohai_time"], Value::Null);
    assert!(never["warnings"][0]
        .as_str()
        .unwrap()
        .starts_with("no usable address"));
    // No progress chatter on stderr when the output is for programs, but warnings stay.
    assert!(!run.stderr().contains("selected from"), "{run}");
    assert!(
        run.stderr()
            .contains("warning: 1 node without a usable address"),
        "{run}"
    );
}

#[test]
fn long_shows_every_flattened_attribute() {
    let run = galley(&[
        "search",
        "-l",
        "--inventory",
        &inv(),
        "name:bastion-01-inf-ops",
    ]);
    run.expect_code(0);
    let out = run.stdout();
    assert!(out.starts_with("bastion-01-inf-ops  ("), "{out}");
    let has = |field: &str, value: &str| {
        out.lines().any(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells.len() >= 2 && cells[0] == field && cells[1..].join(" ") == value
        })
    };
    assert!(
        has("address:", "lb-bastion-01.ops.gitlab.com:2222"),
        "{out}"
    );
    assert!(has("cloud_public_ssh_port", "2222"), "{out}");
    assert!(has("kernel_release", "6.5.0-1020-gcp"), "{out}");
    assert!(has("recipes", "bastion::default"), "{out}");
    assert!(has("roles", "base"), "{out}");
    assert!(has("chef_environment", "ops"), "{out}");
    assert!(has("lsb_description", "Ubuntu 22.04 LTS"), "{out}");

    let run = galley(&[
        "search",
        "-l",
        "--format",
        "json",
        "--inventory",
        &inv(),
        "name:bastion-01-inf-ops",
    ]);
    let attrs = &run.json()[0]["attributes"];
    assert_eq!(attrs["roles"], serde_json::json!(["bastion", "base"]));
    assert_eq!(attrs["cloud_public_ssh_port"], serde_json::json!(["2222"]));
}

#[test]
fn no_match_exits_4_and_says_where_it_looked() {
    let run = galley(&["search", "--inventory", &inv(), "chef_environment:nowhere"]);
    run.expect_code(4);
    assert!(run.stdout().is_empty());
    assert!(
        run.stderr()
            .contains("no node matches chef_environment:nowhere in inventory"),
        "{run}"
    );
}

#[test]
fn attribute_picks_the_address() {
    let run = galley(&[
        "search",
        "--format",
        "json",
        "-a",
        "ipaddress",
        "--inventory",
        &inv(),
        "chef_environment:ops",
    ]);
    run.expect_code(0);
    for record in run.json().as_array().unwrap() {
        let address = record["address"].as_str().unwrap();
        assert!(address.starts_with("10.250."), "{record}");
    }
}

#[test]
fn the_inventory_can_come_from_the_environment() {
    let run = Galley::new()
        .args(["search", "name:web-01-sv-gprd"])
        .env("GALLEY_INVENTORY", inv())
        .run();
    run.expect_code(0);
    assert_eq!(run.names(), ["web-01-sv-gprd"]);
}

#[test]
fn several_words_form_one_query() {
    let run = galley(&[
        "search",
        "--inventory",
        &inv(),
        "chef_environment:ops",
        "AND",
        "name:bastion*",
    ]);
    run.expect_code(0);
    assert_eq!(run.names(), ["bastion-01-inf-ops"]);
}

#[test]
fn manual_lists_expand_ranges_and_need_no_inventory() {
    let run = galley(&["search", "-m", "web-[01-03].example.com,db[1-2]", "cache"]);
    run.expect_code(0);
    assert_eq!(
        run.names(),
        [
            "cache",
            "db1",
            "db2",
            "web-01.example.com",
            "web-02.example.com",
            "web-03.example.com"
        ]
    );
    let run = galley(&["search", "-m", "web-[03-01]"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("invalid host list at column 6: the range '03-01' runs backwards"),
        "{run}"
    );
}

#[test]
fn a_malformed_query_is_a_usage_error_with_a_caret() {
    let run = galley(&[
        "search",
        "--inventory",
        &inv(),
        "chef_environment:gprd AND (roles:web",
    ]);
    run.expect_code(2);
    let err = run.stderr();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "galley: error: invalid query at column 27: unbalanced parenthesis: this '(' is never closed (expected ')')", "{run}");
    assert_eq!(lines[1], "  chef_environment:gprd AND (roles:web");
    assert_eq!(lines[2], format!("  {}^", " ".repeat(26)));
}

#[test]
fn the_query_is_checked_before_the_inventory_is_read() {
    let run = galley(&["search", "--inventory", "/nonexistent", "name:("]);
    run.expect_code(2);
}

#[test]
fn without_a_node_source_the_error_explains_the_ways_to_give_one() {
    let run = galley(&["search", "name:web"]);
    run.expect_code(3);
    let err = run.stderr();
    assert!(err.starts_with("galley: error: no node source"), "{run}");
    assert!(
        err.contains("hint: pass --inventory PATH (or set GALLEY_INVENTORY)"),
        "{run}"
    );
    assert!(err.contains("-m"), "{run}");
    assert!(
        err.contains("configure a Chef server as knife does"),
        "{run}"
    );
}

#[test]
fn usage_errors_from_clap_exit_2() {
    galley(&["search", "--format", "xml", "*:*"]).expect_code(2);
    galley(&["search"]).expect_code(2);
    galley(&["search", "-m", "-a", "ip", "h"]).expect_code(2);
}

#[test]
fn help_lists_the_exit_codes() {
    let run = galley(&["--help"]);
    run.expect_code(0);
    let out = run.stdout();
    for code in ["0 ", "1 ", "2 ", "3 ", "4 ", "130"] {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(code)),
            "exit code {code} in --help:\n{out}"
        );
    }
}

// Node data is an entry point too: an attribute may hold a repository URL
// with its token, or a private key, and `search -l` shows every attribute.
#[test]
fn long_output_masks_secrets_in_node_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let node = serde_json::json!({
        "name": "leaky-01",
        "chef_environment": "gprd",
        "normal": {
            "apt": {"source": "deb https://glpat-NodeToken123:@packages.gitlab.com/gitlab/x jammy main"},
            "deploy_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----\n"
        }
    });
    std::fs::write(
        dir.path().join("nodes.json"),
        serde_json::to_string(&[node]).unwrap(),
    )
    .unwrap();
    let inventory = dir.path().join("nodes.json");
    for format in ["table", "json"] {
        let run = galley(&[
            "search",
            "-l",
            "--format",
            format,
            "--inventory",
            inventory.to_str().unwrap(),
            "name:leaky-01",
        ]);
        run.expect_code(0);
        let out = run.stdout() + &run.stderr();
        assert!(
            !out.contains("NodeToken123") && !out.contains("b3BlbnNzaC1rZXkt"),
            "{format}: {out}"
        );
        assert!(
            out.contains("https://REDACTED@packages.gitlab.com"),
            "{format}: {out}"
        );
    }
}

// Values and field names are case-sensitive, as on Chef Server; the
// inventory-only --ignore-case says it is on, and a Chef server refuses it.
#[test]
fn case_counts_unless_ignore_case_is_asked_for_on_an_inventory() {
    let run = galley(&["search", "--inventory", &inv(), "platform:UBUNTU"]);
    run.expect_code(4);
    assert!(
        run.stderr().contains(
            "hint: 61 nodes match if case is ignored: field names and values are case-sensitive"
        ),
        "{run}"
    );
    let run = galley(&["search", "--inventory", &inv(), "platform:nosuch"]);
    run.expect_code(4);
    assert!(!run.stderr().contains("if case is ignored"), "{run}");
    let run = galley(&[
        "search",
        "--inventory",
        &inv(),
        "--ignore-case",
        "PLATFORM:UBUNTU AND platform_version:20.04",
    ]);
    run.expect_code(0);
    assert!(!run.names().is_empty(), "{run}");
    assert!(
        run.stderr()
            .contains("ignoring case (--ignore-case: a Chef server would not)"),
        "{run}"
    );
    let run = galley(&[
        "run",
        "--inventory",
        &inv(),
        "--ignore-case",
        "--dry-run",
        "platform:UBUNTU",
        "--",
        "true",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().contains(&format!(
            "query: platform:UBUNTU (from inventory {}, ignoring case)",
            inv()
        )),
        "{run}"
    );
    let run = galley(&[
        "search",
        "--server-url",
        "http://127.0.0.1:9",
        "--ignore-case",
        "platform:ubuntu",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("--ignore-case works on an inventory only"),
        "{run}"
    );
}

// `search --long` reads nodes again a few dozen at a time, in parallel, and
// writes them in name order: across those chunks the JSON is one array of
// the same nodes, in the same order, as the short listing.
#[test]
fn long_json_is_one_array_of_every_node_in_name_order() {
    let short = galley(&["search", "--format", "json", "--inventory", &inv(), "*:*"]);
    let long = galley(&[
        "search",
        "-l",
        "--format",
        "json",
        "--inventory",
        &inv(),
        "*:*",
    ]);
    short.expect_code(0);
    long.expect_code(0);
    let (short_names, long_names) = (short.json_names(), long.json_names());
    assert!(short_names.len() > 32, "more nodes than one chunk");
    assert!(short_names.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(long_names, short_names);
    assert!(long
        .json()
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["attributes"]["chef_environment"].is_array()));
}
