#![allow(clippy::disallowed_macros)] // a benchmark prints its figures
//! How fast `TAB` answers from a 10,000-node completion index: the whole
//! galley process, started the way bash's registration starts it, timed
//! over repeated runs. Goal: under 50 ms (`cargo bench --bench complete`).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant};

use galley::complete::index::{write_source_index, SourceIndex};

const NODES: usize = 10_000;
const GOAL: Duration = Duration::from_millis(50);

/// A fleet's worth of names and field values (deterministic).
fn index() -> SourceIndex {
    let envs = ["gprd", "gstg", "pre", "ops", "db-benchmarking", "testbed"];
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |field: &str, value: String| {
        fields.entry(field.to_string()).or_default().insert(value);
    };
    for i in 0..NODES {
        let env = envs[i % envs.len()];
        let role = format!("gitlab-role-{:03}", i % 350);
        add("name", format!("host-{i:05}-sv-{env}"));
        add(
            "fqdn",
            format!("host-{i:05}-sv-{env}.c.gitlab-{env}.internal"),
        );
        add("chef_environment", env.to_string());
        add("roles", role.clone());
        add("run_list", format!("role[{role}]"));
        add("recipes", format!("cookbook-{:03}::default", i % 900));
        add("recipes", format!("cookbook-{:03}::monitoring", i % 900));
        add("tags", format!("tag-{}", i % 50));
        add("platform", "ubuntu".into());
        add(
            "platform_version",
            ["20.04", "22.04", "24.04"][i % 3].into(),
        );
    }
    SourceIndex {
        source: "Chef server https://chef.example.com/organizations/gitlab".into(),
        fields,
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let home = tempfile::tempdir().unwrap();
    // The benchmark is one thread: setting the environment is sound.
    std::env::set_var("HOME", home.path());
    std::env::remove_var("XDG_CACHE_HOME");
    let index = index();
    write_source_index(&index).unwrap();
    let values: usize = index.fields.values().map(BTreeSet::len).sum();
    println!(
        "index: {NODES} nodes, {values} values in {} fields",
        index.fields.len()
    );
    let bin = env!("CARGO_BIN_EXE_galley");
    let cases: [(&str, &[&str]); 4] = [
        ("a field name", &["search", "chef_env"]),
        ("an environment", &["search", "chef_environment:g"]),
        ("a recipe", &["run", "recipes:cookbook-12"]),
        ("a node name (-m)", &["run", "-m", "host-0999"]),
    ];
    println!(
        "{:<18} {:>10} {:>10} {:>11}",
        "completing", "median", "slowest", "candidates"
    );
    let mut worst = Duration::ZERO;
    for (what, words) in cases {
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..30 {
            let started = Instant::now();
            let out = Command::new(bin)
                .arg("--")
                .arg("galley")
                .args(words)
                .env("HOME", home.path())
                .env("COMPLETE", "bash")
                .env("_CLAP_IFS", "\n")
                .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
                .output()
                .unwrap();
            times.push(started.elapsed());
            count = String::from_utf8_lossy(&out.stdout).lines().count();
            assert!(out.status.success() && count > 0, "{what}: {out:?}");
        }
        let m = median(times.clone());
        worst = worst.max(m);
        println!(
            "{what:<18} {:>8.1}ms {:>8.1}ms {count:>11}",
            m.as_secs_f64() * 1000.0,
            times.iter().max().unwrap().as_secs_f64() * 1000.0
        );
    }
    println!(
        "slowest median {:.1} ms against the goal of {} ms: {}",
        worst.as_secs_f64() * 1000.0,
        GOAL.as_millis(),
        if worst < GOAL { "met" } else { "NOT met" }
    );
}
