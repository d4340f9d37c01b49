#![allow(clippy::disallowed_macros)] // a benchmark prints its figures
//! Node selection at fleet scale: load 100,000 nodes from one JSON file,
//! then parse and evaluate a typical query over them.
//!
//! `cargo bench --bench select` (set GALLEY_BENCH_NODES to change the size,
//! GALLEY_BENCH_FILE to keep the generated inventory there). The nodes are
//! the fixture inventory's 62 nodes, renamed and renumbered, so each is a
//! realistic ~1.6 KB ohai-style document. Figures are medians; the goals
//! come from the foundation issue and are printed as ratios.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use galley::inventory::node_files::Inventory;
use galley::inventory::{parse, NodeSource};
use serde_json::Value;

/// The integration tests' helpers: fixtures and the test Chef server.
#[allow(dead_code, unused_imports)]
#[path = "../tests/galley/support/mod.rs"]
mod support;

const QUERY: &str =
    "recipes:omnibus-gitlab\\:\\:default AND chef_environment:gprd AND NOT roles:packagecloud";

fn templates() -> Vec<Value> {
    support::fixture_nodes()
}

/// `count` distinct nodes: names, addresses and check-in times all differ.
fn generate(count: usize) -> Vec<Value> {
    let templates = templates();
    (0..count)
        .map(|i| {
            let mut node = templates[i % templates.len()].clone();
            let name = format!("{}-{i:06}", node["name"].as_str().unwrap());
            let automatic = &mut node["automatic"];
            if automatic.get("fqdn").is_some() {
                automatic["fqdn"] = format!("{name}.c.example.internal").into();
                automatic["hostname"] = name.clone().into();
                automatic["ipaddress"] =
                    format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255).into();
                let t = automatic["ohai_time"].as_f64().unwrap() - (i % 3600) as f64;
                automatic["ohai_time"] = t.into();
            }
            node["name"] = name.into();
            node
        })
        .collect()
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        // Free the previous result before the clock starts.
        drop(last.take());
        let start = Instant::now();
        let result = std::hint::black_box(f());
        samples.push(start.elapsed());
        last = Some(result);
    }
    (median(samples), last.unwrap())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not: then run small.
    let benching = std::env::args().any(|a| a == "--bench");
    let count: usize = std::env::var("GALLEY_BENCH_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 1_000 });
    let dir = tempfile::tempdir().unwrap();
    let file = std::env::var_os("GALLEY_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("nodes.json"));
    std::fs::write(&file, serde_json::to_vec(&generate(count)).unwrap()).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    println!(
        "galley select bench: {count} nodes, {:.1} MB in one JSON file, {} threads",
        size as f64 / 1e6,
        rayon::current_num_threads()
    );

    let (load, inventory) = time(5, || Inventory::load(&file).unwrap());
    let (query, matched) = time(20, || {
        let query = parse(QUERY).unwrap().fuzzify();
        inventory.search(&query).unwrap().len()
    });
    drop(inventory);
    let (end_to_end, _) = time(5, || {
        let inventory = Inventory::load(&file).unwrap();
        inventory.search(&parse(QUERY).unwrap()).unwrap().len()
    });
    let (cli, status) = time(3, || {
        Command::new(env!("CARGO_BIN_EXE_galley"))
            .args(["search", "--format", "json", "--inventory"])
            .arg(&file)
            .arg(QUERY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
    });
    assert!(status.success(), "galley search failed: {status}");

    println!("query: {QUERY}");
    println!("matched: {matched} nodes");
    println!(
        "{:<40} {:>9}  {:>6}  {:>6}",
        "stage", "median", "goal", "ratio"
    );
    let row = |stage: &str, took: Duration, goal_ms: Option<f64>| match goal_ms {
        Some(goal) => println!(
            "{stage:<40} {:>7.1}ms  {goal:>4}ms  {:>6.2}",
            ms(took),
            ms(took) / goal
        ),
        None => println!("{stage:<40} {:>7.1}ms  {:>6}  {:>6}", ms(took), "-", "-"),
    };
    // The goals are for 100,000 nodes.
    let goal = |ms: f64| (count == 100_000).then_some(ms);
    row("load (read, parse, merge)", load, None);
    row("query (parse + evaluate)", query, goal(100.0));
    row("load + query, in process", end_to_end, goal(1000.0));
    row("galley search --format json, a process", cli, None);
}
